/**
 * Checks of a candidate's web app, from the `ui.*` evidence the task runner recorded while it
 * played the task's script (tasks/app-run.ts): what an element showed at lab time t is compared
 * with the truth over the stated reaction time before t. A reading taken while the truth changed
 * within that time is not held against the app (either state is right), so the checks ask only
 * what a correct app must show.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import { parseCommand } from '../../devices/field/model.js';
import { payloadText } from './mqtt.js';
import type { CheckOutcome, EvidenceRef, GradeContext, TaskParams } from '../types.js';

export interface UiRead extends EvidenceEvent {
  kind: 'ui.read';
  testid: string;
  found: boolean;
  text?: string;
  visible?: boolean;
  checked?: boolean | null;
}

/** The readings of one test id within [start, end], in order. */
export function readsOf(ctx: GradeContext, testid: string): UiRead[] {
  return ctx.events.filter(
    (e): e is UiRead =>
      e.kind === 'ui.read' && e.testid === testid && e.t >= ctx.start && e.t <= ctx.end,
  );
}

/**
 * f's value over [t - withinMs, t] (sampled every 100 ms and at both ends) when it holds one
 * value all that time; undefined when it changed (the app may show either).
 */
export function steady<T>(t: number, withinMs: number, f: (t: number) => T): T | undefined {
  const first = f(t - withinMs);
  for (let s = t - withinMs + 100; s < t; s += 100) if (f(s) !== first) return undefined;
  return f(t) === first ? first : undefined;
}

/** The first number a text shows, or undefined. */
export function shownNumber(text: string | undefined): number | undefined {
  const m = /[-−]?\d+(?:[.,]\d+)?/.exec(text ?? '');
  return m ? Number(m[0].replace('−', '-').replace(',', '.')) : undefined;
}

/** online / offline as a text shows it (在线 / 离线, online / offline), or undefined. */
export function shownOnline(text: string | undefined): boolean | undefined {
  const s = (text ?? '').toLowerCase();
  const off = /离线|offline|off-line/.test(s);
  const on = /在线|online|on-line/.test(s);
  return off === on ? undefined : on;
}

const refOf = (e: EvidenceEvent, note: string): EvidenceRef => ({ seq: e.seq, t: e.t, note });

/** Why a page may have shown nothing: its load, errors, dialogs, blocked requests, timeouts. */
export function pageNote(ctx: GradeContext): string {
  const load = ctx.events.find((e) => e.kind === 'ui.load');
  const errors = ctx.events.filter((e) => e.kind === 'ui.error');
  const launch = errors.find((e) => e.stage === 'launch');
  if (launch) return `; the browser did not start: ${String(launch.error)}`;
  if (!load) return '; the page was never opened';
  const parts: string[] = [];
  if (load.ok !== true)
    parts.push(
      `the page did not load (${(typeof load.error === 'string' ? load.error : `HTTP ${String(load.status)}`).split('\n')[0]})`,
    );
  const consoleOf = (level: string) =>
    ctx.events.filter((e) => e.kind === 'ui.console' && e.level === level);
  const pageErrors = consoleOf('pageerror');
  if (pageErrors.length > 0)
    parts.push(`${pageErrors.length} script error(s), first: ${String(pageErrors[0]!.text)}`);
  const consoleErrors = consoleOf('error');
  if (consoleErrors.length > 0)
    parts.push(
      `${consoleErrors.length} console error(s), first: ${String(consoleErrors[0]!.text)}`,
    );
  const dialogs = consoleOf('dialog');
  if (dialogs.length > 0) parts.push(`${dialogs.length} dialog(s) (alert/confirm) dismissed`);
  const blocked = ctx.events.filter((e) => e.kind === 'ui.request' && e.blocked === true);
  if (blocked.length > 0)
    parts.push(
      `${blocked.length} request(s) outside the lab blocked, first ${String(blocked[0]!.url)}`,
    );
  const failed = ctx.events.filter((e) => e.kind === 'ui.request' && e.blocked !== true);
  if (failed.length > 0)
    parts.push(
      `${failed.length} request(s) failed, first ${String(failed[0]!.url)} (${String(failed[0]!.status ?? failed[0]!.failure)})`,
    );
  const timeouts = errors.filter((e) => e.stage !== 'launch');
  if (timeouts.length > 0)
    parts.push(
      `the page did not answer ${timeouts.length} step(s) (${String(timeouts[0]!.error)})`,
    );
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** The share of readings that are right; readings the truth leaves open are not counted. */
export function share(
  ctx: GradeContext,
  judged: { e: EvidenceEvent; ok: boolean; note: string }[],
  expected: string,
  what: string,
): CheckOutcome {
  if (judged.length === 0)
    return { score: 0, expected, seen: `no reading of ${what}${pageNote(ctx)}`, evidence: [] };
  const good = judged.filter((j) => j.ok).length;
  const bad = judged.filter((j) => !j.ok);
  return {
    score: good / judged.length,
    expected,
    seen:
      `${good} of ${judged.length} readings of ${what} right` +
      (bad.length > 0 ? `; first wrong: ${bad[0]!.note}${pageNote(ctx)}` : ''),
    evidence: (bad.length > 0 ? bad : judged).slice(0, 5).map((j) => refOf(j.e, j.note)),
  };
}

export interface ValueSpec {
  testid: string;
  sensor: string;
  quantity: string;
  withinS: number;
  /** Units the text may show (any of them), e.g. ['°C', '℃']. */
  units: readonly string[];
}

/** The published values of a sensor in [t - within, t], from its telemetry publishes. */
function publishedValues(ctx: GradeContext, spec: ValueSpec, t: number): number[] {
  const topic = ctx.device(spec.sensor).mqtt!.telemetryTopic;
  const out: number[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== topic) continue;
    if (e.t < t - spec.withinS * 1000 || e.t > t) continue;
    const v = ctx.truth(spec.sensor, e.t).values[spec.quantity];
    if (typeof v === 'number') out.push(v);
  }
  return out;
}

