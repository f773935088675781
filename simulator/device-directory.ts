/**
 * Finds a lab's devices by id or by scenario name: socket devices (MQTT, CoAP, Modbus TCP) by
 * their model, serial devices by their byte-level model, and either kind's id for faults.
 */
import type { DeviceModel } from '../devices/field/index.js';
import type { ByteDevice } from '../devices/serial/model.js';
import { LabError } from '../core/errors.js';
import type { LabPlan } from './plan.js';

export interface DeviceDirectory {
  /** A socket device's model; DEVICE_UNKNOWN otherwise. */
  model: (idOrName: string) => DeviceModel;
  /** A serial device's model; DEVICE_UNKNOWN otherwise. */
  byteDevice: (idOrName: string) => ByteDevice;
  /** The id of any device, socket or serial; DEVICE_UNKNOWN otherwise. */
  idOf: (idOrName: string) => string;
}

/** `byteDevices` is read at each lookup, so the lab may fill it after creating the directory. */
export function createDeviceDirectory(
  plan: LabPlan,
  models: ReadonlyMap<string, DeviceModel>,
  byteDevices: ReadonlyMap<string, ByteDevice>,
): DeviceDirectory {
  const byName = new Map<string, DeviceModel>();
  for (const m of models.values()) byName.set(m.plan.name, m);

  return {
    model(idOrName) {
      const m = models.get(idOrName) ?? byName.get(idOrName);
      if (!m)
        throw new LabError('DEVICE_UNKNOWN', `no device "${idOrName}" in this lab`, {
          known: [...models.keys()],
        });
      return m;
    },

    byteDevice(idOrName) {
      const d =
        byteDevices.get(idOrName) ??
        [...byteDevices.values()].find((x) => x.plan.name === idOrName);
      if (!d)
        throw new LabError('DEVICE_UNKNOWN', `no serial device "${idOrName}" in this lab`, {
          known: [...byteDevices.keys()],
        });
      return d;
    },

    idOf(idOrName) {
      if (models.has(idOrName) || byteDevices.has(idOrName)) return idOrName;
      const id = byName.get(idOrName)?.plan.id ?? plan.serial.find((p) => p.name === idOrName)?.id;
      if (!id)
        throw new LabError('DEVICE_UNKNOWN', `no device "${idOrName}" in this lab`, {
          known: [...models.keys(), ...byteDevices.keys()],
        });
      return id;
    },
  };
}
