/**
 * L2 · APP · a smart-home app of two screens with scenes (L2.APP.3.2.1 页面交互, 3.2.2 数据交互,
 * 3.2.3 数据可视化, 3.2.4 多个物联网场景的联动控制): the candidate hands in a phone web page with a
 * home screen (the live temperature, a small trend chart of it and three scene buttons) and a
 * devices screen (each of four actuators with its online status and a switch). A scene switches the devices it names, and only those, to
 * the states it names. The runner plays the script below in a headless phone browser: it taps the
 * scenes, moves between the screens through the page's own navigation and reads what each screen
 * shows, while the lab takes one device offline just before the last scene.
 *
 * Stated rules and the case planted for each, on every seed (tests/e2e/task-scenes-app.test.ts;
 * an app task has no program, its mistakes are app variants):
 * - "a scene switches the devices it names to the states it names": three scene taps, each
 *   checked device by device (scene-commands, critical at 90 %);
 * - "and no other device": 睡眠 leaves a device on that 回家 switched on; a page that switches
 *   every other device off (mistake `scene-all-off`) loses scene-only (90);
 * - "each switch shows the device's own state, not the scene's": a device the last scene names
 *   is offline when it is tapped and stays as it was; a page that shows the scene's target
 *   (mistake `shows-scene`) loses device-states, critical (59);
 * - "two screens, each with its title": every reading of the title is checked against the screen
 *   the page's own navigation was last asked for (screens);
 * - "the trend chart holds every sample of the last 20 s, each at its own ts and value": the chart's
 *   `data-series` is read on every home reading (grader/checks/ui-trend.ts, as l1-app-dashboard);
 *   a chart of the latest value only (mistake `latest-only`) loses trend (90), and so does a chart
 *   of whole degrees (mistake `rounded`, 90); both graded from the reference's evidence with its
 *   series changed in memory (a fifth browser beside the four runs adds nothing but load).
 */
import { defineTask } from '../../grader/types.js';
import type {
  AppScript,
  CheckOutcome,
  EvidenceRef,
  GradeContext,
  UiStep,
} from '../../grader/types.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { parseCommand } from '../../devices/field/model.js';
import { payloadText } from '../../grader/checks/mqtt.js';
import {
  readsOf,
  shownOnlineCheck,
  shownUnitCheck,
  shownValueCheck,
  steady,
  switchFollowsDeviceCheck,
  tapCommandCheck,
} from '../../grader/checks/ui.js';
import type { ValueSpec } from '../../grader/checks/ui.js';
import { trendSeriesCheck, trendValuesCheck } from '../../grader/checks/ui-trend.js';
import type { TrendSpec } from '../../grader/checks/ui-trend.js';
import { Rng } from '../../core/rng.js';

/** The four actuators of the home, by scenario name. */
export const DEVICES = [
  { name: 'light', type: 'led', zh: '照明灯', en: 'light' },
  { name: 'fan', type: 'fan', zh: '风扇', en: 'fan' },
  { name: 'valve', type: 'valve', zh: '水阀', en: 'water valve' },
  { name: 'buzzer', type: 'buzzer', zh: '警报器', en: 'siren' },
] as const;
export type DeviceName = (typeof DEVICES)[number]['name'];

export const SCENES = [
  { id: 'home', zh: '回家', en: 'Home' },
  { id: 'sleep', zh: '睡眠', en: 'Sleep' },
  { id: 'away', zh: '离家', en: 'Away' },
] as const;
export type SceneId = (typeof SCENES)[number]['id'];

/** How soon the page must act on a tap and show what changed (s). */
export const WITHIN_S = 3;

/** `order`: the four devices' indexes as digits (a permutation, e.g. "2031"). */
export type ScenesParams = { order: string; base: number };
const orderOf = (p: ScenesParams): number[] => [...p.order].map(Number);
type Ctx = GradeContext<ScenesParams>;

/**
 * The scenes of a seed: 回家 switches two devices on; 睡眠 switches one of them off and a third
 * on, leaving the other on (the planted "no other device" case); 离家 switches all four off.
 */
export function scenesOf(p: ScenesParams): Record<SceneId, Partial<Record<DeviceName, boolean>>> {
  const [a, b, c, d] = orderOf(p).map((i) => DEVICES[i]!.name);
  return {
    home: { [a!]: true, [b!]: true },
    sleep: { [b!]: false, [c!]: true },
    away: { [a!]: false, [b!]: false, [c!]: false, [d!]: false },
  };
}

