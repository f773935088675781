/** Reference solution: Observe the resource with node-coap, republish each notification. */
import coap from 'coap';
import type { IncomingMessage } from 'coap';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const url = new URL(card.coap.url);
  const publish = (body: Buffer) => {
    const m = JSON.parse(body.toString()) as Record<string, unknown>;
    const value = m[String(vars.quantity)];
    if (typeof value !== 'number') return;
    void client
      .publishAsync(String(vars.topic), JSON.stringify({ [String(vars.field)]: value, ts: m.ts }), {
        qos: 1,
      })
      .catch(() => undefined);
  };
  let stream: IncomingMessage | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (ctx.mistake === 'poll') {
    // The typical mistake: polling with plain GETs instead of observing.
    const poll = () => {
      const req = coap.request({
        hostname: url.hostname,
        port: Number(url.port),
        pathname: String(vars.path),
      });
      req.on('response', (res: IncomingMessage) => publish(res.payload));
      req.on('error', () => undefined);
      req.end();
    };
    timer = setInterval(poll, (Number(vars.observePeriodS) * 1000) / (ctx.speed ?? 1));
  } else {
    stream = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = coap.request({
        hostname: url.hostname,
        port: Number(url.port),
        pathname: String(vars.path),
        observe: true,
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    stream.on('data', (chunk: Buffer) => publish(chunk));
  }
  await untilAborted(ctx.signal);
  if (timer) clearInterval(timer);
  try {
    // Lazy deregistration: the next notification is answered with RST (RFC 7641 §3.6).
    (stream as unknown as { close?: () => void } | undefined)?.close?.();
  } catch {
    // the observation is gone with the lab
  }
  await client.endAsync(true);
}
