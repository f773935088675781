/**
 * l2-emb-tls through a real exam session (issue 17): the candidate downloads the server's CA and
 * their own client certificate and key (only theirs: the CN is their broker login; the key is
 * in no evidence), reads the card, and the reference program, run against the session's shared
 * broker and the lab's impostor with only that card and those files, scores 100.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { getTask, renderTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l2-emb-tls/solution.js';
import type { LabCard } from '../../simulator/card.js';
import { launchChromium } from '../support/browser.js';
import { PHONE, openPage, screenshots } from '../support/console-page.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const SPEED = 6;
let t: TestServer | undefined;
afterAll(async () => t?.close());

describe('l2-emb-tls in an exam session', () => {
  it('a candidate downloads their client certificate and the reference scores 100', async () => {
    t = await startTestServer('tls-task', 23000 + Math.floor(Math.random() * 2000), {
      mqttsPort: 0,
      labSpeed: SPEED,
    });
    const server = t;
    const created = await server.api('POST', '/api/sessions', {
      paper: 'L2-EMB',
      mode: 'practice',
      roster: 'id,name\nc001,张三\nc002,李四\n',
    });
    expect(created.status, created.text).toBe(201);
    const s = created.json as { id: string; candidates: { id: string; password: string }[] };
    expect((await server.api('POST', `/api/sessions/${s.id}/start`, {})).status).toBe(200);
    const [one, two] = s.candidates as [
      { id: string; password: string },
      { id: string; password: string },
    ];
    const cookie = await server.candidate(s.id, one.id, one.password);
    const other = await server.candidate(s.id, two.id, two.password);

    const workdir = mkdtempSync(join(tmpdir(), 'iotlab-tls-cand-'));
    const get = async (file: string, who = cookie) => {
      const r = await server.api('GET', `/api/me/${file}`, undefined, who);
      expect(r.status, r.text).toBe(200);
      return r.text;
    };
    expect((await server.api('GET', '/api/me/client.key', undefined, '')).status).toBe(401);
    for (const f of ['ca.pem', 'client.pem', 'client.key'])
      writeFileSync(join(workdir, f), await get(f));
    // The same pair on every download; another candidate gets their own.
    expect(await get('client.key')).toBe(readFileSync(join(workdir, 'client.key'), 'utf8'));
    const cert = new X509Certificate(readFileSync(join(workdir, 'client.pem')));
    expect(cert.verify(new X509Certificate(readFileSync(join(workdir, 'ca.pem'))).publicKey)).toBe(
      true,
    );
    expect(await get('client.pem', other)).not.toBe(
      readFileSync(join(workdir, 'client.pem'), 'utf8'),
    );

    const started = await server.api('POST', '/api/me/tasks/l2-emb-tls/start', {}, cookie);
    expect(started.status, started.text).toBe(200);
    const card = (started.json as { card: LabCard }).card;
    expect(card.mqtt.clientCert).toEqual({
      cert: 'client.pem',
      key: 'client.key',
      cn: card.mqtt.username,
    });
    expect(cert.subject).toContain(`CN=${card.mqtt.username}`);

    const db = new Database(join(server.dataDir, 'iotlab.db'), { readonly: true });
    const row = db
      .prepare(
        'SELECT seed, topic_prefix AS prefix FROM candidates WHERE session_id = ? AND id = ?',
      )
      .get(s.id, one.id) as { seed: number; prefix: string };
    db.close();
    const task = getTask('l2-emb-tls');
    const vars = renderTask(task, row.seed, 'en', row.prefix).vars;
    const abort = new AbortController();
    const program = solve({ card, vars, signal: abort.signal, speed: SPEED, workdir });
    const until = Date.now() + ((task.timeLimitS + 10) * 1000) / SPEED + 5000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const me = (await server.api('GET', '/api/me', undefined, cookie)).json as {
        tasks: { id: string; state: string }[];
      };
      if (me.tasks.find((x) => x.id === 'l2-emb-tls')?.state === 'done') break;
      if (Date.now() > until) throw new Error('the attempt never ended');
    }
    abort.abort();
    await Promise.race([program.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);

    // The attempt shows done when its lab stops; its report comes after grading.
    type Report = {
      score: number;
      tests: { id: string; score: number; max_score: number; output: string }[];
    };
    let report: Report | undefined;
    for (const deadline = Date.now() + 30_000; !report && Date.now() < deadline;) {
      const reports = (await server.api('GET', `/api/sessions/${s.id}/reports`)).json as {
        task: string;
        report: Report;
      }[];
      report = reports.find((r) => r.task === 'l2-emb-tls')?.report;
      if (!report) await new Promise((r) => setTimeout(r, 250));
    }
    if (!report) throw new Error('l2-emb-tls: no report within 30 s');
    expect(
      report.tests
        .filter((x) => x.score < x.max_score)
        .map((x) => x.output)
        .join('\n'),
    ).toBe('');
    expect(report.score).toBe(100);
    // The key is the candidate's alone: in no evidence file of the server.
    const key = readFileSync(join(workdir, 'client.key'), 'utf8').split('\n')[1]!;
    const evidenceDir = join(server.dataDir, 'evidence');
    const texts = readdirSync(evidenceDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(evidenceDir, f), 'utf8'));
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).not.toContain(key);

    // The other candidate's card tab, on a phone and a desktop: the CA and their own certificate
    // and key as downloads, the same bytes the API gives them.
    const ws = await server.api('POST', '/api/me/tasks/l2-emb-tls/workstation', {}, other);
    expect(ws.status, ws.text).toBe(200);
    const browser = await launchChromium();
    try {
      const { page, problems } = await openPage(browser, PHONE);
      await page.goto(`${server.server.url}/candidate?session=${s.id}&candidate=${two.id}`);
      await page.fill('[data-test=login] input[name=password]', two.password);
      await page.click('[data-test=login] button[type=submit]');
      await page.locator('.el-tabs__item', { hasText: '实验卡' }).click();
      for (const d of ['download-ca', 'download-client-cert', 'download-client-key'])
        await page.locator(`[data-test=${d}]`).waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('[data-test=download-client-cert]').click(),
      ]);
      expect(download.suggestedFilename()).toBe('client.pem');
      expect(readFileSync(await download.path(), 'utf8')).toBe(await get('client.pem', other));
      await page.evaluate('window.scrollTo(0, 0)');
      await screenshots(page, 'candidate-card-tls');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
