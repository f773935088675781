/**
 * The access policy on a live lab over real sockets (issue 17.7): the security API refuses a
 * request without the card's token; a policy change through it is in force at once — a real
 * mqtt.js subscriber whose subscription it now denies stops receiving (revoked) while another
 * client goes on; a denied SUBSCRIBE gets 0x80 and a denied PUBLISH costs the connection; every
 * change is audited (API and `acl.change` evidence, before and after) and every decision is in
 * the access records (CSV and JSONL). The `acl-deny` fault denies a device's topics and is in
 * the truth and the evidence; the simulated clients of `security:` run with their own ids.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { LabCard } from '../../simulator/card.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { waitFor } from '../support/net.js';

let lab: Lab;
let card: LabCard;
const events: EvidenceEvent[] = [];
const clients: MqttClient[] = [];

const scenario = validateScenario({
  name: 'acl_live',
  title: { zh: '访问控制', en: 'Access control' },
  devices: [
    {
      name: 'air',
      kind: 'digital',
      title: { zh: '温度', en: 'Temperature' },
      channels: [
        {
          quantity: 'temperature',
          unit: '°C',
          range: [-20, 60],
          resolution: 0.1,
          profile: { base: 20, vary: 1, amplitude: 1, periodS: 60, noise: 0.1 },
        },
      ],
      mqtt: { period: 1 },
    },
    {
      name: 'fan',
      kind: 'actuator',
      title: { zh: '风机', en: 'Fan' },
      actuatorType: 'fan',
      mqtt: { period: 1, qos: 0 },
    },
  ],
  security: {
    acl: {
      rules: [
        {
          id: 'meter-own',
          clientId: 'meter-{lab}',
          action: 'publish',
          topic: '{prefix}/meters/#',
          permission: 'allow',
        },
        { id: 'meters-ro', action: 'publish', topic: '{prefix}/meters/#', permission: 'deny' },
      ],
    },
    clients: [
      {
        name: 'meter',
        clientId: 'meter-{lab}',
        username: 'meter',
        publish: [{ topic: '{prefix}/meters/m1', every: 1 }],
      },
    ],
  },
});

const api = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = card.security!.token, ...rest } = init;
  const res = await fetch(card.security!.api + path, {
    ...rest,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(rest.body ? { 'content-type': 'application/json' } : {}),
      ...(rest.headers as Record<string, string> | undefined),
    },
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};
/** The SUBACK's return code for one filter (mqtt.js rejects a refusal; its packet says 0x80). */
const suback = (c: MqttClient, topic: string): Promise<number> =>
  c.subscribeAsync(topic).then(
    (g) => g[0]?.qos ?? -1,
    (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? -1,
  );
const connect = async (clientId: string) => {
  const c = await mqtt.connectAsync(card.mqtt.url, { clientId, reconnectPeriod: 0 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  lab = createLab(scenario, { seed: 5, clock: new RealClock({ speed: 10 }), ports: { ws: null } });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await lab.stop();
});

describe('the access policy on a live lab', () => {
  it('refuses the security API without the token', async () => {
    expect(card.security?.accessLog).toBe(`${card.security?.api}/access-log`);
    for (const token of [null, 'wrong', `${card.security!.token}x`]) {
      const r = await api('/acl', { token });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'API_UNAUTHORIZED' });
    }
    expect((await api('/access-log', { token: null })).status).toBe(401);
    expect((await api('/acl', { method: 'PUT', body: '{"rules":[]}', token: 'nope' })).status).toBe(
      401,
    );
    const r = await api('/acl');
    expect(r.status).toBe(200);
    const prefix = card.mqtt.topicPrefix;
    expect(JSON.parse(r.text)).toMatchObject({
      version: 1,
      policy: { default: 'allow', rules: [{ id: 'meter-own', topic: `${prefix}/meters/#` }, {}] },
    });
  });

  it('revokes a live subscription the new policy denies: the client stops receiving, others go on', async () => {
    const prefix = card.mqtt.topicPrefix;
    const air = card.devices.find((d) => d.name === 'air')!;
    const watcher = await connect('watcher');
    const other = await connect('other');
    const got = { watcher: 0, other: 0 };
    watcher.on('message', () => got.watcher++);
    other.on('message', () => got.other++);
    await watcher.subscribeAsync(`${prefix}/${air.id}/#`);
    await other.subscribeAsync(`${prefix}/#`);
    await waitFor(() => got.watcher >= 3 || undefined, 5000, 'telemetry to the watcher');
    // The meter (a simulated client with its own rule) publishes where others may not.
    await waitFor(
      () => lab.access.log.records().some((r) => r.clientId.startsWith('meter-')) || undefined,
    );

    const before = (await api('/acl')).text;
    const rules = [
      ...(JSON.parse(before) as { policy: { rules: unknown[] } }).policy.rules,
      {
        id: 'no-air',
        clientId: 'watcher',
        action: 'subscribe',
        topic: `${prefix}/${air.id}/#`,
        permission: 'deny',
      },
    ];
    const stale = await api('/acl', {
      method: 'PUT',
      headers: { 'if-match': '7' },
      body: JSON.stringify({ rules }),
    });
    expect(stale.status).toBe(409);
    expect(JSON.parse(stale.text)).toMatchObject({ code: 'ACL_STALE' });
    const bad = await api('/acl', {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ action: 'read', topic: 'a/#/b', permission: 'deny' }] }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 'ACL_INVALID' });
    const put = await api('/acl', {
      method: 'PUT',
      headers: { 'if-match': '1' },
      body: JSON.stringify({ rules }),
    });
    expect(put.status).toBe(200);
    expect(JSON.parse(put.text)).toMatchObject({ version: 2 });

    // Revoked at once: nothing more reaches the watcher; the other client goes on.
    await waitFor(
      () =>
        events.some((e) => e.kind === 'mqtt.subscribe' && e['action'] === 'revoke') || undefined,
    );
    await new Promise((r) => setTimeout(r, 100));
    const w = got.watcher;
    const o = got.other;
    await new Promise((r) => setTimeout(r, 600)); // 6 s of lab time: 6 telemetry messages
    expect(got.watcher).toBe(w);
    expect(got.other - o).toBeGreaterThanOrEqual(4);
    // Subscribing again is refused (SUBACK 0x80).
    expect(await suback(watcher, `${prefix}/${air.id}/telemetry`)).toBe(128);

    const revoke = events.find((e) => e.kind === 'mqtt.subscribe' && e['action'] === 'revoke')!;
    expect(revoke).toMatchObject({
      clientId: 'watcher',
      topics: [`${prefix}/${air.id}/#`],
      acl: { rules: ['no-air'] },
    });
    const change = events.find((e) => e.kind === 'acl.change')!;
    expect(change).toMatchObject({ actor: 'api 127.0.0.1', version: 2 });
    expect((change['before'] as { rules: unknown[] }).rules).toHaveLength(2);
    expect((change['after'] as { rules: unknown[] }).rules).toHaveLength(3);
    const audit = JSON.parse((await api('/audit')).text) as {
      actor: string;
      version: number;
      time: string;
    }[];
    expect(audit).toEqual([expect.objectContaining({ actor: 'api 127.0.0.1', version: 2 })]);
    expect(Math.abs(Date.parse(audit[0]!.time) - Date.parse(change.wall))).toBeLessThan(1000); // lab ms: 100 ms of a slow machine at 10×
  });

  it('disconnects a denied publish and has every decision in the access records', async () => {
    const prefix = card.mqtt.topicPrefix;
    const rogue = await connect('rogue');
    const closed = new Promise<void>((r) => rogue.once('close', () => r()));
    rogue.publish(`${prefix}/meters/m1`, '{"fake":1}');
    await closed;
    const csv = await api('/access-log?format=csv');
    expect(csv.type).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('time,t,identity,clientId,action,topic,result,rule');
    expect(
      lines.filter((l) => l.includes(',rogue,publish,') && l.endsWith(',denied,meters-ro')),
    ).toHaveLength(1);
    expect(lines.some((l) => /,meter,meter-[0-9a-z]+,publish,.*,allowed,$/.test(l))).toBe(true);
    const jsonl = await api('/access-log');
    const rows = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.filter((r) => r['clientId'] === 'watcher').map((r) => r['result'])).toEqual([
      'allowed',
      'revoked',
      'denied',
    ]);
    expect((await api('/access-log?format=xml')).status).toBe(400);
  });

  it("an acl-deny fault denies the device's topics, in truth and evidence, until it ends", async () => {
    const prefix = card.mqtt.topicPrefix;
    const fan = card.devices.find((d) => d.name === 'fan')!;
    const c = await connect('fan-watch');
    let n = 0;
    c.on('message', () => n++);
    await c.subscribeAsync(`${prefix}/${fan.id}/state`);
    await waitFor(() => n >= 1 || undefined);
    const fault = lab.injectFault({ device: 'fan', type: 'acl-deny' });
    expect(lab.truth('fan').faults).toContain('acl-deny');
    expect(events.find((e) => e.kind === 'fault' && e['action'] === 'start')).toMatchObject({
      fault: { id: fault.id, type: 'acl-deny' },
    });
    await waitFor(
      () =>
        events.some(
          (e) =>
            e.kind === 'mqtt.subscribe' &&
            e['clientId'] === 'fan-watch' &&
            e['action'] === 'revoke',
        ) || undefined,
    );
    expect(await suback(c, `${prefix}/${fan.id}/#`)).toBe(128);
    // Faults are not people's changes: the API shows the policy people set, and no audit entry.
    expect(JSON.parse((await api('/acl')).text)).toMatchObject({ policy: { rules: [{}, {}, {}] } });
    lab.clearFault(fault.id);
    expect(lab.truth('fan').faults).not.toContain('acl-deny');
    expect(await suback(c, `${prefix}/${fan.id}/#`)).toBe(0);
    expect(JSON.parse((await api('/audit')).text)).toHaveLength(1);
  });

  it('a revoked subscription of a persistent session does not come back on reconnect', async () => {
    const prefix = card.mqtt.topicPrefix;
    const air = card.devices.find((d) => d.name === 'air')!;
    const opts = { clientId: 'keeper', clean: false, reconnectPeriod: 0 };
    const first = await mqtt.connectAsync(card.mqtt.url, opts);
    let n = 0;
    first.on('message', () => n++);
    await first.subscribeAsync(`${prefix}/${air.id}/telemetry`, { qos: 1 });
    await waitFor(() => n >= 1 || undefined);
    const put = async (extra: unknown[]) => {
      const cur = JSON.parse((await api('/acl')).text) as { policy: { rules: { id: string }[] } };
      const rules = [...extra, ...cur.policy.rules.filter((r) => r.id !== 'no-keeper')];
      expect((await api('/acl', { method: 'PUT', body: JSON.stringify({ rules }) })).status).toBe(
        200,
      );
    };
    await put([
      {
        id: 'no-keeper',
        clientId: 'keeper',
        action: 'subscribe',
        topic: `${prefix}/#`,
        permission: 'deny',
      },
    ]);
    await waitFor(
      () =>
        events.some(
          (e) =>
            e.kind === 'mqtt.subscribe' && e['clientId'] === 'keeper' && e['action'] === 'revoke',
        ) || undefined,
    );
    await first.endAsync();
    await put([]); // allowed again: only a new SUBSCRIBE would bring it back
    const again = await mqtt.connectAsync(card.mqtt.url, opts);
    clients.push(again);
    let m = 0;
    again.on('message', () => m++);
    await new Promise((r) => setTimeout(r, 500)); // 5 s of lab time: 5 telemetry messages
    expect(m).toBe(0);
  });
});
