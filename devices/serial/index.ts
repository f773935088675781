/** Models of the byte-level device kinds, by scenario kind. */
import { createBarcodeScanner } from './barcode-scanner/model.js';
import { createBeaconScanner } from './beacon-scanner/model.js';
import { createCellularModem } from './cellular-modem/model.js';
import { createController } from './controller/model.js';
import { gnssFactory } from './gnss/model.js';
import type { ByteDeviceFactory } from './model.js';
import { createModbusRtu } from './modbus-rtu/model.js';
import { createRfidReader } from './rfid-reader/model.js';

export type SerialFactories = Partial<Record<string, ByteDeviceFactory>>;

/** Every built-in kind; `epochMs` is the wall time of lab time 0 (GNSS UTC follows it). */
export function serialFactoriesFor(opts: { epochMs: number }): SerialFactories {
  return {
    barcode_scanner: createBarcodeScanner,
    beacon_scanner: createBeaconScanner,
    cellular_modem: createCellularModem,
    controller: createController,
    gnss: gnssFactory({ epochMs: opts.epochMs }),
    modbus_rtu: createModbusRtu,
    rfid_reader: createRfidReader,
  };
}
