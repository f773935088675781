/**
 * Checks of a dashboard (a web app with a trend chart), from the `ui.read` evidence of its chart
 * element: the plotted series is the JSON the element carries in a stated data attribute
 * (`[[ts, value], …]`, ts the telemetry's own epoch ms), compared point by point with the samples
 * the sensor published (the broker's record), not with pixels. An alarm prompt is judged against
 * the stated rule played over the same samples: raised after N consecutive samples above the high
 * threshold, cleared by a sample below the low one (hysteresis).
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import { payloadJson } from './mqtt.js';
import { pageNote, readsOf, share, shownNumber, steady } from './ui.js';
import type { UiRead } from './ui.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent, TaskParams } from '../types.js';

/** One telemetry sample as published: lab time, its `ts` field (epoch ms) and the value. */
export interface Sample {
  t: number;
  ts: number;
  v: number;
}

/** The sensor's telemetry samples within [start, end], in publish order. */
export function publishedSamples(ctx: GradeContext, sensor: string, quantity: string): Sample[] {
  const topic = ctx.device(sensor).mqtt!.telemetryTopic;
  const out: Sample[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== topic) continue;
    if (e.t < ctx.start || e.t > ctx.end) continue;
    const body = payloadJson(e as MqttPublishEvent);
    if (typeof body !== 'object' || body === null) continue;
    const b = body as Record<string, unknown>;
    if (typeof b.ts === 'number' && typeof b[quantity] === 'number')
      out.push({ t: e.t, ts: b.ts, v: b[quantity] });
  }
  return out;
}

/** A number, or a string that is one (`"23.4"`); anything else (null, "", true) is none. */
function numberOf(v: unknown): number | undefined {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^\s*-?[\d.]+(e[-+]?\d+)?\s*$/i.test(v)
        ? Number(v)
        : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The points of a plotted series (`[[ts, value], …]`), or why the attribute is not one. */
export function parseSeries(text: string | null | undefined): [number, number][] | string {
  if (text === null || text === undefined) return 'no series attribute';
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return `not JSON: ${JSON.stringify(text.slice(0, 60))}`;
  }
  if (!Array.isArray(data)) return 'not an array of [ts, value] points';
  const out: [number, number][] = [];
  for (const p of data) {
    const pair = p as unknown[];
    if (!Array.isArray(pair) || pair.length < 2) return `a point ${JSON.stringify(p)} is no pair`;
    const x = numberOf(pair[0]);
    const y = numberOf(pair[1]);
    if (x === undefined || y === undefined)
      return `a point ${JSON.stringify(p)} is not two numbers`;
    out.push([x, y]);
  }
  return out;
}

export interface TrendSpec {
  /** The chart element's test id and the attribute holding its series. */
  testid: string;
  attr: string;
  sensor: string;
  quantity: string;
  /** A point's ts may differ from its sample's by this much (ms). */
  tsTolMs: number;
  /** A point's value may differ from its sample's by this much. */
  tolerance: number;
  /** The series holds every sample published in the last windowS s … */
  windowS: number;
  /** … up to withinS s before the reading … */
  withinS: number;
  /** … and none before fromS (the page's time to load and connect). */
  fromS: number;
}

type Judged = { e: EvidenceEvent; ok: boolean; note: string };

const seriesOfRead = (r: UiRead, attr: string): [number, number][] | string => {
  if (!r.found) return 'no chart element';
  const attrs = (r as { attrs?: Record<string, unknown> }).attrs ?? {};
  if (attrs.truncated !== undefined) return 'the series is longer than the runner keeps';
  const v = attrs[attr];
  return parseSeries(typeof v === 'string' ? v : null);
};

const nearest = (samples: readonly Sample[], x: number): Sample | undefined => {
  let best: Sample | undefined;
  for (const s of samples) if (!best || Math.abs(s.ts - x) < Math.abs(best.ts - x)) best = s;
  return best;
};

/**
 * Every plotted point is a sample the sensor published: its ts within tsTolMs of the sample's,
 * its value within the tolerance (per reading with at least one point: one wrong point makes the
 * reading wrong).
 */
