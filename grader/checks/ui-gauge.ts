/**
 * Checks of a page built from a custom visual component (a gauge) reused for several devices, on
 * an overview level (one instance per device) and a detail level (one instance, the device clicked
 * on the overview). Each instance is read through stated data attributes, never its pixels:
 * `data-device` (the device's id), `data-value` (the number it shows), `data-unit`, `data-zone`
 * (normal / warn / alarm by the device's stated thresholds) and `data-min` / `data-max` (its
 * scale). The values are compared with what the device published (the broker's record), the zones
 * with the thresholds played over the same samples, and the element's tag name tells a custom
 * element (a name with a hyphen) from a built-in one.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import { publishedSamples } from './ui-trend.js';
import type { Sample } from './ui-trend.js';
import { pageNote, readsOf, share } from './ui.js';
import type { UiRead } from './ui.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';

/** The attributes every instance carries, in the order the script asks for them. */
export const GAUGE_ATTRS = [
  'data-device',
  'data-value',
  'data-unit',
  'data-zone',
  'data-min',
  'data-max',
] as const;

export type Zone = 'normal' | 'warn' | 'alarm';

/** One device the page shows: its scenario name, quantity, unit, scale and thresholds. */
export interface GaugeDevice {
  name: string;
  quantity: string;
  unit: string;
  /** Units that count as this one (e.g. ℃ for °C). */
  aliases?: readonly string[];
  min: number;
  max: number;
  /** warn at or above `warn`, alarm at or above `alarm`, normal below `warn`. */
  warn: number;
  alarm: number;
  /** How far a shown value may be from a published one. */
  tolerance: number;
}

export interface GaugeSpec {
  devices: readonly GaugeDevice[];
  /** Test id of the overview's instance of a device (by scenario name). */
  overviewId: (name: string) => string;
  /** Test id of the detail level's instance, and of the overview instances the script clicks. */
  detailId: string;
  /** A change must show within this many seconds. */
  withinS: number;
}

export const zoneOf = (d: GaugeDevice, v: number): Zone =>
  v >= d.alarm ? 'alarm' : v >= d.warn ? 'warn' : 'normal';

type Judged = { e: EvidenceEvent; ok: boolean; note: string };

/** A number attribute (`"23.4"`), or undefined when it is none. */
export function attrNumber(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v))
    return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const attrsOf = (r: UiRead): Record<string, unknown> =>
  (r as { attrs?: Record<string, unknown> }).attrs ?? {};
const attr = (r: UiRead, name: string): string | undefined => {
  const v = attrsOf(r)[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

/** One reading of an instance, with the device the script expects there. */
interface Instance {
  r: UiRead;
  level: 'overview' | 'detail';
  /** The device the instance must show: the overview's by test id, the detail's the clicked one. */
  want: GaugeDevice | undefined;
}

/** The device whose id the instance names in data-device, if it is one of the page's devices. */
function namedDevice(ctx: GradeContext, spec: GaugeSpec, r: UiRead): GaugeDevice | undefined {
  const id = attr(r, 'data-device');
  return spec.devices.find((d) => ctx.device(d.name).id === id);
}

/** The overview instance a click asked for, by test id, or undefined for another element. */
function clicked(spec: GaugeSpec, testid: unknown): GaugeDevice | undefined {
  return spec.devices.find((d) => spec.overviewId(d.name) === testid);
}

/**
 * Every instance reading within the grading window: the overview's (by test id) and the detail
 * level's, whose device is the last overview instance clicked before it (undefined before any).
 */
function instances(ctx: GradeContext, spec: GaugeSpec): Instance[] {
  const out: Instance[] = [];
  for (const d of spec.devices)
    for (const r of readsOf(ctx, spec.overviewId(d.name)))
      out.push({ r, level: 'overview', want: d });
  const clicks = ctx.events.filter((e) => e.kind === 'ui.action' && clicked(spec, e.testid));
  for (const r of readsOf(ctx, spec.detailId)) {
    const last = clicks.filter((c) => c.t <= r.t).at(-1);
    out.push({ r, level: 'detail', want: last ? clicked(spec, last.testid) : undefined });
  }
  return out.sort((a, b) => a.r.seq - b.r.seq);
}

/** What a reading is about, for notes: its test id and the device it names. */
const label = (i: Instance) =>
  `${i.r.testid} (data-device ${JSON.stringify(attr(i.r, 'data-device') ?? null)})`;

const allOrNothing = (o: CheckOutcome): CheckOutcome => ({ ...o, score: o.score === 1 ? 1 : 0 });

/** The overview shows one visible instance per device, each naming its device, at every reading. */
export function overviewCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const judged: Judged[] = [];
    for (const i of instances(ctx, s)) {
      if (i.level !== 'overview' || !i.want) continue;
      const id = ctx.device(i.want.name).id;
      const ok = i.r.found && i.r.visible === true && attr(i.r, 'data-device') === id;
      judged.push({
        e: i.r,
        ok,
        note: !i.r.found
          ? `no ${i.r.testid} on the overview`
          : i.r.visible !== true
            ? `${i.r.testid} was not visible`
            : `${label(i)} on the overview, its device is ${id}`,
      });
    }
    return share(
      ctx,
      judged,
      'the overview shows one instance per device, each with its device id',
      'the overview',
    );
  };
}

