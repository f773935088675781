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

/** Node's certificate verification codes (OpenSSL X509_V_ERR_*), with what to check. */
const TLS_ERRORS: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN:
    "the broker's certificate is not signed by a CA the gateway trusts: set northbound.ca to the platform's CA certificate (PEM)",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the broker's certificate is self-signed and not trusted: set northbound.ca to it (PEM)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the broker's certificate is not signed by a CA the gateway trusts: set northbound.ca to the platform's CA certificate (PEM)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the CA that signed the broker's certificate is not trusted: set northbound.ca to the platform's CA certificate (PEM)",
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  CERT_NOT_YET_VALID: "the broker's certificate is not valid yet (check the clock)",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the broker's certificate is not issued for this host name: connect by a name or address its certificate lists",
  CERT_REVOKED: "the broker's certificate is revoked",
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
  const tls = TLS_ERRORS[String(e.code)];
  if (tls)
    return {
      message: `TLS handshake with ${where} failed: ${tls} (${String(e.code)})`,
      code: String(e.code),
    };
  if (/wrong version number|packet length too long|unknown protocol/i.test(message))
    return {
      message: `${where} does not speak TLS (${message}): use mqtt:// for a plain port, mqtts:// for a TLS port`,
      code: 'TLS_NOT_TLS',
    };
  if (/alert (bad certificate|certificate required|unknown ca|handshake failure)/i.test(message))
    return {
      message: `the broker at ${where} refused the gateway's certificate (${message}): set northbound.cert and northbound.key to a client certificate its CA signed`,
      code: 'TLS_CLIENT_CERT',
    };
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

/**
 * A broker URL a gateway can connect to: mqtt://host[:port] (tcp:// is the same, port 1883) or
 * mqtts://host[:port] (ssl:// is the same, port 8883: MQTT over TLS, OASIS MQTT 3.1.1 §5.1).
 */
export function parseBrokerUrl(
  url: string,
): { ok: true; host: string; port: number; tls: boolean } | { ok: false; message: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      ok: false,
      message: `"${url}" is not a URL: write mqtt://host:port, e.g. mqtt://192.168.1.10:1883 (mqtts://host:port over TLS)`,
    };
  }
  const tls = u.protocol === 'mqtts:' || u.protocol === 'ssl:';
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:' && !tls)
    return {
      ok: false,
      message: `scheme "${u.protocol}" is not supported: write mqtt://host:port, or mqtts://host:port for TLS (the gateway speaks MQTT over TCP or TLS; no WebSocket)`,
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
  const port = u.port === '' ? (tls ? 8883 : 1883) : Number(u.port);
  if (port === 0) return { ok: false, message: 'port 0 is not a port to connect to' };
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { ok: true, host, port, tls };
}

/** The northbound fields never shown back: the password and the client certificate's private key. */
export const SECRET_FIELDS = ['password', 'key'] as const;
type Secrets = { password?: string | undefined; key?: string | undefined };

/** The config as it may be shown (GET /config, PUT's answer, evidence): the secrets masked. */
export function maskPassword<T extends { northbound?: Secrets }>(spec: T): T {
  const n = spec.northbound;
  if (!n || SECRET_FIELDS.every((f) => n[f] === undefined)) return spec;
  const masked = { ...n };
  for (const f of SECRET_FIELDS) if (masked[f] !== undefined) masked[f] = PASSWORD_MASK;
  return { ...spec, northbound: masked };
}

/**
 * A new config whose password or key is the mask keeps the one in force (so GET, edit, PUT
 * works). A mask with nothing in force stays a mask: the caller refuses it.
 */
export function unmaskPassword<T extends { northbound?: Secrets }>(
  next: T,
  current: { northbound?: Secrets },
): T {
  const n = next.northbound;
  if (!n || SECRET_FIELDS.every((f) => n[f] !== PASSWORD_MASK)) return next;
  const restored = { ...n };
  for (const f of SECRET_FIELDS) {
    const kept = current.northbound?.[f];
    if (restored[f] === PASSWORD_MASK && kept !== undefined) restored[f] = kept;
  }
  return { ...next, northbound: restored };
}
