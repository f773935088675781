/**
 * The gateway–platform connection (网关与平台的连接配置) over real sockets: the greenhouse's
 * gateway is pointed at a Debian mosquitto started here (its own port, a password file) as the
 * "third-party platform". A wrong password is refused and shows on GET /status in words while
 * readings queue; fixing it through PUT /config delivers them in order, under the configured
 * client id. The password never comes back: not from GET /config, the card or the evidence.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayCardEntry } from '../../devices/gateway/card.js';
import type { LabCard } from '../../simulator/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { GatewayStatusReport } from '../../devices/gateway/runtime/api.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { GatewaySpec } from '../../devices/gateway/scenario.js';
import { GatewayNorthbound } from '../../devices/gateway/scenario.js';
import type { Mosquitto } from '../support/mosquitto.js';
import { startMosquitto } from '../support/mosquitto.js';
import { waitFor } from '../support/net.js';
import { gatewayApi } from '../support/gateway-api.js';

const WRONG = 'wrong-secret-7f3';
const RIGHT = 'right-secret-9c1';
let broker: Mosquitto;
let lab: Lab;
let card: LabCard;
let gw: GatewayCardEntry;
let platform: MqttClient;
const events: EvidenceEvent[] = [];
const received: { topic: string; text: string }[] = [];

beforeAll(async () => {
  broker = await startMosquitto('gw', RIGHT);
  const base = loadScenario('greenhouse').scenario;
  const spec = base.gateways[0]!;
  const scenario = {
    ...base,
    gateways: [
      {
        ...spec,
        poll: spec.poll.map((r) => ({ ...r, periodS: 0.2 })),
        northbound: GatewayNorthbound.parse({
          url: broker.url,
          clientId: 'plant-gw-01',
          username: 'gw',
          password: WRONG,
        }),
      },
    ],
  };
  lab = createLab(scenario, { seed: 5, clock: new RealClock() });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
  gw = card.gateways![0]!;
  platform = await mqtt.connectAsync(broker.url, {
    username: 'gw',
    password: RIGHT,
    reconnectPeriod: 0,
  });
  platform.on('message', (topic, payload) => received.push({ topic, text: payload.toString() }));
  await platform.subscribeAsync('#');
});
afterAll(async () => {
  await platform?.endAsync(true);
  await lab?.stop();
  await broker?.stop();
});

const { http } = gatewayApi(() => gw.api);

/** Polls an async probe (an HTTP GET) until it gives a value. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 8000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const status = async () => (await http('GET', '/status')).body as GatewayStatusReport;
const config = async () => (await http('GET', '/config')).body as GatewaySpec;
const ecTopic = () => `${card.mqtt.topicPrefix}/gw/gw1/soil_ec`;

describe('gateway northbound to a third-party mosquitto', () => {
  it('never shows the password: GET /config, the card and the evidence mask it', async () => {
    const r = await http('GET', '/config');
    expect(r.status).toBe(200);
    expect((r.body as GatewaySpec).northbound).toMatchObject({
      url: broker.url,
      clientId: 'plant-gw-01',
      username: 'gw',
      password: '********',
    });
    expect(r.text).not.toContain(WRONG);
    expect(gw.clientId).toBe('plant-gw-01');
    expect(JSON.stringify(card)).not.toContain(WRONG);
  });

  it('a refused connection shows on /status in words, is evidence, and readings queue', async () => {
    const s = await until(async () => {
      const st = await status();
      return st.northbound.lastError && st.northbound.queue.length >= 5 ? st : undefined;
    }, 'a refusal and queued readings');
    expect(s.northbound.state).not.toBe('connected');
    expect(s.northbound.lastError!.message).toBe(
      'broker refused the connection: not authorized: check username and password, and that the broker lets this user connect (CONNACK 5)',
    );
    expect(s.northbound.lastError!.code).toBe('CONNACK_5');
    expect(s.mqtt.connected).toBe(false);
    // The southbound side goes on polling while the platform is unreachable.
    expect(s.points.find((p) => p.point === 'soil_ec')!.status).toBe('ok');
    const link = events.filter(
      (e) =>
        e.kind === 'device.state' && e.device === 'gw:gw1' && e.source === 'gateway-northbound',
    );
    expect(
      link.map((e) => (e.values as { northbound: { event: string } }).northbound.event),
    ).toEqual(expect.arrayContaining(['failed']));
    expect(JSON.stringify(link)).toMatch(/CONNACK 5/);
    expect(received.filter((m) => m.topic === ecTopic())).toEqual([]);
  });

  it('fixing the password by PUT /config delivers the queued readings in order', async () => {
    const queued = (await status()).northbound.queue.length;
    const current = await config();
    const before = Date.now();
    const r = await http('PUT', '/config', {
      ...current,
      northbound: { ...current.northbound, password: RIGHT },
    });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(RIGHT);
    const s = await until(async () => {
      const st = await status();
      return st.northbound.state === 'connected' ? st : undefined;
    }, 'connected');
    expect(s.northbound.queue.forwarded).toBeGreaterThanOrEqual(queued);
    expect(broker.log()).toMatch(
      /New client connected from 127\.0\.0\.1:\d+ as plant-gw-01 .*u'gw'/,
    );
    await waitFor(
      () => received.filter((m) => m.topic === ecTopic()).length > queued / 2 + 2 || undefined,
      5000,
      'soil_ec readings at the platform',
    );
    const ts = received
      .filter(
        (m) =>
          m.topic.startsWith(`${card.mqtt.topicPrefix}/gw/gw1/`) && !m.topic.endsWith('/status'),
      )
      .map((m) => (JSON.parse(m.text) as { ts: number }).ts);
    // Readings taken before the fix reached the platform, and everything arrived in order.
    expect(ts.filter((t) => t < before).length).toBeGreaterThanOrEqual(queued);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const online = received.filter((m) => m.topic === gw.statusTopic).at(-1);
    expect(JSON.parse(online!.text)).toMatchObject({ gateway: 'gw1', online: true });
    expect(JSON.stringify(events)).not.toContain(RIGHT);
  });

  it('a PUT with the mask keeps the password; a new client id reconnects live', async () => {
    const current = await config();
    expect(current.northbound!.password).toBe('********');
    const mark = received.length;
    const r = await http('PUT', '/config', {
      ...current,
      northbound: { ...current.northbound, clientId: 'plant-gw-02' },
    });
    expect(r.status).toBe(200);
    await waitFor(() => /as plant-gw-02 /.test(broker.log()) || undefined, 8000, 'plant-gw-02');
    const s = await until(async () => {
      const st = await status();
      return st.northbound.state === 'connected' && st.northbound.clientId === 'plant-gw-02'
        ? st
        : undefined;
    }, 'connected as plant-gw-02');
    expect(s.mqtt.clientId).toBe('plant-gw-02');
    // The old connection said goodbye on the status topic, the new one is online.
    const online = await waitFor(
      () => {
        const seen = received
          .slice(mark)
          .filter((m) => m.topic === gw.statusTopic)
          .map((m) => (JSON.parse(m.text) as { online: boolean }).online);
        return seen.at(-1) === true ? seen : undefined;
      },
      5000,
      'online again',
    );
    expect(online.indexOf(false)).toBeGreaterThanOrEqual(0);
    expect(online.lastIndexOf(false)).toBeLessThan(online.length - 1);
  });

  it('names a closed port and an unknown host; refuses a bad URL with its path', async () => {
    const current = await config();
    const put = (northbound: Record<string, unknown>) =>
      http('PUT', '/config', { ...current, northbound: { ...current.northbound, ...northbound } });
    const bad = await put({ url: 'http://127.0.0.1:1883' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      problems: [
        { path: 'northbound.url', message: expect.stringMatching(/mqtt:\/\/host:port/) as unknown },
      ],
    });
    const noUser = await http('PUT', '/config', {
      ...current,
      northbound: { url: broker.url, password: 'x' },
    });
    expect(noUser.status).toBe(400);
    expect(noUser.text).toContain('northbound.password');

    await broker.stop(); // the platform goes away: its port is now closed
    const lost = await until(async () => {
      const st = await status();
      return st.northbound.lastError?.code === 'ECONNREFUSED' ? st : undefined;
    }, 'connection refused');
    expect(lost.northbound.lastError!.message).toMatch(
      new RegExp(`nothing listens at 127\\.0\\.0\\.1:${broker.port} \\(connection refused\\)`),
    );
    expect((await put({ url: 'mqtt://no-such-broker.invalid:1883' })).status).toBe(200);
    const dns = await until(async () => {
      const st = await status();
      return st.northbound.lastError?.message.includes('no-such-broker') ? st : undefined;
    }, 'a DNS failure');
    expect(dns.northbound.lastError!.message).toMatch(
      /^host name "no-such-broker\.invalid" not found \(DNS (ENOTFOUND|EAI_AGAIN)\)/,
    );
    expect(dns.northbound.state).not.toBe('connected');
  });
});
