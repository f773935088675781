/**
 * Signed MQTT logins of IoT platforms in the Alibaba Cloud IoT style ("一机一密", per-device
 * secret): a device proves it holds its secret by an HMAC over its identity, so the secret never
 * goes over the wire.
 *
 *   clientId = <id>|securemode=<n>,signmethod=<hmacsha256|hmacsha1|hmacmd5>[,timestamp=<ms>]|
 *   username = <deviceName>&<productKey>
 *   password = hex(HMAC_<method>(deviceSecret, "clientId<id>deviceName<dn>productKey<pk>[timestamp<ms>]"))
 *
 * The signed text is the parameters sorted by name, each name followed by its value, with no
 * separators. The hex may be upper or lower case. Pure: no sockets, no clock of its own.
 *
 * The timestamp is signed; it is checked against the broker's clock only when the device has a
 * validity window (`window`: the scenario's `platform.auth.timestampWindowS`): then it is required
 * and must lie within ±window of the lab's time, so a captured login cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PlatformDevice {
  productKey: string;
  deviceName: string;
  deviceSecret: string;
}

export const SIGN_METHODS = { hmacsha256: 'sha256', hmacsha1: 'sha1', hmacmd5: 'md5' } as const;
export type SignMethod = keyof typeof SIGN_METHODS;

/** The text a device signs (parameters sorted by name, name then value, no separators). */
export function signContent(d: PlatformDevice, id: string, timestamp?: string): string {
  return (
    `clientId${id}deviceName${d.deviceName}productKey${d.productKey}` +
    (timestamp === undefined ? '' : `timestamp${timestamp}`)
  );
}

/** The MQTT CONNECT fields a device sends, from its triple and a client id of its choosing. */
export function signLogin(
  d: PlatformDevice,
  opts: { id: string; timestamp?: string; method?: SignMethod; securemode?: number },
): { clientId: string; username: string; password: string } {
  const method = opts.method ?? 'hmacsha256';
  const params = [
    `securemode=${opts.securemode ?? 3}`,
    `signmethod=${method}`,
    ...(opts.timestamp === undefined ? [] : [`timestamp=${opts.timestamp}`]),
  ];
  return {
    clientId: `${opts.id}|${params.join(',')}|`,
    username: `${d.deviceName}&${d.productKey}`,
    password: createHmac(SIGN_METHODS[method], d.deviceSecret)
      .update(signContent(d, opts.id, opts.timestamp))
      .digest('hex'),
  };
}

export type LoginCheck =
  | { device: undefined }
  | { device: PlatformDevice; ok: true }
  | { device: PlatformDevice; ok: false; reason: string };

/** Parses `<id>|k=v,k=v|`; undefined when the client id is not of that form. */
export function parseSignedClientId(
  clientId: string,
): { id: string; params: Map<string, string> } | undefined {
  const m = /^([^|]*)\|([^|]*)\|$/.exec(clientId);
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const kv of m[2]!.split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) params.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  return { id: m[1]!, params };
}

/**
 * Checks a CONNECT against the platform's devices. `device: undefined` when the username names
 * none of them (the broker's other rules apply); otherwise ok, or the reason it is refused.
 */
export function checkLogin(
  devices: readonly PlatformDevice[],
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
  opts: {
    /** The secret now, when it is not the device's own (a "password changed" fault). */
    secretOf?: (d: PlatformDevice) => string;
    /** The timestamp must be within ±windowS of nowMs (epoch ms); absent = not checked. */
    window?: { nowMs: number; windowS: number };
  } = {},
): LoginCheck {
  const device = devices.find((d) => username === `${d.deviceName}&${d.productKey}`);
  if (!device) return { device: undefined };
  const no = (reason: string): LoginCheck => ({ device, ok: false, reason });
  const parsed = parseSignedClientId(clientId);
  if (!parsed) return no('client id is not "<id>|securemode=…,signmethod=…,timestamp=…|"');
  const method = parsed.params.get('signmethod');
  if (method === undefined || !(method in SIGN_METHODS))
    return no(`signmethod ${String(method)} is not one of ${Object.keys(SIGN_METHODS).join(', ')}`);
  if (!password || password.length === 0) return no('no password');
  const timestamp = parsed.params.get('timestamp');
  if (opts.window) {
    const { nowMs, windowS } = opts.window;
    if (timestamp === undefined || !/^\d{10,16}$/.test(timestamp))
      return no('no timestamp: a signed login must carry timestamp=<epoch ms> in the client id');
    const off = Number(timestamp) - nowMs;
    if (Math.abs(off) > windowS * 1000)
      return no(
        `timestamp ${(off / 1000).toFixed(0)} s from the broker's clock, outside ±${windowS} s (stale or replayed login)`,
      );
  }
  const secret = opts.secretOf ? opts.secretOf(device) : device.deviceSecret;
  const want = createHmac(SIGN_METHODS[method as SignMethod], secret)
    .update(signContent(device, parsed.id, timestamp))
    .digest();
  const got = Buffer.from(password.toString('utf8').toLowerCase(), 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want))
    return no('password is not the HMAC of the sign content with the device secret');
  return { device, ok: true };
}
