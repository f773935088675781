/**
 * The address candidates are told to use. `iotlab serve --host 0.0.0.0` listens everywhere, but
 * a card saying `mqtt://0.0.0.0:1883` is no use to a candidate's PC: cards name the public host
 * instead (`--public-host`, default the machine's first external IPv4 when bound to all
 * interfaces, else the bind host itself).
 */
import { networkInterfaces } from 'node:os';

const ANY = new Set(['0.0.0.0', '::', '']);

export function defaultPublicHost(bindHost: string): string {
  if (!ANY.has(bindHost)) return bindHost;
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);

/**
 * A copy of `value` (a lab card) with the bind host replaced by the public one: string fields
 * equal to it, and URLs (`scheme://host:port`) and `host:port` strings that name it.
 */
export function withPublicHost<T>(value: T, bindHost: string, publicHost: string): T {
  if (bindHost === publicHost) return value;
  const from = bracket(bindHost);
  const to = bracket(publicHost);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v === bindHost) return publicHost;
      if (v.startsWith(`${from}:`)) return to + v.slice(from.length);
      return v.replaceAll(`://${from}:`, `://${to}:`);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
