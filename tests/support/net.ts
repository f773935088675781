/** Small helpers for tests over real sockets. */
import { connect } from 'node:net';

/** Sends bytes on a fresh TCP connection and resolves when the server closes it (or after ms). */
export function sendRaw(
  port: number,
  bytes: Buffer,
  ms = 1000,
): Promise<{ closedByServer: boolean; received: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(bytes));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ closedByServer: false, received: Buffer.concat(chunks) });
    }, ms);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ closedByServer: true, received: Buffer.concat(chunks) });
    });
  });
}

export async function waitFor<T>(
  fn: () => T | undefined,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
