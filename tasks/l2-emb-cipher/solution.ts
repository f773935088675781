/**
 * Reference solution of l2-emb-cipher: decrypt each sensor message with the card's key (dropping
 * what does not decrypt), republish it in plain, and drive the fan by hysteresis with commands
 * sealed with the fan's key. Mistakes: `plain-command` sends the fan plain JSON (ignored by it);
 * `no-drop` republishes a tampered copy's garbage as a reading instead of dropping it.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { CipherAlg } from '../../protocols/codecs/cipher.js';
import { openJson, seal } from '../../protocols/codecs/cipher.js';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly, untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const alg = String(vars.alg) as CipherAlg;
  const sensorKey = Buffer.from(String(vars.sensorKey), 'hex');
  const fanKey = Buffer.from(String(vars.fanKey), 'hex');
  const high = Number(vars.high);
  const low = Number(vars.low);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  let on = false;
  let lastSeq = -1;
  client.on('message', (_topic, payload) => {
    const m = openJson(alg, sensorKey, payload.toString('utf8')) as
      { seq?: unknown; temperature?: unknown } | undefined;
    if (typeof m?.seq !== 'number' || typeof m.temperature !== 'number') {
      if (ctx.mistake === 'no-drop')
        quietly(
          client.publishAsync(
            String(vars.plainTopic),
            JSON.stringify({ seq: lastSeq + 1000, temperature: 0 }),
          ),
        );
      return;
    }
    lastSeq = m.seq;
    quietly(
      client.publishAsync(
        String(vars.plainTopic),
        JSON.stringify({ seq: m.seq, temperature: m.temperature }),
      ),
    );
    const v = m.temperature;
    const next = on ? !(v < low) : v > high;
    if (next === on) return;
    on = next;
    const command = JSON.stringify({ on });
    const body =
      ctx.mistake === 'plain-command'
        ? command
        : seal(alg, fanKey, Buffer.from(command), randomBytes(alg === 'aes-256-gcm' ? 12 : 16));
    quietly(client.publishAsync(String(vars.commandTopic), body, { qos: 1 }));
  });
  await client.subscribeAsync(String(vars.sensorTopic), { qos: 0 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
