/**
 * L2 · EMB · secure device access (L2.EMB.2.2.3, 2.2.2): a field node's uplink over TLS. The
 * program connects to the lab's broker over TLS, verifying the server against the lab's CA, and
 * logs in with the password; then connects again with the client certificate the lab issued
 * (mutual TLS, no password) and goes on publishing. Mid-task the lab announces a "backup broker"
 * (retained notice); it is an impostor whose certificate comes from another CA with the same
 * name. A client that verifies refuses it: it sends it nothing, reports the refusal and stays on
 * the primary. The impostor's evidence (protocols/tls/impostor.ts) shows each handshake and every
 * packet a client sent it, so the grade comes from what reached it, not from what a program says.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-tls.test.ts):
 * - "verify the server against the lab's CA; send a server that fails nothing": the impostor is
 *   announced at a seeded time; a client with verification off (mistake `no-verify`) sends it its
 *   CONNECT and uplinks, so the critical check `refused` fails and the task is capped.
 * - "then log in with the client certificate, no password": a program that stays on the password
 *   login (mistake `password-only`) loses `mtls` (25).
 * - "every uplink over TLS": the first phase over plain MQTT (mistake `plain`) loses
 *   `tls-password` (20) and the uplinks of that phase.
 * - "try the backup when told; report the refusal": a program that ignores the notice (mistake
 *   `ignore-failover`) never meets the impostor: `refused` and `alert` are lost (capped).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent } from '../../grader/types.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { payloadJson, ref } from '../../grader/checks/mqtt.js';
import type { LabPlan } from '../../simulator/plan.js';
import { Rng } from '../../core/rng.js';

export type TlsParams = {
  node: string;
  password: string;
  periodS: number;
  failoverAt: number;
  withinS: number;
};
type Ctx = GradeContext<TlsParams>;

/** Uplinks the password phase and the certificate phase each need. */
const PHASE_UPLINKS = 3;

const topics = (plan: LabPlan, node: string) => ({
  up: `${plan.topicPrefix}/secure/${node}/up`,
  alert: `${plan.topicPrefix}/secure/${node}/alert`,
  notice: `${plan.topicPrefix}/secure/${node}/failover`,
});

interface Connection {
  peer: string;
  t: number;
  tls: boolean;
  auth: 'password' | 'certificate';
}

/** The client's accepted connections by peer, each with its transport and how it logged in. */
function connections(ctx: Ctx): Map<string, Connection> {
  const out = new Map<string, Connection>();
  const tlsPeers = new Set<string>();
  for (const e of ctx.events) {
    if (e.kind === 'tls.handshake' && e.ok === true && typeof e.peer === 'string')
      tlsPeers.add(e.peer);
    if (e.kind !== 'mqtt.connect' || e.accepted !== true || typeof e.peer !== 'string') continue;
    out.set(e.peer, {
      peer: e.peer,
      t: e.t,
      tls: tlsPeers.has(e.peer),
      auth: e.auth === 'client-certificate' ? 'certificate' : 'password',
    });
  }
  return out;
}

/** The uplinks (JSON with a numeric seq on the uplink topic) and the connection each came by. */
function uplinks(ctx: Ctx): { e: MqttPublishEvent; c: Connection | undefined }[] {
  const conns = connections(ctx);
  const want = topics(ctx.plan, ctx.params.node).up;
  return ctx
    .clientPublishes()
    .filter((p) => p.topic === want && !p.denied)
    .filter((p) => typeof (payloadJson(p) as { seq?: unknown } | undefined)?.seq === 'number')
    .map((e) => ({ e, c: typeof e.peer === 'string' ? conns.get(e.peer) : undefined }));
}

const noticeAt = (ctx: Ctx) => ctx.start + ctx.params.failoverAt * 1000;

/** The impostor's URL as the lab announced it (its evidence), and the events on it. */
function impostor(ctx: Ctx): {
  url: string | undefined;
  tls: EvidenceEvent[];
  data: EvidenceEvent[];
} {
  const listen = ctx.events.find((e) => e.kind === 'impostor.listen');
  return {
    url: typeof listen?.url === 'string' ? listen.url : undefined,
    tls: ctx.events.filter(
      (e) => e.kind === 'impostor.tls' && e.t >= noticeAt(ctx) && e.t <= ctx.end,
    ),
    data: ctx.events.filter((e) => e.kind === 'impostor.data' && e.t <= ctx.end),
  };
}

