/**
 * A lab's access policy and its records (issue 17.7): the scenario's `security:` section declares
 * the policy (core/acl.ts) and the simulated clients that use the broker beside the candidate
 * (simulator/actors.ts); the lab holds the policy in force, puts changes in force at once, audits
 * each one as `acl.change` evidence (who, when, before and after), and keeps the broker's access
 * records — every publish and subscribe of a client, allowed, denied or revoked — which the lab's
 * security API (simulator/security-api.ts) serves to the candidate as CSV or JSONL.
 *
 * An `acl-deny` fault (core/faults.ts) is a rule at the head of the policy that denies every
 * client the device's topics (`<prefix>/<id>/#`) until the fault ends.
 */
import { z } from 'zod';
import { name, seconds } from '../core/schema.js';
import type { AclChange, AclPolicy, AclRule } from '../core/acl.js';
import { AccessPolicy, AclPolicySpec, isFilter, normalisePolicy } from '../core/acl.js';
import type { EvidenceEvent, RecordFn } from '../core/evidence.js';
import { LabError } from '../core/errors.js';
import type { Fault } from '../core/faults.js';
import type { Clock } from '../core/clock.js';

const PREFIX = '{prefix}';
/** A topic (or filter) of the scenario: `{prefix}` stands for the lab's topic prefix. */
const scenarioTopic = z.string().min(1).max(256).regex(/^\S+$/, 'a topic without spaces');

export const ActorSpec = z
  .object({
    name,
    /** Its MQTT client id; `{lab}` stands for the lab id (client ids are unique per broker). */
    clientId: z.string().regex(/^[A-Za-z0-9_{}.-]{1,64}$/, 'letters, digits, _ . - and {lab}'),
    /** Its username in a lab of its own (an exam session's broker takes the candidate's login). */
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.@-]{1,64}$/)
      .optional(),
    /** Publishes JSON `{from, seq, ts}` on each topic every `every` s from `from` s after start. */
    publish: z
      .array(
        z
          .object({ topic: scenarioTopic, every: seconds, from: z.number().min(0).default(0) })
          .strict(),
      )
      .max(10)
      .default([]),
    /** Subscribes at `from` s; with `every`, subscribes again every `every` s (a persistent reader). */
    subscribe: z
      .array(
        z
          .object({
            topic: scenarioTopic,
            from: z.number().min(0).default(0),
            every: seconds.optional(),
          })
          .strict(),
      )
      .max(10)
      .default([]),
  })
  .strict();

export const SecuritySpec = z
  .object({
    /** The access policy at start (topics may use `{prefix}`). */
    acl: AclPolicySpec.default({ default: 'allow', rules: [] }),
    /** Simulated MQTT clients, each with its own client id (and username). */
    clients: z.array(ActorSpec).max(20).default([]),
  })
  .strict();

export type ActorSpec = z.infer<typeof ActorSpec>;
export type SecuritySpec = z.infer<typeof SecuritySpec>;

export const withPrefix = (topic: string, prefix: string): string =>
  topic.split(PREFIX).join(prefix);

/** The scenario's policy with `{prefix}` (topics) and `{lab}` (identities) replaced. */
export function initialPolicy(
  spec: SecuritySpec | undefined,
  prefix: string,
  labId: string,
): AclPolicy {
  const p = normalisePolicy(spec?.acl ?? { default: 'allow', rules: [] });
  const lab = (v: string | undefined) =>
    v === undefined ? {} : { x: v.split('{lab}').join(labId) };
  return {
    ...p,
    rules: p.rules.map((r) => {
      const out = { ...r, topic: withPrefix(r.topic, prefix) };
      for (const k of ['username', 'clientId', 'cn'] as const) {
        const v = lab(r[k]).x;
        if (v !== undefined) out[k] = v;
      }
      return out;
    }),
  };
}

/** One line of the broker's access records. */
export interface AccessRecord {
  /** Wall time (ISO 8601, the lab clock) and lab time in seconds. */
  time: string;
  t: number;
  /** The login's username, or the client certificate's CN; '' for an anonymous login. */
  identity: string;
  clientId: string;
  action: 'publish' | 'subscribe';
  topic: string;
  result: 'allowed' | 'denied' | 'revoked';
  /** The rule that decided a denial or revocation ('default' for the policy's default). */
  rule: string;
}

export const ACCESS_FIELDS = [
  'time',
  't',
  'identity',
  'clientId',
  'action',
  'topic',
  'result',
  'rule',
] as const;

/** Most records kept (oldest dropped first): hours of a busy lab. */
export const MAX_RECORDS = 50_000;
/** Most client ids whose identity is remembered (the oldest forgotten first). */
export const MAX_IDENTITIES = 10_000;

/**
 * The access records of one lab, read from its evidence as it is written: the identity of each
 * client id from its `mqtt.connect`, then one record per client publish or subscription.
 */
export class AccessLog {
  /** The records, oldest first; up to twice MAX_RECORDS before the old half is let go. */
  private rows: AccessRecord[] = [];
  private readonly who = new Map<string, string>();

