/**
 * L2 · SYS · a device monitoring script (L2.SYS.4.1.3 能根据运维管理的需求，编写设备运行监控脚本;
 * L2.SYS.4.3.3 定期巡检): five sensors publish telemetry every second and a retained
 * online/offline status. The candidate's script raises and clears alerts by the stated rules and
 * publishes a summary every 10 s. The grader applies the same rules to what the devices published
 * (their status and telemetry in the evidence) and compares the alerts the script sent.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-monitor.test.ts):
 * - "raise `offline` once a device has been offline for 5 s": one device goes offline for 20 s
 *   (offline-raised, critical);
 * - "not before, and not for a shorter outage": another device drops out for 2 s; a script that
 *   raises at once (mistake `no-debounce`) loses no-false-alarm (85);
 * - "clear it when the device is back online": the long outage ends before the deadline; a script
 *   that never clears (mistake `never-clear`) loses offline-cleared (85);
 * - "raise `stuck` when five messages in a row carry the same values": a third device freezes;
 *   a script without the rule (mistake `no-stuck`) loses stuck-raised (80);
 * - "a summary every 10 s with the counts at that moment": summaries are checked over the run.
 */
import { defineTask } from '../../grader/types.js';
import type {
  CheckOutcome,
  EvidenceRef,
  GradeContext,
  MqttPublishEvent,
} from '../../grader/types.js';
import { payloadJson, payloadText, ref } from '../../grader/checks/mqtt.js';
import { Rng } from '../../core/rng.js';

export const SITES = ['boiler', 'chiller', 'tank', 'rack', 'store'] as const;
type Site = (typeof SITES)[number];
const TITLES: Record<Site, { zh: string; en: string }> = {
  boiler: { zh: '锅炉房温度', en: 'Boiler room temperature' },
  chiller: { zh: '冷机温度', en: 'Chiller temperature' },
  tank: { zh: '水箱温度', en: 'Tank temperature' },
  rack: { zh: '机柜温度', en: 'Rack temperature' },
  store: { zh: '库房温度', en: 'Store room temperature' },
};

/** Offline this long before an alert (s); how soon the script must act (s); summary period (s). */
export const OFFLINE_AFTER_S = 5;
export const WITHIN_S = 3;
export const SUMMARY_S = 10;
export const STUCK_N = 5;

export type MonitorParams = { down: string; flap: string; frozen: string; downAt: number };
type Ctx = GradeContext<MonitorParams>;

interface Alert {
  device: string;
  type: 'offline' | 'stuck';
  state: 'raised' | 'cleared';
  t: number;
  e: MqttPublishEvent;
}

/** The alerts the script published, parsed; anything else on the topic is ignored. */
function alertsSent(ctx: Ctx): Alert[] {
  const topic = `${ctx.plan.topicPrefix}/monitor/alerts`;
  return ctx.clientPublishes().flatMap((e) => {
    if (e.topic !== topic) return [];
    const j = payloadJson(e) as Record<string, unknown> | undefined;
    if (!j || typeof j.device !== 'string') return [];
    if (j.type !== 'offline' && j.type !== 'stuck') return [];
    if (j.state !== 'raised' && j.state !== 'cleared') return [];
    return [{ device: j.device, type: j.type, state: j.state, t: e.t, e }];
  });
}

/** Each device's offline spells from its retained status publishes: [from, to) lab ms. */
function outages(ctx: Ctx): Map<string, { from: number; to: number | undefined }[]> {
  const out = new Map<string, { from: number; to: number | undefined }[]>();
  for (const d of ctx.plan.devices) {
    const spells: { from: number; to: number | undefined }[] = [];
    for (const e of ctx.events) {
      if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== d.mqtt!.statusTopic)
        continue;
      const text = payloadText(e as MqttPublishEvent);
      const open = spells.at(-1);
      if (text === 'offline' && (!open || open.to !== undefined))
        spells.push({ from: e.t, to: undefined });
      if (text === 'online' && open && open.to === undefined) open.to = e.t;
    }
    out.set(d.id, spells);
  }
  return out;
}

