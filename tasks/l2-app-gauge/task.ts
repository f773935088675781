/**
 * L2 · APP · a custom visual component on a two-level page (L2.APP.1.4.1 可视化多层次设计,
 * L2.APP.1.4.2 自定义可视化组件开发): the candidate hands in a desktop web page (static files) built
 * around a visual component of their own, a custom element (e.g. `<iot-gauge>`, Web Components,
 * no framework needed) reused for three sensors of a plant room: an overview level with one
 * instance per device, and a detail level, opened by clicking a device's instance, whose
 * instance shows that device. The runner opens the page in a headless desktop browser, clicks
 * through the levels and reads each instance through its stated data attributes, never its
 * pixels (grader/checks/ui-gauge.ts): `data-device`, `data-value` (the number shown), `data-unit`,
 * `data-zone` (normal / warn / alarm by the device's own thresholds) and `data-min` / `data-max`
 * (the scale). The values are compared with what each device published, the zones with the
 * stated thresholds played over the same samples.
 *
 * The lab's timeline, the same on every seed (the normal levels are seeded, well inside each
 * device's normal zone): the temperature goes into its warn zone at 14 s and into its alarm zone
 * at 21 s and is back to normal from 28 s; humidity and CO₂ stay normal. The script reads the
 * overview at 10, 12.5, 18.2, 19 and 25.5 s, clicks the temperature's instance at 25.7 s (its
 * detail read at 26.5 s, in the alarm zone), goes back, reads the overview at 32.5 s, opens humidity
 * and then CO₂ (a detail reading each), and reads the overview once more at 39.5 s. A zone is
 * judged at a reading only when every sample from the last one before the stated time up to the
 * reading was in it: each planted reading is 4 s or more after its zone began (samples come every
 * second, at any phase) and 1.5 s or more before it ends, so that a busy machine's late reading is
 * still judged (a full test run on two cores once read at 20 s more than a second late, past the
 * warn zone's end).
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-gauge-app.test.ts;
 * an app task has no program, its mistakes are app variants of the reference):
 * - "each instance shows the value its device published" (within one resolution step):
 *   gauge-values is critical, so a page showing whole numbers (mistake `rounded`,
 *   ROUND = true) cannot pass (59);
 * - "zones by each device's own thresholds": the thresholds differ per device and each device's
 *   normal level is above the temperature's alarm threshold or below another device's warn one,
 *   so a component with one set of thresholds (mistake `fixed-thresholds`, the temperature's for
 *   every device: OWN_THRESHOLDS = false) shows humidity and CO₂ in alarm and loses zone-normal
 *   (90);
 * - "three zones": the temperature is in its warn zone 14–21 s, read twice, so a gauge of two
 *   zones (mistake `no-warn`, normal below the alarm threshold: WARN_ZONE = false) loses
 *   zone-warn (90); its alarm zone 21–28 s, read on both levels, is zone-alarm's case;
 * - "the detail level shows the device clicked": three devices are opened in turn, so a detail
 *   view that always shows the first device (mistake `detail-first`, FOLLOW_CLICK = false) loses
 *   detail (85);
 * - "each device's own unit": the units differ (°C, %RH, ppm), so one unit for all loses
 *   gauge-units (90; graded from the reference's evidence changed in memory, as are the next);
 * - "the scale is the device's range from the card": the ranges differ (0–50, 0–100, 0–5000), so
 *   a fixed 0–100 scale loses gauge-scale (95);
 * - "one custom element reused": an instance that is a built-in element (a `<div>`) loses its
 *   share of component (90 when every instance is);
 * - "one instance per device on the overview": every overview reading reads all three.
 * A blank page scores 0.
 */
import { defineTask } from '../../grader/types.js';
import type { AppScript, UiStep } from '../../grader/types.js';
import {
  GAUGE_ATTRS,
  componentCheck,
  detailCheck,
  gaugeAttrCheck,
  gaugeValueCheck,
  gaugeZoneCheck,
  overviewCheck,
} from '../../grader/checks/ui-gauge.js';
import type { GaugeDevice, GaugeSpec } from '../../grader/checks/ui-gauge.js';
import { Rng } from '../../core/rng.js';

/**
 * The three devices, by scenario name: unit, scale (the card's range), resolution and the stated
 * thresholds (warn from `warn`, alarm from `alarm`), fixed so that one page works on every seed.
 */
