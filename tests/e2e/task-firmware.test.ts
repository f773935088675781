/**
 * l1-sys-firmware over real sockets. The firmware service on the wire (manual clock): a version
 * query answered on the reply topic, a wrong SHA-256 refused and the firmware kept, an accepted
 * upgrade recorded as device.state with the retained status offline for the restart and online
 * after it, then the new version. The task: the reference solution scores 100, doing nothing 0,
 * upgrading every node (the typical mistake) loses only-outdated (10), a wrong SHA-256 first
 * loses checksum (10); the same evidence grades to the same bytes; seeds give other fleets.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { getTask, renderTask, taskHash, validateTask } from '../../tasks/bank.js';
import { solve } from '../../tasks/l1-sys-firmware/solution.js';
import type { FirmwareParams } from '../../tasks/l1-sys-firmware/task.js';
import { compareVersions } from '../../devices/field/firmware.js';
import { ManualClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { runTask } from '../support/task-run.js';
import { waitFor } from '../support/net.js';

const task = getTask('l1-sys-firmware');
const hash = taskHash(task);
const paramsOf = (seed: number) => task.params(seed) as FirmwareParams;
const SPEED = 30;

const labs: Lab[] = [];
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const l of labs.splice(0)) await l.stop();
});

describe('firmware service on the wire', () => {
  it('answers queries, refuses a wrong SHA-256, restarts into the release and records it', async () => {
    const seed = 5;
    const params = paramsOf(seed);
    const clock = new ManualClock();
    const lab = createLab(validateScenario(task.scenario(params)), { seed, clock });
    labs.push(lab);
    const card = await lab.start();
    const events: EvidenceEvent[] = [];
    lab.recorder.subscribe((e) => events.push(e));
    // An outdated node of this seed's fleet.
    const i = params.versions.split(',').findIndex((v) => compareVersions(v, params.required) < 0);
    const before = params.versions.split(',')[i]!;
    const name = `node${i + 1}`;
    const node = card.devices.find((d) => d.name === name)!;
    const fw = node.firmware!;
    expect(fw.release?.version).toBe(params.target);
    // The card offers the release, not the version a node runs: that is what a query is for.
    expect(JSON.stringify(card)).not.toContain(`"${before}"`);

    const c = await mqtt.connectAsync(card.mqtt.url, { reconnectPeriod: 0 });
    clients.push(c);
    const got: { topic: string; text: string }[] = [];
    c.on('message', (topic, payload) => got.push({ topic, text: payload.toString() }));
    await c.subscribeAsync([fw.replyTopic, node.mqtt!.statusTopic]);
    const replies = () =>
      got
        .filter((m) => m.topic === fw.replyTopic)
        .map((m) => JSON.parse(m.text) as Record<string, unknown>);
    const status = () => got.filter((m) => m.topic === node.mqtt!.statusTopic).map((m) => m.text);
    await waitFor(() => status()[0]);

    await c.publishAsync(fw.commandTopic, 'version');
    await waitFor(() => replies()[0]);
    expect(replies()[0]).toMatchObject({ id: node.id, op: 'version', version: before });

    await c.publishAsync(
      fw.commandTopic,
      JSON.stringify({ op: 'upgrade', version: params.target, sha256: '0'.repeat(64), req: 7 }),
    );
    await waitFor(() => replies()[1]);
    expect(replies()[1]).toMatchObject({ op: 'upgrade', ok: false, error: 'checksum', req: 7 });
    expect(lab.truth(name).firmware).toEqual({ version: before, rebooting: false });

    // Hex digits in either case are the same digest.
    const sha256 = fw.release!.sha256.toUpperCase();
    await c.publishAsync(
      fw.commandTopic,
      JSON.stringify({ op: 'upgrade', version: params.target, sha256 }),
    );
    await waitFor(() => replies()[2]);
    expect(replies()[2]).toMatchObject({
      op: 'upgrade',
      ok: true,
      from: before,
      to: params.target,
      rebootS: params.rebootS,
    });
    await waitFor(() => status().at(-1) === 'offline' || undefined);
    expect(lab.truth(name).online).toBe(false);
    // While it restarts the node answers nothing.
    await c.publishAsync(fw.commandTopic, 'version');
    await new Promise((r) => setTimeout(r, 100));
    expect(replies()).toHaveLength(3);

    clock.advance(params.rebootS * 1000);
    await waitFor(() => status().at(-1) === 'online' || undefined);
    await c.publishAsync(fw.commandTopic, '{"op":"version","req":"c"}');
    await waitFor(() => replies()[3]);
    expect(replies()[3]).toMatchObject({ op: 'version', version: params.target, req: 'c' });
    const states = events
      .filter((e) => e.kind === 'device.state' && e.device === node.id)
      .map((e) => ({ t: e.t, firmware: e.firmware, online: e.online, source: e.source }));
    expect(states).toEqual([
      {
        t: 0,
        firmware: { op: 'upgrade', from: before, to: params.target },
        online: false,
        source: 'mqtt',
      },
      {
        t: params.rebootS * 1000,
        firmware: { op: 'boot', version: params.target },
        online: true,
        source: 'schedule',
      },
    ]);
  });
});

describe('task l1-sys-firmware', () => {
  it('is fit for the bank, and seeds give other fleets and releases', () => {
    expect(validateTask(task, [1, 2, 3, 4, 5])).toEqual([]);
    expect(task.params(1)).not.toEqual(task.params(2));
    const a = renderTask(task, 1, 'en');
    const b = renderTask(task, 2, 'en');
    expect(a.vars.sha256).not.toBe(b.vars.sha256);
    for (let s = 1; s <= 40; s++) {
      const p = paramsOf(s);
      const versions = p.versions.split(',');
      // One outdated node always sorts after the required version as text.
      expect(
        versions.some((v) => v.localeCompare(p.required) > 0 && v.split('.')[1]!.length === 1),
      ).toBe(true);
      expect(versions).toContain(p.required);
    }
  });

  it('scores the reference 100, nothing 0, upgrading all 90 and a wrong SHA-256 first 90', async () => {
    const [ref, none, all, sha] = await Promise.all([
      runTask(task, 61, solve, { speed: SPEED }),
      runTask(task, 62, undefined, { speed: SPEED }),
      runTask(task, 63, solve, { speed: SPEED, mistake: 'upgrade-all' }),
      runTask(task, 64, solve, { speed: SPEED, mistake: 'wrong-checksum' }),
    ]);
    const r = grade(task, 61, { evidence: ref.evidence, taskHash: hash });
    expect(r.gradable, JSON.stringify(r.problems)).toBe(true);
    expect(r.tests.filter((t) => t.score < t.max_score).map((t) => t.output)).toEqual([]);
    expect(r.score).toBe(100);
    expect(JSON.stringify(grade(task, 61, { evidence: ref.evidence, taskHash: hash }))).toBe(
      JSON.stringify(r),
    );

    const n = grade(task, 62, { evidence: none.evidence, taskHash: hash });
    expect(n.gradable).toBe(true);
    expect(n.score).toBe(0);
    expect(n.passed).toBe(false);

    const m = grade(task, 63, { evidence: all.evidence, taskHash: hash });
    expect(m.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual([
      'only-outdated',
    ]);
    expect(m.score).toBe(90);
    expect(m.tests.find((t) => t.id === 'only-outdated')!.hint?.en).toMatch(/not outdated/);

    const w = grade(task, 64, { evidence: sha.evidence, taskHash: hash });
    expect(w.tests.filter((t) => t.score < t.max_score).map((t) => t.id)).toEqual(['checksum']);
    expect(w.score).toBe(90);
    const refused = w.tests.find((t) => t.id === 'checksum')!;
    expect(refused.hint?.en).toMatch(/SHA-256/);
    // The check points at the devices' refusals in the evidence.
    const lines = sha.evidence.trim().split('\n');
    const refusals = refused.evidence.filter((e) => e.note === 'refused: checksum');
    expect(refusals.length).toBeGreaterThan(0);
    for (const e of refusals)
      expect(JSON.parse(lines[e.seq]!)).toMatchObject({
        kind: 'mqtt.publish',
        origin: 'device',
        payload: { json: { op: 'upgrade', ok: false, error: 'checksum' } },
      });
  }, 60_000);
});
