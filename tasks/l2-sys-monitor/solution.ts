/**
 * Reference solution: subscribes to every device's status and telemetry (the card's devices),
 * raises `offline` once a device has been offline for 5 s and clears it when it is back, raises
 * `stuck` when five messages in a row carry the same values, and publishes the online/offline
 * counts every 10 s. Timers run on the lab's clock (`ctx.speed`).
 *
 * Typical mistakes (`ctx.mistake`): `no-debounce` raises offline at once; `never-clear` never
 * clears; `no-stuck` has no stuck rule. The stated rules and the case the lab plants for each:
 * tasks/l2-sys-monitor/task.ts.
 */
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const later = (labMs: number, f: () => void) => setTimeout(f, labMs / speed);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const alert = (device: string, type: string, state: string) =>
    void client.publish(String(vars.alertTopic), JSON.stringify({ device, type, state }), {
      qos: 1,
    });
  const online = new Map<string, boolean>();
  const raised = new Set<string>();
  const pending = new Map<string, NodeJS.Timeout>();
  const runs = new Map<string, { last: string; n: number }>();
  const byTopic = new Map<string, (text: string) => void>();
  for (const d of card.devices) {
    const id = d.id;
    online.set(id, true);
    byTopic.set(d.mqtt!.statusTopic, (text) => {
      const up = text === 'online';
      online.set(id, up);
      if (!up) {
        if (ctx.mistake === 'no-debounce') {
          raised.add(id);
          return alert(id, 'offline', 'raised');
        }
        if (!pending.has(id))
          pending.set(
            id,
            later(5000, () => {
              pending.delete(id);
              if (online.get(id) === false) {
                raised.add(id);
                alert(id, 'offline', 'raised');
              }
            }),
          );
        return;
      }
      clearTimeout(pending.get(id));
      pending.delete(id);
      if (raised.delete(id) && ctx.mistake !== 'never-clear') alert(id, 'offline', 'cleared');
    });
    byTopic.set(d.mqtt!.telemetryTopic, (text) => {
      if (ctx.mistake === 'no-stuck') return;
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      const values = JSON.stringify(
        Object.keys(j)
          .filter((k) => !['id', 'ts', 'seq'].includes(k))
          .sort()
          .map((k) => j[k]),
      );
      const r = runs.get(id);
      const n = r && r.last === values ? r.n + 1 : 1;
      runs.set(id, { last: values, n });
      if (n === 5) alert(id, 'stuck', 'raised');
    });
  }
  client.on('message', (topic, payload) => byTopic.get(topic)?.(payload.toString('utf8')));
  await client.subscribeAsync([...byTopic.keys()], { qos: 0 });
  const timer = setInterval(() => {
    const off = [...online.values()].filter((x) => !x).length;
    void client.publish(
      String(vars.summaryTopic),
      JSON.stringify({ online: online.size - off, offline: off }),
      { qos: 1 },
    );
  }, 10_000 / speed);
  await untilAborted(ctx.signal);
  clearInterval(timer);
  for (const t of pending.values()) clearTimeout(t);
  await client.endAsync(true);
}
