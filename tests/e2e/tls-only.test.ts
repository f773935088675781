/**
 * TLS as the only way in (issue 17.2, scenario `tls: { only: true }`): a right login over plain
 * MQTT gets CONNACK 5 saying so, recorded in the lab's evidence, while the same login over TLS
 * (mosquitto_pub --cafile) is admitted; the card says `mqtt.tlsOnly`, and the lab's own gateway
 * links over TLS by itself. On a shared broker (an exam server) the rule is the tenant's: its
 * plain login is refused into its own evidence, another tenant's is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import { createBroker } from '../../protocols/mqtt/broker.js';
import { createLabTls } from '../../protocols/tls/ca.js';
import type { LabCard } from '../../simulator/card.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import { requireTools, runTool } from '../interop/harness/tools.js';
import { waitFor } from '../support/net.js';
import { tlsListener } from '../support/tls-broker.js';

const dir = mkdtempSync(join(tmpdir(), 'iotlab-tls-only-'));
const events: EvidenceEvent[] = [];
let lab: Lab;
let card: LabCard;

beforeAll(async () => {
  const { scenario } = loadScenario('greenhouse');
  lab = createLab(validateScenario({ ...scenario, tls: { only: true } }, 'greenhouse, TLS only'), {
    ports: { mqtt: 0, ws: null, coap: 0, modbus: 0, mqtts: 0, wss: null },
    serial: { basePort: 0, httpPort: 0 },
    tls: { dir: join(dir, 'lab') },
  });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => requireTools('mosquitto_pub'));

const connects = (clientId: string) =>
  events.filter((e) => e.kind === 'mqtt.connect' && e.clientId === clientId);

describe('TLS as the only way in', () => {
  it('refuses a plain login with CONNACK 5 and the reason, admits it over TLS', async () => {
    expect(card.mqtt.tlsOnly).toBe(true);
    const plain = new URL(card.mqtt.url);
    const tls = new URL(card.mqtt.tlsUrl!);
    const pub = (args: string[], clientId: string) =>
      runTool(
        'mosquitto_pub',
        [...args, '-i', clientId, '-t', `${card.mqtt.topicPrefix}/hello`, '-m', clientId],
        { timeoutMs: 10_000 },
      );
    const refused = await pub(['-h', '127.0.0.1', '-p', plain.port], 'plain-client');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not authori[sz]ed/i);
    const ok = await pub(
      ['-h', '127.0.0.1', '-p', tls.port, '--cafile', card.mqtt.ca!.path],
      'tls-client',
    );
    expect(ok.code, ok.stderr).toBe(0);
    const no = await waitFor(() => connects('plain-client')[0]);
    expect(no).toMatchObject({ accepted: false, returnCode: 5 });
    expect(String(no.error)).toMatch(/TLS only/);
    expect(await waitFor(() => connects('tls-client')[0])).toMatchObject({ accepted: true });
  });

  it("links the lab's own gateway over TLS", async () => {
    const gw = await waitFor(
      () =>
        events.find(
          (e) =>
            e.kind === 'mqtt.connect' &&
            String(e.clientId).startsWith('iotlab-gw-') &&
            e.accepted === true,
        ),
      10_000,
    );
    const hs = events.filter((e) => e.kind === 'tls.handshake' && e.ok === true);
    expect(hs.some((e) => e.peer === gw.peer)).toBe(true);
  });
});

describe('TLS only on a shared broker', () => {
  it("is the tenant's rule: its plain login is refused into its own evidence", async () => {
    const tls = await createLabTls({
      dir: join(dir, 'server'),
      name: 'exam server',
      hosts: ['127.0.0.1'],
    });
    const unrouted: EvidenceEvent[] = [];
    const own: Record<'a' | 'b', EvidenceEvent[]> = { a: [], b: [] };
    const broker = await createBroker({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      recordUnrouted: (kind, fields) => unrouted.push({ kind, ...fields } as EvidenceEvent),
      tls: tlsListener(tls),
    });
    try {
      for (const who of ['a', 'b'] as const)
        broker.addTenant({
          id: who,
          username: who,
          topicPrefix: `iotlab/${who}`,
          record: (kind, fields) => own[who].push({ kind, ...fields } as EvidenceEvent),
          checkPassword: (pw) => Promise.resolve(pw.toString() === `${who}-pw`),
          ...(who === 'a' ? { tlsOnly: true } : {}),
        });
      const login = (who: 'a' | 'b', url: string) =>
        mqtt.connectAsync(url, {
          username: who,
          password: `${who}-pw`,
          clientId: `${who}-${url.slice(0, 5)}`,
          ca: tls.caPem,
          reconnectPeriod: 0,
          connectTimeout: 5000,
        });
      const plain = `mqtt://127.0.0.1:${broker.port}`;
      const secure = `mqtts://127.0.0.1:${broker.tlsPort!}`;
      await expect(login('a', plain)).rejects.toThrow(/Not authorized/i);
      await (await login('a', secure)).endAsync();
      await (await login('b', plain)).endAsync();
      expect(
        own.a.filter((e) => e.kind === 'mqtt.connect').map((e) => [e.clientId, e.accepted]),
      ).toEqual([
        ['a-mqtt:', false],
        ['a-mqtts', true],
      ]);
      expect(own.b.find((e) => e.kind === 'mqtt.connect')).toMatchObject({ accepted: true });
      expect(unrouted.filter((e) => e.kind === 'mqtt.connect')).toEqual([]);
    } finally {
      await broker.close();
    }
  });
});
