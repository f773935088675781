/**
 * The access policy's rules (core/acl.ts): topic filters and wildcards as MQTT defines them, a
 * filter covering another (subscribe), identity patterns, first match wins, the default; the
 * policy's versions and listeners; and the access records read from evidence, CSV-quoted.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AclPolicy } from '../../core/acl.js';
import { AccessPolicy, AclPolicySpec, covers, decide, normalisePolicy } from '../../core/acl.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import {
  AccessLog,
  LabAccess,
  MAX_IDENTITIES,
  MAX_RECORDS,
  accessCsv,
} from '../../simulator/security.js';
import { LabError } from '../../core/errors.js';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { buildSecurityApi } from '../../simulator/security-api.js';

const clock = new ManualClock({ epochMs: 0 });

const policy = (input: unknown): AclPolicy => normalisePolicy(AclPolicySpec.parse(input));

describe('topic filters', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['+/b', '/b', true],
    ['a/+/c', 'a/x/c', true],
    ['a/b', 'a/b/c', false],
    // filter inside filter (subscribe): a wildcard is covered only by a wider one
    ['a/#', 'a/+/c', true],
    ['a/+', 'a/#', false],
    ['a/+/#', 'a/#', false],
    ['a/b/#', 'a/#', false],
    ['+/+', 'a/+', true],
    ['a/b', 'a/+', false],
  ])('%s covers %s: %s', (outer, inner, want) => {
    expect(covers(outer, inner)).toBe(want);
  });

  it('a filter covers itself, and what a topic matches a wider filter matches too', () => {
    const level = fc.constantFrom('a', 'b', '+');
    const filter = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'));
    fc.assert(
      fc.property(
        filter,
        filter,
        fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 4 }),
        (f, g, t) => {
          const topic = t.join('/');
          expect(covers(f, f)).toBe(true);
          if (covers(f, g) && covers(g, topic)) expect(covers(f, topic)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a policy whose filter puts # before the end or + inside a level', () => {
    for (const topic of ['a/#/b', 'a/b+', 'a#', ''])
      expect(
        AclPolicySpec.safeParse({ rules: [{ action: 'publish', topic, permission: 'deny' }] })
          .success,
      ).toBe(false);
  });
});

describe('decisions', () => {
  const p = policy({
    default: 'allow',
    rules: [
      {
        id: 'own',
        clientId: 'meter-*',
        action: 'publish',
        topic: 'lab/meters/#',
        permission: 'allow',
      },
      { id: 'no-set', action: 'publish', topic: 'lab/+/set', permission: 'deny' },
      { id: 'hvac', username: 'hvac', action: 'all', topic: 'lab/hvac/#', permission: 'allow' },
      { id: 'vault', action: 'subscribe', topic: 'lab/vault/#', permission: 'deny' },
      { cn: 'ops.example', action: 'all', topic: 'lab/#', permission: 'deny' },
    ],
  });

  it('the first rule that applies decides; none applies → the default', () => {
    expect(decide(p, { clientId: 'meter-3' }, 'publish', 'lab/meters/3')).toEqual({
      allow: true,
      rule: 'own',
    });
    expect(decide(p, { clientId: 'x' }, 'publish', 'lab/fan/set')).toEqual({
      allow: false,
      rule: 'no-set',
    });
    // order: meter-3's own rule comes first, so its set topic below meters/ is still allowed
    expect(decide(p, { clientId: 'meter-3' }, 'publish', 'lab/meters/set').allow).toBe(true);
    expect(decide(p, { clientId: 'x' }, 'subscribe', 'lab/fan/set')).toEqual({
      allow: true,
      rule: undefined,
    });
    expect(decide(p, { username: 'hvac' }, 'subscribe', 'lab/hvac/#').rule).toBe('hvac');
    expect(decide(p, { cn: 'ops.example' }, 'subscribe', 'lab/x').rule).toBe('r5');
    expect(decide({ ...p, default: 'deny' }, {}, 'publish', 'elsewhere')).toEqual({
      allow: false,
      rule: undefined,
    });
  });

  it('subscribe: a rule applies to a filter it covers; a wider filter passes, its messages are checked one by one', () => {
    expect(decide(p, { clientId: 'x' }, 'subscribe', 'lab/vault/#').allow).toBe(false);
    expect(decide(p, { clientId: 'x' }, 'subscribe', 'lab/vault/+/key').allow).toBe(false);
    expect(decide(p, { clientId: 'x' }, 'subscribe', 'lab/#').allow).toBe(true);
    expect(decide(p, { clientId: 'x' }, 'subscribe', 'lab/vault/k1').allow).toBe(false);
  });

  it('an identity pattern needs the part it names: an anonymous client is no username', () => {
    expect(decide(p, {}, 'publish', 'lab/hvac/1/mode').rule).toBeUndefined();
    expect(decide(p, { username: 'hvac2' }, 'subscribe', 'lab/hvac/x').rule).toBeUndefined();
    expect(decide(p, { clientId: 'meter-' }, 'publish', 'lab/meters/1').rule).toBe('own');
    expect(decide(p, { clientId: 'xmeter-1' }, 'publish', 'lab/meters/1').rule).toBeUndefined();
  });

  it('the policy in force changes by version and tells its listeners before and after', () => {
    const ap = new AccessPolicy(p);
    const seen: number[] = [];
    ap.onChange((c) => seen.push(c.version, c.before.rules.length, c.after.rules.length));
    ap.replace({ default: 'deny', rules: [] }, 'me');
    expect(ap.version).toBe(2);
    expect(seen).toEqual([2, 5, 0]);
    expect(ap.decide({}, 'publish', 'lab/a').allow).toBe(false);
  });
});

describe('the lab access and its records', () => {
  it('validates a change, records it, and keeps fault rules in front of people’s rules', () => {
    const recorded: [string, Record<string, unknown>][] = [];
    const la = new LabAccess(
      { default: 'allow', rules: [] },
      (k, f) => recorded.push([k, f]),
      'lab',
    );
    expect(() =>
      la.set({ rules: [{ action: 'read', topic: 'x', permission: 'deny' }] }, 'me', clock),
    ).toThrow(LabError);
    expect(() =>
      la.set(
        {
          rules: [1, 2].map(() => ({ id: 'a', action: 'publish', topic: 'x', permission: 'deny' })),
        },
        'me',
        clock,
      ),
    ).toThrow(/same id/);
    const e = la.set(
      { rules: [{ action: 'publish', topic: 'lab/x', permission: 'deny' }] },
      'api 1.2.3.4',
      clock,
    );
    expect(e).toMatchObject({
      actor: 'api 1.2.3.4',
      version: 2,
      before: { rules: [] },
      time: '1970-01-01T00:00:00.000Z',
      t: 0,
    });
    expect(recorded).toEqual([
      [
        'acl.change',
        {
          actor: 'api 1.2.3.4',
          version: 2,
          before: { default: 'allow', rules: [] },
          after: e.after,
        },
      ],
    ]);
    const fault = { id: 'f1', deviceId: 'fan-1', type: 'acl-deny' as const, start: 0 };
    la.faultStarted(fault, 'fan-1');
    expect(la.policy.decide({}, 'subscribe', 'lab/fan-1/state')).toEqual({
      allow: false,
      rule: 'fault-f1',
    });
    expect(la.current.policy.rules).toHaveLength(1); // people see their own rules
    la.faultEnded(fault);
    expect(la.policy.decide({}, 'subscribe', 'lab/fan-1/state').allow).toBe(true);
    expect(la.policy.decide({}, 'publish', 'lab/x').allow).toBe(false);
    expect(la.audit()).toHaveLength(1);
  });

  it('reads the records from evidence: identity from the connect, denials with their rule, CSV quoted', () => {
    const log = new AccessLog();
    let seq = 0;
    const ev = (kind: string, f: Record<string, unknown>) =>
      log.add({
        seq: seq++,
        t: 1500,
        wall: '2026-01-01T00:00:01.500Z',
        kind,
        prev: '',
        ...f,
      } as unknown as EvidenceEvent);
    ev('mqtt.connect', { clientId: 'c1', username: 'cam,7', accepted: true });
    ev('mqtt.publish', { origin: 'client', clientId: 'c1', topic: 'lab/a', payload: {} });
    ev('mqtt.publish', { origin: 'device', device: 'd', topic: 'lab/d' });
    ev('mqtt.publish', {
      origin: 'client',
      clientId: 'c1',
      topic: 'lab/b',
      denied: true,
      acl: { rule: 'r2' },
    });
    ev('mqtt.subscribe', {
      clientId: 'c1',
      action: 'subscribe',
      subscriptions: [{ topic: 'lab/#', qos: 0 }],
    });
    ev('mqtt.subscribe', {
      clientId: 'c1',
      action: 'revoke',
      topics: ['lab/#'],
      acl: { rules: ['r3'] },
    });
    expect(log.records().map((r) => [r.identity, r.action, r.topic, r.result, r.rule])).toEqual([
      ['cam,7', 'publish', 'lab/a', 'allowed', ''],
      ['cam,7', 'publish', 'lab/b', 'denied', 'r2'],
      ['cam,7', 'subscribe', 'lab/#', 'allowed', ''],
      ['cam,7', 'subscribe', 'lab/#', 'revoked', 'r3'],
    ]);
    const csv = accessCsv(log.records()).split('\r\n');
    expect(csv[0]).toBe('time,t,identity,clientId,action,topic,result,rule');
    expect(csv[1]).toBe('2026-01-01T00:00:01.500Z,1.5,"cam,7",c1,publish,lab/a,allowed,');
  });

  it('keeps the newest MAX_RECORDS records and MAX_IDENTITIES client ids under a flood', () => {
    const log = new AccessLog();
    let seq = 0;
    const ev = (kind: string, f: Record<string, unknown>) =>
      log.add({ seq: seq++, t: seq, wall: 'w', kind, prev: '', ...f } as unknown as EvidenceEvent);
    for (let i = 0; i <= MAX_IDENTITIES; i++)
      ev('mqtt.connect', { clientId: `c${i}`, username: `u${i}`, accepted: true });
    const total = MAX_RECORDS * 2 + 7;
    for (let i = 0; i < total; i++)
      ev('mqtt.publish', {
        origin: 'client',
        clientId: i === total - 1 ? 'c0' : `c${MAX_IDENTITIES}`,
        topic: `lab/${i}`,
      });
    const rows = log.records();
    expect(rows).toHaveLength(MAX_RECORDS);
    expect(rows[0]!.topic).toBe(`lab/${total - MAX_RECORDS}`);
    expect(rows.at(-1)!.topic).toBe(`lab/${total - 1}`);
    // The newest login is known; the oldest, pushed out by the flood of ids, is not.
    expect(rows.at(-2)!.identity).toBe(`u${MAX_IDENTITIES}`);
    expect(rows.at(-1)!.identity).toBe('');
  });
});

describe('the security API', () => {
  it('refuses a request from outside the seat before it looks at the token', async () => {
    const recorded: string[] = [];
    const access = new LabAccess({ default: 'allow', rules: [] }, () => undefined, 'lab');
    const app = buildSecurityApi({
      access,
      token: 't0ken',
      clock,
      logger: silentLogger,
      guard: { allow: (ip) => ip === '10.0.0.9', record: (k) => recorded.push(k) },
    });
    const r = await app.inject({
      method: 'GET',
      url: '/acl',
      headers: { authorization: 'Bearer t0ken' },
    });
    expect(r.statusCode).toBe(403);
    expect(recorded).toEqual(['net.refused']);
    const open = buildSecurityApi({ access, token: 't0ken', clock, logger: silentLogger });
    expect(
      (
        await open.inject({
          method: 'GET',
          url: '/acl',
          headers: { authorization: 'Bearer t0ken' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await open.inject({
          method: 'GET',
          url: '/audit',
          headers: { authorization: 'Basic t0ken' },
        })
      ).statusCode,
    ).toBe(401);
  });
});
