/**
 * Actuator checks: after a trigger device's edge (a door opens, a button is pressed), the
 * actuator reaches the expected state within N s; and it changes only in answer to such edges
 * (no flapping, no stray commands).
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref, someRefs } from './mqtt.js';
import { switchEdges, watchedFrom } from './switch.js';
import type { SwitchEdge } from './switch.js';

export interface ReactionSpec {
  trigger: string;
  quantity: string;
  actuator: string;
  withinS: number;
}

/**
 * Edges a candidate can be held to: after its program could first see the trigger (watchedFrom),
 * at least N s before the deadline, and not undone by the trigger's next edge within N s (a door
 * that shuts again at once asks for no alarm).
 */
function dueEdges(ctx: GradeContext, spec: ReactionSpec): SwitchEdge[] {
  const within = spec.withinS * 1000;
  const from = watchedFrom(ctx, spec.trigger);
  const all = switchEdges(ctx, spec.trigger, spec.quantity);
  return all.filter(
    (e, i) =>
      e.t > from && e.t <= ctx.end - within && !(all[i + 1] && all[i + 1]!.t - e.t <= within),
  );
}

function stateChanges(ctx: GradeContext, actuator: string): (EvidenceEvent & { on: boolean })[] {
  const id = ctx.device(actuator).id;
  return ctx.events
    .filter(
      (e) =>
        e.kind === 'device.state' &&
        e.device === id &&
        // Its on/off changes only, not a firmware upgrade or restart of the same device.
        e.values !== undefined &&
        e.t >= ctx.start &&
        e.t <= ctx.end,
    )
    .map((e) => ({ ...e, on: (e.values as { on?: unknown } | undefined)?.on === true }));
}

/** The trigger's own recorded state change at an edge (the lab records each as device.state). */
function edgeRef(ctx: GradeContext, trigger: string, e: SwitchEdge) {
  const id = ctx.device(trigger).id;
  const line = ctx.events.find(
    (x) => x.kind === 'device.state' && x.device === id && Math.abs(x.t - e.t) < 250,
  );
  const note = `${trigger} → ${e.to} at ${(e.t / 1000).toFixed(1)} s, not answered in time`;
  return line ? ref(line, note) : { seq: -1, t: e.t, note: `${note} (no recorded line)` };
}

/** Share of the trigger's edges to `when` after which the actuator was `expect` within N s. */
export function reactionCheck<P extends TaskParams>(
  spec: ReactionSpec & {
    when: boolean;
    expect: boolean;
    /**
     * Count an edge only if the actuator had been in the opposite state since the trigger's
     * previous edge (switching off counts only what was switched on: doing nothing scores 0).
     */
    fromOpposite?: boolean;
  },
) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const due = dueEdges(ctx, spec).filter((e) => e.to === spec.when);
    const changes = stateChanges(ctx, spec.actuator);
    const within = spec.withinS * 1000;
    const missed: SwitchEdge[] = [];
    const all = switchEdges(ctx, spec.trigger, spec.quantity);
    for (const e of due) {
      const prev = [...all].reverse().find((x) => x.t < e.t);
      const wasOpposite =
        !spec.fromOpposite ||
        ctx.truth(spec.actuator, e.t).values.on === !spec.expect ||
        changes.some((c) => c.t >= (prev?.t ?? ctx.start) && c.t <= e.t && c.on === !spec.expect);
      const reached =
        (wasOpposite && ctx.truth(spec.actuator, e.t + within).values.on === spec.expect) ||
        changes.some((c) => c.t >= e.t && c.t <= e.t + within && c.on === spec.expect);
      if (!reached) missed.push(e);
    }
    const share = due.length === 0 ? 0 : (due.length - missed.length) / due.length;
    const what = `${spec.actuator} ${spec.expect ? 'on' : 'off'} within ${spec.withinS} s after ${spec.trigger} ${spec.quantity} → ${spec.when}`;
    return {
      score: share,
      expected: `${what}, every time`,
      seen:
        due.length === 0
          ? `no such edge happened before the deadline (the run cannot show this)`
          : `${due.length - missed.length} of ${due.length} edges answered in time`,
      evidence:
        missed.length > 0
          ? missed.slice(0, 5).map((e) => edgeRef(ctx, spec.trigger, e))
          : someRefs(changes),
      ...(missed.length > 0
        ? {
            hint: {
              zh: `${spec.trigger} 状态变化后 ${spec.withinS} 秒内没有把 ${spec.actuator} ${spec.expect ? '打开' : '关闭'}：订阅它的遥测，并在每次变化时立即下发命令。`,
              en: `After ${spec.trigger} changed, ${spec.actuator} was not switched ${spec.expect ? 'on' : 'off'} within ${spec.withinS} s: subscribe to its telemetry and command on every change.`,
            },
          }
        : {}),
    };
  };
}

/** Every actuator change follows a trigger edge to the matching state within N s (no flapping). */
export function onlyOnEdgesCheck<P extends TaskParams>(spec: ReactionSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const all = switchEdges(ctx, spec.trigger, spec.quantity);
    const changes = stateChanges(ctx, spec.actuator);
    const stray = changes.filter(
      (c) => !all.some((e) => c.t >= e.t && c.t <= e.t + spec.withinS * 1000 && e.to === c.on),
    );
    return {
      score: changes.length > 0 && stray.length === 0 ? 1 : 0,
      expected: `${spec.actuator} changes only within ${spec.withinS} s after a matching ${spec.trigger} edge`,
      seen:
        changes.length === 0
          ? `${spec.actuator} never changed`
          : `${stray.length} of ${changes.length} changes without a matching edge`,
      evidence: stray.slice(0, 5).map((c) => ref(c, `${spec.actuator} → ${c.on ? 'on' : 'off'}`)),
      ...(stray.length > 0
        ? {
            hint: {
              zh: `${spec.actuator} 出现了与 ${spec.trigger} 状态不对应的动作（抖动或多余命令）。`,
              en: `${spec.actuator} changed without a matching ${spec.trigger} change (flapping or stray commands).`,
            },
          }
        : {}),
    };
  };
}
