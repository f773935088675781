/**
 * Reference solution: watch every sensor's status and telemetry; call a fault as soon as its sign
 * shows (offline status, a value beyond the card's range, six identical messages, or a change
 * over 15 s far beyond the sensor's normal wander), then publish both answers.
 */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card } = ctx;
  const prefix = card.mqtt.topicPrefix;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const history = new Map<string, { seq: number; values: number[] }[]>();
  let answered = false;
  const answer = (device: string, type: string) => {
    if (answered) return;
    answered = true;
    const wrongType = ctx.mistake === 'wrong-type' ? (type === 'stuck' ? 'drift' : 'stuck') : type;
    quietly(client.publishAsync(`${prefix}/answers/fault_device`, device, { qos: 1 }));
    quietly(client.publishAsync(`${prefix}/answers/fault_type`, wrongType, { qos: 1 }));
  };
  client.on('message', (topic, payload) => {
    const [, id, leaf] = topic.slice(prefix.length).split('/');
    if (!id) return;
    const text = payload.toString();
    if (leaf === 'status') {
      if (text === 'offline') answer(id, 'offline');
      return;
    }
    const dev = card.devices.find((d) => d.id === id);
    const channels = dev?.channels;
    if (leaf !== 'telemetry' || !channels) return;
    const m = JSON.parse(text) as Record<string, unknown>;
    const values = channels.map((c) => Number(m[c.quantity]));
    if (channels.some((c, i) => values[i]! > c.range[1] || values[i]! < c.range[0]))
      return answer(id, 'spike');
    const h = history.get(id) ?? [];
    h.push({ seq: Number(m.seq), values });
    history.set(id, h);
    const last6 = h.slice(-6);
    if (last6.length === 6 && last6.every((x) => x.values.join() === last6[0]!.values.join()))
      return answer(id, 'stuck');
    if (h.length >= 20) {
      // Mean of the last 5 messages against the 5 from 15 messages earlier, per channel.
      const mean = (xs: { values: number[] }[], i: number) =>
        xs.reduce((s, x) => s + x.values[i]!, 0) / xs.length;
      const recent = h.slice(-5);
      const before = h.slice(-20, -15);
      const drifting = channels.some((c, i) => {
        const span = c.range[1] - c.range[0];
        return Math.abs(mean(recent, i) - mean(before, i)) > span * 0.025;
      });
      if (drifting) answer(id, 'drift');
    }
  });
  await client.subscribeAsync([`${prefix}/+/telemetry`, `${prefix}/+/status`]);
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
