/**
 * Scenario schema of byte-level (serial) devices: tag readers, scanners, GNSS, modem, beacon
 * scanner, the custom-protocol controller and Modbus RTU lines. Each is reachable as raw TCP,
 * optionally a PTY, or a real serial port, with its line settings. Each kind's section lives in
 * its folder (devices/serial/<kind>/scenario.ts); this file lists the kinds.
 */
import { z } from 'zod';
import type { RfidReaderSpec } from './rfid-reader/scenario.js';
import { RfidReaderDevice } from './rfid-reader/scenario.js';
import type { BarcodeScannerSpec } from './barcode-scanner/scenario.js';
import { BarcodeScannerDevice } from './barcode-scanner/scenario.js';
import type { GnssSpec } from './gnss/scenario.js';
import { GnssDevice } from './gnss/scenario.js';
import type { CellularModemSpec } from './cellular-modem/scenario.js';
import { CellularModemDevice } from './cellular-modem/scenario.js';
import type { BeaconScannerSpec } from './beacon-scanner/scenario.js';
import { BeaconScannerDevice } from './beacon-scanner/scenario.js';
import type { ControllerSpec } from './controller/scenario.js';
import { ControllerDevice } from './controller/scenario.js';
import type { ModbusRtuSpec } from './modbus-rtu/scenario.js';
import { ModbusRtuDevice } from './modbus-rtu/scenario.js';

export const SERIAL_KINDS = [
  'rfid_reader',
  'barcode_scanner',
  'gnss',
  'cellular_modem',
  'beacon_scanner',
  'controller',
  'modbus_rtu',
] as const;
export type SerialKind = (typeof SERIAL_KINDS)[number];

/**
 * Serial kinds whose frames end in a CRC-16: the ones a `crc-error` fault applies to (their models
 * implement `corruptCheck`). GNSS (NMEA's XOR checksum has its own seeded `badChecksum` stream),
 * the AT modem, the beacon and barcode scanners (text lines) have no CRC to corrupt.
 */
export const CRC_FRAMED_KINDS: readonly SerialKind[] = ['modbus_rtu', 'controller', 'rfid_reader'];

export const serialDeviceSchemas = [
  RfidReaderDevice,
  BarcodeScannerDevice,
  GnssDevice,
  CellularModemDevice,
  BeaconScannerDevice,
  ControllerDevice,
  ModbusRtuDevice,
] as const;

/** Byte-level devices reached over a serial line (raw TCP, PTY or a real port). */
export const SerialDeviceSpec = z.discriminatedUnion('kind', serialDeviceSchemas);
export type SerialDeviceSpec =
  | RfidReaderSpec
  | BarcodeScannerSpec
  | GnssSpec
  | CellularModemSpec
  | BeaconScannerSpec
  | ControllerSpec
  | ModbusRtuSpec;

export function isSerialKind(kind: string): kind is SerialKind {
  return (SERIAL_KINDS as readonly string[]).includes(kind);
}
