/**
 * The greenhouse's edge gateway over real sockets: it polls the RS-485 RTU line and the
 * irrigation controller through their TCP ports, publishes to the lab's broker (seen here by a
 * real mqtt.js client), takes commands down to the controller, and its HTTP configuration API
 * answers bad input with problems a technician can act on.
 */
import { request } from 'node:http';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayCardEntry } from '../../devices/gateway/card.js';
import type { LabCard } from '../../simulator/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { GatewaySpecInput } from '../../devices/gateway/scenario.js';
import { waitFor } from '../support/net.js';

let lab: Lab;
let card: LabCard;
let gw: GatewayCardEntry;
let client: MqttClient;
const events: EvidenceEvent[] = [];
const messages: { topic: string; text: string; at: number }[] = [];
const scenario = loadScenario('greenhouse').scenario;

beforeAll(async () => {
  lab = createLab(scenario, { seed: 21, clock: new RealClock() });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
  gw = card.gateways![0]!;
  client = await mqtt.connectAsync(card.mqtt.url, { reconnectPeriod: 0 });
  client.on('message', (topic, payload) =>
    messages.push({ topic, text: payload.toString(), at: lab.clock.now() }),
  );
  await client.subscribeAsync(`${card.mqtt.topicPrefix}/gw/#`);
});
afterAll(async () => {
  await client?.endAsync(true);
  await lab?.stop();
});

interface HttpResult {
  status: number;
  body: unknown;
}

