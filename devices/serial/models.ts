/** The serial devices' models, built without opening anything (truth for graders and tests). */
import { LabError } from '../../core/errors.js';
import type { ByteDevice } from './model.js';
import type { SerialRuntimeDeps } from './runtime.js';

/** Creates the models without opening anything (truth for graders and tests). */
export function createByteDevices(
  deps: Pick<SerialRuntimeDeps, 'plans' | 'factories' | 'context' | 'seed' | 'faults'>,
): Map<string, ByteDevice> {
  const devices = new Map<string, ByteDevice>();
  for (const plan of deps.plans) {
    const factory = deps.factories[plan.spec.kind];
    if (!factory)
      throw new LabError(
        'DEVICE_UNKNOWN',
        `no model for serial device kind "${plan.spec.kind}" (${plan.name})`,
      );
    devices.set(plan.id, factory(plan, { ...deps.context, seed: deps.seed, faults: deps.faults }));
  }
  return devices;
}