  add(e: EvidenceEvent): void {
    const f = e as EvidenceEvent & Record<string, unknown>;
    const base = (clientId: string) => ({
      time: e.wall,
      t: Math.round(e.t) / 1000,
      identity: this.who.get(clientId) ?? '',
      clientId,
    });
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const rule = (f['acl'] as { rule?: string; rules?: string[] } | undefined) ?? {};
    if (e.kind === 'mqtt.connect' && f['accepted'] === true && typeof f['clientId'] === 'string') {
      const id = (f['identity'] as string | undefined) ?? (f['username'] as string | undefined);
      this.who.delete(f['clientId']);
      this.who.set(f['clientId'], id ?? '');
      // A flood of client ids must not grow the map: forget the longest-ago login first.
      if (this.who.size > MAX_IDENTITIES) this.who.delete(this.who.keys().next().value!);
    } else if (e.kind === 'mqtt.publish' && f['origin'] === 'client') {
      this.push({
        ...base(str(f['clientId'])),
        action: 'publish',
        topic: str(f['topic']),
        result: f['denied'] === true ? 'denied' : 'allowed',
        rule: f['denied'] === true ? (rule.rule ?? 'prefix') : '',
      });
    } else if (e.kind === 'mqtt.subscribe') {
      const clientId = str(f['clientId']);
      if (f['action'] === 'subscribe')
        for (const s of (f['subscriptions'] as { topic: string; qos?: number }[] | undefined) ??
          []) {
          // aedes also reports a refused filter as subscribed with 0x80: its denial is recorded.
          if (s.qos === 128 && f['denied'] !== true) continue;
          this.push({
            ...base(clientId),
            action: 'subscribe',
            topic: s.topic,
            result: f['denied'] === true ? 'denied' : 'allowed',
            rule: f['denied'] === true ? (rule.rule ?? 'prefix') : '',
          });
        }
      else if (f['action'] === 'revoke')
        for (const topic of (f['topics'] as string[] | undefined) ?? [])
          this.push({
            ...base(clientId),
            action: 'subscribe',
            topic,
            result: 'revoked',
            rule: (rule.rules ?? []).join(' '),
          });
    }
  }

  private push(r: AccessRecord): void {
    this.rows.push(r);
    // Dropping the oldest one by one (splice) moved 50,000 entries per publish; letting go of
    // the old half at once costs O(1) a record.
    if (this.rows.length >= MAX_RECORDS * 2) this.rows = this.rows.slice(-MAX_RECORDS);
  }

  records(): readonly AccessRecord[] {
    return this.rows.length > MAX_RECORDS ? this.rows.slice(-MAX_RECORDS) : this.rows;
  }
}

/** RFC 4180 CSV with a header line. */
export function accessCsv(rows: readonly AccessRecord[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [
    ACCESS_FIELDS.join(','),
    ...rows.map((r) => ACCESS_FIELDS.map((k) => cell(r[k])).join(',')),
  ]
    .join('\r\n')
    .concat('\r\n');
}

export function accessJsonl(rows: readonly AccessRecord[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** A change as the audit shows it: who, when, the version, before and after. */
export interface AuditEntry {
  time: string;
  t: number;
  actor: string;
  version: number;
  before: AclPolicy;
  after: AclPolicy;
}

/**
 * The policy of one lab: changes by people (API, trainer) are validated, put in force and
 * recorded; faults add and take away their own rule without counting as anyone's change.
 */
export class LabAccess {
  readonly policy: AccessPolicy;
  readonly log = new AccessLog();
  private readonly audits: AuditEntry[] = [];
  /** The policy people set; fault rules sit in front of it while their faults last. */
  private base: AclPolicy;
  private readonly faultRules = new Map<string, AclRule>();

  constructor(
    initial: AclPolicy,
    private readonly record: RecordFn,
    private readonly prefix: string,
  ) {
    this.base = initial;
    this.policy = new AccessPolicy(initial);
  }

  /** The policy people set (fault rules are not theirs to see or edit). */
  get current(): { version: number; policy: AclPolicy } {
    return { version: this.policy.version, policy: this.base };
  }

  audit(): readonly AuditEntry[] {
    return this.audits;
  }

  /** Validates and puts a policy in force; recorded as `acl.change` with before and after. */
  set(input: unknown, actor: string, clock: Clock): AuditEntry {
    const parsed = AclPolicySpec.safeParse(input);
    if (!parsed.success)
      throw new LabError(
        'ACL_INVALID',
        'not an access policy',
        {},
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    const next = normalisePolicy(parsed.data);
    const ids = next.rules.map((r) => r.id);
    if (new Set(ids).size !== ids.length)
      throw new LabError('ACL_INVALID', 'two rules have the same id');
    const before = this.base;
    this.base = next;
    const change = this.apply(actor);
    // The audit's time is the lab clock's as the evidence records it, within a millisecond.
    const at = { time: new Date(clock.wall()).toISOString(), t: clock.now() / 1000 };
    this.record('acl.change', { actor, version: change.version, before, after: next });
    const entry: AuditEntry = { ...at, actor, version: change.version, before, after: next };
    this.audits.push(entry);
    return entry;
  }

  /** An `acl-deny` fault starts: its rule goes in front of the policy. */
  faultStarted(f: Fault, deviceId: string): void {
    this.faultRules.set(f.id, {
      id: `fault-${f.id}`,
      action: 'all',
      topic: `${this.prefix}/${deviceId}/#`,
      permission: 'deny',
    });
    this.apply(`fault ${f.id}`);
  }

  faultEnded(f: Fault): void {
    if (this.faultRules.delete(f.id)) this.apply(`fault ${f.id}`);
  }

  private apply(actor: string): AclChange {
    return this.policy.replace(
      { default: this.base.default, rules: [...this.faultRules.values(), ...this.base.rules] },
      actor,
    );
  }
}

/** Checks the topics of the simulated clients once the prefix is known. */
export function actorTopicProblems(spec: SecuritySpec, prefix: string): string[] {
  const out: string[] = [];
  for (const a of spec.clients) {
    for (const p of a.publish) {
      const t = withPrefix(p.topic, prefix);
      if (/[+#]/.test(t)) out.push(`${a.name}: a publish topic has a wildcard (${t})`);
    }
    for (const s of a.subscribe) {
      const t = withPrefix(s.topic, prefix);
      if (!isFilter(t)) out.push(`${a.name}: not a topic filter (${t})`);
    }
  }
  return out;
}