/**
 * Each reading of the detail level, after a click on a device's overview instance, shows that
 * device, visible (all or nothing: a detail view of the wrong device misleads at once).
 */
export function detailCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const judged: Judged[] = [];
    for (const i of instances(ctx, s)) {
      if (i.level !== 'detail' || !i.want) continue;
      const click = ctx.events
        .filter((e) => e.kind === 'ui.action' && clicked(s, e.testid) && e.t <= i.r.t)
        .at(-1);
      const id = ctx.device(i.want.name).id;
      const ok =
        click?.ok === true && i.r.found && i.r.visible === true && attr(i.r, 'data-device') === id;
      judged.push({
        e: i.r,
        ok,
        note:
          click?.ok !== true
            ? `the click on ${String(click?.testid)} did not reach the page (${typeof click?.error === 'string' ? click.error : ''})`
            : !i.r.found
              ? `no ${s.detailId} after clicking ${String(click.testid)}`
              : i.r.visible !== true
                ? `${s.detailId} was not visible after clicking ${String(click.testid)}`
                : `after clicking ${String(click.testid)} the detail showed ${JSON.stringify(attr(i.r, 'data-device') ?? null)}, the device is ${id}`,
      });
    }
    return allOrNothing(
      share(ctx, judged, 'the detail level shows the device clicked on the overview', 'the detail'),
    );
  };
}

const CUSTOM_TAG = /^[a-z][a-z0-9._]*-[a-z0-9._-]*$/;

/**
 * Every instance that shows a value is one custom element (a tag name with a hyphen), the same
 * component on both levels.
 */
export function componentCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const shown = instances(ctx, s).filter(
      (i) => i.r.found && attrNumber(attr(i.r, 'data-value')) !== undefined,
    );
    const tags = new Map<string, number>();
    const tagOf = (i: Instance): string => (typeof i.r.tag === 'string' ? i.r.tag : '');
    for (const i of shown) tags.set(tagOf(i), (tags.get(tagOf(i)) ?? 0) + 1);
    // The component: the custom tag most instances have.
    const main = [...tags.entries()]
      .filter(([t]) => CUSTOM_TAG.test(t))
      .sort((a, b) => b[1] - a[1])[0]?.[0];
    const judged: Judged[] = shown.map((i) => ({
      e: i.r,
      ok: main !== undefined && tagOf(i) === main,
      note: `${label(i)} is a <${tagOf(i) || '?'}>${main ? `, the component is <${main}>` : ', no custom element'}`,
    }));
    return share(
      ctx,
      judged,
      'every instance on both levels is the same custom element (a tag name with a hyphen)',
      'the component instances',
    );
  };
}

/** The samples of each device, by name, for a check's whole run. */
function samplesOf(ctx: GradeContext, s: GaugeSpec): Map<string, Sample[]> {
  return new Map(s.devices.map((d) => [d.name, publishedSamples(ctx, d.name, d.quantity)]));
}

/**
 * Each instance shows (data-value) a value its device published within the stated time before
 * the reading, within the tolerance; judged against the device it names (one it does not name
 * is wrong). Readings with no sample of the device in that time are not judged.
 */