export function trendValuesCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => TrendSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const samples = publishedSamples(ctx, s.sensor, s.quantity);
    const judged: Judged[] = [];
    for (const r of readsOf(ctx, s.testid)) {
      const series = seriesOfRead(r, s.attr);
      if (typeof series === 'string') {
        // A chart that is there but whose series cannot be read plots nothing checkable.
        if (r.found && series !== 'no series attribute')
          judged.push({ e: r, ok: false, note: `${s.testid}: ${series}` });
        continue;
      }
      if (series.length === 0) continue;
      const wrong = series.find(([x, y]) => {
        const m = nearest(samples, x);
        return !m || Math.abs(m.ts - x) > s.tsTolMs || Math.abs(m.v - y) > s.tolerance + 1e-9;
      });
      let note = `${series.length} points, all published samples`;
      if (wrong) {
        const m = nearest(samples, wrong[0]);
        note =
          m && Math.abs(m.ts - wrong[0]) <= s.tsTolMs
            ? `point [${wrong[0]}, ${wrong[1]}] plots ${wrong[1]}, the sample at ts ${m.ts} was ${m.v}`
            : `point [${wrong[0]}, ${wrong[1]}]: no sample published within ${s.tsTolMs} ms of that ts`;
      }
      judged.push({ e: r, ok: !wrong, note });
    }
    return share(
      ctx,
      judged,
      `every plotted point is a published sample (ts ± ${s.tsTolMs} ms, value ± ${s.tolerance})`,
      'the plotted values',
    );
  };
}

/**
 * At each reading the chart is seen and its series holds every sample published from windowS s
 * up to withinS s before the reading (none before fromS s): a live trend, not the latest value.
 * Readings with no such sample yet are not judged.
 */
export function trendSeriesCheck<P extends TaskParams>(
  spec: (ctx: GradeContext<P>) => TrendSpec,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const s = spec(ctx);
    const samples = publishedSamples(ctx, s.sensor, s.quantity);
    const judged: Judged[] = [];
    for (const r of readsOf(ctx, s.testid)) {
      const from = Math.max(r.t - s.windowS * 1000, ctx.start + s.fromS * 1000);
      const due = samples.filter((x) => x.t >= from && x.t <= r.t - s.withinS * 1000);
      if (due.length === 0) continue;
      const series = seriesOfRead(r, s.attr);
      if (typeof series === 'string') {
        judged.push({ e: r, ok: false, note: `${s.testid}: ${series}` });
        continue;
      }
      const missing = due.filter((x) => !series.some(([ts]) => Math.abs(ts - x.ts) <= s.tsTolMs));
      const visible = r.visible === true;
      judged.push({
        e: r,
        ok: visible && missing.length === 0,
        note: !visible
          ? `${s.testid} was not visible`
          : missing.length === 0
            ? `all ${due.length} samples of the window plotted`
            : `${missing.length} of ${due.length} samples of the window not plotted, first ts ${missing[0]!.ts}`,
      });
    }
    return share(
      ctx,
      judged,
      `the chart holds every sample of the last ${s.windowS} s (up to ${s.withinS} s before)`,
      'the chart',
    );
  };
}

/** Each reading of each element shows its stated number (thresholds shown on the page). */
export function shownConstantCheck<P extends TaskParams>(
  specs: (ctx: GradeContext<P>) => { testid: string; value: number }[],
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const judged: Judged[] = [];
    for (const spec of specs(ctx))
      for (const r of readsOf(ctx, spec.testid)) {
        const shown = r.visible === true ? shownNumber(r.text) : undefined;
        judged.push({
          e: r,
          ok: shown !== undefined && Math.abs(shown - spec.value) < 1e-9,
          note: `${spec.testid} showed ${JSON.stringify(r.found ? (r.text ?? '') : null)}, stated ${spec.value}`,
        });
      }
    return share(ctx, judged, 'each threshold shown with its stated value', 'the thresholds');
  };
}

