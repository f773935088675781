/**
 * L1 · EMB · satellite positioning: parse the NMEA 0183 a GNSS receiver prints (checksums
 * verified, ddmm.mmmm converted, hemispheres signed), and publish position reports as MQTT JSON
 * at a fixed period. Graded against the receiver's truth at the message time, allowing a lag.
 * The route's centre is drawn from four cities, each south or west of 0°, so a hemisphere's sign
 * always matters.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-emb-serial.test.ts):
 * - "discard every sentence whose checksum is wrong or missing": in every second with a fix the
 *   receiver sends a GGA moved GARBLE_M away with a wrong checksum (every MISSING_EVERY-th with
 *   none), about a third of the time instead of the right GGA, otherwise right after it. A
 *   program that ignores checksums reports those positions and loses the position check (40;
 *   solution mistake `no-checksum`; the hint names the checksum);
 * - ddmm.mmmm → degrees: every position (mistake `no-convert`, position 40 lost);
 * - negative for S and W: every origin (Cape Town, Sydney, São Paulo, New York) is south or
 *   west of 0° (mistake `no-sign`, position 40 lost);
 * - lat/lon null without a fix: the noFix window, on every seed (status check).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext, I18n, MqttPublishEvent } from '../../grader/types.js';
import {
  payloadJson,
  periodCheck,
  publishedCheck,
  publishesOn,
  ref,
  schemaCheck,
  someRefs,
} from '../../grader/checks/mqtt.js';
import { serialModel } from '../../grader/checks/serial.js';
import { Rng } from '../../core/rng.js';

/** Every centre is south or west of 0°, so the hemisphere's sign matters on every seed. */
const ORIGINS = [
  { lat: -33.9249, lon: 18.4241 },
  { lat: -33.8688, lon: 151.2093 },
  { lat: -23.5505, lon: -46.6333 },
  { lat: 40.7128, lon: -74.006 },
] as const;
const TIME_LIMIT_S = 60;
const TOLERANCE_DEG = 0.0001;
const MAX_AGE_S = 3;
const STEP_MS = 250;
/** How far the garbled GGA copies put the receiver (well beyond the tolerance), and how often one has no checksum. */
const GARBLE_M = 3000;
const MISSING_EVERY = 4;

export type GnssParams = { origin: number; periodS: number; topicLeaf: string; noFixAt: number };
type Ctx = GradeContext<GnssParams>;

interface Fix {
  fix: boolean;
  lat: number | null;
  lon: number | null;
  satellitesUsed: number;
  /** The garbled GGA copy's position at that tick (bad checksum), if one was sent. */
  garbled: { lat: number; lon: number } | null;
}

const topic = (ctx: Ctx) =>
  `${ctx.plan.topicPrefix}/${ctx.params.topicLeaf}/${ctx.plan.serial[0]!.id}`;
const minMessages = (p: GnssParams) => Math.floor((TIME_LIMIT_S / p.periodS) * 0.6);

/** The receiver's state at each sample of the lag window before a message. */
function window(ctx: Ctx, t: number): Fix[] {
  const gnss = serialModel(ctx, 'gnss');
  const out: Fix[] = [];
  for (let age = 0; age <= MAX_AGE_S * 1000; age += STEP_MS)
    out.push(gnss.truth(Math.max(0, t - age)) as unknown as Fix);
  return out;
}

function fields(e: MqttPublishEvent): Record<string, unknown> {
  const j = payloadJson(e);
  return typeof j === 'object' && j !== null ? (j as Record<string, unknown>) : {};
}

const near = (a: unknown, b: number | null) =>
  typeof a === 'number' && b !== null && Math.abs(a - b) <= TOLERANCE_DEG + 1e-12;

type Mistake = 'unconverted' | 'sign' | 'checksum';
const HINTS: Record<Mistake, I18n> = {
  checksum: {
    zh: '上报的位置来自校验和错误或缺失的 GGA 语句：先校验（`$` 与 `*` 之间字符的异或），不对就丢弃。',
    en: 'Positions were taken from GGA sentences whose checksum is wrong or missing: verify it (XOR between `$` and `*`) and drop those.',
  },
  unconverted: {
    zh: '经纬度没有从 ddmm.mmmm 换算成十进制度：度 + 分 ÷ 60（例如 3113.5928 → 31.2265467）。',
    en: 'Latitude/longitude not converted from ddmm.mmmm: degrees + minutes ÷ 60 (3113.5928 → 31.2265467).',
  },
  sign: {
    zh: '忽略了半球：南纬（S）和西经（W）要取负号。',
    en: 'Hemisphere ignored: S latitudes and W longitudes are negative.',
  },
};

