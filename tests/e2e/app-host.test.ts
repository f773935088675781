/**
 * The app host over a real socket: the app's files, the card and the MQTT client's browser build
 * are served with the policy header; paths that leave the folder (plain, percent-encoded,
 * backslashed, through a symlink) are 404 and give nothing of the file; a file over the bound is
 * 413; anything but GET/HEAD is 405.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import {
  APP_CARD_PATH,
  APP_ECHARTS_LIB_PATH,
  APP_MQTT_LIB_PATH,
  appFilePath,
  createAppHost,
} from '../../protocols/http/app-host.js';
import type { AppHost } from '../../protocols/http/app-host.js';
import { sendRaw } from '../support/net.js';

const SECRET = 'top-secret-outside-the-app';
let host: AppHost;
let root: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-apphost-'));
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  root = join(dir, 'app');
  mkdirSync(join(root, 'js'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><p>hello</p>');
  writeFileSync(join(root, 'js', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'big.js'), Buffer.alloc(2048, 0x20));
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  writeFileSync(join(dir, 'mqtt.min.js'), '/* mqtt */');
  host = await createAppHost({
    host: '127.0.0.1',
    port: 0,
    root,
    card: { mqtt: { wsUrl: 'ws://127.0.0.1:1' } },
    mqttLib: join(dir, 'mqtt.min.js'),
    connectOrigins: ['ws://127.0.0.1:1'],
    maxFileBytes: 1024,
    logger: silentLogger,
  });
});
afterAll(async () => host?.close());

/** One raw request line, exactly as written (no client normalises the path). */
async function raw(method: string, path: string): Promise<{ status: number; text: string }> {
  const r = await sendRaw(
    host.port,
    Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
  );
  const text = r.received.toString('latin1');
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text };
}

describe('app host', () => {
  it('serves the app, the card and the MQTT client with the policy header', async () => {
    const page = await fetch(`${host.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('hello');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:1");
    expect(csp).toContain("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${host.url}/js/app.js`)).text()).toBe('console.log(1)');
    const card = await (await fetch(`${host.url}${APP_CARD_PATH}`)).json();
    expect(card).toEqual({ mqtt: { wsUrl: 'ws://127.0.0.1:1' } });
    expect(await (await fetch(`${host.url}${APP_MQTT_LIB_PATH}`)).text()).toBe('/* mqtt */');
    expect((await fetch(`${host.url}/nope.js`)).status).toBe(404);
    // ECharts only when the host is given its build (the runner gives it: task-dashboard-app).
    expect((await fetch(`${host.url}${APP_ECHARTS_LIB_PATH}`)).status).toBe(404);
  });

  it('refuses every path out of the folder, and gives nothing of the file', async () => {
    for (const path of [
      '/../secret.txt',
      '/js/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/js/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%00/index.html',
      '/%zz',
      '/link.txt',
    ]) {
      const r = await raw('GET', path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.text, path).not.toContain(SECRET);
    }
    expect(appFilePath('/r', '/a/b.js')).toBe('/r/a/b.js');
    expect(appFilePath('/r', '/a/')).toBe('/r/a/index.html');
    expect(appFilePath('/r', '/a/%2e%2e/b')).toBeUndefined();
  });

  it('bounds file sizes and methods', async () => {
    const big = await raw('GET', '/big.js');
    expect(big.status).toBe(413);
    expect((await raw('POST', '/index.html')).status).toBe(405);
    expect((await raw('HEAD', '/index.html')).status).toBe(200);
  });
});
