/**
 * The lab's CoAP server (RFC 7252 over UDP). node-coap runs the message layer — piggybacked vs
 * separate responses (§5.2), CON retransmission (§4.2), duplicate detection (§4.5) and Observe
 * sequence numbers (RFC 7641 §4.4) — but the socket is ours, for three reasons:
 *  - node-coap answers an unparsable datagram with 5.00 sent to 127.0.0.1 (it omits the address),
 *    where RFC 7252 §4.2/§4.3 say reject a CON with RST and ignore anything else;
 *  - its parser (coap-packet) accepts reserved token lengths, truncated options and a payload
 *    marker with no payload, which §3 calls message format errors;
 *  - it sends an empty ACK to every CON after 50 ms, but an offline device must stay silent.
 * So every datagram is checked and recorded here first; node-coap gets the socket through
 * `listen(socket)`, loses its 'message' listener, and is handed valid requests via `_handle`
 * (declared in its typings). Every datagram leaving the socket passes `tapSend`, so the evidence
 * holds exactly what went on the wire: piggybacked and separate responses, empty ACKs,
 * retransmissions, notifications and RSTs.
 *
 * This file is the transport: socket, observe registrations and evidence. Datagram checking and
 * option decoding are in message.ts, what to answer in reply.ts, socket plumbing in udp.ts.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { Server as CoapLibServer } from 'coap';
import { parse as parsePacket } from 'coap-packet';
import type { ParsedPacket } from 'coap-packet';
import type { TimerHandle } from '../../core/clock.js';
import { payloadView } from '../../core/evidence.js';
import { forbidden, parseDatagram, resetMessage, uintBytes, viewOf } from './message.js';
import type { CoapMessageView } from './message.js';
import { JSON_FORMAT, acceptable, decide, represent } from './reply.js';
import type { CoapReply } from './reply.js';
import type { CoapResource, CoapServerHandle, CoapServerOptions } from './types.js';
import { OBSERVE_LIMITS, ObservePolicy } from './observe-policy.js';
import type { ConSchedule } from './observe-policy.js';
import { bindSocket, tapSend } from './udp.js';
import { refusePeer } from '../listen.js';

// Imported from here before the split into message.ts and reply.ts.
export { checkMessageFormat } from './message.js';

const ALWAYS_AVAILABLE = { respond: true, delayMs: 0 } as const;
/** Bytes of responses node-coap keeps for duplicate detection (about a hundred exchanges). */
export const COAP_DEDUP_CACHE_BYTES = 8 * 1024;
/** Bound on remembered exchanges (token/MID → path), so a flood cannot grow memory. */
const MAX_REMEMBERED = 4096;

/** The parts of node-coap's OutgoingMessage / ObserveWriteStream this server uses. */
interface LibResponse {
  statusCode: string;
  setOption(name: string, value: Buffer): unknown;
  write(body: Buffer): unknown;
  end(body?: Buffer): unknown;
  on(event: 'error' | 'finish', listener: (err?: Error) => void): unknown;
  /** The next outgoing message (declared in node-coap's typings); see `notify`. */
  _packet?: { ack?: boolean; confirmable?: boolean };
}

interface Exchange {
  req: CoapMessageView;
  /** The peer's IP address (what the per-address limits count). */
  address: string;
  resource: CoapResource | undefined;
  delayMs: number;
  observe: boolean;
}

interface Observation {
  key: string;
  path: string;
  endpoint: string;
  address: string;
  /** Registered with a NON request: its notifications are NON but for the scheduled CONs. */
  non: boolean;
  con: ConSchedule;
  res: LibResponse;
  unsubscribe: () => void;
  done: boolean;
}

