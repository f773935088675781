/**
 * The pure side of the gateway's northbound (platform) link: the bounded store-and-forward
 * queue, the reconnect backoff, and the words a technician reads when a connection fails. No
 * sockets, no timers; gateway-northbound.ts drives the mqtt.js client with them.
 */
/** What GET /config shows instead of a password; a PUT with it keeps the password in force. */
export const PASSWORD_MASK = '********';

/** One telemetry message waiting for the link. */
export interface QueuedMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/**
 * A bounded FIFO: when full, the oldest message is dropped (a reading taken later is worth
 * more than one taken earlier) and counted, as gateways with a fixed cache do.
 */
export class StoreAndForward {
  private items: QueuedMessage[] = [];
  private droppedCount = 0;
  private sentCount = 0;

  constructor(private max: number) {}

  /** Capacity; 0 = do not queue (every message taken while the link is down is dropped). */
  get capacity(): number {
    return this.max;
  }

  resize(max: number): void {
    this.max = max;
    this.trim();
  }

  push(m: QueuedMessage): void {
    this.items.push(m);
    this.trim();
  }

  /** Everything queued, oldest first; the queue is then empty. */
  drain(): QueuedMessage[] {
    const out = this.items;
    this.items = [];
    this.sentCount += out.length;
    return out;
  }

  report(): { length: number; max: number; dropped: number; forwarded: number } {
    return {
      length: this.items.length,
      max: this.max,
      dropped: this.droppedCount,
      forwarded: this.sentCount,
    };
  }

  private trim(): void {
    const over = this.items.length - this.max;
    if (over <= 0) return;
    this.items.splice(0, over);
    this.droppedCount += over;
  }
}

/** Reconnect delay after `failures` failed attempts in a row: 1 s, 2 s, 4 s … up to 30 s. */
export function backoffMs(failures: number): number {
  const n = Math.max(0, Math.floor(failures) - 1);
  return Math.min(30_000, 1000 * 2 ** Math.min(n, 15));
}

/** CONNACK return codes, MQTT 3.1.1 §3.2.2.3 (Table 3.1), with what to check. */
const CONNACK: Record<number, string> = {
  1: 'unacceptable protocol version (the broker does not speak MQTT 3.1.1)',
  2: 'client id rejected: check clientId (length, characters, or another client uses it)',
  3: 'server unavailable: the broker is up but not accepting clients; try later',
  4: 'bad user name or password: check username and password',
  // Mosquitto answers 5, not 4, to a wrong password.
  5: 'not authorized: check username and password, and that the broker lets this user connect',
};

/**
 * Why a connection attempt failed, in words a technician can act on. `err` is what mqtt.js or
 * the socket reported (a CONNACK refusal carries the return code as a number in `code`).
 */
export function describeLinkError(
  err: unknown,
  target: { host: string; port: number },
): { message: string; code: string } {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; hostname?: unknown };
  const where = `${target.host}:${target.port}`;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.code === 'number') {
    const words = CONNACK[e.code] ?? `refused with return code ${e.code}`;
    return {
      message: `broker refused the connection: ${words} (CONNACK ${e.code})`,
      code: `CONNACK_${e.code}`,
    };
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return {
        message: `nothing listens at ${where} (connection refused): check the broker address and port, and that the broker runs`,
        code: 'ECONNREFUSED',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        message: `host name "${target.host}" not found (DNS ${e.code}): check the broker address in url`,
        code: e.code,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        message: `no route to ${where} (${e.code}): check the address and the network`,
        code: e.code,
      };
    case 'ETIMEDOUT':
      return {
        message: `no answer from ${where} (timed out): check the address, the network and any firewall`,
        code: e.code,
      };
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        message: `the connection to ${where} was reset (${e.code}): is it an MQTT broker (not TLS or WebSocket)?`,
        code: e.code,
      };
    default:
      break;
  }
  if (message === 'connack timeout')
    return {
      message: `no CONNACK from ${where} within the connect timeout: is it an MQTT broker, and is the host reachable?`,
      code: 'CONNACK_TIMEOUT',
    };
  if (message === 'Keepalive timeout')
    return {
      message: `the broker at ${where} stopped answering PINGREQ (keepalive timeout)`,
      code: 'KEEPALIVE',
    };
  return {
    message: `connection to ${where} failed: ${message}`,
    code: typeof e.code === 'string' ? e.code : 'ERROR',
  };
}

/** A broker URL a gateway can connect to: mqtt://host[:port] (tcp:// is the same). */
export function parseBrokerUrl(
  url: string,
): { ok: true; host: string; port: number } | { ok: false; message: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      ok: false,
      message: `"${url}" is not a URL: write mqtt://host:port, e.g. mqtt://192.168.1.10:1883`,
    };
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:')
    return {
      ok: false,
      message: `scheme "${u.protocol}" is not supported: write mqtt://host:port (the gateway speaks MQTT over TCP; no TLS or WebSocket)`,
    };
  if (u.username !== '' || u.password !== '')
    return {
      ok: false,
      message: 'put the user name and password in username and password, not in the URL',
    };
  if (u.hostname === '')
    return { ok: false, message: `"${url}" has no host: write mqtt://host:port` };
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '')
    return { ok: false, message: `"${url}" has a path or query; a broker URL is mqtt://host:port` };
  const port = u.port === '' ? 1883 : Number(u.port);
  if (port === 0) return { ok: false, message: 'port 0 is not a port to connect to' };
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { ok: true, host, port };
}

/** The config as it may be shown (GET /config, PUT's answer, evidence): the password masked. */
export function maskPassword<T extends { northbound?: { password?: string | undefined } }>(
  spec: T,
): T {
  const n = spec.northbound;
  if (n?.password === undefined) return spec;
  return { ...spec, northbound: { ...n, password: PASSWORD_MASK } };
}

/**
 * A new config whose password is the mask keeps the password in force (so GET, edit, PUT works);
 * `undefined` means the mask was sent but no password is in force.
 */
export function unmaskPassword<T extends { northbound?: { password?: string | undefined } }>(
  next: T,
  current: { northbound?: { password?: string | undefined } },
): T | undefined {
  const n = next.northbound;
  if (n?.password !== PASSWORD_MASK) return next;
  const kept = current.northbound?.password;
  if (kept === undefined) return undefined;
  return { ...next, northbound: { ...n, password: kept } };
}