export function gaugeValueCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const samples = samplesOf(ctx, s);
    const within = s.withinS * 1000;
    const judged: Judged[] = [];
    for (const i of instances(ctx, s)) {
      const d = i.r.found ? (namedDevice(ctx, s, i.r) ?? i.want) : i.want;
      if (!d) continue;
      const recent = samples.get(d.name)!.filter((x) => x.t >= i.r.t - within && x.t <= i.r.t);
      if (recent.length === 0) continue;
      const named = i.r.found && namedDevice(ctx, s, i.r) !== undefined;
      const v = attrNumber(attr(i.r, 'data-value'));
      const ok =
        named &&
        i.r.visible === true &&
        v !== undefined &&
        recent.some((x) => Math.abs(x.v - v) <= d.tolerance + 1e-9);
      judged.push({
        e: i.r,
        ok,
        note: !i.r.found
          ? `no ${i.r.testid}`
          : !named
            ? `${label(i)} names none of the lab's devices`
            : `${label(i)} showed data-value ${JSON.stringify(attr(i.r, 'data-value') ?? null)}, ${d.name} published ${recent.map((x) => x.v).join(', ')}`,
      });
    }
    return share(
      ctx,
      judged,
      `each instance shows a value its device published within ${s.withinS} s (± its tolerance)`,
      'the values',
    );
  };
}

/** Every instance carries its device's unit, and its scale: all or nothing. */
export function gaugeAttrCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
  which: 'unit' | 'scale',
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const judged: Judged[] = [];
    for (const i of instances(ctx, s)) {
      if (!i.r.found || attrNumber(attr(i.r, 'data-value')) === undefined) continue;
      const d = namedDevice(ctx, s, i.r);
      if (!d) continue;
      if (which === 'unit') {
        const u = attr(i.r, 'data-unit');
        judged.push({
          e: i.r,
          ok: u !== undefined && (u === d.unit || (d.aliases ?? []).includes(u)),
          note: `${label(i)} showed data-unit ${JSON.stringify(u ?? null)}, ${d.name}'s unit is ${d.unit}`,
        });
      } else {
        const lo = attrNumber(attr(i.r, 'data-min'));
        const hi = attrNumber(attr(i.r, 'data-max'));
        judged.push({
          e: i.r,
          ok: lo === d.min && hi === d.max,
          note: `${label(i)} had data-min ${JSON.stringify(attr(i.r, 'data-min') ?? null)}, data-max ${JSON.stringify(attr(i.r, 'data-max') ?? null)}; ${d.name}'s scale is ${d.min}–${d.max}`,
        });
      }
    }
    return allOrNothing(
      share(
        ctx,
        judged,
        which === 'unit'
          ? "every instance carries its device's own unit"
          : "every instance's scale is its device's range",
        which === 'unit' ? 'the units' : 'the scales',
      ),
    );
  };
}

/**
 * The zone each instance shows (data-zone) at readings where its device stayed in one zone over
 * the stated time before (the last sample before that time and every one within it); readings
 * where the zone changed within that time are not judged. One check per zone, all or nothing;
 * `normal` counts only when the page showed warn or alarm at some reading where the device was
 * in that zone (a page that shows normal always has told nothing apart).
 */
export function gaugeZoneCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => GaugeSpec,
  zone: Zone,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const samples = samplesOf(ctx, s);
    const within = s.withinS * 1000;
    const judged: Judged[] = [];
    let toldApart = false;
    for (const i of instances(ctx, s)) {
      const d = i.r.found ? namedDevice(ctx, s, i.r) : i.want;
      if (!d) continue;
      const all = samples.get(d.name)!;
      const before = all.filter((x) => x.t < i.r.t - within).at(-1);
      const span = all.filter((x) => x.t >= i.r.t - within && x.t <= i.r.t);
      const zones = new Set([...(before ? [before] : []), ...span].map((x) => zoneOf(d, x.v)));
      if (zones.size !== 1) continue;
      const want = [...zones][0]!;
      const shown = i.r.found && i.r.visible === true ? attr(i.r, 'data-zone') : undefined;
      if (want !== 'normal' && shown === want) toldApart = true;
      if (want !== zone) continue;
      const last = span.at(-1) ?? before!;
      judged.push({
        e: i.r,
        ok: shown === want,
        note: `${label(i)} showed data-zone ${JSON.stringify(shown ?? null)} at ${last.v} (${d.name}: warn from ${d.warn}, alarm from ${d.alarm})`,
      });
    }
    const out = allOrNothing(
      share(
        ctx,
        judged,
        `data-zone "${zone}" at every reading where the device was in that zone by its own thresholds`,
        `the ${zone} zones`,
      ),
    );
    if (zone === 'normal' && !toldApart)
      return {
        ...out,
        score: 0,
        seen: `no instance showed warn or alarm while its device was in that zone${pageNote(ctx)}`,
      };
    return out;
  };
}
