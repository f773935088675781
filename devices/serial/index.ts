/** Models of the byte-level device kinds, by scenario kind. */
import type { ByteDeviceFactory } from './model.js';
import { createModbusRtu } from './modbus-rtu.js';

export const serialFactories: Partial<Record<string, ByteDeviceFactory>> = {
  modbus_rtu: createModbusRtu,
};
