/**
 * Reference solution: read the gateway's config (GET /config), replace its poll table (platform
 * device names as point names), topic and payload templates with the platform's, and its
 * northbound link with the platform's TLS endpoint, CA and the client certificate and key from
 * the card (PEM as text), then PUT it back. Uses only the card and the instructions.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SolutionContext } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const api = card.gateways!.find((g) => g.name === 'gw1')!.api;
  const current = (await (await fetch(`${api}/config`)).json()) as Record<string, unknown>;
  // The card's files are relative to its folder in an exam (ca.pem, client.pem, client.key).
  const pem = (p: string) => readFileSync(resolve(ctx.workdir ?? '.', p), 'utf8');
  const row = (n: 1 | 2) => ({
    point: vars[`device${n}`],
    line: 'rs485',
    unit: vars[`unit${n}`],
    table: vars[`table${n}`],
    address: vars[`address${n}`],
    type: vars[`type${n}`],
    scale: vars[`scale${n}`],
    periodS: vars.periodS,
  });
  // The topic the instructions give: …/sys/<productKey>/<device>/thing/event/property/post.
  const topic1 = String(vars.topic1);
  const topic = topic1.replace(`/${String(vars.device1)}/`, '/{point}/');
  const payload =
    ctx.mistake === 'default-format'
      ? undefined
      : `{"id":"{ts}","version":"1.0","method":"${vars.method}","params":{"${vars.property}":{"value":{value},"time":{ts}}}}`;
  const link = { clientId: vars.clientId, keepaliveS: vars.keepaliveS };
  const northbound =
    ctx.mistake === 'plain'
      ? link
      : {
          ...link,
          url: card.mqtt.tlsUrl,
          ca: pem(card.mqtt.ca!.path),
          // The typical mistake: TLS, but the password login instead of the certificate.
          ...(ctx.mistake === 'password'
            ? card.mqtt.username !== undefined
              ? { username: card.mqtt.username, password: card.mqtt.password }
              : {}
            : { cert: pem(card.mqtt.clientCert!.cert), key: pem(card.mqtt.clientCert!.key) }),
        };
  const config = {
    ...current,
    topic,
    ...(payload ? { payload } : {}),
    poll: [row(1), row(2)],
    northbound,
  };
  const res = await fetch(`${api}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!res.ok) throw new Error(`PUT /config: ${res.status} ${await res.text()}`);
  await untilAborted(ctx.signal);
}