/** The device offline during the last scene: the one 睡眠 switched on. */
const offlineDevice = (p: ScenesParams): DeviceName => DEVICES[orderOf(p)[2]!]!.name;

const OFFLINE = { at: 22, duration: 12 };
const TAPPED_SWITCH = (p: ScenesParams): DeviceName => DEVICES[orderOf(p)[0]!]!.name;

/** The chart holds at least every sample of this many seconds. */
export const WINDOW_S = 20;
/** Seconds the page has to load and connect (the first scene tap is at 9 s). */
export const LOAD_S = 8;
/**
 * Samples published before this need not be on the chart: a page that connects late in its
 * LOAD_S s on a busy machine subscribes after the first ones.
 */
export const TREND_FROM_S = 10;
/** How far a plotted point may be from its sample: ts (ms), value (°C, one resolution step). */
export const TS_TOL_MS = 500;
export const TOLERANCE = 0.1;
/** The most points the series attribute may hold. */
export const MAX_POINTS = 300;
/** The chart element's attribute holding the plotted series (`[[ts, value], …]`). */
export const SERIES_ATTR = 'data-series';

export const TESTIDS = {
  title: 'screen-title',
  temp: 'temp-value',
  chart: 'temp-chart',
  navHome: 'nav-home',
  navDevices: 'nav-devices',
  scene: (s: SceneId) => `scene-${s}`,
  status: (d: DeviceName) => `${d}-status`,
  switch: (d: DeviceName) => `${d}-switch`,
} as const;

const HOME_READ = [TESTIDS.title, TESTIDS.temp, TESTIDS.chart];
const DEVICES_READ = [
  TESTIDS.title,
  ...DEVICES.flatMap((d) => [TESTIDS.status(d.name), TESTIDS.switch(d.name)]),
];

export function scenesScript(p: ScenesParams): AppScript {
  const s = (at: number, step: Omit<UiStep, 'at'>): UiStep =>
    ({ at: at * 1000, ...step }) as UiStep;
  const steps: UiStep[] = [
    s(9, { tap: TESTIDS.scene('home') }),
    s(11.5, { read: HOME_READ, attrs: [SERIES_ATTR] }),
    s(11.8, { screenshot: 'home' }),
    s(12.5, { tap: TESTIDS.navDevices }),
    s(13.5, { read: DEVICES_READ }),
    s(13.8, { screenshot: 'devices-after-home' }),
    s(14, { tap: TESTIDS.navHome }),
    s(15, { tap: TESTIDS.scene('sleep') }),
    s(18.5, { tap: TESTIDS.navDevices }),
    s(19.5, { read: DEVICES_READ }),
    s(20, { tap: TESTIDS.navHome }),
    s(21, { read: HOME_READ, attrs: [SERIES_ATTR] }),
    s(24, { tap: TESTIDS.scene('away') }),
    s(27.5, { tap: TESTIDS.navDevices }),
    s(28.5, { read: DEVICES_READ }),
    s(28.8, { screenshot: 'devices-away-offline' }),
    s(29, { tap: TESTIDS.switch(TAPPED_SWITCH(p)) }),
    s(32.5, { read: DEVICES_READ }),
    s(33, { tap: TESTIDS.navHome }),
    s(34, { read: HOME_READ, attrs: [SERIES_ATTR] }),
    s(35, { tap: TESTIDS.navDevices }),
    s(37.5, { read: DEVICES_READ }),
    s(38, { screenshot: 'end' }),
  ];
  return { profile: 'phone', steps };
}

const values = (): ValueSpec[] => [
  {
    testid: TESTIDS.temp,
    sensor: 'temp',
    quantity: 'temperature',
    withinS: WITHIN_S,
    units: ['°C', '℃'],
  },
];

const trend = (): TrendSpec => ({
  testid: TESTIDS.chart,
  attr: SERIES_ATTR,
  sensor: 'temp',
  quantity: 'temperature',
  tsTolMs: TS_TOL_MS,
  tolerance: TOLERANCE,
  windowS: WINDOW_S,
  withinS: WITHIN_S,
  fromS: TREND_FROM_S,
});

/**
 * All or nothing: at every home reading the chart holds every sample of the last WINDOW_S s, and
 * every point it plots is a published sample (its own ts and value).
 */