/** ddmm.mmmm read as if it were degrees: the typical unconverted value. */
const asDdmm = (deg: number) => {
  const a = Math.abs(deg);
  const d = Math.floor(a);
  return (Math.sign(deg) * (d * 100 + (a - d) * 60)) / 100;
};

function diagnose(lat: unknown, lon: unknown, w: Fix[]): Mistake | undefined {
  if (typeof lat !== 'number' || typeof lon !== 'number') return undefined;
  const any = (f: (x: Fix) => boolean) => w.some((x) => x.fix && f(x));
  if (any((x) => x.garbled !== null && near(lat, x.garbled.lat) && near(lon, x.garbled.lon)))
    return 'checksum';
  if (
    any((x) => Math.abs(Math.abs(lat) - Math.abs(asDdmm(x.lat!))) < 0.001) ||
    any((x) => Math.abs(Math.abs(lat) / 100 - Math.abs(asDdmm(x.lat!))) < 0.001)
  )
    return 'unconverted';
  if (any((x) => near(Math.abs(lat), Math.abs(x.lat!)) && near(Math.abs(lon), Math.abs(x.lon!))))
    return 'sign';
  return undefined;
}

/** lat/lon within tolerance of a sample of the lag window, over messages sent with a fix. */
function positionCheck(ctx: Ctx): CheckOutcome {
  const got = publishesOn(ctx, topic(ctx));
  let ok = 0;
  let counted = 0;
  const wrong: { e: MqttPublishEvent; why: string; mistake?: Mistake }[] = [];
  for (const e of got) {
    const w = window(ctx, e.t);
    if (!w.every((x) => x.fix)) continue; // a fix lost or gained: the status check judges it
    counted += 1;
    const { lat, lon } = fields(e);
    if (w.some((x) => near(lat, x.lat) && near(lon, x.lon))) ok += 1;
    else {
      const mistake = diagnose(lat, lon, w);
      wrong.push({
        e,
        why: `reported ${JSON.stringify(lat)}, ${JSON.stringify(lon)}; receiver at ${w[0]!.lat?.toFixed(6)}, ${w[0]!.lon?.toFixed(6)}`,
        ...(mistake ? { mistake } : {}),
      });
    }
  }
  const share = counted === 0 ? 0 : ok / counted;
  const top = wrong.find((x) => x.mistake)?.mistake;
  return {
    score: share >= 0.9 ? 1 : share / 0.9,
    expected: `lat/lon within ±${TOLERANCE_DEG}° of the receiver's position (lag ≤ ${MAX_AGE_S} s) in at least 90% of the messages sent with a fix`,
    seen:
      counted === 0
        ? 'no messages sent while the receiver had a fix'
        : `${ok} of ${counted} right${wrong[0] ? `; e.g. seq ${wrong[0].e.seq}: ${wrong[0].why}` : ''}`,
    evidence: wrong.length > 0 ? wrong.slice(0, 5).map((w) => ref(w.e, w.why)) : someRefs(got),
    ...(share < 0.9 && wrong.length > 0
      ? {
          hint: top
            ? HINTS[top]
            : {
                zh: `位置与接收机不符（允许误差 ±${TOLERANCE_DEG}°）：检查经纬度字段、换算和半球符号，并丢弃校验和错误的语句。`,
                en: `Positions do not match (±${TOLERANCE_DEG}°): check the fields, the conversion, the hemisphere signs, and drop bad-checksum sentences.`,
              },
        }
      : {}),
  };
}

