/**
 * A PTY for a serial line, made with socat: `socat pty,wait-slave,link=PATH tcp:127.0.0.1:PORT`
 * bridges a pseudo-terminal to the line's loopback TCP end, so a candidate's program opens PATH as
 * if it were /dev/ttyUSB0.
 *
 * `wait-slave` makes socat connect to the line only once a program opens the PTY, so nothing the
 * line sends while no one listens queues up in the PTY for the next program to read as a stale
 * answer. When the program closes the PTY, socat sees EIO and exits; a PTY is good for one open.
 * So the bridge keeps a standby: as soon as one socat reports its data loop started (its PTY was
 * opened), the next one is spawned on a private link name and renamed over PATH, atomically.
 * PATH therefore always names a PTY nobody has opened yet, and a program that closes and reopens
 * at once (or a second tool right after the first) finds it there. A second program opening PATH
 * while the first still holds its PTY reaches the line as a second host, which the line refuses
 * as busy, the way a real port held by one program is.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface PtyBridge {
  path: string;
  close(): Promise<void>;
}

/** socat's notice once both ends are open, i.e. a program has opened the PTY (with -d -d). */
const OPENED = /starting data transfer loop/;

export async function createPtyBridge(opts: {
  path: string;
  tcpPort: number;
  logger: Logger;
  deviceId: string;
}): Promise<PtyBridge> {
  if (!socatAvailable())
    throw new LabError(
      'TOOL_MISSING',
      'socat is not installed, so no PTY can be made: apt-get install socat (or start without --pty)',
      { device: opts.deviceId },
    );
  mkdirSync(dirname(opts.path), { recursive: true });
  rmSync(opts.path, { force: true });
  const children = new Set<ChildProcess>();
  let closing = false;
  let generation = 0;
  let failures = 0;

  /** Spawns one socat on a private link; resolves once that link has been renamed over PATH. */
  const spawnOne = (): Promise<void> => {
    generation += 1;
    const link = `${opts.path}.${process.pid}.${generation}`;
    rmSync(link, { force: true });
    const child = spawn(
      'socat',
      [
        '-d',
        '-d',
        `pty,raw,echo=0,wait-slave,link=${link},mode=660`,
        `tcp:127.0.0.1:${opts.tcpPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(child);
    let stderr = '';
    let opened = false;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
      if (!opened && OPENED.test(stderr)) {
        opened = true;
        failures = 0;
        if (!closing) void standby();
      }
    });
    child.on('exit', (code) => {
      children.delete(child);
      rmSync(link, { force: true });
      if (closing || opened) return;
      // Exited before any program opened it: socat failed (e.g. the line's TCP end refused).
      failures += 1;
      opts.logger.debug('pty bridge exited before use; restarting', {
        device: opts.deviceId,
        code,
        stderr: stderr.trim(),
      });
      // Bounded: a bridge that keeps dying (e.g. the line's TCP end is gone) is given up on.
      if (failures > 100)
        return opts.logger.error('pty bridge keeps failing; giving up', { device: opts.deviceId });
      setTimeout(() => !closing && void standby(), 100).unref();
    });
    return (async () => {
      const deadline = Date.now() + 5000;
      while (!existsSync(link)) {
        if (closing || child.exitCode !== null) return;
        if (Date.now() > deadline)
          throw new LabError('TOOL_MISSING', `socat did not create a PTY within 5 s`, {
            device: opts.deviceId,
            path: opts.path,
          });
        await new Promise((r) => setTimeout(r, 5));
      }
      renameSync(link, opts.path);
    })();
  };

  const standby = async (): Promise<void> => {
    try {
      await spawnOne();
    } catch (err) {
      opts.logger.error('pty bridge could not make its next PTY', {
        device: opts.deviceId,
        error: String(err),
      });
    }
  };

  try {
    await spawnOne();
  } catch (err) {
    closing = true;
    for (const c of children) c.kill();
    throw err;
  }
  if (!existsSync(opts.path))
    throw new LabError('TOOL_MISSING', `socat could not make the PTY ${opts.path}`, {
      device: opts.deviceId,
    });
  return {
    path: opts.path,
    async close() {
      closing = true;
      await Promise.all(
        [...children].map((c) => {
          if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
          const exited = new Promise<void>((r) => c.once('exit', () => r()));
          c.kill();
          return exited;
        }),
      );
      rmSync(opts.path, { force: true });
    },
  };
}