/** Each reading shows a value the sensor published within N s before it (± its resolution). */
export function shownValueCheck<P extends TaskParams>(
  specs: (ctx: GradeContext<P>) => ValueSpec[],
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const spec of specs(ctx)) {
      const resolution =
        ctx.device(spec.sensor).channels.find((c) => c.channel.quantity === spec.quantity)?.channel
          .resolution ?? 0.1;
      for (const r of readsOf(ctx, spec.testid)) {
        const truth = publishedValues(ctx, spec, r.t);
        if (truth.length === 0) continue;
        const shown = r.visible === true ? shownNumber(r.text) : undefined;
        const ok =
          shown !== undefined && truth.some((v) => Math.abs(v - shown) <= resolution + 1e-9);
        judged.push({
          e: r,
          ok,
          note: `${spec.testid} showed ${JSON.stringify(r.found ? (r.text ?? '') : null)}, published ${truth.join(', ')}`,
        });
      }
    }
    return share(
      ctx,
      judged,
      'each value shown is one the sensor published within the stated time',
      'the values',
    );
  };
}

/** Each reading with a number shows its unit. */
export function shownUnitCheck<P extends TaskParams>(
  specs: (ctx: GradeContext<P>) => ValueSpec[],
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const spec of specs(ctx))
      for (const r of readsOf(ctx, spec.testid)) {
        const text = r.visible === true ? (r.text ?? '') : '';
        const ok = shownNumber(text) !== undefined && spec.units.some((u) => text.includes(u));
        judged.push({ e: r, ok, note: `${spec.testid} showed ${JSON.stringify(text)}` });
      }
    return share(ctx, judged, 'each value shown with its unit', 'the units');
  };
}

/** Each reading of a device's status shows online/offline as the device was over N s before. */
export function shownOnlineCheck<P extends TaskParams>(
  specs: (ctx: GradeContext<P>) => { testid: string; device: string }[],
  withinS: number,
): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const spec of specs(ctx))
      for (const r of readsOf(ctx, spec.testid)) {
        const truth = steady(r.t, withinS * 1000, (t) => ctx.truth(spec.device, t).online);
        if (truth === undefined) continue;
        const shown = r.visible === true ? shownOnline(r.text) : undefined;
        judged.push({
          e: r,
          ok: shown === truth,
          note: `${spec.testid} showed ${JSON.stringify(r.text ?? null)} while the device was ${truth ? 'online' : 'offline'}`,
        });
      }
    return share(ctx, judged, 'each device shown online or offline as it is', 'the statuses');
  };
}

