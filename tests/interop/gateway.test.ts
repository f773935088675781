/**
 * Interop with mosquitto_sub (Eclipse Mosquitto 2.0) against the edge gateway of a lab started
 * as `iotlab start` does: the gateway's retained status and its telemetry reach an independent
 * MQTT client, with values equal to the RTU devices' truth, scaled as the card says.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningLab } from './harness/lab.js';
import { startLab } from './harness/lab.js';
import { killTools, requireTools, runOk } from './harness/tools.js';

let lab: RunningLab;

beforeAll(async () => {
  lab = await startLab({ seed: 13, gateway: true });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('mosquitto_sub');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

describe('mosquitto_sub against the edge gateway', () => {
  it('sees the retained status and telemetry equal to truth', async () => {
    const gw = lab.card.gateways![0]!;
    const base = ['-h', lab.mqtt.host, '-p', lab.mqtt.port, '-i', `interop-gw-${process.pid}`];
    const status = await runOk('mosquitto_sub', [...base, '-t', gw.statusTopic, '-C', '1'], {
      timeoutMs: 8000,
    });
    expect(JSON.parse(status.stdout)).toMatchObject({ gateway: 'gw1', online: true });

    const topic = `${lab.card.mqtt.topicPrefix}/gw/gw1/soil_ec`;
    const r = await runOk('mosquitto_sub', [...base, '-t', topic, '-C', '2', '-v'], {
      timeoutMs: 15_000,
    });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const space = line.indexOf(' ');
      expect(line.slice(0, space)).toBe(topic);
      const body = JSON.parse(line.slice(space + 1)) as { ts: number; value: number; unit: string };
      expect(body.unit).toBe('mS/cm');
      const published = await lab.waitForEvidence(`gateway publish ${body.ts}`, (events) =>
        events.find(
          (e) =>
            e.kind === 'mqtt.publish' &&
            e.topic === topic &&
            (e.payload as { json?: { ts?: number } }).json?.ts === body.ts,
        ),
      );
      const device = lab.device('soil_ec');
      const truth = lab.model(device.id).truth(published.t).values.ec as number;
      expect(Math.abs(body.value - truth)).toBeLessThanOrEqual(0.02 + 1e-9);
    }
  });
});
