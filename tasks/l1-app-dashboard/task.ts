/**
 * L1 · APP · dashboard: the candidate hands in a desktop web page (static files) with a trend
 * chart of a temperature sensor, the alarm thresholds shown, and an alarm prompt raised and
 * cleared by a stated rule: raised once N consecutive samples are above the high threshold,
 * cleared by a sample below the low one (hysteresis). The task runner opens the page in a
 * headless desktop browser and reads the chart's plotted series from its `data-series` attribute
 * (the contract: `[[ts, value], …]`, ts the telemetry's own), never its pixels; the checks compare
 * each point with the sample the sensor published at that ts (grader/checks/ui-trend.ts) and play
 * the rule over the same samples.
 *
 * The lab's timeline, the same on every seed (high 30 °C, low 27 °C; the normal level is seeded):
 * normal (below low) until 14 s, a short spike above high 14–15.9 s (one or two samples, fewer
 * than N = 3), between the thresholds 15.9–22 s, above high 22–30 s (eight samples), between
 * them again 30–37 s, normal from 37 s.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-dashboard-app.test.ts;
 * an app task has no program, its mistakes are app variants):
 * - "plot each sample's ts and value as published": trend-values is critical, so a page plotting
 *   wrong values (mistake `rounded`, whole degrees: ROUND = true) cannot pass (59);
 * - "raise only after N consecutive samples above high": the 14 s spike has fewer, and the value
 *   then stays between the thresholds, so a page raising on one sample (mistake `no-debounce`,
 *   DEBOUNCE = false) shows the prompt at the 19 s and 21.5 s readings and loses alarm-quiet (85);
 * - "clear only below low": 30–37 s the value is between the thresholds with the alarm raised, so
 *   a page clearing at or below high (mistake `no-hysteresis`, HYSTERESIS = false) loses
 *   alarm-hold (90);
 * - "raise" and "clear": the 22–30 s run raises it, the normal value from 37 s clears it; a page
 *   that never clears loses alarm-clear (90; graded from the reference's evidence changed in
 *   memory, as is the next one);
 * - "every sample of the last 20 s": a chart of the latest value only loses trend-series (85);
 * - "thresholds shown": the threshold elements are read at every reading.
 */
import { defineTask } from '../../grader/types.js';
import type { AppScript, UiStep } from '../../grader/types.js';
import {
  ruleAlarmCheck,
  shownConstantCheck,
  trendSeriesCheck,
  trendValuesCheck,
} from '../../grader/checks/ui-trend.js';
import type { AlarmRule, TrendSpec } from '../../grader/checks/ui-trend.js';
import { Rng } from '../../core/rng.js';

/**
 * The thresholds (°C): fixed, so that one page (the reference too) works on every seed and may
 * state them as constants; the seeded normal level stays 3 °C or more below LOW.
 */
export const HIGH = 30;
export const LOW = 27;
/** Consecutive samples above high that raise the alarm. */
export const COUNT = 3;
/** How soon the page must show what changed (s). */
export const WITHIN_S = 3;
/** The chart holds at least every sample of this many seconds. */
export const WINDOW_S = 20;
/** The most points the series attribute may hold. */
export const MAX_POINTS = 300;
/** Seconds the page has to load and connect before the first reading. */
export const LOAD_S = 10;
/** How far a plotted point may be from its sample: ts (ms), value (°C, one resolution step). */
export const TS_TOL_MS = 500;
export const TOLERANCE = 0.1;

/** The selector contract the instructions state. */
export const TESTIDS = {
  chart: 'trend-chart',
  high: 'threshold-high',
  low: 'threshold-low',
  alarm: 'alarm',
} as const;
/** The chart element's attribute holding the plotted series. */
export const SERIES_ATTR = 'data-series';

/** The lab's timeline (s after lab start). */
const SPIKE = { at: 14, duration: 1.9 };
const BAND1 = { at: 15.9, duration: 6.1 };
const RUN = { at: 22, duration: 8 };
const BAND2 = { at: 30, duration: 7 };
/**
 * When the runner reads the elements and takes screenshots (s). Each reading is at least WITHIN_S
 * after the change of the rule's state it judges (raised by the third sample of the run, at most
 * 25 s; cleared by the first normal sample, at most 38 s), so a correct page is never caught
 * between the two; two readings for each, the later one with a margin for a lab whose publishes
 * run late on a busy machine (a reading too close to a change is not judged).
 */
const READS = [LOAD_S, 12, 19, 21.5, 28.5, 29.6, 34, 36.5, 41.5, 44];
const SHOTS: [number, string][] = [
  [LOAD_S + 0.5, 'start'],
  [29, 'alarm'],
  [44.5, 'end'],
];

export type DashboardParams = { base: number };

/** The levels of the timeline: above high, and between the thresholds. */
const LEVELS = { spike: HIGH + 2.5, run: HIGH + 1.5, band: (HIGH + LOW) / 2 };

const rule = (): AlarmRule => ({ count: COUNT, high: HIGH, low: LOW });