function phaseCheck(auth: Connection['auth']) {
  return (ctx: Ctx): CheckOutcome => {
    const all = uplinks(ctx);
    const mine = all.filter((u) => u.c?.tls && u.c.auth === auth);
    const plain = all.filter((u) => u.c && !u.c.tls).length;
    const how =
      auth === 'password'
        ? { zh: '用户名和密码', en: 'username and password' }
        : { zh: '客户端证书（双向 TLS）', en: 'the client certificate (mutual TLS)' };
    return {
      score: Math.min(1, mine.length / PHASE_UPLINKS),
      expected: `at least ${PHASE_UPLINKS} uplinks over TLS from a connection logged in with ${how.en}`,
      seen: `${mine.length} such uplinks${plain ? `; ${plain} over plain MQTT (not counted)` : ''}; ${all.length} uplinks in all`,
      evidence: mine.slice(0, 3).map((u) => ref(u.e, u.c?.peer)),
      hint: {
        zh: `通过实验卡的 mqtt.tlsUrl 连接（校验实验 CA），以${how.zh}登录，发布至少 ${PHASE_UPLINKS} 条上行消息。`,
        en: `Connect to the card's mqtt.tlsUrl (verifying the lab CA), log in with ${how.en}, and publish at least ${PHASE_UPLINKS} uplinks.`,
      },
    };
  };
}

/**
 * An uplink over TLS in every period from the first one to the end: each gap between uplinks
 * (and from the last to the end) of about n periods, n ≥ 3, misses n − 2 of them (a gap under
 * 2.5 periods is jitter, a late uplink; a loaded machine or a reconnect makes them).
 */
function cadenceCheck(ctx: Ctx): CheckOutcome {
  const period = ctx.params.periodS * 1000;
  const last = ctx.end - ctx.params.withinS * 1000;
  const all = uplinks(ctx).filter((u) => u.e.t <= last);
  // The rhythm starts with the first uplink of any kind; only those over TLS keep it.
  const t0 = all[0]?.e.t;
  const times = all.filter((u) => u.c?.tls).map((u) => u.e.t);
  if (t0 === undefined || times.length === 0)
    return {
      score: 0,
      expected: `an uplink over TLS every ${ctx.params.periodS} s`,
      seen: 'no uplink over TLS',
      evidence: [],
    };
  const due = Math.max(1, Math.round((last - t0) / period));
  // The first uplink not over TLS is itself a miss.
  let missed = times[0] === t0 ? 0 : 1;
  const gaps: string[] = [];
  [t0, ...times, last].forEach((t, i, seq) => {
    if (i === 0) return;
    // A late uplink is no miss: only a gap of more than 2.5 periods loses the ones it skipped.
    const n = Math.round((t - seq[i - 1]!) / period) - 2;
    if (n <= 0) return;
    missed += n;
    gaps.push(
      `${((seq[i - 1]! - ctx.start) / 1000).toFixed(1)}–${((t - ctx.start) / 1000).toFixed(1)} s`,
    );
  });
  return {
    score: Math.max(0, 1 - missed / due),
    expected: `an uplink over TLS in each of the ${due} periods of ${ctx.params.periodS} s from the first one`,
    seen: `${missed} missed${gaps.length ? `: gaps ${gaps.slice(0, 3).join(', ')}` : ''}`,
    evidence: [],
  };
}

/** Met the impostor after its notice and sent it nothing: the critical check. */
function refusedCheck(ctx: Ctx): CheckOutcome {
  const imp = impostor(ctx);
  const sent = imp.data.filter((e) => e.type !== undefined);
  const what = sent
    .slice(0, 4)
    .map((e) =>
      e.type === 'connect'
        ? `CONNECT (client id ${JSON.stringify(e.clientId)}, username ${JSON.stringify(e.username ?? null)}, password ${e.password ? 'sent' : 'none'})`
        : e.type === 'publish'
          ? `PUBLISH to ${String(e.topic)}`
          : String(e.type).toUpperCase(),
    );
  const failed = imp.tls.filter((e) => e.ok === false);
  const closed = imp.tls.filter((e) => e.ok === true);
  const met = imp.tls.length > 0;
  const score = met && sent.length === 0 ? 1 : 0;
  return {
    score,
    expected: `a TLS connection to the backup ${imp.url ?? '(not announced)'} after its notice, refused: not one MQTT packet sent to it`,
    seen:
      sent.length > 0
        ? `the impostor received ${sent.length} packets: ${what.join('; ')}`
        : !met
          ? 'no connection to the backup after its notice'
          : `refused: ${[
              ...failed.map(
                (e) =>
                  `handshake failed${typeof e.alert === 'string' ? ` (alert ${e.alert})` : ''}`,
              ),
              ...closed.map(() => 'handshake completed, then closed with nothing sent'),
            ]
              .slice(0, 3)
              .join('; ')}`,
    evidence: [...sent.slice(0, 3), ...imp.tls.slice(0, 2)].map((e) => ref(e, String(e.kind))),
    hint: {
      zh: '收到切换通知后，按通知连接备用服务器，并用实验 CA 校验它的证书；校验失败就不发送任何数据，留在主服务器上。',
      en: 'When the notice comes, connect to the backup it names and verify its certificate against the lab CA; if that fails, send it nothing and stay on the primary.',
    },
  };
}

