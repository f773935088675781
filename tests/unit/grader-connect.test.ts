/** The MQTT session check on recorded connects: last will, clean session, keep-alive, username. */
import { describe, expect, it } from 'vitest';
import { connectProblem } from '../../grader/checks/connect.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { payloadView } from '../../core/evidence.js';

const connect = (fields: Record<string, unknown>): EvidenceEvent => ({
  seq: 1,
  t: 10,
  wall: '',
  kind: 'mqtt.connect',
  prev: '',
  accepted: true,
  ...fields,
});

const will = {
  topic: 'lab/x/gw/status',
  qos: 1,
  retain: true,
  payload: payloadView(Buffer.from('offline')),
};
const want = {
  clean: false,
  maxKeepaliveS: 30,
  username: 'gw',
  will: { topic: 'lab/x/+/status', payload: 'offline', qos: 1, retain: true },
};

describe('connect check', () => {
  it('accepts a connect that meets every expectation', () => {
    expect(
      connectProblem(connect({ clean: false, keepalive: 20, username: 'gw', will }), want),
    ).toBeUndefined();
  });

  it('names the first thing that is wrong', () => {
    const ok = { clean: false, keepalive: 20, username: 'gw', will };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ clean: true }, /clean session true, expected false/],
      [{ keepalive: 0 }, /keep-alive 0 s, expected 1–30 s/],
      [{ keepalive: 60 }, /keep-alive 60 s/],
      [{ username: 'other' }, /username "other"/],
      [{ will: undefined }, /no last will/],
      [{ will: { ...will, topic: 'lab/x/gw/lwt' } }, /last will on lab\/x\/gw\/lwt/],
      [{ will: { ...will, payload: payloadView(Buffer.from('bye')) } }, /payload "bye"/],
      [{ will: { ...will, qos: 0 } }, /last will QoS 0/],
      [{ will: { ...will, retain: false } }, /last will retain false/],
    ];
    for (const [change, why] of cases)
      expect(connectProblem(connect({ ...ok, ...change }), want)).toMatch(why);
  });
});