/** When each device's telemetry first showed STUCK_N messages in a row with the same values. */
function stuckAt(ctx: Ctx): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of ctx.plan.devices) {
    let last = '';
    let run = 0;
    for (const e of ctx.events) {
      if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== d.mqtt!.telemetryTopic)
        continue;
      const j = payloadJson(e as MqttPublishEvent) as Record<string, unknown> | undefined;
      const values = JSON.stringify(
        Object.keys(j ?? {})
          .filter((k) => !['id', 'ts', 'seq'].includes(k))
          .sort()
          .map((k) => j![k]),
      );
      run = values === last ? run + 1 : 1;
      last = values;
      if (run === STUCK_N) {
        out.set(d.id, e.t);
        break;
      }
    }
  }
  return out;
}

const within = WITHIN_S * 1000;

function shareOf(
  judged: { e?: { seq: number; t: number }; ok: boolean; note: string }[],
  expected: string,
  what: string,
): CheckOutcome {
  if (judged.length === 0) return { score: 0, expected, seen: `no ${what}`, evidence: [] };
  const bad = judged.filter((j) => !j.ok);
  const evidence: EvidenceRef[] = (bad.length > 0 ? bad : judged)
    .slice(0, 5)
    .flatMap((j) => (j.e ? [{ seq: j.e.seq, t: j.e.t, note: j.note }] : []));
  return {
    score: (judged.length - bad.length) / judged.length,
    expected,
    seen:
      `${judged.length - bad.length} of ${judged.length} ${what} right` +
      (bad.length > 0 ? `; first wrong: ${bad[0]!.note}` : ''),
    evidence,
  };
}

/** Outages of 5 s or more that began early enough to be due before the deadline. */
function longOutages(ctx: Ctx) {
  return [...outages(ctx)].flatMap(([device, spells]) =>
    spells
      .filter((s) => (s.to ?? ctx.end) - s.from >= OFFLINE_AFTER_S * 1000)
      .map((s) => ({ device, ...s, due: s.from + OFFLINE_AFTER_S * 1000 }))
      .filter((s) => s.due + within <= ctx.end),
  );
}

function offlineRaised(ctx: Ctx): CheckOutcome {
  const sent = alertsSent(ctx);
  const judged = longOutages(ctx).map((o) => {
    const a = sent.find(
      (x) =>
        x.device === o.device &&
        x.type === 'offline' &&
        x.state === 'raised' &&
        x.t >= o.from &&
        x.t <= o.due + within,
    );
    return {
      e: a?.e,
      ok: a !== undefined,
      note: a
        ? `${o.device} raised at ${(a.t / 1000).toFixed(1)} s`
        : `no offline alert for ${o.device} (offline from ${(o.from / 1000).toFixed(1)} s) by ${((o.due + within) / 1000).toFixed(1)} s`,
    };
  });
  return shareOf(judged, 'an offline alert for each outage of 5 s or more, within 3 s', 'outages');
}

function offlineCleared(ctx: Ctx): CheckOutcome {
  const sent = alertsSent(ctx);
  const judged = longOutages(ctx)
    .filter((o) => o.to !== undefined && o.to + within <= ctx.end)
    .map((o) => {
      const a = sent.find(
        (x) =>
          x.device === o.device &&
          x.type === 'offline' &&
          x.state === 'cleared' &&
          x.t >= o.to! &&
          x.t <= o.to! + within,
      );
      return {
        e: a?.e,
        ok: a !== undefined,
        note: a
          ? `${o.device} cleared at ${(a.t / 1000).toFixed(1)} s`
          : `no cleared alert for ${o.device} (back online at ${(o.to! / 1000).toFixed(1)} s) within 3 s`,
      };
    });
  return shareOf(judged, 'a cleared alert within 3 s of each device coming back', 'recoveries');
}

