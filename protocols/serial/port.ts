/**
 * A real serial port (USB–RS485 adapter, USB–TTL cable) attached to a line through `serialport`,
 * with the line's baud rate, data bits, parity and stop bits.
 */
import { SerialPort } from 'serialport';
import { LabError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SerialLine } from './line.js';

export interface RealPort {
  path: string;
  close(): Promise<void>;
}

export async function openRealPort(
  path: string,
  line: SerialLine,
  logger: Logger,
): Promise<RealPort> {
  const s = line.settings;
  const port = new SerialPort({
    path,
    baudRate: s.baudRate,
    dataBits: s.dataBits,
    parity: s.parity,
    stopBits: s.stopBits,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(
            new LabError(
              'SERIAL_PORT',
              `cannot open serial port ${path} for ${line.deviceId}: ${err.message}`,
              { path },
            ),
          )
        : resolve(),
    ),
  );
  const end = { transport: 'port', peer: path, write: (b: Buffer) => port.write(b) };
  const detach = line.attach(end);
  port.on('data', (chunk: Buffer) => line.fromHost(chunk, end));
  port.on('error', (err) => logger.error('serial port error', { path, err: err.message }));
  return {
    path,
    async close() {
      detach();
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    },
  };
}
