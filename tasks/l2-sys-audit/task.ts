/**
 * L2 · SYS · security audit and access control (L2.SYS.4.4.3, L2.SYS.4.4.2): beside the
 * candidate, the lab's broker serves five simulated clients with stated roles — three meters, an
 * HVAC controller and a dashboard. At a seeded time one meter (the intruder) starts to write the
 * HVAC command topic or to read the HVAC topics, which its role does not allow. From the broker's
 * access records (the lab's security API, docs/acl.md) the candidate names the intruder's client
 * id, the topic and when it began, then changes the access policy through the API so that the
 * intruder can no longer do it while every client's own role goes on.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-audit.test.ts):
 * - "which client went outside its role": another meter publishes alarms on its own topic near
 *   the intrusion (a decoy within its role); naming it (mistake `name-decoy`, on a seed where
 *   the alarm comes first) loses the identity check, which is critical, so a wrong intruder
 *   cannot pass.
 * - "the intruder's own role goes on": the intruder is a meter whose readings still matter; a
 *   rule that denies it everything (mistake `deny-identity`) loses `legit` (75).
 * - "no other client cut off": the HVAC controller uses the very topic the intruder misuses; a
 *   rule that denies the topic to everyone (mistake `deny-topic`) loses `legit` (75).
 * - "the intruder can no longer do it": graded from the policy in force after the last change
 *   and from the broker's denials of the intruder's next attempts; `blocked` is critical.
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, EvidenceRef, GradeContext } from '../../grader/types.js';
import { normaliseAnswer } from '../../grader/checks/answer.js';
import { ref } from '../../grader/checks/mqtt.js';
import type { AclPolicy } from '../../core/acl.js';
import { decide } from '../../core/acl.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { Rng } from '../../core/rng.js';

export type AuditParams = {
  /** 1..3: which meter misbehaves; the decoy is another. */
  intruder: number;
  decoy: number;
  mode: 'write' | 'read';
  atS: number;
  decoyAtS: number;
};
type Ctx = GradeContext<AuditParams>;

/** The time answer: within this much of the first out-of-role record. */
const TIME_TOLERANCE_MS = 2000;
/** The change must be in force this long before the deadline, so its effect is seen. */
export const IN_FORCE_S = 15;

/** Client ids, from the lab id (unique on a shared broker). */
export const clientIds = (labId: string) => ({
  meter: (n: number) => `meter-${n}-${labId}`,
  hvac: `hvac-ctl-${labId}`,
  dashboard: `dashboard-${labId}`,
});

/** What the intruder does: the topic (or filter) and the action. */
export const intrusion = (p: AuditParams, prefix: string) =>
  p.mode === 'write'
    ? { action: 'publish' as const, topic: `${prefix}/hvac/unit1/set` }
    : { action: 'subscribe' as const, topic: `${prefix}/hvac/#` };

/** Each legitimate use of the broker (the roles), as the instructions state them. */
function roleUses(
  ctx: Ctx,
): { clientId: string; action: 'publish' | 'subscribe'; topic: string }[] {
  const id = clientIds(ctx.plan.labId);
  const prefix = ctx.plan.topicPrefix;
  return [
    ...[1, 2, 3].map((n) => ({
      clientId: id.meter(n),
      action: 'publish' as const,
      topic: `${prefix}/meters/${n}/data`,
    })),
    {
      clientId: id.meter(ctx.params.decoy),
      action: 'publish',
      topic: `${prefix}/meters/${ctx.params.decoy}/alarm`,
    },
    { clientId: id.hvac, action: 'publish', topic: `${prefix}/hvac/unit1/set` },
    { clientId: id.hvac, action: 'subscribe', topic: `${prefix}/hvac/#` },
    // what the HVAC controller's subscription delivers, message by message
    { clientId: id.hvac, action: 'subscribe', topic: `${prefix}/hvac/unit1/set` },
    { clientId: id.dashboard, action: 'subscribe', topic: `${prefix}/meters/#` },
    ...[1, 2, 3].map((n) => ({
      clientId: id.dashboard,
      action: 'subscribe' as const,
      topic: `${prefix}/meters/${n}/data`,
    })),
  ];
}

const field = (e: EvidenceEvent, k: string): unknown =>
  (e as unknown as Record<string, unknown>)[k];

/** The topics an mqtt.publish or mqtt.subscribe (subscribe, revoke) event is about. */
const topicsOf = (e: EvidenceEvent): string[] => [
  ...(typeof field(e, 'topic') === 'string' ? [field(e, 'topic') as string] : []),
  ...((field(e, 'subscriptions') as { topic: string }[] | undefined) ?? []).map((s) => s.topic),
  ...((field(e, 'topics') as string[] | undefined) ?? []),
];

