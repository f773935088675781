/**
 * Scenario schema of byte-level (serial) devices: tag readers, scanners, GNSS, modem, beacon
 * scanner, the custom-protocol controller and Modbus RTU lines. Each is reachable as raw TCP,
 * optionally a PTY, or a real serial port, with the line settings given here.
 */
import { z } from 'zod';
import { LineSettings } from '../../protocols/serial/settings.js';
import { name, i18n, seconds, ratio } from '../../core/schema.js';

const serialBase = { name, title: i18n.optional(), serial: LineSettings.prefault({}) };

export const RfidReaderDevice = z
  .object({
    ...serialBase,
    kind: z.literal('rfid_reader'),
    /** Reader address in frames (0 = broadcast). */
    address: z.number().int().min(0).max(255).default(0),
    /** How many distinct cards visit the reader (UIDs and contents are seeded). */
    cards: z.number().int().min(1).max(32).default(4),
    meanIntervalS: seconds.default(30),
    holdS: seconds.max(600).default(8),
    /** Send a frame by itself when a card enters the field. */
    autoReport: z.boolean().default(false),
  })
  .strict();

export const BarcodeScannerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('barcode_scanner'),
    suffix: z.enum(['CR', 'LF', 'CRLF', 'none']).default('CR'),
    symbologies: z
      .array(z.enum(['ean13', 'code128', 'qr']))
      .min(1)
      .default(['ean13', 'code128', 'qr']),
    meanIntervalS: seconds.default(20),
    /** Share of EAN-13 scans whose check digit is deliberately wrong. */
    invalidRatio: ratio.default(0.2),
  })
  .strict();

export const GNSS_SENTENCES = ['GGA', 'RMC', 'GSA', 'GSV', 'VTG'] as const;
export const GnssDevice = z
  .object({
    ...serialBase,
    kind: z.literal('gnss'),
    rateHz: z.number().min(0.1).max(10).default(1),
    sentences: z
      .array(z.enum(GNSS_SENTENCES))
      .min(1)
      .default([...GNSS_SENTENCES]),
    /** Centre of the seeded route (WGS-84 degrees). */
    origin: z
      .object({ lat: z.number().min(-85).max(85), lon: z.number().min(-180).max(180) })
      .strict()
      .default({ lat: 31.2304, lon: 121.4737 }),
    radiusM: z.number().positive().max(50_000).default(800),
    speedKmh: z.number().min(0).max(300).default(18),
    /** Periods without a fix. */
    noFix: z.array(z.object({ at: z.number().min(0), duration: seconds }).strict()).default([]),
    badChecksumRatio: ratio.default(0),
    truncatedRatio: ratio.default(0),
  })
  .strict();

export const CellularModemDevice = z
  .object({
    ...serialBase,
    kind: z.literal('cellular_modem'),
    mcc: z.number().int().min(0).max(999).default(460),
    mnc: z.number().int().min(0).max(999).default(0),
    /** Cells of the published lookup table; the modem camps on one of them, seeded. */
    cells: z.number().int().min(1).max(64).default(6),
  })
  .strict();

export const BeaconScannerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('beacon_scanner'),
    beacons: z.number().int().min(3).max(16).default(4),
    room: z
      .object({ width: z.number().positive(), depth: z.number().positive() })
      .strict()
      .default({ width: 20, depth: 15 }),
    rateHz: z.number().min(0.1).max(10).default(1),
    /** RSSI at 1 m, dBm. */
    txPower: z.number().min(-100).max(0).default(-59),
    pathLossExponent: z.number().min(1).max(6).default(2.2),
    noiseDb: z.number().min(0).max(20).default(2),
  })
  .strict();

export const ControllerDevice = z
  .object({
    ...serialBase,
    kind: z.literal('controller'),
    address: z.number().int().min(1).max(254).default(1),
    /** Sensors of the lab it reads, by name, in channel order. */
    sensors: z.array(name).default([]),
    /** Actuators of the lab it drives, by name, in channel order. */
    actuators: z.array(name).default([]),
  })
  .strict();

export const ModbusRtuDevice = z
  .object({
    ...serialBase,
    kind: z.literal('modbus_rtu'),
    /** Devices (with a `modbus: {transport: rtu}` binding) that answer on this RS-485 line. */
    units: z.array(name).min(1).max(32),
  })
  .strict();

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

export type RfidReaderSpec = z.infer<typeof RfidReaderDevice>;
export type BarcodeScannerSpec = z.infer<typeof BarcodeScannerDevice>;
export type GnssSpec = z.infer<typeof GnssDevice>;
export type CellularModemSpec = z.infer<typeof CellularModemDevice>;
export type BeaconScannerSpec = z.infer<typeof BeaconScannerDevice>;
export type ControllerSpec = z.infer<typeof ControllerDevice>;
export type ModbusRtuSpec = z.infer<typeof ModbusRtuDevice>;
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
