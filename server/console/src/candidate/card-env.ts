/**
 * The card as the candidate's program reads it (docs/card.md): the card file to download and the
 * `IOTLAB_*` variables as shell lines to paste where the program runs. The names are those of
 * `cardEnv` (simulator/card.ts); tests/e2e/card-contract.test.ts holds the two together.
 */
import type { Card } from './types.js';

/** The variables of a card, without IOTLAB_CARD (the candidate decides where the file goes). */
export function cardVariables(card: Card): [string, string][] {
  const c = card;
  const env: [string, string][] = [
    ['IOTLAB_MQTT_URL', c.mqtt.url],
    ['IOTLAB_TOPIC_PREFIX', c.mqtt.topicPrefix],
    ['IOTLAB_COAP_URL', c.coap.url],
    ['IOTLAB_MODBUS_HOST', c.modbus.host],
    ['IOTLAB_MODBUS_PORT', String(c.modbus.port)],
  ];
  if (c.mqtt.wsUrl) env.push(['IOTLAB_MQTT_WS_URL', c.mqtt.wsUrl]);
  if (c.mqtt.tlsUrl) env.push(['IOTLAB_MQTT_TLS_URL', c.mqtt.tlsUrl]);
  if (c.mqtt.wssUrl) env.push(['IOTLAB_MQTT_WSS_URL', c.mqtt.wssUrl]);
  // ca.pem, downloaded beside card.json (the folder these lines are pasted in).
  if (c.mqtt.ca) env.push(['IOTLAB_MQTT_CA', c.mqtt.ca.path]);
  if (c.mqtt.clientCert) {
    env.push(['IOTLAB_MQTT_CERT', c.mqtt.clientCert.cert]);
    env.push(['IOTLAB_MQTT_KEY', c.mqtt.clientCert.key]);
  }
  if (c.mqtt.username) env.push(['IOTLAB_MQTT_USERNAME', c.mqtt.username]);
  if (c.mqtt.password) env.push(['IOTLAB_MQTT_PASSWORD', c.mqtt.password]);
  for (const g of c.gateways ?? []) {
    env.push([`IOTLAB_GATEWAY_${g.name.toUpperCase()}_API`, g.api]);
    if (g.apiTls) env.push([`IOTLAB_GATEWAY_${g.name.toUpperCase()}_API_TLS`, g.apiTls]);
  }
  if (c.board) env.push(['IOTLAB_BOARD', `${c.board.host}:${c.board.port}`]);
  for (const s of c.serial ?? [])
    env.push([
      `IOTLAB_SERIAL_${s.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      `${s.tcp.host}:${s.tcp.port}`,
    ]);
  return env;
}

/**
 * POSIX shell lines: the card file is card.json in the folder they are pasted in, which is also
 * the work folder for a task's files.
 */
export function cardEnvText(card: Card): string {
  const quote = (v: string): string =>
    /^[\w./:@[\]%+,=-]*$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`;
  return [
    'export IOTLAB_CARD="$PWD/card.json"',
    'export IOTLAB_WORKDIR="$PWD"',
    ...cardVariables(card).map(([k, v]) => `export ${k}=${quote(v)}`),
  ].join('\n');
}

/** The card file as `iotlab check` writes it. */
export function cardJson(card: Card): string {
  return `${JSON.stringify(card, null, 2)}\n`;
}