/** Who each client id logged in as (its last accepted connect): rules may name the username. */
function identityOf(ctx: Ctx): (clientId: string) => { clientId: string; username?: string } {
  const users = new Map<string, string>();
  for (const e of ctx.events)
    if (e.kind === 'mqtt.connect' && field(e, 'accepted') === true) {
      const u = field(e, 'username');
      if (typeof u === 'string') users.set(String(field(e, 'clientId')), u);
    }
  return (clientId) => {
    const username = users.get(clientId);
    return username === undefined ? { clientId } : { clientId, username };
  };
}

/** The last policy change through the API before the deadline, with the policy it put in force. */
function lastChange(ctx: Ctx): { e: EvidenceEvent; after: AclPolicy } | undefined {
  const changes = ctx.events.filter(
    (e) =>
      e.kind === 'acl.change' &&
      e.t >= ctx.start &&
      e.t <= ctx.end &&
      String(field(e, 'actor')).startsWith('api'),
  );
  const e = changes[changes.length - 1];
  return e ? { e, after: field(e, 'after') as AclPolicy } : undefined;
}

/** The intruder's attempts at the intrusion, from the broker's evidence. */
function attempts(ctx: Ctx): { e: EvidenceEvent; denied: boolean }[] {
  const who = clientIds(ctx.plan.labId).meter(ctx.params.intruder);
  const x = intrusion(ctx.params, ctx.plan.topicPrefix);
  const out: { e: EvidenceEvent; denied: boolean }[] = [];
  for (const e of ctx.events) {
    if (e.t < ctx.start || e.t > ctx.end || field(e, 'clientId') !== who) continue;
    const denied = field(e, 'denied') === true;
    if (x.action === 'publish' && e.kind === 'mqtt.publish' && field(e, 'topic') === x.topic)
      out.push({ e, denied });
    if (
      x.action === 'subscribe' &&
      e.kind === 'mqtt.subscribe' &&
      field(e, 'action') === 'subscribe' &&
      (field(e, 'subscriptions') as { topic: string; qos: number }[] | undefined)?.some(
        (s) => s.topic === x.topic && (denied || s.qos !== 128),
      )
    )
      out.push({ e, denied });
  }
  return out;
}

function topicCheck(ctx: Ctx): CheckOutcome {
  const a = ctx.answers().get('intruder_topic');
  const want = intrusion(ctx.params, ctx.plan.topicPrefix).topic;
  const right = a !== undefined && a.value.trim() === want;
  return {
    score: right ? 1 : 0,
    expected: 'the topic (or filter) of the out-of-role records, exactly',
    seen: a ? `answered ${JSON.stringify(a.value)}` : 'no answer',
    evidence: a ? [ref(a, 'answer intruder_topic')] : [],
    ...(right
      ? {}
      : {
          hint: {
            zh: '主题不对：按访问记录中越权那一行的 topic 原样填写（含通配符）。',
            en: 'Wrong topic: give the topic column of the out-of-role record as it is (wildcards included).',
          },
        }),
  };
}

function timeCheck(ctx: Ctx): CheckOutcome {
  const a = ctx.answers().get('intruder_time');
  const first = attempts(ctx).find((x) => !x.denied);
  const at = a ? Date.parse(a.value.trim()) : NaN;
  const off = first && Number.isFinite(at) ? Math.abs(at - Date.parse(first.e.wall)) : Infinity;
  const right = off <= TIME_TOLERANCE_MS;
  return {
    score: right ? 1 : 0,
    expected: `the time of the first out-of-role record, within ${TIME_TOLERANCE_MS / 1000} s`,
    seen: a
      ? `answered ${JSON.stringify(a.value)}${Number.isFinite(off) ? `, ${(off / 1000).toFixed(1)} s off` : ''}`
      : 'no answer',
    evidence: [
      ...(a ? [ref(a, 'answer intruder_time')] : []),
      ...(first ? [ref(first.e, 'first')] : []),
    ],
    ...(right
      ? {}
      : {
          hint: {
            zh: '时间不对：填写第一次越权访问那一行的 time（ISO 8601，含时区）。',
            en: 'Wrong time: give the time column (ISO 8601 with its zone) of the first out-of-role record.',
          },
        }),
  };
}

