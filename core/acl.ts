/**
 * Access policy as data (issue 17.7): who may publish or subscribe where on a lab's broker. A
 * policy is an ordered list of rules and a default; the first rule that applies decides (as
 * EMQX's ACL file does). Pure: no sockets, no clock. The broker asks `decide` on every PUBLISH,
 * SUBSCRIBE and delivery (protocols/mqtt/broker.ts); `AccessPolicy` holds the policy in force,
 * keeps its version and tells the broker when it changes, so live connections follow at once.
 *
 * Matching:
 * - identity: a rule names any of `username`, `clientId`, `cn` (a client certificate's CN); each
 *   named one must equal the client's, where `*` in it stands for any run of characters. A rule
 *   that names none applies to everyone.
 * - publish: the rule's topic filter matches the topic (MQTT 3.1.1 §4.7: `+` one level, `#` the
 *   rest, `$…` topics only by a filter that starts with the same `$` level).
 * - subscribe: the rule applies when its filter covers the subscribed filter (every topic that the
 *   subscription can receive, the rule's filter matches too). Each delivery is checked again with
 *   its concrete topic, so a deny under a broader subscription still stops those messages.
 */
import { z } from 'zod';

export const ACL_ACTIONS = ['publish', 'subscribe', 'all'] as const;
export type AclAction = 'publish' | 'subscribe';

const identityPart = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s]+$/, 'no spaces');
/** An MQTT topic filter: levels split by `/`, `+` a whole level, `#` only the whole last one. */
export const topicFilter = z
  .string()
  .min(1)
  .max(512)
  .refine((f) => isFilter(f), 'an MQTT topic filter (+ a whole level, # only at the end)');

export const AclRuleSpec = z
  .object({
    /** A name for the rule, shown in the access records; default `r<index>`. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,32}$/)
      .optional(),
    username: identityPart.optional(),
    clientId: identityPart.optional(),
    cn: identityPart.optional(),
    action: z.enum(ACL_ACTIONS),
    topic: topicFilter,
    permission: z.enum(['allow', 'deny']),
  })
  .strict();

export const AclPolicySpec = z
  .object({
    /** What happens when no rule applies (default allow: the rules are the exceptions). */
    default: z.enum(['allow', 'deny']).default('allow'),
    rules: z.array(AclRuleSpec).max(500).default([]),
  })
  .strict();

export type AclRuleInput = z.input<typeof AclRuleSpec>;
export type AclPolicyInput = z.input<typeof AclPolicySpec>;
/** A rule with its id filled in. */
export type AclRule = z.infer<typeof AclRuleSpec> & { id: string };
export interface AclPolicy {
  default: 'allow' | 'deny';
  rules: AclRule[];
}

/** Who a client is, as the broker knows it. */
export interface AclIdentity {
  username?: string | undefined;
  clientId?: string | undefined;
  cn?: string | undefined;
}

export interface AclDecision {
  allow: boolean;
  /** The rule that decided; undefined = the default. */
  rule: string | undefined;
}

/** Fills in rule ids (`r1`, `r2`, … by position) and the default. */
export function normalisePolicy(input: z.infer<typeof AclPolicySpec>): AclPolicy {
  return {
    default: input.default,
    rules: input.rules.map((r, i) => ({ ...r, id: r.id ?? `r${i + 1}` })),
  };
}

export function isFilter(f: string): boolean {
  if (f.length === 0 || f.includes('\u0000')) return false;
  const levels = f.split('/');
  return levels.every(
    (l, i) =>
      (l === '#' && i === levels.length - 1) || l === '+' || (!l.includes('+') && !l.includes('#')),
  );
}

/** MQTT topic matching: does `filter` match the concrete `topic`? */
export function topicMatches(filter: string, topic: string): boolean {
  return covers(filter, topic);
}

/**
 * Whether every topic that `inner` (a filter or a topic) matches is matched by `outer`. Levels
 * are compared in turn: `#` in outer takes the rest; `+` in outer takes any one level except a
 * `#` of inner; a literal takes only the same literal. Topics starting with `$` are matched only
 * by a filter whose first level is the same literal (§4.7.2).
 */
export function covers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  if (n[0]?.startsWith('$') && o[0] !== n[0]) return false;
  for (let i = 0; i < o.length; i++) {
    const ol = o[i]!;
    if (ol === '#') return true;
    const nl = n[i];
    if (nl === undefined) return false;
    if (ol === '+') {
      if (nl === '#') return false;
      continue;
    }
    if (ol !== nl) return false;
  }
  return o.length === n.length;
}

/** `*` in a rule's identity part stands for any run of characters. */
function globMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

export function ruleNamesIdentity(rule: AclRule, who: AclIdentity): boolean {
  return (
    (rule.username === undefined || globMatches(rule.username, who.username)) &&
    (rule.clientId === undefined || globMatches(rule.clientId, who.clientId)) &&
    (rule.cn === undefined || globMatches(rule.cn, who.cn))
  );
}

/** The first rule that applies decides; none = the policy's default. */
export function decide(
  policy: AclPolicy,
  who: AclIdentity,
  action: AclAction,
  topic: string,
): AclDecision {
  for (const rule of policy.rules) {
    if (rule.action !== 'all' && rule.action !== action) continue;
    if (!ruleNamesIdentity(rule, who)) continue;
    if (!covers(rule.topic, topic)) continue;
    return { allow: rule.permission === 'allow', rule: rule.id };
  }
  return { allow: policy.default === 'allow', rule: undefined };
}

/** One change of the policy in force, for the audit trail. */
export interface AclChange {
  version: number;
  actor: string;
  before: AclPolicy;
  after: AclPolicy;
}

/**
 * The policy in force for one lab (or one candidate's lab in a session), its version, and who
 * follows it: the broker re-checks live subscriptions on every change.
 */
export class AccessPolicy {
  private current: AclPolicy;
  private ver = 1;
  private readonly listeners: ((change: AclChange) => void)[] = [];

  constructor(initial: AclPolicy = { default: 'allow', rules: [] }) {
    this.current = clonePolicy(initial);
  }

  get policy(): AclPolicy {
    return this.current;
  }

  get version(): number {
    return this.ver;
  }

  decide(who: AclIdentity, action: AclAction, topic: string): AclDecision {
    return decide(this.current, who, action, topic);
  }

  /** Puts a new policy in force; listeners (the broker, the audit) hear of it at once. */
  replace(next: AclPolicy, actor: string): AclChange {
    const change: AclChange = {
      version: this.ver + 1,
      actor,
      before: this.current,
      after: clonePolicy(next),
    };
    this.current = change.after;
    this.ver = change.version;
    for (const l of this.listeners) l(change);
    return change;
  }

  onChange(listener: (change: AclChange) => void): void {
    this.listeners.push(listener);
  }
}

function clonePolicy(p: AclPolicy): AclPolicy {
  return { default: p.default, rules: p.rules.map((r) => ({ ...r })) };
}