/** The refusal reported on the alert topic within N s of the notice, naming the backup. */
function alertCheck(ctx: Ctx): CheckOutcome {
  const imp = impostor(ctx);
  const want = topics(ctx.plan, ctx.params.node).alert;
  const from = noticeAt(ctx);
  const to = from + ctx.params.withinS * 1000;
  const alerts = ctx.clientPublishes().filter((p) => p.topic === want && !p.denied);
  const good = alerts.find((p) => {
    const j = payloadJson(p) as { refused?: unknown } | undefined;
    return p.t >= from && p.t <= to && imp.url !== undefined && j?.refused === imp.url;
  });
  return {
    score: good ? 1 : 0,
    expected: `{"refused": "${imp.url ?? '?'}", …} on ${want} within ${ctx.params.withinS} s of the notice`,
    seen: good
      ? `at lab second ${((good.t - ctx.start) / 1000).toFixed(1)}`
      : alerts.length
        ? `${alerts.length} alerts, none right: ${alerts
            .slice(0, 2)
            .map(
              (a) =>
                `${JSON.stringify(payloadJson(a) ?? null)} at ${((a.t - ctx.start) / 1000).toFixed(1)} s`,
            )
            .join('; ')}`
        : 'no alert',
    evidence: (good ? [good] : alerts.slice(0, 2)).map((p) => ref(p)),
  };
}

export const tlsUplink = defineTask<TlsParams>({
  id: 'l2-emb-tls',
  title: {
    zh: '设备安全接入：TLS、双向 TLS 与冒充的备用服务器',
    en: 'Secure device access: TLS, mutual TLS and an impostor backup broker',
  },
  level: 'L2',
  direction: 'EMB',
  skills: ['L2.EMB.2.2.3', 'L2.EMB.2.2.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-emb-tls');
    const hex = (n: number) =>
      Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
    return {
      node: `node-${hex(4)}`,
      password: hex(12),
      periodS: 2,
      failoverAt: rng.int(30, 40),
      withinS: 3,
    };
  },

  scenario(p) {
    return {
      name: 'task_l2_emb_tls',
      title: { zh: '安全上行链路', en: 'Secure uplink' },
      mqtt: { username: p.node, password: p.password },
      tls: { impostor: { at: p.failoverAt, notice: `secure/${p.node}/failover` } },
      // The primary broker's own traffic beside the node's: a sensor on the same broker.
      devices: [
        {
          name: 'sensor',
          kind: 'digital',
          title: { zh: '机房温度传感器', en: 'Equipment-room temperature sensor' },
          channels: [
            {
              quantity: 'temperature',
              unit: '°C',
              range: [-20, 60],
              resolution: 0.1,
              profile: { base: 24, vary: 2, amplitude: 1, periodS: 60, noise: 0.05 },
            },
          ],
          mqtt: { period: 5, qos: 0 },
        },
      ],
    };
  },

  vars(p, plan) {
    const t = topics(plan, p.node);
    return {
      node: p.node,
      upTopic: t.up,
      alertTopic: t.alert,
      noticeTopic: t.notice,
      periodS: p.periodS,
      phaseUplinks: PHASE_UPLINKS,
      withinS: p.withinS,
    };
  },

  checks: [
    {
      id: 'tls-password',
      skill: 'L2.EMB.2.2.3',
      points: 20,
      title: { zh: 'TLS 连接并以密码登录', en: 'Over TLS, logged in by password' },
      run: phaseCheck('password'),
    },
    {
      id: 'mtls',
      skill: 'L2.EMB.2.2.2',
      points: 25,
      title: {
        zh: '以客户端证书登录（双向 TLS）',
        en: 'Logged in by client certificate (mutual TLS)',
      },
      run: phaseCheck('certificate'),
    },
    {
      id: 'uplink',
      skill: 'L2.EMB.2.2.3',
      points: 15,
      title: { zh: '上行消息不间断（均经 TLS）', en: 'Uplinks without a gap, all over TLS' },
      run: cadenceCheck,
    },
    {
      id: 'refused',
      skill: 'L2.EMB.2.2.3',
      points: 30,
      critical: true,
      title: {
        zh: '拒绝证书不可信的备用服务器，未向其发送任何数据',
        en: 'The untrusted backup refused, sent nothing',
      },
      run: refusedCheck,
    },
    {
      id: 'alert',
      skill: 'L2.EMB.2.2.3',
      points: 10,
      title: { zh: '报告拒绝连接', en: 'The refusal reported' },
      run: alertCheck,
    },
  ],
});