function blockedCheck(ctx: Ctx): CheckOutcome {
  const change = lastChange(ctx);
  const who = clientIds(ctx.plan.labId).meter(ctx.params.intruder);
  const x = intrusion(ctx.params, ctx.plan.topicPrefix);
  if (!change)
    return {
      score: 0,
      expected: 'an access policy change through the security API',
      seen: 'no change',
      evidence: [],
      hint: {
        zh: '没有修改访问控制策略：用安全 API 的 PUT /acl 修改。',
        en: 'The access policy was not changed: use PUT /acl of the security API.',
      },
    };
  const policyDenies = !decide(change.after, identityOf(ctx)(who), x.action, x.topic).allow;
  const after = attempts(ctx).filter((a) => a.e.t > change.e.t);
  const allowed = after.filter((a) => !a.denied);
  const denied = after.filter((a) => a.denied);
  const inForce = ctx.end - change.e.t >= IN_FORCE_S * 1000;
  const ok = policyDenies && inForce && allowed.length === 0 && denied.length > 0;
  const evidence: EvidenceRef[] = [
    ref(change.e, 'policy change'),
    ...denied.slice(0, 2).map((a) => ref(a.e, 'denied')),
  ];
  return {
    score: ok ? 1 : 0,
    expected: `the policy in force denies ${who} ${x.action} ${x.topic}, at least ${IN_FORCE_S} s before the deadline, and the broker denies its next attempts`,
    seen: `${policyDenies ? 'denied' : 'still allowed'} by the last change (${((ctx.end - change.e.t) / 1000).toFixed(0)} s before the deadline); after it ${denied.length} attempt(s) denied, ${allowed.length} allowed`,
    evidence,
    ...(ok
      ? {}
      : {
          hint: {
            zh: `越权客户端仍能访问，或修改生效太晚（须在截止前至少 ${IN_FORCE_S} 秒）。`,
            en: `The intruder still gets through, or the change came too late (at least ${IN_FORCE_S} s before the deadline).`,
          },
        }),
  };
}

function legitCheck(ctx: Ctx): CheckOutcome {
  const change = lastChange(ctx);
  if (!change)
    return {
      score: 0,
      expected: 'an access policy change that leaves every role working',
      seen: 'no change',
      evidence: [],
    };
  const intruder = clientIds(ctx.plan.labId).meter(ctx.params.intruder);
  const x = intrusion(ctx.params, ctx.plan.topicPrefix);
  const who = identityOf(ctx);
  const cut = roleUses(ctx).filter(
    (u) => !decide(change.after, who(u.clientId), u.action, u.topic).allow,
  );
  const roleIds = new Set(roleUses(ctx).map((u) => u.clientId));
  const deniedAfter = ctx.events.filter(
    (e) =>
      e.t > change.e.t &&
      e.t <= ctx.end &&
      roleIds.has(String(field(e, 'clientId'))) &&
      (e.kind === 'mqtt.publish' || e.kind === 'mqtt.subscribe') &&
      (field(e, 'denied') === true || field(e, 'action') === 'revoke') &&
      // the intruder's own denials at the intrusion are the point
      !(field(e, 'clientId') === intruder && topicsOf(e).includes(x.topic)),
  );
  const ok = cut.length === 0 && deniedAfter.length === 0;
  return {
    score: ok ? 1 : 0,
    expected: "after the change, every client's own role allowed and nothing of it denied",
    seen: ok
      ? 'every role goes on'
      : `cut off: ${[...cut.map((u) => `${u.clientId} ${u.action} ${u.topic}`), ...deniedAfter.slice(0, 3).map((e) => `${String(field(e, 'clientId'))} denied at ${(e.t / 1000).toFixed(1)} s`)].slice(0, 4).join('; ')}`,
    evidence: [
      ref(change.e, 'policy change'),
      ...deniedAfter.slice(0, 2).map((e) => ref(e, 'denied')),
    ],
    ...(ok
      ? {}
      : {
          hint: {
            zh: '规则过宽：合法设备（包括越权电表自己的数据上报）也被拒绝了。只拒绝该客户端的越权动作和主题。',
            en: "Too broad: legitimate clients (the intruding meter's own readings included) were denied too. Deny only that client's out-of-role action on that topic.",
          },
        }),
  };
}

