/**
 * Interop with mosquitto-clients (Eclipse Mosquitto 2.0 mosquitto_sub / mosquitto_pub) against
 * the lab's embedded broker: telemetry, retained status, actuator commands and their evidence.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningLab } from './harness/lab.js';
import { payloadText, startLab, telemetryPublish } from './harness/lab.js';
import { resolutionOf } from './harness/parse.js';
import { killTools, requireTools, runOk, startTool } from './harness/tools.js';

const SEED = 11;
let lab: RunningLab;
/** Client ids given to the tools (-i), so the evidence can be matched to each run. */
const clientIds: string[] = [];

function clientId(role: string): string {
  const id = `interop-${process.pid}-${role}`;
  clientIds.push(id);
  return id;
}

function connection(): string[] {
  return ['-h', lab.mqtt.host, '-p', lab.mqtt.port];
}

beforeAll(async () => {
  lab = await startLab({ seed: SEED });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('mosquitto_sub', 'mosquitto_pub');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

async function checkTelemetry(name: string): Promise<void> {
  const device = lab.device(name);
  const topic = device.mqtt!.telemetryTopic;
  const r = await runOk(
    'mosquitto_sub',
    [...connection(), '-i', clientId(`telemetry-${name}`), '-t', topic, '-C', '3', '-v'],
    { timeoutMs: 8000 },
  );
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(3);
  const bodies = lines.map((line) => {
    const space = line.indexOf(' ');
    expect(line.slice(0, space)).toBe(topic);
    return JSON.parse(line.slice(space + 1)) as Record<string, number | string>;
  });
  bodies.forEach((body, i) => {
    expect(body.id).toBe(device.id);
    expect(typeof body.ts).toBe('number');
    // Consecutive messages of one device: seq counts up by one, ts moves forward.
    if (i > 0) {
      expect(body.seq).toBe(Number(bodies[i - 1]!.seq) + 1);
      expect(body.ts).toBeGreaterThan(Number(bodies[i - 1]!.ts));
    }
  });
  // Each message against truth recomputed from (scenario, seed) at the lab time the device
  // published it. The model computes the value a few microseconds before the evidence
  // stamps it, so one resolution step of quantisation slack is allowed.
  for (const body of bodies) {
    const published = await lab.waitForEvidence(`${topic} seq ${body.seq}`, (events) =>
      telemetryPublish(events, topic, Number(body.seq)),
    );
    const truth = lab.model(device.id).truth(published.t).values;
    for (const channel of device.channels!) {
      const got = body[channel.quantity];
      expect(typeof got, `${name}.${channel.quantity}`).toBe('number');
      const want = truth[channel.quantity] as number;
      const slack = resolutionOf(device, channel.quantity) + 1e-9;
      expect(
        Math.abs(Number(got) - want),
        `${name}.${channel.quantity} at t=${published.t}`,
      ).toBeLessThanOrEqual(slack);
    }
  }
}

describe('mosquitto-clients against the embedded broker', () => {
  it('mosquitto_sub -C 3 -v gets telemetry that equals the truth of the moment it was sent', async () => {
    // Both devices at once: each mosquitto_sub waits ~3 telemetry periods.
    await Promise.all(['air_th', 'light'].map((name) => checkTelemetry(name)));
  });

  it('every MQTT device has a retained "online" on its status topic', async () => {
    const expected = lab.card.devices.filter((d) => d.mqtt).map((d) => d.mqtt!.statusTopic);
    expect(expected.length).toBeGreaterThan(0);
    // --retained-only: mosquitto_sub stops at the first live message, so all lines printed were
    // retained; %r prints the retain flag anyway, to see it on the wire.
    const r = await runOk(
      'mosquitto_sub',
      [
        ...connection(),
        ...['-i', clientId('status'), '-t', `${lab.card.mqtt.topicPrefix}/+/status`],
        ...['-C', String(expected.length), '--retained-only', '-W', '5', '-F', '%r %t %p'],
      ],
      { timeoutMs: 8000 },
    );
    const lines = r.stdout.trim().split('\n');
    expect(lines.sort()).toEqual(expected.map((topic) => `1 ${topic} online`).sort());
  });

  it('mosquitto_pub on commandTopic switches an actuator: retained state and device.state', async () => {
    const pump = lab.device('pump');
    const { commandTopic, stateTopic } = pump.mqtt!;
    expect(commandTopic).toBeDefined();
    expect(stateTopic).toBeDefined();
    const watch = startTool(
      'mosquitto_sub',
      [...connection(), '-i', clientId('state-watch'), '-t', stateTopic!, '-C', '3', '-F', '%p'],
      { timeoutMs: 10_000 },
    );
    const state = (line: string | undefined): unknown =>
      (JSON.parse(line ?? 'null') as { id: string; on: boolean }).on;
    // 1: the retained initial state; only then is the subscription known to be in place.
    expect(state((await watch.waitForLines(1))[0])).toBe(false);

    const pubJson = clientId('pub-json');
    await runOk('mosquitto_pub', [
      ...connection(),
      ...['-i', pubJson, '-t', commandTopic!, '-q', '1', '-m', '{"on":true}'],
    ]);
    const afterOn = await watch.waitForLines(2);
    expect(JSON.parse(afterOn[1]!)).toMatchObject({ id: pump.id, on: true });

    // A new subscriber is served the new state as a retained message.
    const fresh = await runOk('mosquitto_sub', [
      ...connection(),
      ...['-i', clientId('state-fresh'), '-t', stateTopic!, '-C', '1', '-F', '%r %p'],
    ]);
    const [retainFlag, ...json] = fresh.stdout.trim().split(' ');
    expect(retainFlag).toBe('1');
    expect(JSON.parse(json.join(' '))).toMatchObject({ id: pump.id, on: true });

    const pubText = clientId('pub-text');
    await runOk('mosquitto_pub', [
      ...connection(),
      ...['-i', pubText, '-t', commandTopic!, '-m', 'OFF'],
    ]);
    expect(state((await watch.waitForLines(3))[2])).toBe(false);
    await watch.done;

    // Evidence: each command as the client sent it, then the state change it caused.
    const changes = await lab.waitForEvidence('two pump state changes', (events) => {
      const found = events.filter((e) => e.kind === 'device.state' && e.device === pump.id);
      return found.length >= 2 ? found : undefined;
    });
    expect(changes.map((e) => [e.values, e.source])).toEqual([
      [{ on: true }, 'mqtt'],
      [{ on: false }, 'mqtt'],
    ]);
    const events = lab.evidence();
    for (const [id, text, change] of [
      [pubJson, '{"on":true}', changes[0]!],
      [pubText, 'OFF', changes[1]!],
    ] as const) {
      const command = events.find(
        (e) => e.kind === 'mqtt.publish' && e.clientId === id && e.topic === commandTopic,
      );
      expect(command, `mqtt.publish from ${id}`).toBeDefined();
      expect(command).toMatchObject({ origin: 'client' });
      expect(payloadText(command!)).toBe(text);
      expect(command!.seq).toBeLessThan(change.seq);
    }
  });

  it('stops with an intact hash chain that holds every mosquitto client', async () => {
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events[0]?.kind).toBe('lab.start');
    expect(events.at(-1)?.kind).toBe('lab.stop');
    for (const id of clientIds) {
      const mine = events.filter((e) => e.clientId === id);
      expect(
        mine.find((e) => e.kind === 'mqtt.connect'),
        `connect of ${id}`,
      ).toMatchObject({
        accepted: true,
        protocolVersion: 4,
      });
      expect(
        mine.some((e) => e.kind === 'mqtt.disconnect'),
        `disconnect of ${id}`,
      ).toBe(true);
      const subscribed = mine.some((e) => e.kind === 'mqtt.subscribe');
      expect(subscribed, `${id} subscribes iff it is a mosquitto_sub`).toBe(!id.includes('-pub-'));
    }
  });
});
