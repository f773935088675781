/**
 * The gateway's configuration API over HTTPS in an exam session (issue 17): a session lab runs
 * on the server's shared broker, so its gateway presents the exam server's certificate, and a
 * candidate who downloads ca.pem (the card's `mqtt.ca`) reaches it with `curl --cacert ca.pem`
 * at the card's `apiTls`, as the card tab's variables say; the plain `api` still answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cardVariables } from '../../server/console/src/candidate/card-env.js';
import type { LabCard } from '../../simulator/card.js';
import { launchChromium } from '../support/browser.js';
import { PHONE, openPage, screenshots } from '../support/console-page.js';
import { requireTools } from '../support/debian.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer | undefined;
afterAll(async () => t?.close());

function curl(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], { cwd }, (err, out, errOut) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        out: String(out),
        err: String(errOut),
      }),
    );
  });
}

describe('the gateway API over HTTPS in an exam session', () => {
  it("presents the server's certificate: curl --cacert ca.pem at the card's apiTls", async () => {
    requireTools('curl');
    t = await startTestServer('gw-https', 25000 + Math.floor(Math.random() * 2000), {
      mqttsPort: 0,
      wsPort: 0, // the paper has web app tasks
    });
    const server = t;
    const created = await server.api('POST', '/api/sessions', {
      paper: 'L1-APP',
      mode: 'practice',
      roster: 'id,name\nc001,张三\n',
    });
    expect(created.status, created.text).toBe(201);
    const s = created.json as { id: string; candidates: { id: string; password: string }[] };
    expect((await server.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const one = s.candidates[0]!;
    const cookie = await server.candidate(s.id, one.id, one.password);
    const opened = await server.api('POST', '/api/me/tasks/l1-app-gateway/workstation', {}, cookie);
    expect(opened.status, opened.text).toBe(200);
    const card = (opened.json as { card: LabCard }).card;
    const gw = card.gateways?.[0];
    expect(gw?.apiTls, JSON.stringify(card.gateways)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(card.mqtt.ca?.path).toBe('ca.pem');
    const vars = Object.fromEntries(cardVariables(card));
    expect(vars[`IOTLAB_GATEWAY_${gw!.name.toUpperCase()}_API_TLS`]).toBe(gw!.apiTls);

    // The candidate's folder: ca.pem as the card tab downloads it.
    const workdir = mkdtempSync(join(tmpdir(), 'iotlab-gw-https-cand-'));
    const ca = await server.api('GET', '/api/me/ca.pem', undefined, cookie);
    expect(ca.status).toBe(200);
    writeFileSync(join(workdir, 'ca.pem'), ca.text);

    const got = await curl(['--fail', '--cacert', 'ca.pem', `${gw!.apiTls}/config`], workdir);
    expect(got.code, got.err).toBe(0);
    const config = JSON.parse(got.out) as { name: string; qos: number };
    expect(config.name).toBe(gw!.name);
    // A change over HTTPS is in force on the plain API too.
    const qos = config.qos === 1 ? 0 : 1;
    writeFileSync(join(workdir, 'gw.json'), JSON.stringify({ ...config, qos }));
    const put = await curl(
      [
        '--fail',
        '--cacert',
        'ca.pem',
        '-X',
        'PUT',
        '-H',
        'content-type: application/json',
        '--data',
        '@gw.json',
        `${gw!.apiTls}/config`,
      ],
      workdir,
    );
    expect(put.code, put.err).toBe(0);
    const plain = await curl(['--fail', `${gw!.api}/config`], workdir);
    expect(plain.code, plain.err).toBe(0);
    expect((JSON.parse(plain.out) as { qos: number }).qos).toBe(qos);
    // Without the CA, curl refuses the server.
    expect((await curl([`${gw!.apiTls}/config`], workdir)).code).toBe(60);

    // The card tab shows the HTTPS address beside the plain one, on a phone and a desktop.
    const browser = await launchChromium();
    try {
      const { page, problems } = await openPage(browser, PHONE);
      await page.goto(`${server.server.url}/candidate?session=${s.id}&candidate=${one.id}`);
      await page.fill('[data-test=login] input[name=password]', one.password);
      await page.click('[data-test=login] button[type=submit]');
      await page.locator('.el-tabs__item', { hasText: '实验卡' }).click();
      const shown = page.locator(`[data-field="gateway-${gw!.name}-tls"] [data-test=value]`);
      await expect.poll(() => shown.textContent()).toBe(gw!.apiTls);
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshots(page, 'candidate-card-gateway-https');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }

    expect((await server.api('POST', '/api/me/finish', {}, cookie)).status).toBe(200);
    // The server key is in no evidence file.
    const key = readFileSync(join(server.dataDir, 'tls', 'server.key'), 'utf8').split('\n')[1]!;
    const evidenceDir = join(server.dataDir, 'evidence');
    const texts = readdirSync(evidenceDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(evidenceDir, f), 'utf8'));
    expect(texts.join('\n')).toContain('"tls":true');
    for (const text of texts) expect(text).not.toContain(key);
  }, 60_000);
});
