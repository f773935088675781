/**
 * The serial devices' section of the lab card, and the environment variables a submission gets
 * for them (DESIGN.md, "Lab card").
 */
import type { LineSettings } from '../../protocols/serial/settings.js';

export interface SerialCardEntry {
  id: string;
  name: string;
  kind: string;
  title?: { zh: string; en: string };
  tcp: { host: string; port: number };
  /** Where the device's files are served: `baseUrl + info.codes[i].image` (barcode/QR images). */
  files?: { baseUrl: string };
  pty?: string;
  port?: string;
  settings: LineSettings;
  info: Record<string, unknown>;
}

/** The variable naming a serial device's raw TCP address: `IOTLAB_SERIAL_<DEVICE_ID>`. */
export function serialEnvName(id: string): string {
  return `IOTLAB_SERIAL_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** `IOTLAB_SERIAL_<DEVICE_ID>` = host:port for every serial device (DESIGN.md, docs/card.md). */
export function serialEnv(entries: readonly SerialCardEntry[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of entries) env[serialEnvName(e.id)] = `${e.tcp.host}:${e.tcp.port}`;
  return env;
}
