/**
 * Analog sensors (one channel, offered raw as 12-bit ADC counts, 4–20 mA or 0–10 V) and digital
 * sensors (one or more channels with a resolution, e.g. a temperature/humidity module).
 */
import type { FaultBook } from '../../core/faults.js';
import { isOnline } from '../../core/faults.js';
import type { DevicePlan } from './plan.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import type { CommandOutcome, DeviceModel, ModelContext, Truth, Value } from './model.js';
import { faultedValue, physicalValue, quantize, toRaw } from './signal.js';

export class SensorModel implements DeviceModel {
  private readonly seed: number;
  private readonly faults: FaultBook;

  constructor(
    readonly plan: DevicePlan,
    ctx: ModelContext,
  ) {
    this.seed = ctx.seed;
    this.faults = ctx.faults;
  }

  truth(t: number): Truth {
    const active = this.faults.activeAt(this.plan.id, t);
    const values: Record<string, Value> = {};
    const physical: Record<string, Value> = {};
    const units: Record<string, string> = {};
    for (const cp of this.plan.channels) {
      const q = cp.channel.quantity;
      values[q] = quantize(
        faultedValue(cp, this.seed, this.plan.id, t, active),
        cp.channel.resolution,
      );
      physical[q] = physicalValue(cp, t);
      units[q] = cp.channel.unit;
    }
    return { values, physical, units, online: isOnline(active), faults: active.map((f) => f.type) };
  }

  readRegister(entry: RegisterEntry, t: number): number {
    const cp = this.plan.channels.find((c) => c.channel.quantity === entry.quantity);
    if (!cp) throw new RangeError(`no channel ${entry.quantity} on ${this.plan.id}`);
    const v = faultedValue(cp, this.seed, this.plan.id, t, this.faults.activeAt(this.plan.id, t));
    if (entry.signal !== undefined) return toRaw(entry.signal, v, cp.channel.range);
    // Digital sensors: a signed 16-bit count of resolution steps (two's complement on the wire).
    const steps = Math.max(-32768, Math.min(32767, Math.round(v / entry.scale)));
    return steps & 0xffff;
  }

  command(): CommandOutcome {
    return { ok: false, message: `${this.plan.id} is a sensor: it takes no commands` };
  }

  nextChange(): undefined {
    return undefined;
  }
}
