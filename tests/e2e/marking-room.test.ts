/**
 * Every task with hand-ins scores 100 through a real session (issue 15, "test as the user does"):
 * the candidate logs in, reads the instructions the server serves them (every hand-in item and
 * the rubric are there), uploads their documents and hands them in; the three examiners of the
 * panel each mark every manual check at the rubric's top level; the median stands and the task's
 * final score is 100. The documents are the task's reference hand-ins with the facts of this
 * candidate's own lab (the faulty device, the site's nodes, the devices' topics under their
 * prefix) put in, as a candidate who observed their lab would write them. L1-SYS runs as an exam;
 * L2-SYS and L3 have gaps, so they run as practice.
 */
import Database from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../grader/types.js';
import { getTask } from '../../tasks/bank.js';
import { planTask } from '../../tasks/task-plan.js';
import { LINKS, nodesOf, siteParams } from '../../tasks/l2-sys-plan/site.js';
import type { Link } from '../../tasks/l2-sys-plan/site.js';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const base = 20000 + Math.floor(Math.random() * 5900);
let t: TestServer;
const examiners = ['m1', 'm2', 'm3'];
const cookies = new Map<string, string>();

/** The reference hand-in of an item: the file in the task's reference folder named after it. */
function referenceFile(task: Task, item: string): { name: string; bytes: Buffer } {
  const dir = join(import.meta.dirname, '..', '..', 'tasks', task.id, 'reference');
  const name = readdirSync(dir).find((f) => f.replace(/\.[a-z]+$/, '') === item);
  if (!name) throw new Error(`no reference hand-in for ${task.id} ${item}`);
  return { name, bytes: readFileSync(join(dir, name)) };
}

/** The candidate's documents: the reference, with the facts of their own lab where it has any. */
function handins(
  task: Task,
  seed: number,
  prefix: string,
): Map<string, { name: string; bytes: Buffer }> {
  const out = new Map<string, { name: string; bytes: Buffer }>();
  const { params, plan } = planTask(task, seed, prefix);
  for (const h of task.handIn ?? []) out.set(h.id, referenceFile(task, h.id));
  if (task.id === 'l1-sys-consult') {
    const device = plan.devices.find((d) => d.name === params.device)!.id;
    const text = out
      .get('case')!
      .bytes.toString('utf8')
      .replace(/^故障设备：.*$/m, `故障设备：${device}`)
      .replace(/^故障类型：.*$/m, `故障类型：${String(params.type)}`);
    out.set('case', { name: 'case.md', bytes: Buffer.from(text) });
  }
  if (task.id === 'l2-sys-plan') {
    const site = siteParams(seed);
    const order: Link[] = ['wifi', 'zigbee', 'rs485', 'lora'];
    const nodes = nodesOf(site).map((n, i) => {
      const link = order.find(
        (l) => LINKS[l].reachM >= n.distanceM && (n.power === 'mains' || LINKS[l].battery),
      )!;
      return `  - { id: ${n.id}, address: ${site.addrFrom + i}, link: ${link}, power: ${n.power}, distanceM: ${n.distanceM} }`;
    });
    const yaml = `site: ${site.code}\ngateway: { id: gw-01, power: mains, uplink: ethernet }\nnodes:\n${nodes.join('\n')}\n`;
    out.set('design', { name: 'design.yaml', bytes: Buffer.from(yaml) });
  }
  if (task.id === 'l3-all-plan') {
    const rules = plan.devices.map(
      (d) =>
        `  - client: ${d.id}\n    publish: ['${prefix}/${d.id}/telemetry', '${prefix}/${d.id}/status']\n    subscribe: ['${prefix}/${d.id}/cmd']`,
    );
    const yaml = `default: deny\nrules:\n${rules.join('\n')}\n  - client: platform\n    subscribe: ['${prefix}/+/telemetry', '${prefix}/+/status']\n`;
    out.set('acl', { name: 'acl.yaml', bytes: Buffer.from(yaml) });
  }
  return out;
}

interface Item {
  anon: string;
  task: string;
  check: string;
  rubric: { criteria: { id: string; points: number }[] };
}

