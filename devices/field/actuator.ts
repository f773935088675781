/**
 * Actuators: relay, fan, pump, valve, LED, buzzer, alarm light. The state changes only by command
 * (from MQTT, CoAP or Modbus alike); the model keeps the history so truth at any past t is known.
 */
import type { FaultBook } from '../../core/faults.js';
import { isOnline } from '../../core/faults.js';
import type { DevicePlan } from './plan.js';
import type { Command, CommandOutcome, DeviceModel, ModelContext, Truth } from './model.js';

export class ActuatorModel implements DeviceModel {
  private readonly faults: FaultBook;
  private readonly history: { t: number; on: boolean }[];

  constructor(
    readonly plan: DevicePlan,
    ctx: ModelContext,
  ) {
    if (plan.spec.kind !== 'actuator') throw new TypeError('ActuatorModel needs an actuator');
    this.faults = ctx.faults;
    this.history = [{ t: 0, on: plan.spec.initial }];
  }

  stateAt(t: number): boolean {
    let on = this.history[0]?.on ?? false;
    for (const h of this.history) {
      if (h.t > t) break;
      on = h.on;
    }
    return on;
  }

  truth(t: number): Truth {
    const active = this.faults.activeAt(this.plan.id, t);
    const on = this.stateAt(t);
    return {
      values: { on },
      physical: { on },
      units: { on: '' },
      online: isOnline(active),
      faults: active.map((f) => f.type),
    };
  }

  readRegister(_entry: unknown, t: number): boolean {
    return this.stateAt(t);
  }

  command(cmd: Command, t: number): CommandOutcome {
    const before = this.stateAt(t);
    if (before !== cmd.on) this.history.push({ t, on: cmd.on });
    return { ok: true, changed: before !== cmd.on, state: { on: cmd.on } };
  }

  nextChange(): undefined {
    return undefined;
  }
}