export async function createCoapServer(opts: CoapServerOptions): Promise<CoapServerHandle> {
  const { record, clock, logger, resources } = opts;
  const byPath = new Map(resources.map((r) => [r.path, r]));
  const policy = new ObservePolicy({ ...OBSERVE_LIMITS, ...opts.observeLimits });
  const observations = new Map<string, Observation>(); // `${peer}#${token}` (RFC 7641 §3.1)
  const notificationMids = new Map<string, Observation>(); // `${peer}@${mid}` of notifications sent
  const paths = new Map<string, string>(); // `${peer}#${token}` / `${peer}@${mid}` → path
  const pending = new Set<TimerHandle>();
  const unanswered = new Set<LibResponse>(); // delayed answers not yet sent
  let current: Exchange | undefined; // the exchange node-coap is handling right now (it is synchronous)
  let currentAddress: string | undefined;
  let closed = false;

  const sock = createSocket({ type: 'udp4' });
  await bindSocket(sock, opts.host, opts.port);
  sock.on('error', (err) => logger.warn('coap: socket error', { err: String(err) }));
  const lib = new CoapLibServer({
    type: 'udp4',
    piggybackReplyMs: 50,
    sendAcksForNonConfirmablePackets: true,
    // node-coap keeps every response for duplicate detection for EXCHANGE_LIFETIME (247 s) in a
    // cache bounded by the responses' bytes only (32 MiB by default), while each entry holds
    // some 5 KB more (its sender, timers and message streams): a flood from fresh UDP ports
    // grew one `serve` (50 labs) by 100 MB every 10 s. A lab serves one candidate: the last
    // hundred or so exchanges are plenty to answer a retransmission as the first time.
    cacheSize: COAP_DEDUP_CACHE_BYTES,
  });
  lib.on('error', (err: unknown) => logger.warn('coap: node-coap error', { err: String(err) }));
  lib.listen(sock);
  sock.removeAllListeners('message'); // node-coap's own parser must not see raw datagrams

  const remember = <V>(map: Map<string, V>, key: string, value: V): void => {
    map.delete(key);
    map.set(key, value);
    const oldest = map.keys().next();
    if (map.size > MAX_REMEMBERED && oldest.done !== true) map.delete(oldest.value);
  };

  /** Runs `fn` now or after `delayMs` of lab time; a throw (from device code) is logged, never escapes. */
  const later = (delayMs: number, fn: () => void): void => {
    const run = (): void => {
      try {
        fn();
      } catch (err) {
        logger.error('coap: answering failed', { err: String(err) });
      }
    };
    if (delayMs <= 0) return run();
    const handle = clock.setTimeout(() => {
      pending.delete(handle);
      if (!closed) run();
    }, delayMs);
    pending.add(handle);
  };

  const cancel = (obs: Observation, reason: string): void => {
    if (obs.done) return;
    obs.done = true;
    policy.removed(obs.endpoint, obs.address, obs.path);
    obs.unsubscribe();
    if (observations.get(obs.key) === obs) observations.delete(obs.key);
    for (const [k, o] of notificationMids) if (o === obs) notificationMids.delete(k);
    obs.res.end(); // no wire traffic: node-coap sends on end() only if nothing was written
    logger.debug('coap: observation removed', { key: obs.key, reason });
  };

  /** Evidence fields shared by coap.request and coap.response (DESIGN.md, "Evidence event"). */
  const messageFields = (v: CoapMessageView): Record<string, unknown> => ({
    type: v.type,
    mid: v.mid,
    token: v.token,
    contentFormat: v.contentFormat,
    observe: v.observe,
    payload: payloadView(v.payload),
  });
  const recordRequest = (v: CoapMessageView, path: string | undefined): void =>
    record('coap.request', {
      peer: v.peer,
      method: v.method,
      path,
      ...(v.query !== undefined ? { query: v.query } : {}),
      accept: v.accept,
      ...messageFields(v),
    });

  const onSend = (buf: Buffer, port: number, address: string): boolean => {
    if (closed) return false; // a late node-coap retransmission timer: the socket is gone
    const peer = `${address}:${port}`;
    try {
      const v = viewOf(parsePacket(buf), peer);
      const obs = observations.get(`${peer}#${v.token}`);
      if (obs && v.observe !== undefined) {
        remember(notificationMids, `${peer}@${v.mid}`, obs);
        // A CON notification (not a retransmission of one) starts the wait for its ACK.
        if (v.type === 'CON' && obs.con.awaiting?.mid !== v.mid) {
          obs.con.awaiting = { mid: v.mid, at: clock.now() };
          obs.con.sinceCon = 0;
          obs.con.lastConAt = clock.now();
        }
      }
      const byMid = paths.get(`${peer}@${v.mid}`);
      const path =
        v.code === '0.00' ? byMid : (obs?.path ?? paths.get(`${peer}#${v.token}`) ?? byMid);
      if (path !== undefined && v.type === 'CON') remember(paths, `${peer}@${v.mid}`, path);
      record('coap.response', { peer, path, code: v.code, ...messageFields(v) });
    } catch (err) {
      record('coap.response', { peer, error: String(err), raw: buf.toString('base64') });
    }
    return true;
  };

  tapSend(
    sock,
    onSend,
    () => currentAddress,
    (err) => logger.warn('coap: send failed', { err: String(err) }),
  );

  const sendReset = (mid: number, rinfo: RemoteInfo): void => {
    sock.send(resetMessage(mid), rinfo.port, rinfo.address);
  };

  const dispatch = (
    packet: ParsedPacket,
    rinfo: RemoteInfo,
    exchange: Exchange | undefined,
  ): void => {
    current = exchange;
    currentAddress = rinfo.address;
    try {
      lib._handle(packet, rinfo);
    } catch (err) {
      logger.warn('coap: node-coap failed on a request', {
        peer: `${rinfo.address}:${rinfo.port}`,
        err: String(err),
      });
    } finally {
      current = undefined;
      currentAddress = undefined;
    }
  };

  const notify = (obs: Observation, resource: CoapResource, format: number): void => {
    if (closed || obs.done) return;
    // RFC 7641 §4.5: an observer that does not acknowledge a confirmable notification is gone.
    if (policy.lost(obs.con, clock.now()))
      return cancel(obs, 'confirmable notification not acknowledged');
    const availability = resource.availability();
    if (!availability.respond) return; // offline: the notification is lost, as on a real network
    if (!policy.takeToken(obs.address, clock.now())) return; // over this address's rate
    const { body } = represent('2.05', resource, format);
    later(availability.delayMs, () => {
      if (obs.done) return;
      const packet = obs.res._packet;
      if (packet) {
        // node-coap 1.5 flags every message after the first as an ACK when the registration was
        // NON, so notifications would go out as type-2 ACKs with fresh MIDs; RFC 7641 §4.5 wants
        // them NON (or CON, for a CON registration, which node-coap gets right) — and a NON
        // registration gets a CON on the policy's schedule, to learn whether anyone listens.
        packet.ack = false;
        if (obs.non && obs.con.awaiting === undefined && policy.dueCon(obs.con, clock.now()))
          packet.confirmable = true;
      }
      obs.con.sinceCon += 1;
      obs.res.write(body); // node-coap sets Observe to its next sequence number
    });
  };

  const observe = (
    ex: Exchange,
    res: LibResponse,
    reply: CoapReply,
    resource: CoapResource,
  ): void => {
    const key = `${ex.req.peer}#${ex.req.token}`;
    const obs: Observation = {
      key,
      path: ex.req.path,
      endpoint: ex.req.peer,
      address: ex.address,
      non: ex.req.type === 'NON',
      con: { sinceCon: 0, lastConAt: clock.now() },
      res,
      unsubscribe: () => undefined,
      done: false,
    };
    observations.set(key, obs);
    policy.added(obs.endpoint, obs.address, obs.path);
    // node-coap ends the stream on RST to a CON notification, or when one is never acknowledged
    // (RFC 7641 §3.6, §4.5): the client has gone away.
    res.on('finish', () => cancel(obs, 'stream ended'));
    const format = reply.format ?? JSON_FORMAT;
    res.setOption('Content-Format', uintBytes(format));
    res.write(reply.body); // RFC 7641 §4.1: the registration's response carries Observe
    obs.unsubscribe = resource.onNotify(() => {
      try {
        notify(obs, resource, format);
      } catch (err) {
        logger.warn('coap: notification failed', { key, err: String(err) });
      }
    });
  };

  const serve = (ex: Exchange, payload: Buffer | undefined, res: LibResponse): void => {
    // node-coap reports a separate CON response that is never acknowledged as an 'error' event;
    // unhandled, that would crash the process.
    res.on('error', (err) =>
      logger.debug('coap: response not delivered', { peer: ex.req.peer, err: String(err) }),
    );
    const req = payload !== undefined ? { ...ex.req, payload } : ex.req; // Block1-reassembled body
    const reply = decide(req, ex.resource, resources);
    if (!ex.observe) unanswered.add(res);
    later(ex.delayMs, () => {
      unanswered.delete(res);
      if (ex.observe && ex.resource && reply.code === '2.05')
        return observe(ex, res, reply, ex.resource);
      res.statusCode = reply.code;
      if (reply.format !== undefined) res.setOption('Content-Format', uintBytes(reply.format));
      res.end(reply.body);
    });
  };

  lib.on('request', (req: { payload?: unknown }, res: LibResponse) => {
    const ex = current;
    current = undefined;
    try {
      if (ex === undefined) throw new Error('request arrived outside a dispatch');
      serve(ex, Buffer.isBuffer(req.payload) ? req.payload : undefined, res);
    } catch (err) {
      logger.error('coap: request handler failed', { err: String(err) });
      res.statusCode = '5.00';
      res.end(Buffer.from('internal error in the lab'));
    }
  });

  const onDatagram = (msg: Buffer, rinfo: RemoteInfo): void => {
    const peer = `${rinfo.address}:${rinfo.port}`;
    if (refusePeer(opts.guard, rinfo.address, rinfo.port, 'coap')) {
      const refusal = forbidden(msg);
      if (refusal) sock.send(refusal, rinfo.port, rinfo.address);
      return;
    }
    const parsed = parseDatagram(msg);
    if ('error' in parsed) {
      const { error } = parsed;
      record('coap.request', { peer, error, raw: msg.toString('base64'), size: msg.length });
      // RFC 7252 §4.2: reject a malformed CON with RST; §4.3: ignore anything else; §3: ignore
      // unknown versions.
      if (msg.length >= 4 && msg[0] !== undefined && msg[0] >> 4 === 0b0100)
        sendReset(msg.readUInt16BE(2), rinfo);
      return;
    }
    const { packet } = parsed;
    const v = viewOf(packet, peer);
    if (packet.code === '0.00') {
      recordRequest(v, paths.get(`${peer}@${v.mid}`));
      if (v.type === 'CON') return sendReset(v.mid, rinfo); // §4.3 "CoAP ping"
      const obs = notificationMids.get(`${peer}@${v.mid}`);
      if (v.type === 'RST' && obs) cancel(obs, 'RST to a notification'); // RFC 7641 §3.6
      if (v.type === 'ACK' && obs?.con.awaiting?.mid === v.mid) delete obs.con.awaiting;
      if (v.type !== 'NON') dispatch(packet, rinfo, undefined); // lets node-coap stop retransmitting
      return;
    }
    recordRequest(v, v.path);
    if (!v.code.startsWith('0.') || v.type === 'ACK' || v.type === 'RST') {
      // A response (or reserved class) sent to a server has no context: §4.2 rejects a CON with
      // RST; an ACK/RST carrying a code is silently ignored.
      if (v.type === 'CON') sendReset(v.mid, rinfo);
      return;
    }
    const resource = byPath.get(v.path);
    const availability = resource ? resource.availability() : ALWAYS_AVAILABLE;
    if (!availability.respond) {
      logger.debug('coap: resource unavailable, request dropped', { peer, path: v.path });
      return;
    }
    remember(paths, `${peer}#${v.token}`, v.path);
    remember(paths, `${peer}@${v.mid}`, v.path);
    const key = `${peer}#${v.token}`;
    const existing = observations.get(key);
    // RFC 7641 §3.6 (Observe=1 deregisters) and §4.1 (a new registration replaces the old one).
    if (existing && v.method === 'GET' && v.observe !== undefined)
      cancel(existing, `GET with Observe=${v.observe}`);
    const wantsObserve =
      v.method === 'GET' &&
      v.observe === 0 &&
      resource?.observable === true &&
      acceptable(v.accept);
    const refusal = wantsObserve ? policy.refusal(peer, rinfo.address, v.path) : undefined;
    if (refusal !== undefined)
      logger.debug('coap: observe refused, answered as a plain GET', { peer, refusal });
    const observing = wantsObserve && refusal === undefined;
    // Otherwise answer as a plain request, without Observe (RFC 7641 §4.1); node-coap would
    // otherwise build an observe stream or reject a non-GET with 5.00.
    if (!observing) packet.options = packet.options.filter((o) => o.name !== 'Observe');
    dispatch(packet, rinfo, {
      req: v,
      address: rinfo.address,
      resource,
      delayMs: availability.delayMs,
      observe: observing,
    });
  };

  sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    if (closed) return;
    try {
      onDatagram(msg, rinfo);
    } catch (err) {
      logger.error('coap: datagram handling failed', {
        peer: `${rinfo.address}:${rinfo.port}`,
        err: String(err),
      });
    }
  });

  const address = sock.address();
  logger.info('coap: listening', { host: address.address, port: address.port });
  return {
    host: address.address,
    port: address.port,
    observations: () => policy.registrations,
    close: async () => {
      if (closed) return;
      for (const obs of [...observations.values()]) cancel(obs, 'server closing');
      closed = true;
      for (const handle of pending) clock.clear(handle);
      pending.clear();
      // Ending a delayed answer cancels node-coap's piggyback timer (its send is dropped by the
      // tap); otherwise that timer would fire after close and arm a 202 s retransmission timer.
      for (const res of unanswered) res.end();
      unanswered.clear();
      lib.close(); // clears node-coap's cache, which stops its retransmission timers
      await new Promise<void>((resolve) => sock.close(() => resolve()));
    },
  };
}
