import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HandInSpec } from '../../grader/types.js';
import {
  HANDIN_MAX_BYTES,
  cleanName,
  handinProblem,
  handinType,
  inspectHandin,
  sniffTypes,
} from '../../tasks/handin.js';

const docx = readFileSync(new URL('../fixtures/handin/case.docx', import.meta.url));
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const elf = Buffer.from('7f454c46020101000000', 'hex');
const spec: HandInSpec = {
  id: 'case',
  title: { zh: '案例', en: 'case' },
  types: ['md', 'docx', 'pdf'],
  maxBytes: 4096,
};

describe('hand-ins', () => {
  it('tells a kind by content, never by name', () => {
    expect(sniffTypes(pdf)).toEqual(['pdf']);
    expect(sniffTypes(png)).toEqual(['png']);
    expect(sniffTypes(docx)).toEqual(['docx']);
    expect(sniffTypes(elf)).toEqual([]);
    expect(sniffTypes(Buffer.from('# 标题\n\n正文'))).toEqual(['md', 'txt']);
    expect(sniffTypes(Buffer.from('{"a": 1}'))).toContain('json');
    // An executable named case.pdf is no PDF; a PDF named case.md is a PDF.
    expect(handinType(spec, elf, 'case.pdf')).toBeUndefined();
    expect(handinType(spec, pdf, 'case.md')).toBe('pdf');
    expect(handinType({ ...spec, types: ['png'] }, pdf, 'x.png')).toBeUndefined();
    // A ZIP that is not a Word document is not a DOCX.
    expect(sniffTypes(Buffer.from('PK\x03\x04hello.txt', 'latin1'))).toEqual([]);
  });

  it('refuses empty, oversized and wrong-kind files with a reason in both languages', () => {
    expect(handinProblem(spec, Buffer.alloc(0), 'a.md')).toMatch(/文件为空 \/ the file is empty/);
    expect(handinProblem(spec, Buffer.alloc(5000, 0x41), 'a.md')).toMatch(/4096/);
    expect(handinProblem(spec, png, 'a.png')).toMatch(/md\/docx\/pdf.*md, docx, pdf/);
    expect(handinProblem(spec, pdf, 'a.pdf')).toBeUndefined();
    expect(
      handinProblem({ ...spec, maxBytes: HANDIN_MAX_BYTES * 2 }, Buffer.alloc(1), 'a'),
    ).toMatch(/content/);
  });

  it('keeps a name only as a label: no folders, no control characters', () => {
    expect(cleanName('../../etc/passwd')).toBe('passwd');
    expect(cleanName('C:\\Users\\me\\报告.docx')).toBe('报告.docx');
    expect(cleanName('a\u0000b\nc<script>.md')).toBe('a_b_c_script_.md');
    expect(cleanName('..')).toBe('file');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const n = cleanName(s);
        return (
          n.length > 0 &&
          n.length <= 100 &&
          !n.includes('/') &&
          !n.includes('\\') &&
          n !== '..' &&
          ![...n].some((ch) => ch.charCodeAt(0) < 0x20)
        );
      }),
    );
  });

  it('never throws on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const r = await inspectHandin(spec, { buf: Buffer.from(bytes), name: 'x' });
        return r.item === 'case' && (r.found ? r.sha256?.length === 64 : true);
      }),
      { numRuns: 200 },
    );
  });

  it('records what automatic checks read: the text of a DOCX or Markdown file', async () => {
    const d = await inspectHandin(spec, { buf: docx, name: 'case.docx' });
    expect(d).toMatchObject({ found: true, type: 'docx', bytes: docx.length });
    expect(d.text).toContain('sensor-3 stopped reporting');
    const m = await inspectHandin(spec, { buf: Buffer.from('# 案例\nsensor-3'), name: 'c.md' });
    expect(m).toMatchObject({ found: true, type: 'md', text: '# 案例\nsensor-3' });
    const p = await inspectHandin(spec, { buf: pdf, name: 'c.pdf' });
    expect(p.text).toBeUndefined();
    const none = await inspectHandin(spec, undefined);
    expect(none).toEqual({ item: 'case', found: false });
    const bad = await inspectHandin(spec, { buf: elf, name: '../run.pdf' });
    expect(bad).toMatchObject({ found: false, name: 'run.pdf' });
    expect(bad.refused).toMatch(/content/);
  });
});