function trendCheck(ctx: Ctx): CheckOutcome {
  const series = trendSeriesCheck<ScenesParams>(trend)(ctx);
  const values = trendValuesCheck<ScenesParams>(trend)(ctx);
  const ok = series.score === 1 && values.score === 1;
  return {
    score: ok ? 1 : 0,
    expected: `${series.expected}; ${values.expected}`,
    seen: `${series.seen}; values: ${values.seen}`,
    evidence: [...series.evidence, ...values.evidence].slice(0, 5),
    ...(ok
      ? {}
      : {
          hint: {
            zh: `趋势图保留最近 ${WINDOW_S} 秒的每个样本（用遥测自带的 ts 和原始数值），并把所画的序列写在 ${SERIES_ATTR} 属性中。`,
            en: `The trend chart keeps every sample of the last ${WINDOW_S} s (the telemetry's own ts and value as published) and puts the plotted series in its ${SERIES_ATTR} attribute.`,
          },
        }),
  };
}

const refOf = (e: EvidenceEvent, note: string): EvidenceRef => ({ seq: e.seq, t: e.t, note });

function shareOf(
  judged: { e: EvidenceEvent; ok: boolean; note: string }[],
  expected: string,
  what: string,
): CheckOutcome {
  if (judged.length === 0) return { score: 0, expected, seen: `no ${what} to judge`, evidence: [] };
  const bad = judged.filter((j) => !j.ok);
  return {
    score: (judged.length - bad.length) / judged.length,
    expected,
    seen:
      `${judged.length - bad.length} of ${judged.length} ${what} right` +
      (bad.length > 0 ? `; first wrong: ${bad[0]!.note}` : ''),
    evidence: (bad.length > 0 ? bad : judged).slice(0, 5).map((j) => refOf(j.e, j.note)),
  };
}

/** The taps of a scene button that reached the page, with when they were issued. */
function sceneTaps(ctx: Ctx) {
  return SCENES.flatMap((sc) =>
    ctx.events
      .filter((e) => e.kind === 'ui.action' && e.testid === TESTIDS.scene(sc.id))
      .map((tap) => ({
        scene: sc.id,
        tap,
        at: typeof tap.issued === 'number' ? tap.issued : tap.t,
      })),
  ).sort((x, y) => x.at - y.at);
}

/** The on/off commands the candidate sent a device in [from, to]. */
function commands(ctx: Ctx, device: DeviceName, from: number, to: number) {
  const topic = ctx.device(device).mqtt!.commandTopic!;
  return ctx
    .clientPublishes()
    .filter((p) => p.topic === topic && p.t >= from && p.t <= to)
    .map((p) => ({ e: p, on: parseCommand(payloadText(p))?.on }));
}

/** Each device a tapped scene names, online then, gets the command for its state within N s. */
function sceneCommands(ctx: Ctx): CheckOutcome {
  const scenes = scenesOf(ctx.params);
  const within = WITHIN_S * 1000;
  const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
  for (const { scene, tap, at } of sceneTaps(ctx))
    for (const [device, want] of Object.entries(scenes[scene]) as [DeviceName, boolean][]) {
      const online = steady(at + within, within, (t) => ctx.truth(device, t).online);
      if (online !== true) continue;
      const sent = commands(ctx, device, at, at + within).find((c) => c.on === want);
      judged.push({
        e: sent?.e ?? tap,
        ok: tap.ok === true && sent !== undefined,
        note:
          tap.ok !== true
            ? `the tap on scene-${scene} did not reach the page`
            : sent
              ? `scene-${scene}: ${device} ${want ? 'on' : 'off'}`
              : `scene-${scene}: no {"on":${String(want)}} to ${device} within ${WITHIN_S} s`,
      });
    }
  const out = shareOf(
    judged,
    'each scene tap sends every device the scene names the command for its state',
    'scene commands',
  );
  return out.score < 1
    ? {
        ...out,
        hint: {
          zh: '场景按钮要向场景中列出的每个设备发送对应的开/关命令。',
          en: 'A scene button sends every device the scene names the on/off command for its state.',
        },
      }
    : out;
}

