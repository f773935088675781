/**
 * The automatic checks of l3-all-plan's access-control list: read as data, each device's rule is
 * exercised against the lab's real topics with the grader's MQTT filter matching (MQTT 3.1.1
 * §4.7): a device must be able to publish its own telemetry and status (acl-own) and nothing of
 * another device, nor read another device's data, with everything else denied (acl-least).
 */
import type { CheckOutcome, EvidenceRef, GradeContext, TaskParams } from '../../grader/types.js';
import { handinData } from '../../grader/checks/handin-facts.js';
import { topicMatches } from '../../grader/checks/mqtt.js';

interface Rule {
  client: string;
  publish: string[];
  subscribe: string[];
}
type Acl = { deny: boolean; rules: Rule[]; evidence: EvidenceRef[] };

const filters = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];

function readAcl(ctx: GradeContext): Acl | CheckOutcome {
  const expected = 'an ACL with default: deny and a rule per device';
  const d = handinData(ctx, 'acl');
  if ('why' in d) return { score: 0, expected, seen: d.why, evidence: d.evidence };
  const o = (d.data ?? {}) as Record<string, unknown>;
  if (!Array.isArray(o.rules))
    return {
      score: 0,
      expected,
      seen: 'the ACL has no list "rules"',
      evidence: d.evidence,
      hint: {
        zh: 'ACL 文件须有 default: deny 和 rules 列表，每条规则含 client、publish、subscribe。',
        en: 'The ACL needs default: deny and a list "rules", each with client, publish and subscribe.',
      },
    };
  return {
    evidence: d.evidence,
    deny: o.default === 'deny',
    rules: o.rules.map((r) => {
      const x = (r ?? {}) as Record<string, unknown>;
      return {
        client: typeof x.client === 'string' ? x.client : '',
        publish: filters(x.publish),
        subscribe: filters(x.subscribe),
      };
    }),
  };
}

/** What a client may do by the ACL: the union of its rules (several rules for one client add up). */
function allowed(acl: Acl, client: string): { publish: string[]; subscribe: string[] } {
  const rules = acl.rules.filter((r) => r.client === client);
  return { publish: rules.flatMap((r) => r.publish), subscribe: rules.flatMap((r) => r.subscribe) };
}

export function aclOwnCheck<P extends TaskParams>(ctx: GradeContext<P>): CheckOutcome {
  const acl = readAcl(ctx);
  if ('score' in acl) return acl;
  const prefix = ctx.plan.topicPrefix;
  const missing: string[] = [];
  let good = 0;
  for (const d of ctx.plan.devices) {
    const { publish } = allowed(acl, d.id);
    const lacks = ['telemetry', 'status']
      .map((leaf) => `${prefix}/${d.id}/${leaf}`)
      .filter((t) => !publish.some((f) => topicMatches(f, t)));
    if (lacks.length === 0) good++;
    else missing.push(`${d.id} may not publish ${lacks.join(', ')}`);
  }
  const score = good / ctx.plan.devices.length;
  return {
    score,
    expected: `every device may publish ${prefix}/<its id>/telemetry and /status`,
    seen:
      missing.length === 0 ? `all ${good} devices may publish their own data` : missing.join('; '),
    evidence: acl.evidence,
    ...(score < 1
      ? {
          hint: {
            zh: '每个设备都要有一条以其设备 id 为 client 的规则，允许发布自己的 telemetry 和 status 主题。',
            en: 'Give every device a rule with its id as client that lets it publish its own telemetry and status.',
          },
        }
      : {}),
  };
}

export function aclLeastCheck<P extends TaskParams>(ctx: GradeContext<P>): CheckOutcome {
  const acl = readAcl(ctx);
  const expected =
    'default: deny; no device may publish on, or subscribe to, another device’s topics or anything outside its own';
  if ('score' in acl) return { ...acl, expected };
  if (!acl.deny)
    return {
      score: 0,
      expected,
      seen: 'the ACL does not deny by default',
      evidence: acl.evidence,
      hint: {
        zh: '访问控制应默认拒绝（default: deny），只放行规则允许的操作。',
        en: 'Deny by default (default: deny) and allow only what the rules say.',
      },
    };
  const prefix = ctx.plan.topicPrefix;
  const ids = ctx.plan.devices.map((d) => d.id);
  const problems: string[] = [];
  let good = 0;
  for (const id of ids) {
    const own = `${prefix}/${id}/`;
    // Topics that are not this device's: every other device's, the platform's, the broker's.
    const foreign = [
      ...ids
        .filter((o) => o !== id)
        .flatMap((o) => ['telemetry', 'status', 'cmd'].map((l) => `${prefix}/${o}/${l}`)),
      `${prefix}/platform/cmd`,
      `${prefix}/answers/x`,
      'other/topic',
    ];
    const { publish, subscribe } = allowed(acl, id);
    const pub = publish.filter(
      (f) => foreign.some((t) => topicMatches(f, t)) || !f.startsWith(own),
    );
    const others = ids
      .filter((o) => o !== id)
      .flatMap((o) => [`${prefix}/${o}/telemetry`, `${prefix}/${o}/status`]);
    const sub = subscribe.filter((f) => others.some((t) => topicMatches(f, t)));
    if (pub.length === 0 && sub.length === 0) good++;
    else
      problems.push(
        `${id}: ${[...pub.map((f) => `publish ${f}`), ...sub.map((f) => `subscribe ${f}`)].join(', ')} reach beyond its own topics`,
      );
  }
  const score = good / ids.length;
  return {
    score,
    expected,
    seen:
      problems.length === 0
        ? `every device is held to its own topics`
        : problems.slice(0, 6).join('; '),
    evidence: acl.evidence,
    ...(score < 1
      ? {
          hint: {
            zh: '最小权限：设备只能在自己的主题（前缀/设备 id/…）下发布，不能用通配符覆盖其他设备。',
            en: 'Least privilege: a device publishes only under its own topics (prefix/device id/…), no wildcard reaching other devices.',
          },
        }
      : {}),
  };
}
