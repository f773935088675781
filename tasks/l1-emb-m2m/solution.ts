/** Reference solution: follow the door's `open` field with the alarm's state, on each change. */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  let last: boolean | undefined;
  client.on('message', (_topic, payload) => {
    const m = JSON.parse(payload.toString()) as { open?: unknown };
    if (typeof m.open !== 'boolean' || m.open === last) return;
    last = m.open;
    // The typical mistake: switch on when the door opens, never off.
    if (ctx.mistake === 'never-off' && !m.open) return;
    quietly(
      client.publishAsync(String(vars.commandTopic), JSON.stringify({ on: m.open }), { qos: 1 }),
    );
  });
  await client.subscribeAsync(String(vars.doorTopic), { qos: 1 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
