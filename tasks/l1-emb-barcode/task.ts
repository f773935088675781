/**
 * L1 · EMB · barcode acquisition: read the EAN-13 scans a serial scanner prints (one line per
 * scan, text + suffix), verify each check digit (GS1 §7.9.1), and publish every scan with its
 * verdict as MQTT JSON within a deadline. Misprinted labels are read like any other: the
 * candidate's program must reject them itself (docs/protocols/barcode-scanner.md).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-emb-serial.test.ts):
 * - "skip a line that is not 13 digits": three noise lines in the graded window (noiseAt,
 *   +13 s, +26 s): the tail of a product code, a code with a damaged character (13 characters,
 *   not all digits), another tail. A program that reports them (solution mistake
 *   `no-length-check`) loses the payload check pro rata (15 × 3 / messages);
 * - the check digit: misprints (invalidRatio 0.3) and valid codes on every seed (mistake
 *   `no-check`: rejected 30 lost);
 * - report every scan within withinS: every scan in the window (reported check).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent } from '../../grader/types.js';
import {
  payloadJson,
  publishedCheck,
  publishesOn,
  ref,
  schemaCheck,
  someRefs,
} from '../../grader/checks/mqtt.js';
import { serialModel } from '../../grader/checks/serial.js';
import { Rng } from '../../core/rng.js';

const SUFFIXES = ['CR', 'LF', 'CRLF'] as const;
const SUFFIX_HEX = { CR: '0D', LF: '0A', CRLF: '0D 0A' } as const;
const TIME_LIMIT_S = 60;
const MIN_MESSAGES = 5;
const GRACE_S = 5;

export type BarcodeParams = {
  suffix: (typeof SUFFIXES)[number];
  topicLeaf: string;
  withinS: number;
  meanIntervalS: number;
  /** When the first noise line is sent, s (then +13 s and +26 s). */
  noiseAt: number;
};
type Ctx = GradeContext<BarcodeParams>;

interface ScanTruth {
  t: number;
  text: string;
  valid: boolean;
  delivered: boolean;
}