export const DEVICES = [
  {
    name: 'temp',
    quantity: 'temperature',
    unit: '°C',
    aliases: ['℃'],
    min: 0,
    max: 50,
    warn: 28,
    alarm: 32,
    tolerance: 0.1,
    zh: '机房温度',
    en: 'room temperature',
  },
  {
    name: 'hum',
    quantity: 'humidity',
    unit: '%RH',
    min: 0,
    max: 100,
    warn: 70,
    alarm: 85,
    tolerance: 0.1,
    zh: '机房湿度',
    en: 'room humidity',
  },
  {
    name: 'co2',
    quantity: 'co2',
    unit: 'ppm',
    min: 0,
    max: 5000,
    warn: 1000,
    alarm: 1500,
    tolerance: 1,
    zh: '二氧化碳浓度',
    en: 'CO₂ concentration',
  },
] as const satisfies readonly (GaugeDevice & { zh: string; en: string })[];

/** How soon the page must show what changed, and the detail level a click opened (s). */
export const WITHIN_S = 3;
/** Seconds the page has to load and connect before the first reading. */
export const LOAD_S = 10;

/** The selector contract the instructions state. */
export const TESTIDS = {
  gauge: (name: string) => `gauge-${name}`,
  detail: 'detail-gauge',
  back: 'back',
} as const;

/** The temperature's warn and alarm levels (°C) and when (s after lab start). */
const WARN = { at: 14, duration: 7, value: 30 };
const ALARM = { at: 21, duration: 7, value: 35 };

const OVERVIEW = DEVICES.map((d) => TESTIDS.gauge(d.name));

export function gaugeScript(): AppScript {
  const s = (at: number, step: Omit<UiStep, 'at'>): UiStep =>
    ({ at: at * 1000, ...step }) as UiStep;
  const overview = (at: number) => s(at, { read: OVERVIEW, attrs: [...GAUGE_ATTRS] });
  const detail = (at: number) => s(at, { read: [TESTIDS.detail], attrs: [...GAUGE_ATTRS] });
  const steps: UiStep[] = [
    overview(LOAD_S),
    s(LOAD_S + 0.5, { screenshot: 'overview' }),
    overview(12.5),
    overview(18.2),
    s(18.6, { screenshot: 'overview-warn' }),
    overview(19),
    overview(25.5),
    s(25.7, { tap: TESTIDS.gauge('temp') }),
    detail(26.5),
    s(26.8, { screenshot: 'detail-alarm' }),
    s(27.1, { tap: TESTIDS.back }),
    overview(32.5),
    s(33, { tap: TESTIDS.gauge('hum') }),
    detail(34.5),
    s(35, { tap: TESTIDS.back }),
    s(36, { tap: TESTIDS.gauge('co2') }),
    detail(37.5),
    s(38, { tap: TESTIDS.back }),
    overview(39.5),
    s(40, { screenshot: 'end' }),
  ];
  return { profile: 'desktop', steps };
}

export type GaugeParams = { temp: number; hum: number; co2: number };

const spec = (): GaugeSpec => ({
  devices: DEVICES,
  overviewId: TESTIDS.gauge,
  detailId: TESTIDS.detail,
  withinS: WITHIN_S,
});

const device = (d: (typeof DEVICES)[number], base: number, amplitude: number, noise: number) => ({
  name: d.name,
  kind: 'digital' as const,
  title: { zh: `${d.zh}传感器`, en: `${d.en[0]!.toUpperCase()}${d.en.slice(1)} sensor` },
  channels: [
    {
      quantity: d.quantity,
      unit: d.unit,
      range: [d.min, d.max] as [number, number],
      resolution: d.tolerance,
      profile: { base, vary: 0, amplitude, periodS: 40, noise },
    },
  ],
  mqtt: { period: 1, qos: 0 as const },
});

/** The thresholds table of the instructions, one row per device. */
function table(lang: 'zh' | 'en'): string {
  return DEVICES.map(
    (d) =>
      `| \`${d.name}\` | ${lang === 'zh' ? d.zh : d.en} | \`${d.quantity}\` | ${d.unit} | ${d.min}–${d.max} | ${d.tolerance} | < ${d.warn} | ${d.warn} – < ${d.alarm} | ≥ ${d.alarm} |`,
  ).join('\n');
}