/** All or nothing: no scene tap commands a device the scene does not name. */
function sceneOnly(ctx: Ctx): CheckOutcome {
  const scenes = scenesOf(ctx.params);
  const within = WITHIN_S * 1000;
  const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
  for (const { scene, tap, at } of sceneTaps(ctx)) {
    if (tap.ok !== true) continue;
    const others = DEVICES.map((d) => d.name).filter((d) => !(d in scenes[scene]));
    const stray = others.flatMap((d) => commands(ctx, d, at, at + within).map((c) => ({ d, c })));
    judged.push({
      e: stray[0]?.c.e ?? tap,
      ok: stray.length === 0,
      note: stray[0]
        ? `scene-${scene} also commanded ${stray[0].d}, which it does not name`
        : `scene-${scene}: no other device commanded`,
    });
  }
  const out = shareOf(
    judged,
    'no command to a device the tapped scene does not name',
    'scene taps',
  );
  return out.score < 1 && judged.length > 0
    ? {
        ...out,
        score: 0,
        hint: {
          zh: '场景只控制它列出的设备，其他设备保持原状。',
          en: 'A scene switches only the devices it names; leave the others as they are.',
        },
      }
    : out;
}

/** The devices screen's switches: each shows its device's own state at every reading. */
function deviceStates(ctx: Ctx): CheckOutcome {
  const parts = DEVICES.map((d) =>
    switchFollowsDeviceCheck<ScenesParams>({
      testid: TESTIDS.switch(d.name),
      actuator: d.name,
      withinS: WITHIN_S,
    })(ctx),
  );
  const bad = parts.find((p) => p.score < 1);
  return {
    score: parts.reduce((a, p) => a + p.score, 0) / parts.length,
    expected: "every device's switch shows the device's own state at every reading",
    seen: parts
      .map((p, i) => `${DEVICES[i]!.name}: ${p.score === 1 ? 'right' : p.seen}`)
      .join('; '),
    evidence: parts.flatMap((p) => p.evidence).slice(0, 5),
    ...(bad
      ? {
          hint: {
            zh: '开关显示设备上报的实际状态（状态主题），而不是场景或点击的目标状态；离线设备不会执行命令。',
            en: "Show each device's state as it reports it (its state topic), not the scene's or the tap's target: an offline device carries out nothing.",
          },
        }
      : {}),
  };
}

/** Every reading of the title names the screen the page's navigation was last asked for. */
function screens(ctx: Ctx): CheckOutcome {
  const navs = ctx.events.filter(
    (e) =>
      e.kind === 'ui.action' && (e.testid === TESTIDS.navHome || e.testid === TESTIDS.navDevices),
  );
  const judged = readsOf(ctx, TESTIDS.title).map((r) => {
    const last = navs.filter((n) => n.t <= r.t).at(-1);
    const want = last?.testid === TESTIDS.navDevices ? 'devices' : 'home';
    const text = r.visible === true ? (r.text ?? '') : '';
    const shows = /设备|devices/i.test(text)
      ? 'devices'
      : /首页|home/i.test(text)
        ? 'home'
        : 'none';
    return {
      e: r,
      ok: shows === want,
      note: `the title showed ${JSON.stringify(r.text ?? null)} on the ${want} screen`,
    };
  });
  return shareOf(
    judged,
    'the title names the screen shown (首页/Home, 设备/Devices)',
    'title readings',
  );
}

