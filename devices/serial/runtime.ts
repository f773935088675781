/**
 * Runs the lab's byte-level devices: one SerialLine per device, reachable as raw TCP (always), a
 * PTY (with --pty) and a real serial port (--serial NAME=PATH). Device answers and unsolicited
 * output are intents; this module paces them onto the line, applies offline/slow faults to the line
 * as a whole and crc-error faults to each frame sent (through the model's `corruptCheck`), and
 * hands commands to the lab.
 */
import { join } from 'node:path';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from './model.js';
import type { Command, CommandOutcome } from '../field/index.js';
import { SerialLine } from '../../protocols/serial/line.js';
import { createPtyBridge } from '../../protocols/serial/pty.js';
import { openRealPort } from '../../protocols/serial/port.js';
import { createSerialTcpServer } from '../../protocols/serial/tcp.js';
import type { PeerGuard } from '../../protocols/listen.js';
import type { FileEntry } from '../../protocols/http/files.js';
import { createFileServer } from '../../protocols/http/files.js';
import { codeImages } from './barcode-scanner/images.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { LabError } from '../../core/errors.js';
import type { RecordFn } from '../../core/evidence.js';
import type { FaultBook } from '../../core/faults.js';
import { responsiveness } from '../../core/faults.js';
import type { Logger } from '../../core/logger.js';
import type { SerialDevicePlan } from './plan.js';
import { createByteDevices } from './models.js';
import type { SerialCardEntry } from './card.js';

export interface SerialOptions {
  /** First TCP port; device i listens on base + i. 0 = an ephemeral port each. */
  basePort?: number;
  /** Directory for PTY links; undefined = no PTYs. */
  ptyDir?: string;
  /** Real serial ports by device name or id. */
  ports?: Record<string, string>;
  /** Port of the HTTP server for device files (barcode/QR images); 0 = any free port. */
  httpPort?: number;
}

export interface SerialRuntimeDeps {
  plans: readonly SerialDevicePlan[];
  factories: Partial<Record<string, ByteDeviceFactory>>;
  context: Omit<ByteDeviceContext, 'seed' | 'faults'>;
  seed: number;
  faults: FaultBook;
  clock: Clock;
  record: RecordFn;
  logger: Logger;
  host: string;
  options: SerialOptions;
  applyCommand(name: string, cmd: Command, source: string): CommandOutcome;
  /** Already-built models (the lab builds them before start so truth works without sockets). */
  devices?: Map<string, ByteDevice>;
  /** Seat lock of the public TCP ports (the PTY bridge's loopback port is the lab's own). */
  guard?: PeerGuard;
}

export interface SerialRuntime {
  devices: Map<string, ByteDevice>;
  /** Each device's line by device id (the board's UARTs attach to them). */
  lines: Map<string, SerialLine>;
  card: SerialCardEntry[];
  close(): Promise<void>;
}

