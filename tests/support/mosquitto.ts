/**
 * A Debian mosquitto started by a test as the "third-party platform" broker: its own loopback
 * listener on a free port, no anonymous clients, one user from a mosquitto_passwd file. Its log
 * (stderr) names each client id that connects. Missing binaries fail the test, naming the
 * package.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools } from './debian.js';
import { waitFor } from './net.js';

export interface Mosquitto {
  port: number;
  url: string;
  /** Everything mosquitto logged so far. */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) =>
      reject(new Error(`${cmd} not found (apt-get install mosquitto): ${e.message}`)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`)),
    );
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startMosquitto(user: string, password: string): Promise<Mosquitto> {
  requireTools('mosquitto', 'mosquitto_passwd');
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-mosquitto-'));
  const pw = join(dir, 'passwd');
  await run('mosquitto_passwd', ['-b', '-c', pw, user, password]);
  // Started as root, mosquitto drops to its own user, which must still read these files.
  chmodSync(dir, 0o755);
  chmodSync(pw, 0o644);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${pw}`, ''].join('\n'),
  );
  let log = '';
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const spawned = new Promise<void>((resolve, reject) => {
    child.on('spawn', resolve);
    child.on('error', (e) =>
      reject(new Error(`mosquitto not found (apt-get install mosquitto): ${e.message}`)),
    );
  });
  await spawned;
  let listening = false;
  void (async () => {
    while (!listening && child.exitCode === null) {
      listening = await accepts(port);
      if (!listening) await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await waitFor(() => listening || child.exitCode !== null, 5000, `mosquitto on port ${port}`);
  if (!listening) throw new Error(`mosquitto did not start: ${log}`);
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