function stuckRaised(ctx: Ctx): CheckOutcome {
  const sent = alertsSent(ctx);
  const judged = [...stuckAt(ctx)]
    .filter(([, t]) => t + within <= ctx.end)
    .map(([device, t]) => {
      const a = sent.find(
        (x) =>
          x.device === device &&
          x.type === 'stuck' &&
          x.state === 'raised' &&
          x.t >= t &&
          x.t <= t + within,
      );
      return {
        e: a?.e,
        ok: a !== undefined,
        note: a
          ? `${device} stuck raised at ${(a.t / 1000).toFixed(1)} s`
          : `no stuck alert for ${device} within 3 s of its ${STUCK_N}th identical message (${(t / 1000).toFixed(1)} s)`,
      };
    });
  return shareOf(
    judged,
    `a stuck alert within 3 s of ${STUCK_N} identical messages`,
    'stuck devices',
  );
}

/** All or nothing: no raised alert the rules do not call for (too early, a short outage, …). */
function noFalseAlarm(ctx: Ctx): CheckOutcome {
  const spells = outages(ctx);
  const stuck = stuckAt(ctx);
  const raised = alertsSent(ctx).filter((a) => a.state === 'raised');
  const wrong = raised.filter((a) => {
    if (a.type === 'stuck') {
      const t = stuck.get(a.device);
      return t === undefined || a.t < t;
    }
    return !(spells.get(a.device) ?? []).some(
      (s) => a.t >= s.from + OFFLINE_AFTER_S * 1000 && a.t <= (s.to ?? ctx.end) + within,
    );
  });
  const ok = raised.length > 0 && wrong.length === 0;
  return {
    score: ok ? 1 : 0,
    expected: 'no alert raised that the rules do not call for',
    seen:
      raised.length === 0
        ? 'no alert raised at all'
        : wrong.length === 0
          ? `${raised.length} alert(s) raised, each called for`
          : `${wrong.length} of ${raised.length} raised without cause, e.g. ${wrong[0]!.type} for ${wrong[0]!.device} at ${(wrong[0]!.t / 1000).toFixed(1)} s`,
    evidence: wrong.slice(0, 3).map((a) => ref(a.e, 'raised without cause')),
    ...(wrong.length > 0
      ? {
          hint: {
            zh: `设备离线满 ${OFFLINE_AFTER_S} 秒才告警，短暂掉线不告警。`,
            en: `Raise offline only after ${OFFLINE_AFTER_S} s offline; a shorter outage raises nothing.`,
          },
        }
      : {}),
  };
}

/** Summaries: at least every 13 s once started, each with the counts right (steady 3 s). */
function summaries(ctx: Ctx): CheckOutcome {
  const topic = `${ctx.plan.topicPrefix}/monitor/summary`;
  const spells = outages(ctx);
  const offlineAt = (t: number) =>
    [...spells.values()].filter((s) => s.some((x) => x.from <= t && t < (x.to ?? Infinity))).length;
  const sent = ctx.clientPublishes().filter((e) => e.topic === topic);
  const judged: { e?: MqttPublishEvent; ok: boolean; note: string }[] = [];
  for (const [i, e] of sent.entries()) {
    const j = payloadJson(e) as Record<string, unknown> | undefined;
    const before = offlineAt(e.t - within);
    const now = offlineAt(e.t);
    if (before !== now) continue; // changing: either count is right
    const okCounts = j?.offline === now && j.online === SITES.length - now;
    const gap = i === 0 ? 0 : e.t - sent[i - 1]!.t;
    judged.push({
      e,
      ok: okCounts && gap <= (SUMMARY_S + WITHIN_S) * 1000,
      note: !okCounts
        ? `summary ${payloadText(e)} while ${SITES.length - now} online, ${now} offline`
        : `${(gap / 1000).toFixed(1)} s after the one before`,
    });
  }
  // Enough of them: one per 10 s from 10 s on.
  const want = Math.floor((ctx.end - ctx.start) / (SUMMARY_S * 1000)) - 1;
  const out = shareOf(
    judged,
    `a summary every ${SUMMARY_S} s with the online/offline counts of that moment`,
    'summaries',
  );
  return sent.length < want
    ? {
        ...out,
        score: out.score * (sent.length / want),
        seen: `${out.seen}; ${sent.length} of at least ${want} sent`,
      }
    : out;
}