async function sit(paper: string, mode: 'exam' | 'practice', tasks: string[]): Promise<void> {
  const created = await t.api('POST', '/api/sessions', {
    paper,
    mode,
    roster: 'id,name\nc001,王五\n',
    marking: { examiners, chief: 'admin' },
  });
  expect(created.status, created.text).toBe(201);
  const { id: sid, candidates } = created.json as {
    id: string;
    candidates: { id: string; password: string }[];
  };
  expect((await t.api('POST', `/api/sessions/${sid}/start`, {})).status).toBe(200);
  const cand = await t.candidate(sid, 'c001', candidates[0]!.password);
  const db = new Database(join(t.dataDir, 'iotlab.db'), { readonly: true });
  const row = db
    .prepare('SELECT seed, topic_prefix AS prefix FROM candidates WHERE session_id = ?')
    .get(sid) as { seed: number; prefix: string };
  db.close();
  for (const id of tasks) {
    const task = getTask(id);
    for (const lang of ['zh', 'en'] as const) {
      const served = (
        await t.api('GET', `/api/me/tasks/${id}/instructions?lang=${lang}`, undefined, cand)
      ).json as { text: string };
      for (const h of task.handIn ?? []) expect(served.text).toContain(`\`${h.id}\``);
      for (const c of task.checks.filter((x) => x.rubric))
        expect(served.text).toContain(lang === 'zh' ? c.title.zh : c.title.en);
    }
    for (const [item, f] of handins(task, row.seed, row.prefix)) {
      const r = await fetch(
        `${t.server.url}/api/me/tasks/${id}/handins/${item}?name=${encodeURIComponent(f.name)}`,
        {
          method: 'PUT',
          headers: {
            cookie: cand,
            'content-type': 'application/octet-stream',
            'x-iotlab-csrf': '1',
          },
          body: f.bytes,
        },
      );
      expect(r.status, `${id} ${item}: ${await r.clone().text()}`).toBe(200);
    }
    expect((await t.api('POST', `/api/me/tasks/${id}/handins`, {}, cand)).status).toBe(200);
  }
  // The panel marks every manual check at its top level.
  const queue = (
    (await t.api('GET', `/api/sessions/${sid}/marking`, undefined, cookies.get('m1'))).json as {
      items: Item[];
    }
  ).items;
  const manual = tasks.flatMap((id) => getTask(id).checks.filter((c) => c.rubric));
  expect(queue.length).toBe(manual.length);
  for (const it of queue)
    for (const m of examiners) {
      const url = `/api/sessions/${sid}/marking/${it.anon}/${it.task}/${it.check}`;
      const d = (await t.api('GET', url, undefined, cookies.get(m))).json as Item;
      const criteria = Object.fromEntries(d.rubric.criteria.map((c) => [c.id, c.points]));
      const r = await t.api('PUT', url, { criteria, comment: 'top level' }, cookies.get(m));
      expect(r.status, r.text).toBe(200);
    }
  const reports = (await t.api('GET', `/api/sessions/${sid}/reports`)).json as {
    task: string;
    final: number | null;
    report: { tests: { id: string; score: number; max_score: number }[] };
  }[];
  for (const id of tasks) {
    const g = reports.find((x) => x.task === id)!;
    const auto = g.report.tests.filter(
      (x) => x.score < x.max_score && !getTask(id).checks.find((c) => c.id === x.id)?.rubric,
    );
    expect(auto, `${id}: automatic checks short`).toEqual([]);
    expect(g.final, id).toBe(100);
  }
}

beforeAll(async () => {
  t = await startTestServer('marking-room', base);
  cookies.set('admin', t.examiner);
  for (const u of examiners) {
    const pw = `pw-${u}-room`;
    expect(
      (await t.api('POST', '/api/users', { username: u, role: 'examiner', password: pw })).status,
    ).toBe(201);
    cookies.set(u, (await t.api('POST', '/api/login', { username: u, password: pw }, '')).cookie);
  }
}, 30_000);
afterAll(async () => t?.close());

describe('hand-in tasks through real sessions, marked by a panel of three', () => {
  it('L1-SYS exam: l1-sys-consult scores 100', async () => {
    await sit('L1-SYS', 'exam', ['l1-sys-consult']);
  }, 60_000);
  it('L2-SYS practice: l2-sys-plan and l2-sys-consult score 100', async () => {
    await sit('L2-SYS', 'practice', ['l2-sys-plan', 'l2-sys-consult']);
  }, 60_000);
  it('L3 practice: l3-all-plan and l3-all-consult score 100', async () => {
    await sit('L3', 'practice', ['l3-all-plan', 'l3-all-consult']);
  }, 60_000);
});
