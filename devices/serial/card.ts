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

/** `IOTLAB_SERIAL_<DEVICE_ID>` = host:port for every serial device (DESIGN.md). */
export function serialEnv(entries: readonly SerialCardEntry[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of entries)
    env[`IOTLAB_SERIAL_${e.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] =
      `${e.tcp.host}:${e.tcp.port}`;
  return env;
}
