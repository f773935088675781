/**
 * `iotlab answer KEY VALUE`: submit an answer to a running lab — the same as publishing VALUE to
 * `<prefix>/answers/KEY` — reaching the lab through the card (`--card FILE`) or the environment
 * `iotlab check` and the card give (IOTLAB_MQTT_URL, IOTLAB_TOPIC_PREFIX, credentials).
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import type { LabCard } from '../simulator/card.js';
import { LabError } from '../core/errors.js';
import type { CliIo } from './program.js';

const KEY = /^[a-z][a-z0-9_]{0,31}$/;

export async function answerCommand(
  key: string,
  value: string,
  opts: { card?: string },
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!KEY.test(key))
    throw new LabError(
      'USAGE',
      `answer key "${key}": lowercase letters, digits and _, starting with a letter`,
    );
  if (value.trim() === '' || value.length > 256)
    throw new LabError('USAGE', 'the answer must be 1–256 characters');
  let url = env.IOTLAB_MQTT_URL;
  let prefix = env.IOTLAB_TOPIC_PREFIX;
  let username = env.IOTLAB_MQTT_USERNAME;
  let password = env.IOTLAB_MQTT_PASSWORD;
  const cardPath = opts.card ?? env.IOTLAB_CARD;
  if (cardPath) {
    let card: LabCard;
    try {
      card = JSON.parse(readFileSync(cardPath, 'utf8')) as LabCard;
    } catch (err) {
      throw new LabError('USAGE', `cannot read the lab card ${cardPath}`, { cause: String(err) });
    }
    url = card.mqtt.url;
    prefix = card.mqtt.topicPrefix;
    username = card.mqtt.username;
    password = card.mqtt.password;
  }
  if (!url || !prefix)
    throw new LabError(
      'USAGE',
      'which lab? give --card FILE, or set IOTLAB_MQTT_URL and IOTLAB_TOPIC_PREFIX',
    );
  const topic = `${prefix}/answers/${key}`;
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  });
  try {
    await client.publishAsync(topic, value, { qos: 1 });
  } finally {
    await client.endAsync();
  }
  io.stdout(`answered ${key} = ${JSON.stringify(value)} on ${topic} / 已提交答案\n`);
  return 0;
}