export interface AlarmRule {
  /** Raised when this many consecutive samples are above `high`… */
  count: number;
  high: number;
  /** …cleared by one sample below `low`. */
  low: number;
}

/** The rule's state after each sample: raised or not, in publish order. */
export function ruleStates(samples: readonly Sample[], rule: AlarmRule): boolean[] {
  let above = 0;
  let on = false;
  return samples.map((s) => {
    above = s.v > rule.high ? above + 1 : 0;
    if (!on && above >= rule.count) on = true;
    else if (on && s.v < rule.low) on = false;
    return on;
  });
}

/**
 * Which readings of the alarm prompt a check judges:
 * - `raise`: the rule has it raised and the latest sample is above high — shown;
 * - `hold`: raised, the latest sample back at or below high (not yet below low) — still shown;
 * - `quiet`: the rule has never raised it (before any crossing, and after a spike too short
 *   for the rule) — hidden;
 * - `clear`: cleared by the rule after it was raised — hidden.
 * Each is all or nothing. `quiet` and `clear` need the prompt shown at some reading while the rule
 * had it raised (a page that never shows one has kept nothing quiet and cleared nothing).
 */
export type AlarmPhase = 'raise' | 'hold' | 'quiet' | 'clear';

export function ruleAlarmCheck<P extends TaskParams>(spec: {
  testid: string;
  sensor: string;
  quantity: string;
  withinS: number;
  rule: (ctx: GradeContext<P>) => AlarmRule;
  phase: AlarmPhase;
}): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const rule = spec.rule(ctx);
    const samples = publishedSamples(ctx, spec.sensor, spec.quantity);
    const states = ruleStates(samples, rule);
    /** Index of the last sample published at or before t, or -1. */
    const lastAt = (t: number): number => {
      let i = -1;
      while (i + 1 < samples.length && samples[i + 1]!.t <= t) i++;
      return i;
    };
    const stateAt = (t: number): boolean => {
      const i = lastAt(t);
      return i >= 0 && states[i]!;
    };
    const reads = readsOf(ctx, spec.testid);
    const phaseOf = (t: number): AlarmPhase | undefined => {
      const on = steady(t, spec.withinS * 1000, stateAt);
      if (on === undefined) return undefined;
      const i = lastAt(t);
      if (on) return samples[i]!.v > rule.high ? 'raise' : 'hold';
      return states.slice(0, i + 1).some(Boolean) ? 'clear' : 'quiet';
    };
    const shown = (r: UiRead) => r.found && r.visible === true;
    const judged: Judged[] = [];
    let shownWhenRaised = false;
    for (const r of reads) {
      const phase = phaseOf(r.t);
      if (phase === 'raise' || phase === 'hold') shownWhenRaised ||= shown(r);
      if (phase !== spec.phase) continue;
      const want = phase === 'raise' || phase === 'hold';
      const i = lastAt(r.t);
      judged.push({
        e: r,
        ok: shown(r) === want,
        note:
          `the prompt was ${shown(r) ? 'shown' : 'not shown'} while the rule had the alarm ` +
          `${want ? 'raised' : phase === 'clear' ? 'cleared' : 'not raised'} (latest sample ${i >= 0 ? samples[i]!.v : 'none'})`,
      });
    }
    const expected = {
      raise: `the prompt shown once ${rule.count} consecutive samples are above ${rule.high}`,
      hold: `the prompt still shown while the value is back between ${rule.low} and ${rule.high}`,
      quiet: `no prompt before the rule raises it (fewer than ${rule.count} samples above ${rule.high})`,
      clear: `the prompt hidden once a sample is below ${rule.low}`,
    }[spec.phase];
    const out = share(ctx, judged, expected, 'the alarm prompt');
    if ((spec.phase === 'quiet' || spec.phase === 'clear') && !shownWhenRaised)
      return {
        ...out,
        score: 0,
        seen: `the prompt was never shown while the rule had the alarm raised${pageNote(ctx)}`,
      };
    return { ...out, score: out.score === 1 ? 1 : 0 };
  };
}