export const securityAudit = defineTask<AuditParams>({
  id: 'l2-sys-audit',
  title: { zh: '安全审计与访问控制调整', en: 'Security audit and access control' },
  level: 'L2',
  direction: 'SYS',
  skills: ['L2.SYS.4.4.3', 'L2.SYS.4.4.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-sys-audit');
    const intruder = rng.int(1, 3);
    const others = [1, 2, 3].filter((n) => n !== intruder);
    const atS = rng.int(10, 22);
    return {
      intruder,
      decoy: rng.pick(others),
      mode: rng.pick(['write', 'read'] as const),
      atS,
      decoyAtS: atS + rng.pick([-3, -2, 2, 3]),
    };
  },

  scenario(p) {
    const meter = (n: number) => ({
      name: `meter_${n}`,
      clientId: `meter-${n}-{lab}`,
      username: `meter-${n}`,
      publish: [
        { topic: `{prefix}/meters/${n}/data`, every: 1 },
        ...(n === p.decoy
          ? [{ topic: `{prefix}/meters/${n}/alarm`, every: 5, from: p.decoyAtS }]
          : []),
        ...(n === p.intruder && p.mode === 'write'
          ? [{ topic: '{prefix}/hvac/unit1/set', every: 2, from: p.atS }]
          : []),
      ],
      subscribe:
        n === p.intruder && p.mode === 'read'
          ? [{ topic: '{prefix}/hvac/#', from: p.atS, every: 3 }]
          : [],
    });
    return {
      name: 'task_l2_sys_audit',
      title: { zh: '楼宇能源站访问审计', en: 'Building energy station access audit' },
      devices: [
        {
          name: 'supply',
          kind: 'digital',
          title: { zh: '送风温度传感器', en: 'Supply-air temperature sensor' },
          channels: [
            {
              quantity: 'temperature',
              unit: '°C',
              range: [-20, 60],
              resolution: 0.1,
              profile: { base: 16, vary: 1, amplitude: 0.5, periodS: 300, noise: 0.05 },
            },
          ],
          mqtt: { period: 5 },
        },
      ],
      security: {
        acl: {
          default: 'allow',
          rules: [
            {
              id: 'dashboard-read-only',
              clientId: 'dashboard-{lab}',
              action: 'publish',
              topic: '#',
              permission: 'deny',
            },
          ],
        },
        clients: [
          meter(1),
          meter(2),
          meter(3),
          {
            name: 'hvac',
            clientId: 'hvac-ctl-{lab}',
            username: 'hvac-ctl',
            publish: [{ topic: '{prefix}/hvac/unit1/set', every: 2 }],
            subscribe: [{ topic: '{prefix}/hvac/#' }],
          },
          {
            name: 'dashboard',
            clientId: 'dashboard-{lab}',
            username: 'dashboard',
            subscribe: [{ topic: '{prefix}/meters/#' }],
          },
        ],
      },
    };
  },

  vars(_p, plan) {
    const id = clientIds(plan.labId);
    return {
      prefix: plan.topicPrefix,
      meter1: id.meter(1),
      meter2: id.meter(2),
      meter3: id.meter(3),
      hvac: id.hvac,
      dashboard: id.dashboard,
      inForceS: IN_FORCE_S,
      sensorId: plan.devices[0]!.id,
    };
  },

  checks: [
    {
      id: 'identity',
      skill: 'L2.SYS.4.4.3',
      points: 25,
      critical: true,
      title: { zh: '找出越权的客户端', en: 'The intruding client found' },
      run: (ctx) => {
        const a = ctx.answers().get('intruder');
        const want = clientIds(ctx.plan.labId).meter(ctx.params.intruder);
        const right = a !== undefined && normaliseAnswer(a.value) === want.toLowerCase();
        return {
          score: right ? 1 : 0,
          expected: 'the client id that went outside its role',
          seen: a ? `answered ${JSON.stringify(a.value)}` : 'no answer',
          evidence: a ? [ref(a, 'answer intruder')] : [],
          ...(right
            ? {}
            : {
                hint: {
                  zh: '客户端不对：逐行对照访问记录与各客户端的职责，在自己职责范围内的访问不算越权。',
                  en: "Wrong client: compare each access record with the client's role; what a role allows is no intrusion.",
                },
              }),
        };
      },
    },
    {
      id: 'topic',
      skill: 'L2.SYS.4.4.3',
      points: 15,
      title: { zh: '越权访问的主题', en: 'The topic it misused' },
      run: topicCheck,
    },
    {
      id: 'time',
      skill: 'L2.SYS.4.4.3',
      points: 10,
      title: { zh: '越权开始的时间', en: 'When it began' },
      run: timeCheck,
    },
    {
      id: 'blocked',
      skill: 'L2.SYS.4.4.2',
      points: 25,
      critical: true,
      title: { zh: '调整策略后越权访问被拒绝', en: 'The intrusion denied after the policy change' },
      run: blockedCheck,
    },
    {
      id: 'legit',
      skill: 'L2.SYS.4.4.2',
      points: 25,
      title: { zh: '合法访问不受影响', en: 'Legitimate traffic goes on' },
      run: legitCheck,
    },
  ],
});
