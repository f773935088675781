/**
 * Hosts a candidate's web app (a folder of static files: the H5 form of mobile apps and
 * dashboards) on its own HTTP port, beside two files the lab provides: the lab card as
 * `/card.json` and the browser build of the MQTT client as `/lib/mqtt.min.js` (and Apache ECharts'
 * as `/lib/echarts.min.js` for dashboards), so the app needs no internet. Read-only and bounded:
 * GET/HEAD only, paths that leave the folder (`..`, encoded or not, backslashes, NUL, symlinks
 * pointing out) get 404, files over the size bound 413, and every answer carries a
 * Content-Security-Policy that lets the page reach its own origin and the lab's
 * MQTT-over-WebSocket origin only. Beside them, on the same origin, the lab's simulated
 * third-party services (./third-party.ts) when the host is given their options.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join, sep } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { closeServer, listenAs, urlHost } from '../listen.js';
import { createThirdParty, THIRD_PARTY_BASE } from './third-party.js';
import type { ThirdPartyOptions } from './third-party.js';

/** Where the lab's own files are served (the instructions state these paths). */
export const APP_CARD_PATH = '/card.json';
export const APP_MQTT_LIB_PATH = '/lib/mqtt.min.js';
/** Apache ECharts' browser build, for dashboards (served when the host is given the file). */
export const APP_ECHARTS_LIB_PATH = '/lib/echarts.min.js';

/** The largest file of an app the host serves (a page that needs more is not a phone page). */
export const APP_MAX_FILE_BYTES = 5 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface AppHostOptions {
  host: string;
  port: number;
  /** The app's folder. */
  root: string;
  /** The lab card, served as /card.json. */
  card: unknown;
  /** The MQTT client's browser build (a file), served at APP_MQTT_LIB_PATH. */
  mqttLib: string;
  /** ECharts' browser build (a file), served at APP_ECHARTS_LIB_PATH; none: 404 there. */
  echartsLib?: string;
  /** Origins the page may connect to besides its own (the lab's `ws://host:port`). */
  connectOrigins: readonly string[];
  maxFileBytes?: number;
  /**
   * The lab's simulated third-party services (map, speech, payment; docs/third-party/), served
   * under THIRD_PARTY_BASE on the app's origin, their keys in the card's `thirdParty`.
   */
  thirdParty?: ThirdPartyOptions;
  logger: Logger;
}

export interface AppHost {
  port: number;
  url: string;
  /** Origins the app may reach: its own and `connectOrigins` (for the browser's routing). */
  origins: readonly string[];
  close(): Promise<void>;
}

/**
 * The policy every answer carries: scripts, styles, images and fonts from the app's own origin
 * (inline allowed: H5 pages are often one file), connections to its origin and the lab's, no
 * frames, no plugins, no forms posting elsewhere.
 */
export function appCsp(connectOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    // mqtt.js keeps its timers in a blob worker (so a background tab does not stall keepalives).
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${connectOrigins.join(' ')}`.trim(),
    "media-src 'self' data: blob:",
    "object-src 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The file a request path names under `root`, or undefined when it names none or leaves the
 * folder (pure: the symlink check is the caller's, it needs the disk).
 */
export function appFilePath(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return undefined;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) return undefined;
  if (path.endsWith('/') || parts.length === 0) parts.push('index.html');
  return join(root, ...parts);
}

export async function createAppHost(opts: AppHostOptions): Promise<AppHost> {
  const max = opts.maxFileBytes ?? APP_MAX_FILE_BYTES;
  const sockets = new Set<Socket>();
  const root = await realpath(opts.root);
  const thirdParty = opts.thirdParty ? createThirdParty(opts.thirdParty) : undefined;
  // Written once the port is known (the card names the services' URLs); no request comes before.
  let cardBody = Buffer.from(JSON.stringify(opts.card, null, 2));
  const csp = appCsp(opts.connectOrigins);
  const headers = (type: string, length: number): Record<string, string | number> => ({
    'content-type': type,
    'content-length': length,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  });
  const send = (
    res: ServerResponse,
    head: boolean,
    status: number,
    type: string,
    body: Buffer,
  ): void => {
    res.writeHead(status, headers(type, body.length)).end(head ? undefined : body);
  };
  const fail = (res: ServerResponse, head: boolean, status: number, text: string): void =>
    send(res, head, status, 'text/plain; charset=utf-8', Buffer.from(text + '\n'));

  const serveFile = async (
    res: ServerResponse,
    head: boolean,
    file: string,
    own: boolean,
  ): Promise<void> => {
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return fail(res, head, 404, 'not found');
    }
    // A symlink in the app's folder may not lead out of it.
    if (!own && real !== root && !real.startsWith(root + sep))
      return fail(res, head, 404, 'not found');
    const st = await stat(real).catch(() => undefined);
    if (!st?.isFile()) return fail(res, head, 404, 'not found');
    if (st.size > max)
      return fail(res, head, 413, `file of ${st.size} bytes, over the app's bound of ${max}`);
    res.writeHead(
      200,
      headers(TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream', st.size),
    );
    if (head) return void res.end();
    createReadStream(real)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const server = createServer((req, res) => {
    const head = req.method === 'HEAD';
    const raw = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    if (thirdParty && (raw === THIRD_PARTY_BASE || raw.startsWith(THIRD_PARTY_BASE + '/')))
      return thirdParty.handle(req, res, raw);
    if (req.method !== 'GET' && !head) return fail(res, false, 405, 'GET only');
    if (raw === APP_CARD_PATH)
      return send(res, head, 200, 'application/json; charset=utf-8', cardBody);
    if (raw === APP_MQTT_LIB_PATH) return void serveFile(res, head, opts.mqttLib, true);
    if (raw === APP_ECHARTS_LIB_PATH && opts.echartsLib)
      return void serveFile(res, head, opts.echartsLib, true);
    const file = appFilePath(root, raw);
    if (!file) return fail(res, head, 404, 'not found');
    void serveFile(res, head, file, false).catch((err: unknown) => {
      opts.logger.warn('serving an app file failed', { err: String(err) });
      res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let port: number;
  try {
    port = await listenAs("the app's HTTP server", server, opts.port, opts.host);
  } catch (err) {
    thirdParty?.close();
    throw err;
  }
  const host = urlHost(opts.host);
  const url = `http://${host}:${port}`;
  if (thirdParty)
    cardBody = Buffer.from(
      JSON.stringify({ ...(opts.card as object), thirdParty: thirdParty.card(url) }, null, 2),
    );
  return {
    port,
    url,
    origins: [url, ...opts.connectOrigins],
    async close() {
      thirdParty?.close();
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
