/**
 * BLE beacon scanner codec: the text lines of a UART scanner module (HM-10 / JDY style) that
 * reports the iBeacon advertisements it hears, and the few AT commands it takes. Pure: text in,
 * typed values out.
 *
 * Report line (ours, documented in docs/protocols/beacon-scanner.md):
 *
 *   +SCAN:<MAC>,<RSSI>,<UUID>,<major>,<minor>,<txPower>CR LF
 *   +SCAN:C4:7D:2A:11:9E:03,-67,E2C56DB5-DFFB-48D2-B060-D0F5A71096E0,10086,3,-59
 *
 * References:
 *   [CORE]  Bluetooth Core Specification 5.3: Vol 6 Part B §1.3 (device address), Vol 4 Part E
 *           §7.7.65.2 (LE Advertising Report: RSSI −127…+20 dBm)
 *   [IBCN]  Apple, Proximity Beacon Specification R1: UUID (16 bytes), major, minor (uint16),
 *           measured power (int8, RSSI at 1 m)
 *
 * Lines carry no checksum, so a corrupted byte is caught only when it breaks the syntax.
 */
import { LabError } from '../../core/errors.js';

export const REPORT_PREFIX = '+SCAN:';

export interface BeaconReport {
  /** Advertiser address, six bytes most significant first: "C4:7D:2A:11:9E:03". */
  mac: string;
  /** Received signal strength, dBm. */
  rssi: number;
  /** iBeacon proximity UUID, upper case 8-4-4-4-12. */
  uuid: string;
  major: number;
  minor: number;
  /** iBeacon measured power: the RSSI expected at 1 m, dBm. */
  txPower: number;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: LabError };

const MAC = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i;
const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;
const SIGNED = /^[+-]?\d{1,3}$/;
const UINT = /^\d{1,5}$/;
/** [CORE] Vol 4 Part E §7.7.65.2: RSSI range of an advertising report, dBm. */
const RSSI_MIN = -127;
const RSSI_MAX = 20;

/** The report line, CR LF terminated. Throws when our own code builds an impossible report. */
export function encodeReport(r: BeaconReport): Buffer {
  const bad = checkReport(r);
  if (bad)
    throw new LabError('PROTOCOL_MALFORMED', `cannot encode beacon report: ${bad}`, { ...r });
  const fields = [r.mac.toUpperCase(), r.rssi, r.uuid.toUpperCase(), r.major, r.minor, r.txPower];
  return Buffer.from(`${REPORT_PREFIX}${fields.join(',')}\r\n`, 'latin1');
}

/** One report line, with or without its CR LF; hex may be either case. */
export function decodeReport(line: string | Uint8Array): DecodeResult<BeaconReport> {
  const text = stripTerminator(line);
  if (!text.startsWith(REPORT_PREFIX)) return fail(`a report starts with "${REPORT_PREFIX}"`, text);
  const f = text.slice(REPORT_PREFIX.length).split(',');
  if (f.length !== 6) return fail(`a report has 6 fields, got ${f.length}`, text);
  const [mac, rssi, uuid, major, minor, txPower] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!MAC.test(mac)) return fail(`MAC "${mac}" is not six hex bytes separated by ":"`, text);
  if (!SIGNED.test(rssi)) return fail(`RSSI "${rssi}" is not an integer`, text);
  if (!UUID.test(uuid)) return fail(`UUID "${uuid}" is not 8-4-4-4-12 hex digits`, text);
  if (!UINT.test(major)) return fail(`major "${major}" is not an unsigned integer`, text);
  if (!UINT.test(minor)) return fail(`minor "${minor}" is not an unsigned integer`, text);
  if (!SIGNED.test(txPower)) return fail(`txPower "${txPower}" is not an integer`, text);
  const report: BeaconReport = {
    mac: mac.toUpperCase(),
    rssi: Number(rssi),
    uuid: uuid.toUpperCase(),
    major: Number(major),
    minor: Number(minor),
    txPower: Number(txPower),
  };
  const bad = checkReport(report);
  return bad ? fail(bad, text) : { ok: true, value: report };
}