/** fix (0/1) and sats equal the receiver's at a sample of the lag window; no position without a fix. */
function statusCheck(ctx: Ctx): CheckOutcome {
  const got = publishesOn(ctx, topic(ctx));
  const wrong: { e: MqttPublishEvent; why: string }[] = [];
  for (const e of got) {
    const { fix, sats, lat, lon } = fields(e);
    const w = window(ctx, e.t);
    const right = w.some(
      (x) =>
        fix === (x.fix ? 1 : 0) &&
        sats === x.satellitesUsed &&
        (x.fix || (lat === null && lon === null)),
    );
    if (!right)
      wrong.push({
        e,
        why: `reported fix ${JSON.stringify(fix)}, sats ${JSON.stringify(sats)}; receiver had fix ${w[0]!.fix ? 1 : 0}, ${w[0]!.satellitesUsed} satellites`,
      });
  }
  const ok = got.length - wrong.length;
  const share = got.length === 0 ? 0 : ok / got.length;
  return {
    score: share >= 0.9 ? 1 : share / 0.9,
    expected: `fix and sats equal to the receiver's (lag ≤ ${MAX_AGE_S} s), lat/lon null without a fix, in at least 90% of messages`,
    seen:
      got.length === 0
        ? 'no messages'
        : `${ok} of ${got.length} right${wrong[0] ? `; e.g. seq ${wrong[0].e.seq}: ${wrong[0].why}` : ''}`,
    evidence: wrong.length > 0 ? wrong.slice(0, 5).map((w) => ref(w.e, w.why)) : someRefs(got),
    ...(share < 0.9 && wrong.length > 0
      ? {
          hint: {
            zh: 'fix 取 GGA 第 6 个字段（定位质量），sats 取第 7 个字段（使用卫星数）；无定位时 lat、lon 发 null，不要当成 0。',
            en: 'fix is GGA field 6 (quality) and sats field 7 (satellites used); without a fix send lat and lon as null, never 0.',
          },
        }
      : {}),
  };
}

export const gnssPositioning = defineTask<GnssParams>({
  id: 'l1-emb-gnss',
  title: { zh: '卫星定位数据采集与上报', en: 'Satellite positioning (NMEA) and reporting' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.3.1', 'L1.EMB.2.2.1', 'L1.EMB.2.2.2'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-gnss');
    return {
      origin: rng.int(0, ORIGINS.length - 1),
      periodS: rng.pick([2, 3]),
      topicLeaf: rng.pick(['position', 'gps', 'track', 'location']),
      noFixAt: rng.int(20, 35),
    };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_gnss',
    title: { zh: '卫星定位', en: 'Satellite positioning' },
    devices: [],
    serial: [
      {
        name: 'gnss',
        kind: 'gnss',
        title: { zh: 'GNSS 定位模块', en: 'GNSS receiver' },
        // 115200 baud, as many modules ship: a garbled copy follows its GGA within about 7 ms.
        serial: { baudRate: 115200 },
        rateHz: 1,
        origin: { ...ORIGINS[p.origin]! },
        noFix: [{ at: p.noFixAt, duration: 8 }],
        badChecksumRatio: 0.05,
        truncatedRatio: 0.05,
        garbledGga: { offsetM: GARBLE_M, missingEvery: MISSING_EVERY },
      },
    ],
  }),

  vars: (p, plan) => {
    const d = plan.serial[0]!;
    return {
      deviceId: d.id,
      envName: `IOTLAB_SERIAL_${d.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      baud: d.settings.baudRate,
      topic: `${plan.topicPrefix}/${p.topicLeaf}/${d.id}`,
      periodS: p.periodS,
      jitterS: 0.5,
      tolerance: TOLERANCE_DEG,
      maxAgeS: MAX_AGE_S,
      minMessages: minMessages(p),
      badPercent: 20,
    };
  },

  checks: [
    {
      id: 'published',
      skill: 'L1.EMB.2.2.2',
      points: 10,
      title: { zh: '按主题发布位置', en: 'Publish positions on the topic' },
      run: (ctx) => publishedCheck<GnssParams>({ topic, minCount: minMessages(ctx.params) })(ctx),
    },
    {
      id: 'payload',
      skill: 'L1.EMB.2.2.1',
      points: 10,
      title: { zh: 'JSON 消息格式', en: 'JSON payload format' },
      run: schemaCheck<GnssParams>({
        topic,
        schema: () => ({
          type: 'object',
          required: ['lat', 'lon', 'fix', 'sats'],
          properties: {
            lat: { type: ['number', 'null'] },
            lon: { type: ['number', 'null'] },
            fix: { type: 'integer' },
            sats: { type: 'integer' },
          },
        }),
      }),
    },
    {
      id: 'position',
      skill: 'L1.EMB.1.3.1',
      points: 40,
      // A wrong value must not pass (issue 18.1): at least half the value points, or the task is capped.
      critical: 0.5,
      title: { zh: '经纬度换算正确', en: 'Correct latitude and longitude' },
      run: positionCheck,
    },
    {
      id: 'status',
      skill: 'L1.EMB.1.3.1',
      points: 25,
      title: { zh: '定位质量与卫星数', en: 'Fix quality and satellites' },
      run: statusCheck,
    },
    {
      id: 'period',
      skill: 'L1.EMB.2.2.2',
      points: 15,
      title: { zh: '按周期发布', en: 'Publish on the period' },
      run: periodCheck<GnssParams>({ topic, periodS: (c) => c.params.periodS, jitterS: 0.5 }),
    },
  ],
});
