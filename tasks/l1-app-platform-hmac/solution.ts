/**
 * Reference solution: sign the login from the device triple (HMAC-SHA256 over the sorted
 * parameters, the platform's documented scheme), subscribe to the lab sensor and post its latest
 * value as an Alink property post on a fixed period. Written from the instructions alone (it does
 * not use the lab's own signer).
 */
import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { quietly, untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const pk = String(vars.productKey);
  const dn = String(vars.deviceName);
  const id = dn;
  const ts = String(Date.now());
  const content = `clientId${id}deviceName${dn}productKey${pk}timestamp${ts}`;
  const client = await mqtt.connectAsync(card.mqtt.url, {
    reconnectPeriod: 0,
    clientId: `${id}|securemode=3,signmethod=hmacsha256,timestamp=${ts}|`,
    username: `${dn}&${pk}`,
    password: createHmac('sha256', String(vars.deviceSecret)).update(content).digest('hex'),
  });
  let latest: number | undefined;
  client.on('message', (_topic, payload) => {
    const v = (JSON.parse(payload.toString()) as { temperature?: unknown }).temperature;
    if (typeof v === 'number') latest = v;
  });
  await client.subscribeAsync(String(vars.sensorTopic));
  let n = 0;
  const post = () => {
    if (latest === undefined) return;
    n += 1;
    // The typical mistake: a flat JSON object instead of the Alink envelope.
    const body =
      ctx.mistake === 'flat'
        ? { temperature: latest }
        : {
            id: String(n),
            version: '1.0',
            params: { temperature: latest },
            method: 'thing.event.property.post',
          };
    quietly(client.publishAsync(String(vars.postTopic), JSON.stringify(body), { qos: 1 }));
  };
  const timer = setInterval(post, (Number(vars.periodS) * 1000) / (ctx.speed ?? 1));
  await untilAborted(ctx.signal);
  clearInterval(timer);
  await client.endAsync(true);
}
