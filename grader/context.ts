/**
 * The grading context of one run: the lab plan rebuilt from the task's scenario and the seed, and
 * device truth recomputed from it, with the faults, actuator changes and firmware upgrades the
 * evidence recorded (DESIGN.md principle 4: evidence, not state).
 */
import { createModel } from '../devices/field/index.js';
import type { DeviceModel } from '../devices/field/index.js';
import type { EvidenceEvent } from '../core/evidence.js';
import { LabError } from '../core/errors.js';
import type { Fault } from '../core/faults.js';
import { FaultBook } from '../core/faults.js';
import type { LabPlan } from '../simulator/plan.js';
import { topicMatches } from './checks/mqtt.js';
import type { AnswerEvent, GradeContext, MqttPublishEvent, TaskParams } from './types.js';

export function buildContext<P extends TaskParams>(
  params: P,
  seed: number,
  plan: LabPlan,
  events: readonly EvidenceEvent[],
  timeLimitS: number,
): GradeContext<P> {
  const faults = new FaultBook();
  for (const e of events) {
    if (e.kind !== 'fault') continue;
    const f = e.fault as Fault | undefined;
    if (!f || typeof f.id !== 'string') continue;
    if (e.action === 'start' && !faults.get(f.id)) faults.add({ ...f });
    else if (e.action === 'end') {
      if (!faults.get(f.id)) faults.add({ ...f });
      faults.end(f.id, typeof f.end === 'number' ? f.end : e.t);
    }
  }
  const models = new Map<string, DeviceModel>();
  for (const p of plan.devices) models.set(p.name, createModel(p, { seed, faults }));
  const byId = new Map<string, DeviceModel>();
  for (const m of models.values()) byId.set(m.plan.id, m);
  // Actuator state changes and accepted firmware upgrades are evidence too: replay them so
  // truth knows them.
  for (const e of events) {
    if (e.kind !== 'device.state' || typeof e.device !== 'string') continue;
    const m = byId.get(e.device);
    const on = (e.values as Record<string, unknown> | undefined)?.on;
    if (m && m.plan.spec.kind === 'actuator' && typeof on === 'boolean') m.command({ on }, e.t);
    const fw = e.firmware as { op?: unknown; to?: unknown } | undefined;
    if (m?.firmware && fw?.op === 'upgrade' && typeof fw.to === 'string')
      m.firmware.install(fw.to, e.t);
  }
  const startEvent = events.find((e) => e.kind === 'lab.start');
  const stopEvent = events.find((e) => e.kind === 'lab.stop');
  const start = startEvent?.t ?? 0;
  const end = Math.min(start + timeLimitS * 1000, stopEvent?.t ?? Infinity);
  const inWindow = (e: EvidenceEvent) => e.t >= start && e.t <= end;
  let publishes: MqttPublishEvent[] | undefined;
  let answers: Map<string, AnswerEvent> | undefined;

  const model = (name: string): DeviceModel => {
    const m = models.get(name);
    if (!m) throw new LabError('TASK_INVALID', `the task's scenario has no device "${name}"`);
    return m;
  };
  return {
    params,
    seed,
    plan,
    events,
    start,
    end,
    device: (name) => model(name).plan,
    truth: (name, t) => model(name).truth(t),
    changes(name) {
      const m = model(name);
      const out: number[] = [];
      let t = start;
      for (let next = m.nextChange(t); next !== undefined && next <= end; next = m.nextChange(t)) {
        out.push(next);
        t = next;
      }
      return out;
    },
    clientPublishes() {
      publishes ??= events.filter(
        (e): e is MqttPublishEvent =>
          e.kind === 'mqtt.publish' && e.origin === 'client' && e.denied !== true && inWindow(e),
      );
      return publishes;
    },
    subscriptions(topic) {
      return events.filter(
        (e) =>
          e.kind === 'mqtt.subscribe' &&
          e.denied !== true &&
          e.t <= end &&
          Array.isArray(e.subscriptions) &&
          (e.subscriptions as { topic?: unknown }[]).some(
            (s) => typeof s.topic === 'string' && topicMatches(s.topic, topic),
          ),
      );
    },
    answers() {
      if (!answers) {
        answers = new Map();
        for (const e of events)
          if (e.kind === 'answer' && inWindow(e) && typeof e.key === 'string')
            answers.set(e.key, e as AnswerEvent);
      }
      return answers;
    },
  };
}
