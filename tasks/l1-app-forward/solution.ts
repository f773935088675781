/** Reference solution: subscribe, filter by threshold, rename fields, forward with QoS 1. */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const threshold = Number(vars.threshold);
  client.on('message', (_topic, payload) => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof m.temperature !== 'number') return;
    if (ctx.mistake !== 'no-filter' && !(m.temperature > threshold)) return;
    const out = {
      device: m.id,
      [String(vars.tempField)]: m.temperature,
      [String(vars.humField)]: m.humidity,
      ts: m.ts,
    };
    void client
      .publishAsync(String(vars.output), JSON.stringify(out), { qos: 1 })
      .catch(() => undefined);
  });
  await client.subscribeAsync(String(vars.source), { qos: 0 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
