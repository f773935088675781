/**
 * Reference solution of l2-emb-tls (MQTT.js): over TLS with the lab CA and the password, then
 * with the client certificate; on the failover notice it tries the backup with the same checks,
 * and when that fails it reports the refusal and stays on the primary. Mistakes: `no-verify`
 * turns certificate checks off (and so moves to the impostor); `password-only` never uses the
 * certificate; `plain` makes the first phase over plain MQTT; `ignore-failover` never tries the
 * backup.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly, untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  // The card's files are relative to its folder in an exam (ca.pem, client.pem, client.key).
  const file = (p: string) => readFileSync(resolve(ctx.workdir ?? '.', p));
  const ca = file(card.mqtt.ca!.path);
  const cert = file(card.mqtt.clientCert!.cert);
  const key = file(card.mqtt.clientCert!.key);
  const verify = ctx.mistake !== 'no-verify';
  const tls = { ca, rejectUnauthorized: verify, reconnectPeriod: 0, connectTimeout: 5000 } as const;

  const first =
    ctx.mistake === 'plain'
      ? await mqtt.connectAsync(card.mqtt.url, mqttLogin(card))
      : await mqtt.connectAsync(card.mqtt.tlsUrl!, { ...mqttLogin(card), ...tls });
  let uplink: MqttClient = first;
  let seq = 0;
  let sent = 0;
  let switching = false;
  const clients: MqttClient[] = [first];

  const timer = setInterval(
    () => {
      quietly(
        uplink.publishAsync(String(vars.upTopic), JSON.stringify({ seq: seq++ }), { qos: 1 }),
      );
      sent++;
      if (sent === Number(vars.phaseUplinks) && ctx.mistake !== 'password-only' && !switching) {
        switching = true;
        quietly(toCertificate());
      }
    },
    (Number(vars.periodS) * 1000) / speed,
  );

  /** Mutual TLS: the certificate is the login, no password; then the password link ends. */
  async function toCertificate(): Promise<void> {
    const c = await mqtt.connectAsync(card.mqtt.tlsUrl!, { ...tls, cert, key });
    clients.push(c);
    uplink = c;
    await first.endAsync();
    await listen(c);
  }

  /** The failover notice (retained): try the backup as the primary; refuse what fails. */
  async function listen(c: MqttClient): Promise<void> {
    if (ctx.mistake === 'ignore-failover') return;
    c.on('message', (_topic, payload) => {
      const backup = (JSON.parse(payload.toString()) as { backup?: unknown }).backup;
      if (typeof backup !== 'string') return;
      // A client that trusts anything hands the backup its password too: the impostor's catch.
      const login = verify ? {} : mqttLogin(card);
      mqtt.connectAsync(backup, { ...tls, ...login, cert, key }).then(
        (b) => {
          clients.push(b);
          uplink = b; // what a client that trusts anything does: it moves
        },
        (err: Error) =>
          quietly(
            c.publishAsync(
              String(vars.alertTopic),
              JSON.stringify({ refused: backup, reason: err.message }),
              { qos: 1 },
            ),
          ),
      );
    });
    await c.subscribeAsync(String(vars.noticeTopic), { qos: 1 });
  }

  if (ctx.mistake === 'password-only') quietly(listen(first));
  await untilAborted(ctx.signal);
  clearInterval(timer);
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
}