function subscribed(ctx: Ctx): CheckOutcome {
  const topics = ctx.plan.devices.flatMap((d) => [d.mqtt!.statusTopic, d.mqtt!.telemetryTopic]);
  const missing = topics.filter((t) => ctx.subscriptions(t).length === 0);
  return {
    score: (topics.length - missing.length) / topics.length,
    expected: "subscriptions that receive every device's status and telemetry",
    seen:
      missing.length === 0 ? 'all subscribed' : `not received: ${missing.slice(0, 3).join(', ')}`,
    evidence: [],
  };
}

export const deviceMonitor = defineTask<MonitorParams>({
  id: 'l2-sys-monitor',
  title: { zh: '设备运行监控脚本', en: 'A device monitoring script' },
  level: 'L2',
  direction: 'SYS',
  skills: ['L2.SYS.4.1.3', 'L2.SYS.4.3.3'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-sys-monitor');
    const sites = [...SITES];
    const pick = () => sites.splice(rng.int(0, sites.length - 1), 1)[0]!;
    return { down: pick(), flap: pick(), frozen: pick(), downAt: rng.int(12, 18) };
  },

  scenario: (p) => ({
    name: 'task_l2_sys_monitor',
    title: { zh: '设备运行监控', en: 'Device monitoring' },
    devices: SITES.map((s, i) => ({
      name: s,
      kind: 'digital' as const,
      title: TITLES[s],
      channels: [
        {
          quantity: 'temperature',
          unit: '°C',
          range: [-40, 120] as [number, number],
          resolution: 0.1,
          profile: { base: 20 + 6 * i, vary: 4, amplitude: 2, periodS: 40, noise: 0.6 },
        },
      ],
      mqtt: { period: 1 },
    })),
    faults: [
      { device: p.down, type: 'offline', at: p.downAt, duration: 20 },
      { device: p.flap, type: 'offline', at: p.downAt + 6, duration: 2 },
      { device: p.frozen, type: 'stuck', at: p.downAt + 10 },
    ],
  }),

  vars: (_p, plan) => ({
    devices: plan.devices.map((d) => `\`${d.id}\``).join(', '),
    count: plan.devices.length,
    alertTopic: `${plan.topicPrefix}/monitor/alerts`,
    summaryTopic: `${plan.topicPrefix}/monitor/summary`,
    offlineAfterS: OFFLINE_AFTER_S,
    withinS: WITHIN_S,
    summaryS: SUMMARY_S,
    stuckN: STUCK_N,
  }),

  checks: [
    {
      id: 'subscribed',
      skill: 'L2.SYS.4.1.3',
      points: 10,
      title: {
        zh: '订阅全部设备的状态与遥测',
        en: "Every device's status and telemetry subscribed",
      },
      run: subscribed,
    },
    {
      id: 'offline-raised',
      skill: 'L2.SYS.4.1.3',
      points: 25,
      critical: true,
      title: { zh: '离线告警', en: 'Offline alert raised' },
      run: offlineRaised,
    },
    {
      id: 'offline-cleared',
      skill: 'L2.SYS.4.1.3',
      points: 15,
      title: { zh: '恢复在线后告警解除', en: 'Offline alert cleared on recovery' },
      run: offlineCleared,
    },
    {
      id: 'stuck-raised',
      skill: 'L2.SYS.4.1.3',
      points: 20,
      title: { zh: '数据冻结告警', en: 'Stuck-values alert raised' },
      run: stuckRaised,
    },
    {
      id: 'no-false-alarm',
      skill: 'L2.SYS.4.1.3',
      points: 15,
      title: { zh: '无误报', en: 'No false alarm' },
      run: noFalseAlarm,
    },
    {
      id: 'summary',
      skill: 'L2.SYS.4.3.3',
      points: 15,
      title: { zh: '定时巡检汇总', en: 'Periodic summary' },
      run: summaries,
    },
  ],
});