export async function startSerialDevices(deps: SerialRuntimeDeps): Promise<SerialRuntime> {
  const { clock, record, logger } = deps;
  // The lab's own instances when given, so its truth is the state of what is on the wire.
  const devices = deps.devices ?? createByteDevices(deps);
  const closers: (() => Promise<void>)[] = [];
  const timers = new Set<TimerHandle>();
  const lines: SerialLine[] = [];
  const lineById = new Map<string, SerialLine>();
  const card: SerialCardEntry[] = [];
  const later = (fn: () => void, ms: number): void => {
    const h = clock.setTimeout(() => {
      timers.delete(h);
      fn();
    }, ms);
    timers.add(h);
  };

  try {
    // Files some devices publish (barcode/QR images), under /<device id>/…
    const files = new Map<string, FileEntry>();
    for (const plan of deps.plans)
      if (plan.spec.kind === 'barcode_scanner')
        for (const [path, entry] of codeImages(plan, deps.seed))
          files.set(`/${plan.id}/${path}`, entry);
    let filesUrl: string | undefined;
    if (files.size > 0) {
      const http = await createFileServer({
        host: deps.host,
        port: deps.options.httpPort ?? 0,
        files,
        logger,
      });
      closers.push(() => http.close());
      filesUrl = http.url;
    }
    let index = 0;
    for (const plan of deps.plans) {
      const device = devices.get(plan.id)!;
      const line = new SerialLine({ deviceId: plan.id, settings: plan.settings, clock, record });
      lines.push(line);
      lineById.set(plan.id, line);
      const apply = (intents: ByteIntent[]): void => {
        const active = deps.faults.activeAt(plan.id, clock.now());
        const { delayMs: faultDelay } = responsiveness(active);
        // A crc-error fault active when the device answers spoils every frame of that answer.
        const corrupt =
          device.corruptCheck && active.some((f) => f.type === 'crc-error')
            ? device.corruptCheck.bind(device)
            : undefined;
        for (const intent of intents) {
          if ('send' in intent) {
            const bytes = corrupt ? corrupt(intent.send) : intent.send;
            const delay = (intent.delayMs ?? 0) + faultDelay;
            if (delay > 0) later(() => line.send(bytes), delay);
            else line.send(bytes);
          } else if ('state' in intent)
            record('device.state', { device: plan.id, values: intent.state, source: 'serial' });
          else if ('command' in intent)
            deps.applyCommand(intent.command.device, intent.command.cmd, `serial:${plan.id}`);
          else record(intent.record.kind, { device: plan.id, ...intent.record.fields });
        }
      };
      // One pending emission timer per device: input can move the device's next emission
      // earlier (e.g. an RTU line closes a partial frame after 3.5 character times of silence).
      let emission: { at: number; handle: TimerHandle } | undefined;
      const arm = (): void => {
        const now = clock.now();
        const next = device.nextEmission(now);
        if (emission && emission.at === next) return;
        if (emission) {
          clock.clear(emission.handle);
          timers.delete(emission.handle);
          emission = undefined;
        }
        if (next === undefined) return;
        const handle = clock.setTimeout(
          () => {
            timers.delete(handle);
            emission = undefined;
            try {
              if (responsiveness(deps.faults.activeAt(plan.id, clock.now())).respond)
                apply(device.emit(next));
            } catch (err) {
              logger.error('serial device failed to emit', { device: plan.id, err: String(err) });
            }
            arm();
          },
          Math.max(0, next - now),
        );
        timers.add(handle);
        emission = { at: next, handle };
      };
      line.onReceive((bytes, t) => {
        // An offline or unresponsive device hears nothing (the bytes are still evidence: serial.rx).
        if (!responsiveness(deps.faults.activeAt(plan.id, t)).respond) return;
        try {
          apply(device.receive(bytes, t));
        } catch (err) {
          logger.error('serial device failed on input', { device: plan.id, err: String(err) });
        }
        arm();
      });

      const base = deps.options.basePort ?? 0;
      const tcp = await createSerialTcpServer({
        ...(deps.guard ? { guard: deps.guard } : {}),
        host: deps.host,
        port: base === 0 ? 0 : base + index,
        line,
        logger,
      });
      closers.push(() => tcp.close());
      const entry: SerialCardEntry = {
        id: plan.id,
        name: plan.name,
        kind: plan.spec.kind,
        ...(plan.spec.title ? { title: plan.spec.title } : {}),
        tcp: { host: deps.host, port: tcp.port },
        settings: plan.settings,
        info: device.cardInfo(),
        ...(filesUrl && plan.spec.kind === 'barcode_scanner'
          ? { files: { baseUrl: `${filesUrl}/${plan.id}/` } }
          : {}),
      };
      if (deps.options.ptyDir !== undefined) {
        const bridgeEnd = await createSerialTcpServer({
          host: '127.0.0.1',
          port: 0,
          line,
          logger,
          transport: 'pty',
        });
        closers.push(() => bridgeEnd.close());
        const pty = await createPtyBridge({
          path: join(deps.options.ptyDir, plan.id),
          tcpPort: bridgeEnd.port,
          logger,
          deviceId: plan.id,
        });
        closers.push(() => pty.close());
        entry.pty = pty.path;
      }
      const realPath = deps.options.ports?.[plan.name] ?? deps.options.ports?.[plan.id];
      if (realPath) {
        const port = await openRealPort(realPath, line, logger);
        closers.push(() => port.close());
        entry.port = realPath;
      }
      card.push(entry);
      arm();
      index += 1;
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  async function closeAll(): Promise<void> {
    for (const h of timers) clock.clear(h);
    timers.clear();
    for (const l of lines) l.close();
    const results = await Promise.allSettled(closers.reverse().map((c) => c()));
    for (const r of results)
      if (r.status === 'rejected')
        logger.warn('closing a serial transport failed', { err: String(r.reason) });
  }

  const unknownPorts = Object.keys(deps.options.ports ?? {}).filter(
    (k) => !deps.plans.some((p) => p.name === k || p.id === k),
  );
  if (unknownPorts.length > 0) {
    await closeAll();
    throw new LabError(
      'USAGE',
      `--serial names no serial device of this lab: ${unknownPorts.join(', ')} (serial devices: ${deps.plans.map((p) => p.name).join(', ') || 'none'})`,
    );
  }
  return { devices, lines: lineById, card, close: closeAll };
}
