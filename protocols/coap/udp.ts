/**
 * UDP plumbing for the CoAP server: binding with a `LabError` a person can act on, and a tap on
 * `socket.send` so every datagram node-coap writes is seen (and recorded) before it leaves.
 */
import type { Socket } from 'node:dgram';
import { LabError } from '../../core/errors.js';

type SendFn = (msg: Buffer, port: number, address: string, cb: (err: Error | null) => void) => void;

/**
 * Routes every datagram node-coap sends through `onSend` (for evidence) and supplies the peer
 * address node-coap's `_sendError` forgets to pass.
 */
export function tapSend(
  sock: Socket,
  onSend: (buf: Buffer, port: number, address: string) => boolean,
  fallbackAddress: () => string | undefined,
  onError: (err: Error) => void,
): void {
  const send = sock.send.bind(sock) as unknown as SendFn;
  const tapped = (...args: unknown[]): void => {
    const [msg, a1, a2, a3, a4] = args;
    if (!Buffer.isBuffer(msg)) return;
    const ranged = typeof a1 === 'number' && typeof a2 === 'number' && typeof a3 === 'number';
    const buf = ranged ? msg.subarray(a1, a1 + a2) : msg;
    const port = ranged ? a3 : a1;
    const address =
      typeof (ranged ? a4 : a2) === 'string' ? ((ranged ? a4 : a2) as string) : fallbackAddress();
    const cb = args.find((a): a is (err: Error | null) => void => typeof a === 'function');
    if (typeof port !== 'number' || address === undefined || !onSend(buf, port, address)) return;
    try {
      send(buf, port, address, (err) => {
        if (err) onError(err);
        cb?.(err);
      });
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  sock.send = tapped;
}

export function bindSocket(sock: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(
        new LabError('PROTOCOL_LISTEN', `cannot listen for CoAP on udp://${host}:${port}`, {
          host,
          port,
          cause: err.message,
        }),
      );
    sock.once('error', onError);
    sock.bind(port, host, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}