function checkReport(r: BeaconReport): string | undefined {
  if (!MAC.test(r.mac)) return `MAC "${r.mac}" is not six hex bytes separated by ":"`;
  if (!UUID.test(r.uuid)) return `UUID "${r.uuid}" is not 8-4-4-4-12 hex digits`;
  if (!inRange(r.rssi, RSSI_MIN, RSSI_MAX))
    return `RSSI ${r.rssi} is outside ${RSSI_MIN}..${RSSI_MAX} dBm`;
  if (!inRange(r.major, 0, 0xffff)) return `major ${r.major} is outside 0..65535`;
  if (!inRange(r.minor, 0, 0xffff)) return `minor ${r.minor} is outside 0..65535`;
  // [IBCN] measured power is a signed byte
  if (!inRange(r.txPower, -128, 127)) return `txPower ${r.txPower} is outside -128..127 dBm`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Commands (host → scanner) and their answers. Case-insensitive, one per line.

export type ScannerCommand =
  /** `AT`: are you there? → OK */
  | { type: 'ping' }
  /** `AT+SCAN=1` / `AT+SCAN=0`: start or stop the reports → OK */
  | { type: 'scan'; on: boolean }
  /** `AT+RATE=<hz>`: report cycles per second, 0.1–10 → OK */
  | { type: 'set-rate'; hz: number }
  /** `AT+RATE?` → `+RATE:<hz>` then OK */
  | { type: 'get-rate' };

export const RATE_MIN_HZ = 0.1;
export const RATE_MAX_HZ = 10;

export function encodeCommand(c: ScannerCommand): Buffer {
  const text =
    c.type === 'ping'
      ? 'AT'
      : c.type === 'scan'
        ? `AT+SCAN=${c.on ? 1 : 0}`
        : c.type === 'get-rate'
          ? 'AT+RATE?'
          : `AT+RATE=${formatRate(c.hz)}`;
  return Buffer.from(text + '\r\n', 'latin1');
}

export function decodeCommand(line: string | Uint8Array): DecodeResult<ScannerCommand> {
  const text = stripTerminator(line).trim().toUpperCase();
  if (text === 'AT') return { ok: true, value: { type: 'ping' } };
  if (text === 'AT+RATE?') return { ok: true, value: { type: 'get-rate' } };
  const scan = /^AT\+SCAN=(.*)$/.exec(text);
  if (scan) {
    if (scan[1] === '0' || scan[1] === '1')
      return { ok: true, value: { type: 'scan', on: scan[1] === '1' } };
    return fail(`AT+SCAN takes 0 or 1, got "${scan[1]}"`, text);
  }
  const rate = /^AT\+RATE=(.*)$/.exec(text);
  if (rate) {
    const v = rate[1] ?? '';
    const hz = /^\d{1,2}(\.\d{1,3})?$/.test(v) ? Number(v) : NaN;
    if (hz >= RATE_MIN_HZ && hz <= RATE_MAX_HZ)
      return { ok: true, value: { type: 'set-rate', hz } };
    return fail(`AT+RATE takes a rate of ${RATE_MIN_HZ}..${RATE_MAX_HZ} Hz, got "${v}"`, text);
  }
  return fail(`unknown command "${text.slice(0, 40)}"`, text);
}

export type ScannerReply = { type: 'ok' } | { type: 'error' } | { type: 'rate'; hz: number };

/** HM-10 style answers: a bare line each, no leading blank line. */
export function encodeReply(r: ScannerReply): Buffer {
  const text = r.type === 'ok' ? 'OK' : r.type === 'error' ? 'ERROR' : `+RATE:${formatRate(r.hz)}`;
  return Buffer.from(text + '\r\n', 'latin1');
}

/** A rate as the scanner prints it: at most three decimals, no trailing zeros. */
export function formatRate(hz: number): string {
  return String(Math.round(hz * 1000) / 1000);
}

function stripTerminator(line: string | Uint8Array): string {
  const text = typeof line === 'string' ? line : Buffer.from(line).toString('latin1');
  return text.replace(/\r?\n$|\r$/, '');
}

function inRange(x: number, lo: number, hi: number): boolean {
  return Number.isInteger(x) && x >= lo && x <= hi;
}

function fail(message: string, text: string): { ok: false; error: LabError } {
  return {
    ok: false,
    error: new LabError('PROTOCOL_MALFORMED', message, { line: text.slice(0, 120) }),
  };
}