export const gaugeApp = defineTask<GaugeParams>({
  id: 'l2-app-gauge',
  title: {
    zh: '自定义可视化组件：总览与详情两级页面',
    en: 'A custom visual component on an overview and a detail level',
  },
  level: 'L2',
  direction: 'APP',
  skills: ['L2.APP.1.4.1', 'L2.APP.1.4.2'],
  timeLimitS: 41,
  solution: 'app',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-app-gauge');
    // Normal levels: temperature at most 25.1 °C (warn 28); humidity 42–58 %RH, above the
    // temperature's alarm threshold and below its own warn one; CO₂ 470–730 ppm.
    return { temp: rng.int(20, 24), hum: rng.int(46, 54), co2: rng.int(550, 650) };
  },

  scenario(p) {
    const [temp, hum, co2] = DEVICES;
    return {
      name: 'task_l2_app_gauge',
      title: { zh: '机房环境可视化', en: 'Plant room visualisation' },
      devices: [
        device(temp, p.temp, 1, 0.05),
        device(hum, p.hum, 3, 0.2),
        device(co2, p.co2, 60, 5),
      ],
      faults: [
        { device: 'temp', type: 'spike', at: WARN.at, duration: WARN.duration, value: WARN.value },
        {
          device: 'temp',
          type: 'spike',
          at: ALARM.at,
          duration: ALARM.duration,
          value: ALARM.value,
        },
      ],
    };
  },

  vars(_p, plan) {
    const [temp, hum, co2] = plan.devices;
    return {
      tempId: temp!.id,
      humId: hum!.id,
      co2Id: co2!.id,
      tempTopic: temp!.mqtt!.telemetryTopic,
      withinS: WITHIN_S,
      loadS: LOAD_S,
      tableZh: table('zh'),
      tableEn: table('en'),
    };
  },

  app: () => gaugeScript(),

  checks: [
    {
      id: 'overview',
      skill: 'L2.APP.1.4.1',
      points: 10,
      title: {
        zh: '总览页每台设备一个组件实例',
        en: 'The overview shows one instance per device',
      },
      run: overviewCheck<GaugeParams>(spec),
    },
    {
      id: 'detail',
      skill: 'L2.APP.1.4.1',
      points: 15,
      title: {
        zh: '点击设备进入其详情页',
        en: 'Clicking a device opens its detail level',
      },
      run: detailCheck<GaugeParams>(spec),
    },
    {
      id: 'component',
      skill: 'L2.APP.1.4.2',
      points: 10,
      title: {
        zh: '同一个自定义元素在两级页面复用',
        en: 'One custom element reused on both levels',
      },
      run: componentCheck<GaugeParams>(spec),
    },
    {
      id: 'gauge-values',
      skill: 'L2.APP.1.4.2',
      points: 20,
      critical: true,
      title: {
        zh: '每个组件实例的数值与设备数据一致',
        en: 'Every instance shows the value its device published',
      },
      run: gaugeValueCheck<GaugeParams>(spec),
    },
    {
      id: 'gauge-units',
      skill: 'L2.APP.1.4.2',
      points: 10,
      title: { zh: '每台设备显示自己的单位', en: "Each device's own unit" },
      run: gaugeAttrCheck<GaugeParams>(spec, 'unit'),
    },
    {
      id: 'gauge-scale',
      skill: 'L2.APP.1.4.2',
      points: 5,
      title: { zh: '刻度范围为设备量程', en: "The scale is the device's range" },
      run: gaugeAttrCheck<GaugeParams>(spec, 'scale'),
    },
    {
      id: 'zone-normal',
      skill: 'L2.APP.1.4.2',
      points: 10,
      title: {
        zh: '按各设备自己的阈值显示正常区',
        en: "Normal zone by each device's own thresholds",
      },
      run: gaugeZoneCheck<GaugeParams>(spec, 'normal'),
    },
    {
      id: 'zone-warn',
      skill: 'L2.APP.1.4.2',
      points: 10,
      title: { zh: '进入预警区时显示预警', en: 'Warn zone shown' },
      run: gaugeZoneCheck<GaugeParams>(spec, 'warn'),
    },
    {
      id: 'zone-alarm',
      skill: 'L2.APP.1.4.2',
      points: 10,
      title: { zh: '进入告警区时显示告警', en: 'Alarm zone shown' },
      run: gaugeZoneCheck<GaugeParams>(spec, 'alarm'),
    },
  ],
});