const trend = (): TrendSpec => ({
  testid: TESTIDS.chart,
  attr: SERIES_ATTR,
  sensor: 'temp',
  quantity: 'temperature',
  tsTolMs: TS_TOL_MS,
  tolerance: TOLERANCE,
  windowS: WINDOW_S,
  withinS: WITHIN_S,
  fromS: LOAD_S,
});

const alarm = (phase: 'raise' | 'hold' | 'quiet' | 'clear') =>
  ruleAlarmCheck<DashboardParams>({
    testid: TESTIDS.alarm,
    sensor: 'temp',
    quantity: 'temperature',
    withinS: WITHIN_S,
    rule,
    phase,
  });

export function dashboardScript(): AppScript {
  const steps: UiStep[] = [
    ...READS.map((s) => ({ at: s * 1000, read: Object.values(TESTIDS), attrs: [SERIES_ATTR] })),
    ...SHOTS.map(([s, name]) => ({ at: s * 1000, screenshot: name })),
  ];
  return { profile: 'desktop', steps: steps.sort((a, b) => a.at - b.at) };
}

export const dashboardApp = defineTask<DashboardParams>({
  id: 'l1-app-dashboard',
  title: {
    zh: '可视化看板：趋势图、阈值与告警规则',
    en: 'Dashboard: trend chart, thresholds and an alarm rule',
  },
  level: 'L1',
  direction: 'APP',
  skills: ['L1.APP.1.4.1', 'L1.APP.1.4.2'],
  timeLimitS: 46,
  solution: 'app',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-app-dashboard');
    // Normal values stay within base ± 1.2, so at most 24.2 °C, below LOW.
    return { base: rng.int(18, 23) };
  },

  scenario(p) {
    return {
      name: 'task_l1_app_dashboard',
      title: { zh: '可视化看板', en: 'Dashboard' },
      devices: [
        {
          name: 'temp',
          kind: 'digital',
          title: { zh: '机房温度传感器', en: 'Server room temperature sensor' },
          channels: [
            {
              quantity: 'temperature',
              unit: '°C',
              range: [-20, 80],
              resolution: 0.1,
              profile: { base: p.base, vary: 0, amplitude: 1, periodS: 40, noise: 0.05 },
            },
          ],
          mqtt: { period: 1, qos: 0 },
        },
      ],
      faults: [
        { device: 'temp', type: 'spike', ...SPIKE, value: LEVELS.spike },
        { device: 'temp', type: 'spike', ...BAND1, value: LEVELS.band },
        { device: 'temp', type: 'spike', ...RUN, value: LEVELS.run },
        { device: 'temp', type: 'spike', ...BAND2, value: LEVELS.band },
      ],
    };
  },

  vars(_p, plan) {
    const [temp] = plan.devices;
    return {
      tempId: temp!.id,
      tempTopic: temp!.mqtt!.telemetryTopic,
      high: HIGH,
      low: LOW,
      count: COUNT,
      withinS: WITHIN_S,
      windowS: WINDOW_S,
      maxPoints: MAX_POINTS,
      loadS: LOAD_S,
      tsTolMs: TS_TOL_MS,
      tolerance: TOLERANCE,
    };
  },

  app: () => dashboardScript(),

  checks: [
    {
      id: 'trend-series',
      skill: 'L1.APP.1.4.1',
      points: 15,
      title: {
        zh: '趋势图包含最近的全部样本',
        en: 'The trend chart holds every recent sample',
      },
      run: trendSeriesCheck<DashboardParams>(trend),
    },
    {
      id: 'trend-values',
      skill: 'L1.APP.1.4.1',
      points: 25,
      critical: true,
      title: {
        zh: '趋势图的每个点与传感器数据一致',
        en: 'Every plotted point matches the sensor',
      },
      run: trendValuesCheck<DashboardParams>(trend),
    },
    {
      id: 'thresholds',
      skill: 'L1.APP.1.4.1',
      points: 10,
      title: { zh: '显示告警上下限', en: 'Thresholds shown' },
      run: shownConstantCheck<DashboardParams>(() => [
        { testid: TESTIDS.high, value: HIGH },
        { testid: TESTIDS.low, value: LOW },
      ]),
    },
    {
      id: 'alarm-raise',
      skill: 'L1.APP.1.4.2',
      points: 15,
      title: {
        zh: '连续超上限时触发告警',
        en: 'Alarm raised after consecutive samples above high',
      },
      run: alarm('raise'),
    },
    {
      id: 'alarm-quiet',
      skill: 'L1.APP.1.4.2',
      points: 15,
      title: {
        zh: '短暂尖峰不触发告警',
        en: 'No alarm for a short spike',
      },
      run: alarm('quiet'),
    },
    {
      id: 'alarm-hold',
      skill: 'L1.APP.1.4.2',
      points: 10,
      title: {
        zh: '回落到上下限之间时告警保持',
        en: 'Alarm held between the thresholds',
      },
      run: alarm('hold'),
    },
    {
      id: 'alarm-clear',
      skill: 'L1.APP.1.4.2',
      points: 10,
      title: { zh: '低于下限时告警消除', en: 'Alarm cleared below low' },
      run: alarm('clear'),
    },
  ],
});
