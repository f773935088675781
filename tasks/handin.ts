/**
 * Hand-ins (issue 15): documents and design files a candidate hands in for examiners to mark by a
 * rubric, and for automatic checks to read. A file's kind is told from its content, never from its
 * name (a renamed executable is not a PDF); its size is bounded; its name is kept only as a label,
 * cleaned of paths and control characters. Nothing handed in is ever executed.
 *
 * The runner (iotlab check, the exam server) records each item of a task as one `handin` evidence
 * event: `{ item, found, name?, type?, mime?, bytes?, sha256?, text?, textTruncated?, refused? }`.
 * `text` is what automatic checks read: the text of a Markdown, plain-text, JSON or YAML file, the
 * raw text of a DOCX (mammoth), none for PDF and images; at most HANDIN_TEXT_MAX characters.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EvidenceFields } from '../core/evidence.js';
import type { HandInSpec, HandinType, Task } from '../grader/types.js';

/** The most a hand-in may take, and each item's default limit. */
export const HANDIN_MAX_BYTES = 20 * 1024 * 1024;
/** Characters of a hand-in's text kept in the evidence. */
export const HANDIN_TEXT_MAX = 64 * 1024;

export const HANDIN_MIME: Record<HandinType, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  png: 'image/png',
  jpeg: 'image/jpeg',
  json: 'application/json',
  yaml: 'application/yaml',
};

const TEXT_TYPES: readonly HandinType[] = ['md', 'txt', 'json', 'yaml'];

export interface HandinRecord extends EvidenceFields {
  item: string;
  found: boolean;
  name?: string;
  type?: HandinType;
  mime?: string;
  bytes?: number;
  sha256?: string;
  text?: string;
  textTruncated?: boolean;
  /** Why the file was not taken (wrong kind, too large, empty); bilingual. */
  refused?: string;
}

const startsWith = (buf: Buffer, bytes: readonly number[]) =>
  buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);

/** UTF-8 text without NUL or other control characters than tab, CR and LF. */
function asText(buf: Buffer): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD')) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) return undefined;
  return text.replace(/^\uFEFF/, '');
}

/**
 * The kinds a file's content can be: one binary kind by its signature, or the text kinds it
 * parses as (Markdown and plain text take any text; JSON and YAML must parse).
 */
export function sniffTypes(buf: Buffer): HandinType[] {
  if (startsWith(buf, [0x25, 0x50, 0x44, 0x46, 0x2d])) return ['pdf'];
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return ['png'];
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return ['jpeg'];
  // A DOCX is a ZIP whose entries include word/document.xml (entry names are stored plainly).
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]))
    return buf.includes('word/document.xml') ? ['docx'] : [];
  const text = asText(buf);
  if (text === undefined) return [];
  const kinds: HandinType[] = ['md', 'txt'];
  try {
    JSON.parse(text);
    kinds.push('json');
  } catch {
    /* not JSON */
  }
  try {
    const y: unknown = parseYaml(text);
    if (y !== null && typeof y === 'object') kinds.push('yaml');
  } catch {
    /* not YAML */
  }
  return kinds;
}

/** A name fit to show: no folders, no control characters, at most 100 characters. */
export function cleanName(name: string): string {
  const base = basename(name.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001F\u007F<>:"|?*]/g, '_')
    .trim()
    .slice(-100);
  return base === '' || base === '.' || base === '..' ? 'file' : base;
}

const extOf = (name: string): string =>
  /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase() ?? '';
const EXT_TYPE: Record<string, HandinType> = {
  md: 'md',
  markdown: 'md',
  txt: 'txt',
  text: 'txt',
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
};

/**
 * Which allowed kind a file is: the kind its content shows; among the text kinds its content fits,
 * the one its name says if allowed, else the first allowed. Undefined when no allowed kind fits.
 */
export function handinType(spec: HandInSpec, buf: Buffer, name: string): HandinType | undefined {
  const fits = sniffTypes(buf).filter((t) => spec.types.includes(t));
  if (fits.length === 0) return undefined;
  const named = EXT_TYPE[extOf(name)];
  if (named && fits.includes(named) && TEXT_TYPES.includes(named)) return named;
  return fits[0];
}

export function handinLimit(spec: HandInSpec): number {
  return Math.min(spec.maxBytes ?? HANDIN_MAX_BYTES, HANDIN_MAX_BYTES);
}

/** Why a file cannot be taken for an item, in zh and en; undefined when it can. */
export function handinProblem(spec: HandInSpec, buf: Buffer, name: string): string | undefined {
  if (buf.length === 0) return '文件为空 / the file is empty';
  if (buf.length > handinLimit(spec))
    return `文件超过 ${handinLimit(spec)} 字节 / the file is larger than ${handinLimit(spec)} bytes`;
  if (!handinType(spec, buf, name))
    return `文件内容不是 ${spec.types.join('/')} / the file's content is not ${spec.types.join(', ')}`;
  return undefined;
}

async function textOf(type: HandinType, buf: Buffer): Promise<string | undefined> {
  if (TEXT_TYPES.includes(type)) return asText(buf);
  if (type === 'docx') {
    try {
      // Loaded on first use: planning or grading a task without a DOCX never loads it.
      const m = await import('mammoth');
      const mammoth = (m as { default?: typeof m }).default ?? m;
      return (await mammoth.extractRawText({ buffer: buf })).value;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The evidence fields of one item: what was handed in, or that nothing (acceptable) was. */
export async function inspectHandin(
  spec: HandInSpec,
  file: { buf: Buffer; name: string } | undefined,
): Promise<HandinRecord> {
  if (!file) return { item: spec.id, found: false };
  const name = cleanName(file.name);
  const problem = handinProblem(spec, file.buf, name);
  const sha256 = createHash('sha256').update(file.buf).digest('hex');
  if (problem)
    return { item: spec.id, found: false, name, bytes: file.buf.length, sha256, refused: problem };
  const type = handinType(spec, file.buf, name) as HandinType;
  const text = await textOf(type, file.buf);
  return {
    item: spec.id,
    found: true,
    name,
    type,
    mime: HANDIN_MIME[type],
    bytes: file.buf.length,
    sha256,
    ...(text !== undefined
      ? {
          text: text.slice(0, HANDIN_TEXT_MAX),
          ...(text.length > HANDIN_TEXT_MAX ? { textTruncated: true } : {}),
        }
      : {}),
  };
}

/**
 * The `handin` events of a run: one per item of the task, from the files given by item id (a path
 * and the name to show). Items not given are recorded as not handed in.
 */
export async function handinRecords(
  task: Task,
  files: ReadonlyMap<string, { path: string; name?: string }>,
): Promise<HandinRecord[]> {
  const out: HandinRecord[] = [];
  for (const spec of task.handIn ?? []) {
    const f = files.get(spec.id);
    let file: { buf: Buffer; name: string } | undefined;
    if (f) {
      // Never read a file past the item's limit: it is refused by its size alone.
      const size = statSync(f.path).size;
      const name = cleanName(f.name ?? f.path);
      if (size > handinLimit(spec)) {
        out.push({
          item: spec.id,
          found: false,
          name,
          bytes: size,
          refused: `文件超过 ${handinLimit(spec)} 字节 / the file is larger than ${handinLimit(spec)} bytes`,
        });
        continue;
      }
      file = { buf: readFileSync(f.path), name };
    }
    out.push(await inspectHandin(spec, file));
  }
  return out;
}
