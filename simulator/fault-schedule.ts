/**
 * Puts a lab's faults on its clock: the scenario's faults at lab start, and the faults a trainer
 * injects or clears through the Lab API. Each fault goes into the FaultBook (device models read it
 * for truth) and its start and end are recorded as `fault` evidence when they happen, so a grader
 * replaying the log sees the timeline a correct client saw.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { LabError } from '../core/errors.js';
import type { RecordFn } from '../core/evidence.js';
import type { Fault, FaultBook } from '../core/faults.js';
import type { FaultSpec } from './scenario.js';
import type { FaultType } from '../core/faults.js';

/** What a fault does and for how long, apart from its device and start. */
export interface FaultParams {
  type: FaultType;
  /** Seconds; absent = until cleared. */
  duration?: number | undefined;
  rate?: number | undefined;
  amplitude?: number | undefined;
  value?: number | undefined;
  delayMs?: number | undefined;
  password?: string | undefined;
}

export interface FaultScheduleDeps {
  clock: Clock;
  record: RecordFn;
  faults: FaultBook;
  /** The lab's timers, cleared when it stops. */
  timers: TimerHandle[];
  /** Called after each start or end is recorded (the lab republishes an offline device's status). */
  onEdge: (fault: Fault) => void;
}

export interface FaultSchedule {
  /** Adds the scenario's faults (ids `s<i>`, `at` seconds after lab start) and schedules them. */
  scheduleScenario: (
    specs: readonly FaultSpec[],
    deviceIdOf: (idOrName: string, type: FaultType) => string,
  ) => void;
  /** Starts a fault now (ids `f<n>`). */
  inject: (deviceId: string, params: FaultParams) => Fault;
  /** Ends an active fault now; FAULT_UNKNOWN when there is none by that id. */
  clear: (id: string) => Fault;
}

export function createFaultSchedule(deps: FaultScheduleDeps): FaultSchedule {
  const { clock, record, faults, timers, onEdge } = deps;
  let injected = 0;

  const evidence = (f: Fault, action: 'start' | 'end', origin: string): void => {
    record('fault', { action, origin, fault: { ...f } });
    onEdge(f);
  };

  const schedule = (f: Fault, origin: string): void => {
    faults.add(f);
    const now = clock.now();
    const startIn = f.start - now;
    if (startIn <= 0) evidence(f, 'start', origin);
    else timers.push(clock.setTimeout(() => evidence(f, 'start', origin), startIn));
    const end = f.end;
    // A fault cleared before its planned end already has its end in the log.
    if (end !== undefined)
      timers.push(
        clock.setTimeout(
          () => {
            if (f.end === end) evidence(f, 'end', origin);
          },
          Math.max(0, end - now),
        ),
      );
  };

  return {
    scheduleScenario(specs, deviceIdOf) {
      specs.forEach((f, i) => {
        const fault: Fault = {
          id: `s${i}`,
          deviceId: deviceIdOf(f.device, f.type),
          type: f.type,
          start: f.at * 1000,
          ...(f.duration !== undefined ? { end: (f.at + f.duration) * 1000 } : {}),
          ...faultParams(f),
        };
        schedule(fault, 'scenario');
      });
    },

    inject(deviceId, params) {
      const now = clock.now();
      const fault: Fault = {
        id: `f${++injected}`,
        deviceId,
        type: params.type,
        start: now,
        ...(params.duration !== undefined ? { end: now + params.duration * 1000 } : {}),
        ...faultParams(params),
      };
      schedule(fault, 'api');
      return fault;
    },

    clear(id) {
      const f = faults.end(id, clock.now());
      if (!f)
        throw new LabError('FAULT_UNKNOWN', `no active fault "${id}"`, {
          known: faults.all().map((x) => x.id),
        });
      evidence(f, 'end', 'api');
      return f;
    },
  };
}

/** The type-specific parameters, without keys for those absent. */
function faultParams(f: Omit<FaultParams, 'type' | 'duration'>): Partial<Fault> {
  const out: Partial<Fault> = {};
  if (f.rate !== undefined) out.rate = f.rate;
  if (f.amplitude !== undefined) out.amplitude = f.amplitude;
  if (f.value !== undefined) out.value = f.value;
  if (f.delayMs !== undefined) out.delayMs = f.delayMs;
  if (f.password !== undefined) out.password = f.password;
  return out;
}
