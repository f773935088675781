/**
 * A PTY for a serial line, made with socat: `socat pty,link=PATH tcp:127.0.0.1:PORT` bridges a
 * pseudo-terminal to the line's loopback TCP end, so a candidate's program opens PATH as if it were
 * /dev/ttyUSB0. When the program closes the PTY, socat sees EIO and exits; the bridge restarts it so
 * the path works again for the next open.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from '../../simulator/errors.js';
import type { Logger } from '../../simulator/logger.js';

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface PtyBridge {
  path: string;
  close(): Promise<void>;
}

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
      {
        device: opts.deviceId,
      },
    );
  mkdirSync(dirname(opts.path), { recursive: true });
  let child: ChildProcess | undefined;
  let closing = false;
  let restarts = 0;

  const start = (): void => {
    rmSync(opts.path, { force: true });
    child = spawn(
      'socat',
      [`pty,raw,echo=0,link=${opts.path},mode=660`, `tcp:127.0.0.1:${opts.tcpPort}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      if (closing) return;
      restarts += 1;
      opts.logger.debug('pty bridge exited; restarting', {
        device: opts.deviceId,
        code,
        stderr: stderr.trim(),
      });
      // Bounded: a bridge that keeps dying (e.g. the line's TCP end is gone) is given up on.
      if (restarts > 1000)
        return opts.logger.error('pty bridge keeps failing; giving up', { device: opts.deviceId });
      setTimeout(() => !closing && start(), 100).unref();
    });
  };
  start();
  const deadline = Date.now() + 5000;
  while (!existsSync(opts.path)) {
    if (Date.now() > deadline) {
      closing = true;
      child?.kill();
      throw new LabError('TOOL_MISSING', `socat did not create the PTY ${opts.path} within 5 s`, {
        device: opts.deviceId,
      });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    path: opts.path,
    async close() {
      closing = true;
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill();
        await exited;
      }
      rmSync(opts.path, { force: true });
    },
  };
}
