/**
 * The web console: plain HTML pages and small ES modules in server/console/, served as fixed
 * files (no build step, nothing from a CDN). Chinese by default; English one click away.
 */
import { readFileSync } from 'node:fs';
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
  '/console/i18n.js': 'i18n.js',
  '/console/index.js': 'index.js',
  '/console/api.js': 'api.js',
  '/console/candidate.js': 'candidate.js',
  '/console/examiner.js': 'examiner.js',
  '/console/slips.js': 'slips.js',
  '/console/style.css': 'style.css',
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
  for (const [url, file] of Object.entries(FILES))
    // Pages and their assets are not API: kept out of the OpenAPI document.
    app.get(url, { schema: { hide: true } }, (_req, reply) =>
      reply
        .header('content-type', TYPES[file.split('.').pop() ?? ''] ?? 'text/plain')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'self'; style-src 'self'; script-src 'self'; frame-src 'self'",
        )
        .send(read(file)),
    );
}