function http(method: string, path: string, body?: string, type = 'application/json') {
  const url = new URL(path, gw.api);
  return new Promise<HttpResult>((resolve, reject) => {
    const req = request(
      url,
      { method, headers: body === undefined ? {} : { 'content-type': type } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const topicOf = (point: string) => `${card.mqtt.topicPrefix}/gw/gw1/${point}`;

function lastValue(
  point: string,
): { ts: number; value: number | boolean; unit: string } | undefined {
  const m = messages.filter((x) => x.topic === topicOf(point)).at(-1);
  return m ? (JSON.parse(m.text) as { ts: number; value: number; unit: string }) : undefined;
}

function lastStatus():
  | {
      online: boolean;
      points: Record<string, { status: string; error?: string; message?: string }>;
    }
  | undefined {
  const m = messages.filter((x) => x.topic === gw.statusTopic).at(-1);
  return m ? (JSON.parse(m.text) as ReturnType<typeof lastStatus>) : undefined;
}

describe('edge gateway of the greenhouse', () => {
  it('is on the card with its API, status topic and the lines it holds', () => {
    expect(gw.name).toBe('gw1');
    expect(gw.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.statusTopic).toBe(`${card.mqtt.topicPrefix}/gw/gw1/status`);
    expect(gw.lines).toEqual(['rs485', 'irrigation']);
  });

  it('publishes RTU and controller values equal to the devices truth, scaled', async () => {
    for (const [point, device, quantity, unit] of [
      ['soil_ec', 'soil_ec', 'ec', 'mS/cm'],
      ['leaf_wetness', 'leaf_wetness', 'wetness', '%'],
      ['soil_moisture', 'soil_moisture', 'moisture', '%'],
    ] as const) {
      const v = await waitFor(() => lastValue(point), 8000, `a value of ${point}`);
      const at = messages.filter((x) => x.topic === topicOf(point)).at(-1)!.at;
      const truth = lab.truth(device, at).values[quantity] as number;
      const resolution = scenarioResolution(device);
      expect(v.unit).toBe(unit);
      expect(typeof v.value).toBe('number');
      // Read a few ms before it arrived: the profile moves far less than a step in that time.
      expect(Math.abs((v.value as number) - truth)).toBeLessThanOrEqual(resolution * 2 + 1e-9);
    }
    const status = await waitFor(
      () => (lastStatus()?.points.soil_ec?.status === 'ok' ? lastStatus() : undefined),
      8000,
      'status ok',
    );
    expect(status.online).toBe(true);
    // The gateway's requests are on the wire as a host's: serial.rx on the RTU line.
    const rtuId = card.serial!.find((s) => s.name === 'rs485')!.id;
    expect(events.some((e) => e.kind === 'serial.rx' && e.device === rtuId)).toBe(true);
  });

  it('refuses a bad config with 400 and problems naming their paths; keeps the old one', async () => {
    const before = await http('GET', '/config');
    const bad = {
      name: 'gw1',
      topic: '{prefix}/gw/{name}',
      poll: [
        { point: 'x', line: 'nosuch', periodS: 1 },
        { point: 'y', line: 'rs485', unit: 'soil_ec', table: 'input', periodS: 0 },
      ],
    };
    const r = await http('PUT', '/config', JSON.stringify(bad));
    expect(r.status).toBe(400);
    const problems = (r.body as { problems: { path: string; message: string }[] }).problems;
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['poll[1].periodS']));
    // Shape problems need a body that fits the schema: fix periodS and see the rest.
    bad.poll[1]!.periodS = 1;
    const r2 = await http('PUT', '/config', JSON.stringify(bad));
    expect(r2.status).toBe(400);
    const p2 = (r2.body as { problems: { path: string; message: string }[] }).problems;
    expect(p2).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'topic',
          message: expect.stringMatching(/\{point\}/) as unknown,
        }),
      ]),
    );
    // With the shape right, the lab's lines are checked: the line it names does not exist.
    bad.topic = '{prefix}/gw/{name}/{point}';
    const r3 = await http('PUT', '/config', JSON.stringify(bad));
    expect(r3.status).toBe(400);
    expect((r3.body as { problems: unknown[] }).problems).toEqual([
      {
        path: 'poll[0].line',
        message: expect.stringMatching(
          /no serial line named "nosuch".*rs485 \(modbus_rtu\)/,
        ) as unknown,
      },
    ]);
    expect((await http('GET', '/config')).body).toEqual(before.body);
  });

  it('answers malformed bodies with 4xx and keeps running', async () => {
    for (const [body, type] of [
      ['{"name":', 'application/json'],
      ['not json at all', 'application/json'],
      ['[]', 'application/json'],
      ['null', 'application/json'],
      ['\u0000\u00ff', 'application/json'],
      ['name=gw1', 'application/x-www-form-urlencoded'],
      ['x'.repeat(2_000_000), 'application/json'],
    ] as const) {
      const r = await http('PUT', '/config', body, type);
      expect(r.status, body.slice(0, 20)).toBeGreaterThanOrEqual(400);
      expect(r.status, body.slice(0, 20)).toBeLessThan(500);
      expect(r.body).toHaveProperty('error');
    }
    expect((await http('PUT', '/config?force=maybe', '{}')).status).toBe(400);
    expect((await http('GET', '/nosuch')).status).toBe(404);
    expect((await http('GET', '/status')).status).toBe(200);
  });

  it('a wrong poll entry shows as an error on the status topic', async () => {
    const current = (await http('GET', '/config')).body as GatewaySpecInput;
    const rtu = lab.plan.devices.find((d) => d.name === 'soil_ec')!.modbus!;
    const wrong: GatewaySpecInput = {
      ...current,
      timeoutMs: 200,
      poll: [
        ...current.poll,
        // a register soil_ec does not have: the slave answers exception 02
        {
          point: 'bad_reg',
          line: 'rs485',
          unit: rtu.unit,
          table: 'holding',
          address: 9999,
          periodS: 1,
        },
        // a slave that is not on the line: no answer
        {
          point: 'ghost',
          line: 'rs485',
          unit: ghostUnit(),
          table: 'input',
          address: 0,
          periodS: 1,
        },
      ],
    };
    const refused = await http('PUT', '/config', JSON.stringify(wrong));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/force=true/);
    const saved = await http('PUT', '/config?force=true', JSON.stringify(wrong));
    expect(saved.status).toBe(200);
    expect((saved.body as { warnings: unknown[] }).warnings.length).toBe(2);
    const status = await waitFor(
      () => {
        const s = lastStatus();
        return s?.points.bad_reg?.status === 'error' && s.points.ghost?.status === 'error'
          ? s
          : undefined;
      },
      8000,
      'errors on the status topic',
    );
    expect(status.points.bad_reg).toMatchObject({ error: 'exception' });
    expect(status.points.bad_reg!.message).toMatch(/ILLEGAL DATA ADDRESS/);
    expect(status.points.ghost).toMatchObject({ error: 'timeout' });
    expect(status.points.soil_ec?.status).toBe('ok');
    // Put the good table back.
    expect((await http('PUT', '/config', JSON.stringify(current))).status).toBe(200);
  });

  it('a command on the MQTT command topic reaches the controller as a write', async () => {
    const pumpId = lab.plan.devices.find((d) => d.name === 'pump')!.id;
    const on = lab.truth('pump').values.on === true;
    const seq = events.length;
    await client.publishAsync(`${topicOf('pump')}/set`, on ? 'OFF' : 'ON');
    const changed = await waitFor(
      () =>
        events
          .slice(seq)
          .find((e) => e.kind === 'device.state' && e.device === pumpId && e.source !== 'schedule'),
      5000,
      'the pump state change in evidence',
    );
    expect((changed.values as { on: boolean }).on).toBe(!on);
    expect(lab.truth('pump').values.on).toBe(!on);
    // The write went down the controller's line, and the read-back reaches the broker.
    const ctlId = card.serial!.find((s) => s.name === 'irrigation')!.id;
    expect(events.slice(seq).some((e) => e.kind === 'serial.rx' && e.device === ctlId)).toBe(true);
    await waitFor(() => (lastValue('pump')?.value === !on ? true : undefined), 5000, 'read-back');
    // A command it cannot take is refused, not written.
    await client.publishAsync(`${topicOf('pump')}/set`, 'sideways');
    const refused = await waitForAsync(
      async () => {
        const r = await http('GET', '/status');
        const pump = (
          r.body as {
            points: {
              point: string;
              counts: { rejected: number };
              lastWrite?: { ok: boolean; message?: string };
            }[];
          }
        ).points.find((p) => p.point === 'pump')!;
        return pump.counts.rejected > 0 ? pump : undefined;
      },
      5000,
      'the refused command in /status',
    );
    expect(refused.lastWrite).toMatchObject({
      ok: false,
      message: expect.stringMatching(/on\/off/) as unknown,
    });
    expect(lab.truth('pump').values.on).toBe(!on);
  });
});

function scenarioResolution(device: string): number {
  const d = scenario.devices.find((x) => x.name === device)!;
  if (d.kind === 'analog') return d.channel.resolution;
  if (d.kind === 'digital') return d.channels[0]!.resolution;
  return 1;
}

function ghostUnit(): number {
  const used = new Set(lab.plan.devices.flatMap((d) => (d.modbus ? [d.modbus.unit] : [])));
  for (let u = 247; u > 0; u--) if (!used.has(u)) return u;
  throw new Error('no free unit');
}

async function waitForAsync<T>(fn: () => Promise<T | undefined>, ms: number, what: string) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
