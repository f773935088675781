/**
 * A candidate's web app on the exam server (issue 16): handed in as one ZIP of its static files,
 * unpacked into the task's work folder under `app/` for the graded run to serve and drive
 * (tasks/app-run.ts). Bounded and sanitised as it is unpacked: at most APP_ZIP_MAX bytes of ZIP,
 * APP_MAX_FILES files, APP_MAX_BYTES unpacked (a ZIP bomb stops there), no absolute paths, no
 * `..`, no backslashes or control characters; a single top folder (the usual way a folder is
 * zipped) is taken off. A refused ZIP leaves the earlier app in place. Nothing is executed on the
 * server: the files are served to a sandboxed browser only.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import JSZip from 'jszip';
import { LabError } from '../core/errors.js';

export const APP_ZIP_MAX = 20 * 1024 * 1024;
export const APP_MAX_FILES = 500;
export const APP_MAX_BYTES = 50 * 1024 * 1024;

export interface StoredApp {
  files: number;
  bytes: number;
  /** SHA-256 of the ZIP as handed in. */
  sha256: string;
  hasIndex: boolean;
  at: string;
}

const refuse = (why: string) => new LabError('HANDIN_REFUSED', why);

/** A ZIP entry's path made safe, or undefined when it cannot be. */
function safePath(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(name) || name.startsWith('/')) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

/** Unpacks a ZIP into `<dir>/app` (replacing the earlier app) and describes it. */
export async function saveApp(dir: string, zip: Buffer): Promise<StoredApp> {
  if (zip.length === 0) throw refuse('文件为空 / the file is empty');
  if (zip.length > APP_ZIP_MAX)
    throw new LabError(
      'API_TOO_LARGE',
      `ZIP 超过 ${APP_ZIP_MAX} 字节 / the ZIP is larger than ${APP_ZIP_MAX} bytes`,
    );
  let archive: JSZip;
  try {
    archive = await JSZip.loadAsync(zip);
  } catch {
    throw refuse('不是有效的 ZIP 文件 / not a valid ZIP file');
  }
  const entries = Object.values(archive.files).filter((f) => !f.dir);
  if (entries.length === 0) throw refuse('ZIP 中没有文件 / the ZIP holds no files');
  if (entries.length > APP_MAX_FILES)
    throw refuse(`文件数超过 ${APP_MAX_FILES} / more than ${APP_MAX_FILES} files`);
  const paths = entries.map((e) => safePath(e.name));
  const bad = entries.find((_, i) => paths[i] === undefined);
  if (bad)
    throw refuse(
      `不安全的路径 / an unsafe path in the ZIP: ${JSON.stringify(bad.name.slice(0, 100))}`,
    );
  // One folder holding everything (a zipped folder): its contents are the app.
  const tops = new Set(paths.map((p) => p!.split('/')[0]));
  const strip = tops.size === 1 && paths.every((p) => p!.includes('/')) ? `${[...tops][0]}/` : '';
  const tmp = join(dir, '.app.unpack');
  rmSync(tmp, { recursive: true, force: true });
  let total = 0;
  try {
    for (const [i, e] of entries.entries()) {
      const rel = paths[i]!.slice(strip.length);
      const bytes = await e.async('nodebuffer');
      total += bytes.length;
      if (total > APP_MAX_BYTES)
        throw refuse(
          `解压后超过 ${APP_MAX_BYTES} 字节 / more than ${APP_MAX_BYTES} bytes unpacked`,
        );
      const out = join(tmp, rel);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, bytes);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const app = join(dir, 'app');
  rmSync(app, { recursive: true, force: true });
  renameSync(tmp, app);
  const stored: StoredApp = {
    files: entries.length,
    bytes: total,
    sha256: createHash('sha256').update(zip).digest('hex'),
    hasIndex: existsSync(join(app, 'index.html')),
    at: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'app.json'), JSON.stringify(stored));
  return stored;
}

export function storedApp(dir: string): StoredApp | undefined {
  const meta = join(dir, 'app.json');
  if (!existsSync(meta) || !existsSync(join(dir, 'app'))) return undefined;
  return JSON.parse(readFileSync(meta, 'utf8')) as StoredApp;
}
