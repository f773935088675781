/**
 * Reference solution: a hysteresis rule over the sensor's telemetry driving the alarm.
 *
 * Typical mistakes (`ctx.mistake`): `no-hysteresis` uses one threshold both ways (off as soon as
 * the value is back under high); `never-clear` switches the alarm on and never off. The stated
 * rules and the case the lab plants for each: tasks/l1-app-alarm/task.ts.
 */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const high = Number(vars.high);
  const low = Number(vars.low);
  const field = String(vars.field);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  let on = false;
  client.on('message', (_topic, payload) => {
    const v = (JSON.parse(payload.toString()) as Record<string, unknown>)[field];
    if (typeof v !== 'number') return;
    // The typical mistake: one threshold for both ways (off as soon as it is back under high).
    const next = ctx.mistake === 'no-hysteresis' ? v > high : on ? !(v < low) : v > high;
    if (next === on || (ctx.mistake === 'never-clear' && !next)) return;
    on = next;
    quietly(client.publishAsync(String(vars.commandTopic), JSON.stringify({ on }), { qos: 1 }));
  });
  await client.subscribeAsync(String(vars.sensorTopic), { qos: 0 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
