/**
 * The impostor (issue 17, the 中级 TLS task): a TLS endpoint of the lab that pretends to be an MQTT
 * broker, with a certificate from another CA that bears the lab CA's own name and covers the same
 * hosts. A client that checks the certificate against the lab's CA refuses it (an OpenSSL client
 * sends the `unknown ca` alert during the handshake; Node's client completes the handshake, then
 * closes without a byte); a client that does not check sends it what it would send the broker,
 * which this endpoint answers (CONNACK 0, PUBACK, SUBACK, PINGRESP) so the client goes on.
 *
 * Evidence (the lab's own recorder; the lab records `impostor.listen`, its URL and its CA's
 * fingerprint, after lab.start): `impostor.tls` for each handshake, completed or failed (the same fields
 * as `tls.handshake`); `impostor.data` for each packet a client sent over a completed handshake:
 * its type, CONNECT's client id and username and whether a password came (never the password:
 * the bytes of a CONNECT are not kept), PUBLISH's topic and payload.
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { RecordFn } from '../../core/evidence.js';
import { payloadView } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import { answerFor, sniffer } from '../codecs/mqtt-sniff.js';
import type { PeerGuard } from '../listen.js';
import { closeServer, listenAs, refusePeer, urlHost } from '../listen.js';
import { createImpostorTls } from './ca.js';
import { handshakeFailure, handshakeOf } from './handshake.js';

/** What one connection may send before it is cut (the impostor only needs to see it try). */
const MAX_BYTES = 256 * 1024;

export interface Impostor {
  port: number;
  url: string;
  caSha256: string;
  close(): Promise<void>;
}

export async function startImpostor(opts: {
  host: string;
  port: number;
  /** The host the URL names (a public host in exam sessions). */
  urlHost: string;
  /** Named like the lab's CA (`CN=iotlab CA <name>`). */
  caName: string;
  record: RecordFn;
  logger: Logger;
  guard?: PeerGuard;
}): Promise<Impostor> {
  const { record, logger } = opts;
  const tls = await createImpostorTls({ name: opts.caName, hosts: [opts.host, opts.urlHost] });
  const sockets = new Set<Socket>();
  // A client that resets the connection leaves a socket that no longer knows its address.
  const peers = new WeakMap<object, string>();
  const server = createTlsServer(
    {
      key: tls.keyPem,
      cert: tls.certPem,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      // A client that does not check the server shows what it would give it: its certificate too.
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: 10_000,
      ALPNCallback: ({ protocols }: { protocols: string[] }) =>
        protocols.includes('mqtt') ? 'mqtt' : protocols[0],
    },
    (socket: TLSSocket) => {
      const hs = handshakeOf(socket, 'mqtts');
      record('impostor.tls', { ...hs, listener: 'impostor' });
      let total = 0;
      const mqtt = sniffer(
        (p) => {
          const { payload, ...fields } = p;
          record('impostor.data', {
            peer: hs.peer,
            listener: 'impostor',
            ...fields,
            ...(payload ? { payload: payloadView(payload) } : {}),
          });
          const answer = answerFor(p, mqtt.level);
          if (answer && socket.writable) socket.write(answer);
        },
        (why) => {
          record('impostor.data', { peer: hs.peer, listener: 'impostor', type: 'garbage', why });
          socket.destroy();
        },
      );
      socket.on('error', (err: Error) =>
        logger.debug('impostor socket error', { err: err.message }),
      );
      socket.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_BYTES) return void socket.destroy();
        mqtt.push(chunk);
      });
    },
  );
  server.on('connection', (raw: Socket) => {
    if (refusePeer(opts.guard, raw.remoteAddress, raw.remotePort, 'mqtts')) {
      raw.destroy();
      return;
    }
    sockets.add(raw);
    peers.set(raw, `${raw.remoteAddress}:${raw.remotePort}`);
    raw.on('close', () => sockets.delete(raw));
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket | undefined) => {
    const parent = (socket as { _parent?: object } | undefined)?._parent;
    const peer = socket?.remoteAddress
      ? `${socket.remoteAddress}:${socket.remotePort}`
      : parent && peers.get(parent);
    record('impostor.tls', {
      ...handshakeFailure(err, socket, 'mqtts', peer),
      listener: 'impostor',
    });
    socket?.destroy();
  });
  const port = await listenAs('the impostor', server, opts.port, opts.host);
  const url = `mqtts://${urlHost(opts.urlHost)}:${port}`;
  return {
    port,
    url,
    caSha256: tls.caSha256,
    async close() {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}