/**
 * Every reading of the switch shows the actuator's own state (not what was tapped): all or
 * nothing, as a switch that shows a state the device is not in misleads its user once is enough.
 */
export function switchFollowsDeviceCheck<P extends TaskParams>(spec: {
  testid: string;
  actuator: string;
  withinS: number;
}): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const r of readsOf(ctx, spec.testid)) {
      const on = steady(r.t, spec.withinS * 1000, (t) => ctx.truth(spec.actuator, t).values.on);
      if (typeof on !== 'boolean') continue;
      judged.push({
        e: r,
        ok: r.visible === true && r.checked === on,
        note: `the switch showed ${r.found ? String(r.checked ?? 'no on/off state') : 'nothing'} while the device was ${on ? 'on' : 'off'}`,
      });
    }
    const out = share(
      ctx,
      judged,
      "the switch shows the device's state at every reading",
      'the switch',
    );
    return { ...out, score: out.score === 1 ? 1 : 0 };
  };
}

/** Each tap on the switch while the device is online sends it an on/off command within N s. */
export function tapCommandCheck<P extends TaskParams>(spec: {
  testid: string;
  actuator: string;
  withinS: number;
}): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const topic = ctx.device(spec.actuator).mqtt!.commandTopic!;
    const within = spec.withinS * 1000;
    const script = ctx.events.filter((e) => e.kind === 'ui.action' && e.testid === spec.testid);
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const tap of script) {
      // From when the tap was issued: its publish may be recorded before the tap's own event.
      const at = typeof tap.issued === 'number' ? tap.issued : tap.t;
      const online = steady(at + within, within, (t) => ctx.truth(spec.actuator, t).online);
      if (online !== true) continue;
      const sent = ctx
        .clientPublishes()
        .find(
          (p) =>
            p.topic === topic &&
            p.t >= at &&
            p.t <= at + within &&
            parseCommand(payloadText(p)) !== undefined,
        );
      judged.push({
        e: sent ?? tap,
        ok: tap.ok === true && sent !== undefined,
        note:
          tap.ok !== true
            ? `the tap did not reach the switch (${typeof tap.error === 'string' ? tap.error : ''})`
            : sent
              ? `command ${payloadText(sent)}`
              : `no on/off command on ${topic} within ${spec.withinS} s of the tap`,
      });
    }
    return share(ctx, judged, 'each tap sends the device a command', 'the taps');
  };
}

/**
 * The alarm prompt: `raise` — shown at every reading where the condition held over the stated
 * time (and there is one); `clear` — hidden at every reading where it did not, once the prompt
 * has been seen at all (a page that never shows one has cleared nothing).
 */
export function alarmPromptCheck<P extends TaskParams>(spec: {
  testid: string;
  withinS: number;
  condition: (ctx: GradeContext<P>, t: number) => boolean;
  which: 'raise' | 'clear';
}): (ctx: GradeContext<P>) => CheckOutcome {
  return (ctx) => {
    const reads = readsOf(ctx, spec.testid);
    const want = spec.which === 'raise';
    const judged: { e: EvidenceEvent; ok: boolean; note: string }[] = [];
    for (const r of reads) {
      const cond = steady(r.t, spec.withinS * 1000, (t) => spec.condition(ctx, t));
      if (cond !== want) continue;
      const shown = r.found && r.visible === true;
      judged.push({
        e: r,
        ok: shown === want,
        note: `the prompt was ${shown ? 'shown' : 'not shown'} while the alarm condition ${want ? 'held' : 'did not hold'}`,
      });
    }
    const everShown = reads.some((r) => r.found && r.visible === true);
    const out = share(
      ctx,
      judged,
      want ? 'the prompt shown while the alarm holds' : 'the prompt hidden when the alarm clears',
      'the alarm prompt',
    );
    if (!want && !everShown)
      return { ...out, score: 0, seen: `the prompt was never shown${pageNote(ctx)}` };
    return { ...out, score: out.score === 1 ? 1 : 0 };
  };
}
