/**
 * The gateway's northbound link over TLS (mqtts://) to the lab's broker, configured through its
 * API as a technician would from a platform's manual: without the platform's CA the handshake
 * fails and /status says to set northbound.ca; with the CA and the client certificate the lab
 * issued, the broker sees a mutual-TLS connection whose certificate names the gateway's
 * identity; the key is never shown back (GET /config, evidence) and a PUT with the mask keeps
 * it; PEM that is not PEM, and a certificate without its key, are refused with the field named.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayCardEntry } from '../../devices/gateway/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { LabCard } from '../../simulator/card.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { GatewaySpec } from '../../devices/gateway/scenario.js';
import { PASSWORD_MASK } from '../../devices/gateway/link.js';
import { gatewayApi } from '../support/gateway-api.js';

let lab: Lab;
let card: LabCard;
let gw: GatewayCardEntry;
const dir = mkdtempSync(join(tmpdir(), 'iotlab-gw-tls-'));
const events: EvidenceEvent[] = [];

beforeAll(async () => {
  lab = createLab(loadScenario('greenhouse').scenario, {
    seed: 8,
    clock: new RealClock(),
    tls: { dir },
  });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
  gw = card.gateways![0]!;
});
afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const { http, statusWhen } = gatewayApi(() => gw.api);

describe('gateway northbound over TLS', () => {
  it('without the CA the handshake fails, in words naming northbound.ca', async () => {
    const current = (await http('GET', '/config')).body as GatewaySpec;
    const r = await http('PUT', '/config', {
      ...current,
      northbound: { url: card.mqtt.tlsUrl, clientId: 'gw-tls' },
    });
    expect(r.status, r.text).toBe(200);
    const down = await statusWhen(
      (s) => s.northbound.state === 'down' && s.northbound.lastError !== undefined,
      'a failed handshake',
    );
    expect(down.northbound.lastError!.message).toMatch(/TLS handshake .* northbound\.ca/);
  });

  it('with the CA and the issued client certificate: mutual TLS, the key never shown', async () => {
    const ca = readFileSync(card.mqtt.ca!.path, 'utf8');
    const cert = readFileSync(card.mqtt.clientCert!.cert, 'utf8');
    const key = readFileSync(card.mqtt.clientCert!.key, 'utf8');
    const current = (await http('GET', '/config')).body as GatewaySpec;
    const r = await http('PUT', '/config', {
      ...current,
      northbound: { url: card.mqtt.tlsUrl, clientId: 'gw-tls', ca, cert, key },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.text).not.toContain('PRIVATE KEY');
    await statusWhen((s) => s.northbound.state === 'connected', 'connected over TLS');
    const shown = (await http('GET', '/config')).body as GatewaySpec;
    expect(shown.northbound).toMatchObject({ key: PASSWORD_MASK, cert, ca });
    // The broker saw a TLS connection whose client certificate names the lab's client identity.
    const connect = events.findLast(
      (e) => e.kind === 'mqtt.connect' && e.clientId === 'gw-tls' && e.accepted === true,
    )!;
    expect(connect).toBeDefined();
    const hs = events.findLast((e) => e.kind === 'tls.handshake' && e.peer === connect.peer);
    expect(hs).toMatchObject({
      ok: true,
      clientCert: { cn: card.mqtt.clientCert!.cn, authorized: true },
    });
    // Sent back with the mask, the key in force stays and the link is not reconnected.
    const again = await http('PUT', '/config', shown);
    expect(again.status, again.text).toBe(200);
    const s = await statusWhen((x) => x.northbound.state === 'connected', 'still connected');
    expect(s.northbound.attempts).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('refuses what is not PEM, a certificate without its key, and TLS fields on mqtt://', async () => {
    const current = (await http('GET', '/config')).body as GatewaySpec;
    const put = async (northbound: Record<string, unknown>) => {
      const r = await http('PUT', '/config', { ...current, northbound });
      expect(r.status).toBe(400);
      return (r.body as { problems: { path: string; message: string }[] }).problems;
    };
    const cert = readFileSync(card.mqtt.clientCert!.cert, 'utf8');
    const said = (ps: { path: string; message: string }[]) =>
      ps.map((p) => `${p.path}: ${p.message}`);
    expect(said(await put({ url: card.mqtt.tlsUrl, ca: 'hello' }))).toEqual([
      expect.stringMatching(/^northbound\.ca: not a certificate in PEM/),
    ]);
    expect(said(await put({ url: card.mqtt.tlsUrl, cert }))).toEqual([
      expect.stringMatching(/^northbound\.key: .*give both cert and key/),
    ]);
    expect(said(await put({ url: card.mqtt.url, cert, key: 'x' }))).toContainEqual(
      expect.stringMatching(/^northbound\.cert: .*mqtts:\/\//),
    );
    const big = await http('PUT', '/config', {
      ...current,
      northbound: { url: card.mqtt.tlsUrl, ca: 'x'.repeat(40_000) },
    });
    expect(big.status).toBe(400);
  });
});
