/**
 * The web console: Vue 3 pages built by Vite (server/console/, `npm run build`) into
 * dist/console, served here as fixed files: one page per role at /candidate, /examiner,
 * /trainer and /slips, the index at /, and the bundles under /console/assets/. Nothing comes from
 * a CDN and nothing is fetched at run time; the content security policy says so to the browser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

// From dist/server/ the build is one level up (dist/console); from server/ (vitest) in dist/.
const here = dirname(fileURLToPath(import.meta.url));
const ROOTS = [join(here, '..', 'console'), join(here, '..', 'dist', 'console')];

const PAGES: Record<string, string> = {
  '/': 'index.html',
  '/candidate': 'candidate.html',
  '/examiner': 'examiner.html',
  '/trainer': 'trainer.html',
  '/slips': 'slips.html',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  woff2: 'font/woff2',
  woff: 'font/woff',
  ttf: 'font/ttf',
  png: 'image/png',
};
// Element Plus and ECharts set styles through the CSSOM, which 'self' allows; no inline script.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'";
const AssetName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/);

function buildRoot(): string | undefined {
  for (const r of ROOTS) {
    try {
      readdirSync(join(r, 'assets'));
      return r;
    } catch {
      // try the next
    }
  }
  return undefined;
}

export function registerConsole(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  const root = buildRoot();
  const file = (rel: string): Buffer | undefined => {
    if (!root) return undefined;
    let body = cache.get(rel);
    if (!body) {
      try {
        body = readFileSync(join(root, rel));
      } catch {
        return undefined;
      }
      cache.set(rel, body);
    }
    return body;
  };
  const send = (reply: FastifyReply, rel: string, immutable: boolean) => {
    const body = file(rel);
    if (!body)
      return reply
        .status(root ? 404 : 503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send(root ? 'not found' : 'the console is not built: run `npm run build`');
    return reply
      .header('content-type', TYPES[rel.split('.').pop() ?? ''] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .send(body);
  };

  // Pages and their assets are not API: kept out of the OpenAPI document.
  for (const [url, page] of Object.entries(PAGES))
    app.get(url, { schema: { hide: true } }, (_req, reply) => send(reply, page, false));
  app.get<{ Params: { name: string } }>(
    '/console/assets/:name',
    { schema: { hide: true } },
    (req, reply) => {
      const name = AssetName.safeParse(req.params.name);
      if (!name.success) return reply.status(404).send('not found');
      // File names carry a content hash: they never change.
      return send(reply, `assets/${name.data}`, true);
    },
  );
}
