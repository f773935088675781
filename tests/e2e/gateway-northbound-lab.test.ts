/**
 * The gateway's northbound link to the lab's own broker when the lab requires a user name and
 * password: by default it uses the scenario's; a PUT /config naming other credentials is
 * refused by the broker with CONNACK 4, shown on /status in words and recorded on both sides
 * (the broker's `mqtt.connect` with accepted false, the gateway's `device.state`); taking the
 * section out again goes back to the lab's credentials, live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayCardEntry } from '../../devices/gateway/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import type { GatewaySpec } from '../../devices/gateway/scenario.js';
import { gatewayApi } from '../support/gateway-api.js';

let lab: Lab;
let gw: GatewayCardEntry;
const events: EvidenceEvent[] = [];

beforeAll(async () => {
  const base = loadScenario('greenhouse').scenario;
  const scenario = { ...base, mqtt: { username: 'lab-user', password: 'lab-pass-31' } };
  lab = createLab(scenario, { seed: 8, clock: new RealClock() });
  lab.recorder.subscribe((e) => events.push(e));
  gw = (await lab.start()).gateways![0]!;
});
afterAll(async () => {
  await lab?.stop();
});

const { http, statusWhen } = gatewayApi(() => gw.api);

describe('gateway northbound to the lab broker with credentials', () => {
  it('connects with the scenario credentials by default', async () => {
    const s = await statusWhen((x) => x.northbound.state === 'connected', 'connected');
    expect(s.northbound).toMatchObject({ labBroker: true, username: 'lab-user' });
    expect((await http('GET', '/config')).text).not.toContain('lab-pass-31');
  });

  it('other credentials get CONNACK 4 in words; removing them reconnects live', async () => {
    const current = (await http('GET', '/config')).body as GatewaySpec;
    const r = await http('PUT', '/config', {
      ...current,
      northbound: { clientId: 'gw-wrong', username: 'lab-user', password: 'guess' },
    });
    expect(r.status).toBe(200);
    const down = await statusWhen(
      (x) => x.northbound.lastError?.code === 'CONNACK_4',
      'a CONNACK 4 refusal',
    );
    expect(down.northbound.lastError!.message).toBe(
      'broker refused the connection: bad user name or password: check username and password (CONNACK 4)',
    );
    expect(down.northbound.state).not.toBe('connected');
    expect(
      events.some(
        (e) => e.kind === 'mqtt.connect' && e.clientId === 'gw-wrong' && e.accepted === false,
      ),
    ).toBe(true);

    const { northbound: _gone, ...without } = current;
    expect((await http('PUT', '/config', without)).status).toBe(200);
    const up = await statusWhen(
      (x) => x.northbound.state === 'connected' && x.northbound.clientId !== 'gw-wrong',
      'reconnected with the lab credentials',
    );
    expect(up.northbound.clientId).toBe(gw.clientId);
    const link = events
      .filter((e) => e.kind === 'device.state' && e.source === 'gateway-northbound')
      .map((e) => (e.values as { northbound: { event: string } }).northbound.event);
    expect(link).toEqual(expect.arrayContaining(['connected', 'failed']));
    expect(JSON.stringify(events)).not.toContain('guess');
  });
});
