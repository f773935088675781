/** Models of the byte-level device kinds, by scenario kind. */
import type { ByteDeviceFactory } from './model.js';

export const serialFactories: Partial<Record<string, ByteDeviceFactory>> = {};
