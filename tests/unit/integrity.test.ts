/**
 * Integrity flags over evidence: foreign access (a peer that is not the candidate's address) and
 * copying (another candidate's identifiers in this candidate's traffic), with the cases that must
 * not be flagged: the candidate's own address, the lab's own gateway connection, an identifier
 * both candidates happen to share, an identifier that is only part of a longer one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integrityFlags, markersFor, peerIp } from '../../server/integrity.js';
import { getTask } from '../../tasks/bank.js';

function evidence(events: Record<string, unknown>[]): string {
  return events
    .map((e, seq) => JSON.stringify({ seq, t: seq * 100, wall: '', prev: '', ...e }))
    .map((l) => `${l}\n`)
    .join('');
}

const base = {
  task: 'l1-emb-analog',
  own: ['iotlab/s1/c001', 'c001-user', 'soil-1a2b'],
  others: [
    { id: 'c002', markers: ['iotlab/s1/c002', 'c002-user', 'soil-9f9f', 'air-th-3c3c'] },
    { id: 'c003', markers: ['iotlab/s1/c003', 'c003-user', 'soil-1a2b'] },
  ],
};

describe('peerIp', () => {
  it('reads IPv4, IPv6 and v4-mapped peers, and nothing else', () => {
    expect(peerIp('10.0.0.7:51234')).toBe('10.0.0.7');
    expect(peerIp('::ffff:10.0.0.7:51234')).toBe('10.0.0.7');
    expect(peerIp('::1:51234')).toBe('::1');
    expect(peerIp('[fe80::1]:5')).toBe('fe80::1');
    expect(peerIp('/dev/pts/3')).toBeUndefined();
    expect(peerIp(undefined)).toBeUndefined();
    expect(peerIp('nonsense')).toBeUndefined();
  });
});

describe('integrityFlags', () => {
  it('shows the examiner which limits a run reached, with the figures, once per limit', () => {
    const flags = integrityFlags({
      ...base,
      ownAddresses: [],
      evidence: evidence([
        { kind: 'lab.start' },
        { kind: 'mqtt.disconnect', clientId: 'flood', reason: 'publish-rate', error: 'over 500/s' },
        { kind: 'mqtt.disconnect', clientId: 'flood', reason: 'publish-rate', error: 'over 500/s' },
        { kind: 'mqtt.disconnect', clientId: 'big', reason: 'packet-too-large', error: '300000 B' },
        { kind: 'mqtt.disconnect', clientId: 'ok', reason: 'client' },
        { kind: 'serial.rx', device: 'modem-1', reason: 'overrun: the host sent faster' },
        { kind: 'serial.rx', device: 'modem-1' },
        { kind: 'quota', stage: 'soft', bytes: 67_108_900, limit: 67_108_864 },
      ]),
    });
    expect(flags.map((f) => [f.kind, f.subject, f.count])).toEqual([
      ['limits', 'flood', 2],
      ['limits', 'big', 1],
      ['limits', 'modem-1', 1],
      ['limits', 'evidence', 1],
    ]);
    expect(flags[3]!.message.en).toBe(
      'evidence reached its quota (64.0 MiB): payloads after it were kept by size and SHA-256',
    );
    expect(flags[0]!.message.zh).toContain('发布过快');
  });

  it('flags a peer that is not the seat address, once per address with a count', () => {
    const flags = integrityFlags({
      ...base,
      ownAddresses: ['10.0.0.7'],
      evidence: evidence([
        { kind: 'lab.start' },
        { kind: 'mqtt.connect', peer: '10.0.0.7:4000' },
        { kind: 'modbus.request', peer: '10.0.0.9:4001' },
        { kind: 'modbus.request', peer: '10.0.0.9:4002' },
        { kind: 'coap.request', peer: '::ffff:10.0.0.7:4003' },
      ]),
    });
    expect(flags).toEqual([
      expect.objectContaining({
        kind: 'foreign-access',
        subject: '10.0.0.9',
        count: 2,
        first: { seq: 2, t: 200, kind: 'modbus.request' },
      }),
    ]);
    expect(flags[0]!.message.zh).toContain('10.0.0.9');
  });

  it('judges no address when none is on file, and skips the lab gateway’s own connection', () => {
    const events = evidence([
      { kind: 'lab.start' },
      { kind: 'device.state', source: 'gateway-northbound', local: '127.0.0.1:5555' },
      { kind: 'mqtt.connect', peer: '127.0.0.1:5555' },
      { kind: 'mqtt.connect', peer: '127.0.0.1:6666' },
    ]);
    expect(integrityFlags({ ...base, ownAddresses: [], evidence: events })).toEqual([]);
    const flags = integrityFlags({ ...base, ownAddresses: ['10.0.0.7'], evidence: events });
    expect(flags.map((f) => [f.subject, f.count, f.first.seq])).toEqual([['127.0.0.1', 1, 3]]);
  });

  it("flags another candidate's topics and device ids, not shared or partial identifiers", () => {
    const flags = integrityFlags({
      ...base,
      ownAddresses: [],
      evidence: evidence([
        { kind: 'lab.start' },
        // c003's soil device id equals c001's own: not evidence of anything.
        { kind: 'mqtt.publish', topic: 'iotlab/s1/c001/soil-1a2b/telemetry', payload: 'x' },
        // Inside a longer identifier: not c002's device.
        { kind: 'mqtt.publish', topic: 'iotlab/s1/c001/out', payload: { text: 'soil-9f9f0 ok' } },
        { kind: 'mqtt.subscribe', subscriptions: [{ topic: 'iotlab/s1/c0021/#' }], denied: true },
        // c002's device id in a payload, then c002's topics tried.
        {
          kind: 'mqtt.publish',
          topic: 'iotlab/s1/c001/out',
          payload: { text: '{"id":"air-th-3c3c"}' },
        },
        { kind: 'mqtt.subscribe', subscriptions: [{ topic: 'iotlab/s1/c002/#' }], denied: true },
      ]),
    });
    expect(flags).toEqual([
      expect.objectContaining({ kind: 'copying', subject: 'c002', count: 2, seen: 'air-th-3c3c' }),
    ]);
    expect(flags[0]!.first.seq).toBe(4);
  });

  it('never throws on broken evidence and never flags what is not there', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 20 }), (lines) => {
        const flags = integrityFlags({
          ...base,
          ownAddresses: ['10.0.0.7'],
          evidence: lines.map((l) => l.replaceAll('\n', ' ')).join('\n'),
        });
        expect(flags.every((f) => f.count >= 1)).toBe(true);
      }),
    );
  });
});

describe('markersFor', () => {
  it('gives each candidate their own prefix, username and seeded device ids for a task', () => {
    const task = getTask('l1-emb-rtu');
    const a = markersFor(task, { id: 'c1', seed: 1, topicPrefix: 'iotlab/s/c1', username: 's-c1' });
    const b = markersFor(task, { id: 'c2', seed: 2, topicPrefix: 'iotlab/s/c2', username: 's-c2' });
    expect(a.slice(0, 2)).toEqual(['iotlab/s/c1', 's-c1']);
    expect(a.length).toBeGreaterThan(3);
    expect(a.slice(2)).not.toEqual(b.slice(2));
    expect(
      markersFor(task, { id: 'c1', seed: 1, topicPrefix: 'iotlab/s/c1', username: 's-c1' }),
    ).toEqual(a);
  });
});
