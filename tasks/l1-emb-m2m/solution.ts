/**
 * Reference solution: follow the door's `open` field with the alarm's state, on each change.
 *
 * Typical mistakes (`ctx.mistake`): `never-off` switches the alarm on when the door opens and
 * never off; `test-blink` blinks the alarm once at start-up (on, then off) as a self-test:
 * commands the door did not ask for. The stated rules and
 * the case the lab plants for each: tasks/l1-emb-m2m/task.ts.
 */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const command = (on: boolean) =>
    quietly(client.publishAsync(String(vars.commandTopic), JSON.stringify({ on }), { qos: 1 }));
  let last: boolean | undefined;
  client.on('message', (_topic, payload) => {
    const m = JSON.parse(payload.toString()) as { open?: unknown };
    if (typeof m.open !== 'boolean' || m.open === last) return;
    last = m.open;
    // The typical mistake: switch on when the door opens, never off.
    if (ctx.mistake === 'never-off' && !m.open) return;
    command(m.open);
  });
  if (ctx.mistake === 'test-blink') {
    // Before following the door, so the alarm is off again when the first message comes.
    command(true);
    command(false);
  }
  await client.subscribeAsync(String(vars.doorTopic), { qos: 1 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