export const scenesApp = defineTask<ScenesParams>({
  id: 'l2-app-scenes',
  title: {
    zh: '智能家居应用：多页面与场景联动',
    en: 'Smart-home app: two screens and linked scenes',
  },
  level: 'L2',
  direction: 'APP',
  skills: ['L2.APP.3.2.1', 'L2.APP.3.2.2', 'L2.APP.3.2.3', 'L2.APP.3.2.4'],
  timeLimitS: 40,
  solution: 'app',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-app-scenes');
    const order = [0, 1, 2, 3];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return { order: order.join(''), base: rng.int(18, 26) };
  },

  scenario(p) {
    return {
      name: 'task_l2_app_scenes',
      title: { zh: '智能家居', en: 'Smart home' },
      devices: [
        {
          name: 'temp',
          kind: 'digital',
          title: { zh: '客厅温度', en: 'Living-room temperature' },
          channels: [
            {
              quantity: 'temperature',
              unit: '°C',
              range: [-20, 60],
              resolution: 0.1,
              profile: { base: p.base, vary: 0, amplitude: 1.5, periodS: 60, noise: 0.05 },
            },
          ],
          mqtt: { period: 1, qos: 0 },
        },
        ...DEVICES.map((d) => ({
          name: d.name,
          kind: 'actuator' as const,
          title: { zh: d.zh, en: d.en },
          actuatorType: d.type,
          mqtt: { period: 30, qos: 1 as const },
        })),
      ],
      faults: [{ device: offlineDevice(p), type: 'offline', ...OFFLINE }],
    };
  },

  vars(p, plan) {
    const scenes = scenesOf(p);
    const title = (n: string) => DEVICES.find((d) => d.name === n)!;
    const table = (lang: 'zh' | 'en') =>
      SCENES.map((sc) => {
        const what = Object.entries(scenes[sc.id])
          .map(([n, on]) =>
            lang === 'zh'
              ? `${title(n).zh} \`${n}\` ${on ? '开' : '关'}`
              : `${title(n).en} \`${n}\` ${on ? 'on' : 'off'}`,
          )
          .join(lang === 'zh' ? '，' : ', ');
        return `| \`scene-${sc.id}\` | ${lang === 'zh' ? sc.zh : sc.en} | ${what} |`;
      }).join('\n');
    const temp = plan.devices.find((d) => d.name === 'temp')!;
    return {
      tempId: temp.id,
      tempTopic: temp.mqtt!.telemetryTopic,
      sceneTableZh: table('zh'),
      sceneTableEn: table('en'),
      withinS: WITHIN_S,
      windowS: WINDOW_S,
      loadS: LOAD_S,
      trendFromS: TREND_FROM_S,
      tsTolMs: TS_TOL_MS,
      tolerance: TOLERANCE,
      maxPoints: MAX_POINTS,
    };
  },

  app: (p) => scenesScript(p),

  checks: [
    {
      id: 'screens',
      skill: 'L2.APP.3.2.1',
      points: 10,
      title: { zh: '两个页面及页面切换', en: 'Two screens and moving between them' },
      run: screens,
    },
    {
      id: 'values',
      skill: 'L2.APP.3.2.2',
      points: 10,
      critical: 0.5,
      title: {
        zh: '首页实时显示温度（带单位）',
        en: 'Live temperature with its unit on the home screen',
      },
      run: (ctx) => {
        const v = shownValueCheck<ScenesParams>(values)(ctx);
        const u = shownUnitCheck<ScenesParams>(values)(ctx);
        return { ...v, score: (v.score + u.score) / 2, seen: `${v.seen}; units: ${u.seen}` };
      },
    },
    {
      id: 'scene-commands',
      skill: 'L2.APP.3.2.4',
      points: 25,
      critical: 0.9,
      title: {
        zh: '场景向所列设备发送正确命令',
        en: 'A scene commands every device it names, right',
      },
      run: sceneCommands,
    },
    {
      id: 'scene-only',
      skill: 'L2.APP.3.2.4',
      points: 10,
      title: { zh: '场景不控制未列出的设备', en: 'A scene leaves other devices alone' },
      run: sceneOnly,
    },
    {
      id: 'device-states',
      skill: 'L2.APP.3.2.2',
      points: 25,
      critical: true,
      title: { zh: '开关显示设备的实际状态', en: "Each switch shows its device's own state" },
      run: deviceStates,
    },
    {
      id: 'online',
      skill: 'L2.APP.3.2.2',
      points: 5,
      title: { zh: '显示各设备在线/离线', en: 'Online/offline of each device' },
      run: shownOnlineCheck<ScenesParams>(
        () => DEVICES.map((d) => ({ testid: TESTIDS.status(d.name), device: d.name })),
        WITHIN_S,
      ),
    },
    {
      id: 'trend',
      skill: 'L2.APP.3.2.3',
      points: 10,
      title: {
        zh: '首页温度趋势图包含最近的全部样本',
        en: 'The home screen trend chart holds every recent sample',
      },
      run: trendCheck,
    },
    {
      id: 'control',
      skill: 'L2.APP.3.2.1',
      points: 5,
      title: { zh: '设备页开关控制设备', en: 'A switch on the devices screen commands its device' },
      run: (ctx) =>
        tapCommandCheck<ScenesParams>({
          testid: TESTIDS.switch(TAPPED_SWITCH(ctx.params)),
          actuator: TAPPED_SWITCH(ctx.params),
          withinS: WITHIN_S,
        })(ctx),
    },
  ],
});

/** The reference app's scenes.js for a seed: the instructions' scene table, as data. */
export function scenesJs(p: ScenesParams): string {
  return `// The scene table of the instructions (it differs per candidate), as data.\nwindow.SCENES = ${JSON.stringify(scenesOf(p))};\n`;
}
