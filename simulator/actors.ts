/**
 * The simulated clients of a scenario's `security:` section: each is a real MQTT client (mqtt.js
 * over the lab's broker, like any candidate's program) with its own client id and username, that
 * publishes small JSON messages on its topics and subscribes where its spec says, on the lab
 * clock. The broker treats them as it treats everyone: its access policy decides, and their
 * traffic is in the evidence and the access records like any client's. A publish the policy
 * denies costs the connection (MQTT 3.1.1 has no negative PUBACK); the client reconnects and goes
 * on, as field devices do.
 */
import mqtt from 'mqtt';
import type { ISubscriptionMap, MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ActorSpec } from './security.js';
import { withPrefix } from './security.js';

export interface ActorsDeps {
  clock: Clock;
  logger: Logger;
  /** The broker, and the login an exam session's broker requires of every client. */
  mqtt: { url: string; username?: string; password?: string; ca?: string };
  prefix: string;
  labId: string;
}

export interface RunningActors {
  close(): Promise<void>;
}

export async function startActors(
  specs: readonly ActorSpec[],
  deps: ActorsDeps,
): Promise<RunningActors> {
  const timers: TimerHandle[] = [];
  const clients: MqttClient[] = [];
  const { clock } = deps;
  const at = (s: number, fn: () => void) => {
    timers.push(clock.setTimeout(fn, Math.max(0, s * 1000 - clock.now())));
  };
  await Promise.all(
    specs.map(async (a) => {
      const username = deps.mqtt.username ?? a.username;
      const client = await mqtt.connectAsync(deps.mqtt.url, {
        clientId: a.clientId.split('{lab}').join(deps.labId),
        ...(username !== undefined ? { username } : {}),
        ...(deps.mqtt.password !== undefined ? { password: deps.mqtt.password } : {}),
        ...(deps.mqtt.ca !== undefined ? { ca: deps.mqtt.ca } : {}),
        reconnectPeriod: 200,
        queueQoSZero: false,
        resubscribe: true,
      });
      client.on('error', (err) => deps.logger.debug('simulated client', { err: err.message }));
      clients.push(client);
      let seq = 0;
      for (const p of a.publish) {
        const topic = withPrefix(p.topic, deps.prefix);
        at(p.from, () => {
          // A denied publish costs the client its connection (MQTT 3.1.1 has no other answer);
          // a send due while it reconnects goes out once it is back, so a client whose own
          // traffic is denied still makes its attempts (the grader looks for their denials).
          let waiting = false;
          const send = () => {
            if (!client.connected) {
              if (!waiting) {
                waiting = true;
                client.once('connect', () => {
                  waiting = false;
                  send();
                });
              }
              return;
            }
            const body = JSON.stringify({ from: a.name, seq: seq++, ts: clock.wall() });
            client.publish(topic, body, { qos: 0 }, () => undefined);
          };
          send();
          timers.push(clock.setInterval(send, p.every * 1000));
        });
      }
      for (const s of a.subscribe) {
        const topic = withPrefix(s.topic, deps.prefix);
        at(s.from, () => {
          // `resubscribe`: mqtt.js otherwise skips a filter it believes granted (it cannot know
          // the broker revoked it), and a persistent reader asks again.
          const sub = () => {
            if (client.connected)
              client.subscribe(
                // the type cannot say "topics and one boolean"; mqtt.js reads it that way
                { [topic]: { qos: 0 }, resubscribe: true } as unknown as ISubscriptionMap,
                () => undefined,
              );
          };
          sub();
          if (s.every !== undefined) timers.push(clock.setInterval(sub, s.every * 1000));
        });
      }
    }),
  );
  return {
    async close() {
      for (const t of timers) clock.clear(t);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}
