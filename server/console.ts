/**
 * The web console: plain HTML pages and small ES modules in server/console/, served as fixed
 * files (no build step, nothing from a CDN). Chinese by default; English one click away. The one
 * third-party browser library, uPlot (MIT, the trainer page's charts), is served from node_modules.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

// From dist/server/ the sources are two levels up; from server/ (vitest) one.
const here = dirname(fileURLToPath(import.meta.url));
const roots = [join(here, 'console'), join(here, '..', '..', 'server', 'console')];

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/candidate': 'candidate.html',
  '/examiner': 'examiner.html',
  '/slips': 'slips.html',
  '/trainer': 'trainer.html',
  '/console/i18n.js': 'i18n.js',
  '/console/index.js': 'index.js',
  '/console/api.js': 'api.js',
  '/console/candidate.js': 'candidate.js',
  '/console/examiner.js': 'examiner.js',
  '/console/slips.js': 'slips.js',
  '/console/trainer.js': 'trainer.js',
  '/console/style.css': 'style.css',
};
/** Browser files of npm packages, by URL: resolved through node_modules like an import. */
const VENDOR: Record<string, string> = {
  '/console/vendor/uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  '/console/vendor/uPlot.min.css': 'uplot/dist/uPlot.min.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function read(file: string): string {
  for (const r of roots) {
    try {
      return readFileSync(join(r, file), 'utf8');
    } catch {
      // try the next root
    }
  }
  throw new Error(`console file ${file} is missing`);
}

export function registerConsole(app: FastifyInstance): void {
  const require = createRequire(import.meta.url);
  const files: [string, string, () => string][] = [
    ...Object.entries(FILES).map(([url, file]): [string, string, () => string] => [
      url,
      file,
      () => read(file),
    ]),
    // Read once: a missing package fails at startup, not on a trainer's first page load.
    ...Object.entries(VENDOR).map(([url, spec]): [string, string, () => string] => {
      const text = readFileSync(require.resolve(spec), 'utf8');
      return [url, spec, () => text];
    }),
  ];
  for (const [url, file, body] of files)
    // Pages and their assets are not API: kept out of the OpenAPI document.
    app.get(url, { schema: { hide: true } }, (_req, reply) =>
      reply
        .header('content-type', TYPES[file.split('.').pop() ?? ''] ?? 'text/plain')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; style-src 'self'; script-src 'self'; frame-src 'self'",
        )
        .send(body()),
    );
}