const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.plan.serial[0]!.id}`;

/**
 * Delivered scans a candidate can be held to: after a grace period for the program to connect
 * (the line records no connection, so a scan before it cannot be told from a missed one), and at
 * least withinS before the deadline.
 */
function dueScans(ctx: Ctx): ScanTruth[] {
  const scans = serialModel(ctx, 'scanner').truth(ctx.end).scans as ScanTruth[];
  const within = ctx.params.withinS * 1000;
  return scans.filter(
    (s) => s.delivered && s.t >= ctx.start + GRACE_S * 1000 && s.t <= ctx.end - within,
  );
}

/** The first message reporting this scan's code within withinS of it, with its `valid`. */
function reportOf(ctx: Ctx, s: ScanTruth): { e: MqttPublishEvent; valid: unknown } | undefined {
  const within = ctx.params.withinS * 1000;
  for (const e of publishesOn(ctx, topic(ctx))) {
    if (e.t < s.t || e.t > s.t + within) continue;
    const j = payloadJson(e) as { code?: unknown; valid?: unknown } | undefined;
    if (j && typeof j === 'object' && j.code === s.text) return { e, valid: j.valid };
  }
  return undefined;
}

/**
 * 'any': share of the due scans reported in time. 'valid' / 'invalid': of the due scans of that
 * kind that were reported, the share with the right verdict (a scan not reported at all is the
 * 'any' check's loss, not this one's).
 */
function verdictCheck(kind: 'any' | 'valid' | 'invalid') {
  return (ctx: Ctx): CheckOutcome => {
    const due = dueScans(ctx).filter((s) => kind === 'any' || s.valid === (kind === 'valid'));
    const missed: { s: ScanTruth; why: string; e?: MqttPublishEvent }[] = [];
    const hits: MqttPublishEvent[] = [];
    let counted = 0;
    for (const s of due) {
      const r = reportOf(ctx, s);
      if (!r) {
        if (kind === 'any')
          missed.push({ s, why: `scan ${s.text} at ${(s.t / 1000).toFixed(1)} s not reported` });
        continue;
      }
      counted += 1;
      if (kind !== 'any' && r.valid !== s.valid)
        missed.push({ s, e: r.e, why: `${s.text} reported valid=${JSON.stringify(r.valid)}` });
      else hits.push(r.e);
    }
    const what = kind === 'any' ? 'scans' : kind === 'valid' ? 'valid codes' : 'misprinted codes';
    const share = counted === 0 ? 0 : hits.length / (kind === 'any' ? due.length : counted);
    const hint =
      kind === 'invalid'
        ? {
            zh: '校验位错误的条码被当作有效码上报了：按 GS1 规则（权重 1,3,1,3…，校验位 = (10 − 和 mod 10) mod 10）自行校验，扫描器不会校验。',
            en: 'Misprinted codes were reported valid: check the digit yourself (weights 1,3,1,3…, check = (10 − sum mod 10) mod 10); the scanner does not.',
          }
        : kind === 'valid'
          ? {
              zh: '有效的条码被判为无效：检查校验位算法（从左起权重 1,3,1,3…，共 12 位）。',
              en: 'Valid codes were rejected: check the algorithm (weights 1,3,1,3… from the left, 12 digits).',
            }
          : {
              zh: `有扫描未在 ${ctx.params.withinS} 秒内上报：按后缀切分每一行，读到一行就立即发布，不要丢弃或合并。`,
              en: `Some scans were not reported within ${ctx.params.withinS} s: cut lines at the suffix and publish each at once.`,
            };
    const from = ctx.start / 1000 + GRACE_S;
    const to = ctx.end / 1000 - ctx.params.withinS;
    return {
      score: share,
      expected:
        kind === 'any'
          ? `every scan read between ${from.toFixed(0)} s and ${to.toFixed(0)} s reported on ${topic(ctx)} within ${ctx.params.withinS} s`
          : `every ${what.replace(/s$/, '')} reported with valid=${kind === 'valid'}`,
      seen:
        due.length === 0
          ? `no ${what} were read in the graded time (the run cannot show this)`
          : kind !== 'any' && counted === 0
            ? `none of the ${due.length} ${what} was reported`
            : `${hits.length} of ${kind === 'any' ? due.length : counted} ${kind === 'any' ? what : `reported ${what}`} right${missed[0] ? `; e.g. ${missed[0].why}` : ''}`,
      evidence:
        missed.length > 0
          ? missed
              .slice(0, 5)
              .map((m) => (m.e ? ref(m.e, m.why) : { seq: -1, t: m.s.t, note: m.why }))
          : someRefs(hits),
      ...(missed.length > 0 ? { hint } : {}),
    };
  };
}

export const barcodeAcquisition = defineTask<BarcodeParams>({
  id: 'l1-emb-barcode',
  title: { zh: '条码扫描数据采集与校验', en: 'Barcode acquisition and check-digit validation' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.2.1', 'L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-barcode');
    return {
      suffix: rng.pick(SUFFIXES),
      topicLeaf: rng.pick(['scan', 'codes', 'barcode', 'goods']),
      withinS: rng.pick([2, 3]),
      meanIntervalS: rng.pick([3, 4]),
      noiseAt: rng.int(8, 14),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_barcode',
    title: { zh: '条码采集', en: 'Barcode acquisition' },
    devices: [],
    serial: [
      {
        name: 'scanner',
        kind: 'barcode_scanner',
        title: { zh: '扫码模组', en: 'Barcode scanner' },
        suffix: p.suffix,
        symbologies: ['ean13'],
        meanIntervalS: p.meanIntervalS,
        invalidRatio: 0.3,
        noise: [
          { at: p.noiseAt, kind: 'cut' as const },
          { at: p.noiseAt + 13, kind: 'garbled' as const },
          { at: p.noiseAt + 26, kind: 'cut' as const },
        ],
      },
    ],
  }),

  vars: (p, plan) => {
    const d = plan.serial[0]!;
    return {
      deviceId: d.id,
      envName: `IOTLAB_SERIAL_${d.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      suffix: p.suffix,
      suffixHex: SUFFIX_HEX[p.suffix],
      baud: d.settings.baudRate,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      withinS: p.withinS,
      meanIntervalS: p.meanIntervalS,
      minMessages: MIN_MESSAGES,
      graceS: GRACE_S,
    };
  },

  checks: [
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布扫描结果', en: 'Publish scans on the topic' },
      run: publishedCheck<BarcodeParams>({ topic, minCount: MIN_MESSAGES }),
    },
    {
      id: 'payload',
      skill: 'L1.EMB.2.2.1',
      points: 15,
      title: { zh: 'JSON 消息格式', en: 'JSON payload format' },
      run: schemaCheck<BarcodeParams>({
        topic,
        schema: () => ({
          type: 'object',
          required: ['code', 'valid'],
          properties: {
            code: { type: 'string', pattern: '^[0-9]{13}$' },
            valid: { type: 'boolean' },
          },
        }),
      }),
    },
    {
      id: 'reported',
      skill: 'L1.EMB.1.2.1',
      points: 25,
      title: { zh: '每次扫描都及时上报', en: 'Every scan reported in time' },
      run: verdictCheck('any'),
    },
    {
      id: 'accepted',
      skill: 'L1.EMB.1.2.1',
      points: 20,
      critical: 0.5,
      title: { zh: '有效条码判为有效', en: 'Valid codes accepted' },
      run: verdictCheck('valid'),
    },
    {
      id: 'rejected',
      skill: 'L1.EMB.1.2.1',
      points: 30,
      critical: 0.5,
      title: { zh: '校验位错误的条码被拒绝', en: 'Misprinted codes rejected' },
      run: verdictCheck('invalid'),
    },
  ],
});
