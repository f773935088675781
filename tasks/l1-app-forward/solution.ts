/**
 * Reference solution: subscribe, filter by threshold, rename fields, forward with QoS 1.
 *
 * Typical mistakes (`ctx.mistake`): `no-filter` forwards every message; `swap-fields` puts the
 * humidity under the temperature's name and the other way round; `qos0` forwards with QoS 0;
 * `late` forwards each message twice the allowed latency after it arrived (a batching
 * timer). The stated rules and the case the lab plants for each: tasks/l1-app-forward/task.ts.
 */
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
      [String(vars.tempField)]: ctx.mistake === 'swap-fields' ? m.humidity : m.temperature,
      [String(vars.humField)]: ctx.mistake === 'swap-fields' ? m.temperature : m.humidity,
      ts: m.ts,
    };
    const send = () =>
      void client
        .publishAsync(String(vars.output), JSON.stringify(out), {
          qos: ctx.mistake === 'qos0' ? 0 : 1,
        })
        .catch(() => undefined);
    if (ctx.mistake === 'late')
      setTimeout(send, (2 * Number(vars.maxLatencyS) * 1000) / (ctx.speed ?? 1));
    else send();
  });
  await client.subscribeAsync(String(vars.source), { qos: 0 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
