/**
 * A small read-only HTTP server for lab artefacts that real setups publish as files: barcode and
 * QR images for image-acquisition tasks, lookup tables. GET only; everything else gets 405, an
 * unknown path 404. Contents are produced on first request and cached.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../core/logger.js';
import { closeServer, listenAs, urlHost } from '../listen.js';

export interface FileEntry {
  contentType: string;
  produce(): Promise<Buffer>;
}

export interface FileServer {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function createFileServer(opts: {
  host: string;
  port: number;
  files: ReadonlyMap<string, FileEntry>;
  logger: Logger;
}): Promise<FileServer> {
  const cache = new Map<string, Promise<Buffer>>();
  const sockets = new Set<Socket>();
  const fail = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text + '\n');
  };
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'GET only');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res
        .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        .end([...opts.files.keys()].join('\n') + '\n');
      return;
    }
    const entry = opts.files.get(path);
    if (!entry) return fail(res, 404, `no file ${path}`);
    let body = cache.get(path);
    if (!body) {
      body = entry.produce();
      cache.set(path, body);
    }
    body.then(
      (buf) =>
        res
          .writeHead(200, { 'content-type': entry.contentType, 'content-length': buf.length })
          .end(req.method === 'HEAD' ? undefined : buf),
      (err: unknown) => {
        cache.delete(path);
        opts.logger.error('producing a lab file failed', { path, err: String(err) });
        fail(res, 500, 'could not produce this file');
      },
    );
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listenAs('HTTP file server', server, opts.port, opts.host);
  const host = urlHost(opts.host);
  return {
    host: opts.host,
    port,
    url: `http://${host}:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
