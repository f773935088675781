/**
 * The answers topic: a candidate reports an answer (a fault diagnosis, a decoded UID) by
 * publishing its value to `<prefix>/answers/<key>`; the lab records it as `answer` evidence for
 * the grader. Keys are short names; values are UTF-8 text up to 256 characters.
 */
import type { InboundMessage } from '../protocols/mqtt/broker.js';
import type { RecordFn } from '../core/evidence.js';

const KEY = /^[a-z][a-z0-9_]{0,31}$/;
const MAX_VALUE = 256;

export function answerOf(
  topicPrefix: string,
  topic: string,
  payload: Buffer,
): { key: string; value: string } | undefined {
  const head = `${topicPrefix}/answers/`;
  if (!topic.startsWith(head)) return undefined;
  const key = topic.slice(head.length);
  if (!KEY.test(key)) return undefined;
  const value = payload.toString('utf8').trim();
  if (value.length === 0 || value.length > MAX_VALUE || value.includes('\uFFFD')) return undefined;
  return { key, value };
}

/** A broker message handler that records answers. */
export function answerRecorder(topicPrefix: string, record: RecordFn) {
  return (msg: InboundMessage): void => {
    const a = answerOf(topicPrefix, msg.topic, msg.payload);
    if (a) record('answer', { ...a, clientId: msg.clientId, source: 'mqtt' });
  };
}
