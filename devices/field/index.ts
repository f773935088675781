/** The device registry of models: one factory per device kind. */
import type { DevicePlan } from './plan.js';
import { ActuatorModel } from './actuator.js';
import { FirmwareDevice, FirmwareModel } from './firmware.js';
import type { DeviceModel, ModelContext } from './model.js';
import { SensorModel } from './sensor.js';
import { SwitchModel } from './switch.js';

export function createModel(plan: DevicePlan, ctx: ModelContext): DeviceModel {
  const model = modelOfKind(plan, ctx);
  return plan.firmware ? new FirmwareDevice(model, new FirmwareModel(plan.firmware)) : model;
}

function modelOfKind(plan: DevicePlan, ctx: ModelContext): DeviceModel {
  switch (plan.spec.kind) {
    case 'analog':
    case 'digital':
      return new SensorModel(plan, ctx);
    case 'switch':
      return new SwitchModel(plan, ctx);
    case 'actuator':
      return new ActuatorModel(plan, ctx);
  }
}

export type { DeviceModel, Truth, Command, CommandOutcome, Value } from './model.js';
export { parseCommand } from './model.js';
export { compareVersions, parseFirmwareRequest } from './firmware.js';
export type { FirmwareIntent, FirmwareReply, FirmwareRequest } from './firmware.js';
