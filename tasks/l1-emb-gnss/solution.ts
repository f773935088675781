/**
 * Reference solution: read NMEA from the receiver's serial line (raw TCP), keep only GGA
 * sentences with a right checksum, convert ddmm.mmmm to signed decimal degrees, and publish the
 * latest fix on a fixed-rate timer. Uses only the card and the instructions.
 *
 * Typical mistakes (`ctx.mistake`): `no-convert` publishes ddmm.mmmm / 100 as degrees; `no-sign`
 * ignores the hemisphere; `no-checksum` parses every GGA, whatever its checksum (or none). The
 * stated rules and the case the lab plants for each: tasks/l1-emb-gnss/task.ts.
 */
import { connect } from 'node:net';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

/** NMEA 0183: XOR of the characters between `$` and `*`, two hex digits after the `*`. */
export function nmeaOk(line: string): boolean {
  const m = /^\$([^*]*)\*([0-9A-Fa-f]{2})$/.exec(line);
  if (!m) return false;
  let x = 0;
  for (const c of m[1]!) x ^= c.charCodeAt(0);
  return x === parseInt(m[2]!, 16);
}

/** `ddmm.mmmm` (or `dddmm.mmmm`) and a hemisphere to signed decimal degrees. */
export function toDegrees(
  value: string,
  hemi: string,
  degDigits: number,
  mistake?: string,
): number {
  if (mistake === 'no-convert') return Number(value) / 100;
  const deg = Number(value.slice(0, degDigits)) + Number(value.slice(degDigits)) / 60;
  return mistake !== 'no-sign' && (hemi === 'S' || hemi === 'W') ? -deg : deg;
}

interface Report {
  lat: number | null;
  lon: number | null;
  fix: number;
  sats: number;
}

export function parseGga(line: string, mistake?: string): Report | undefined {
  if (mistake === 'no-checksum' ? !line.startsWith('$') : !nmeaOk(line)) return undefined;
  const star = line.indexOf('*');
  const f = line.slice(1, star < 0 ? undefined : star).split(',');
  if (!f[0]!.endsWith('GGA') || f.length < 10) return undefined;
  const fix = Number(f[6]);
  const sats = Number(f[7]);
  if (!Number.isInteger(fix) || !Number.isInteger(sats)) return undefined;
  if (fix === 0 || f[2] === '' || f[4] === '') return { lat: null, lon: null, fix, sats };
  const round = (x: number) => Math.round(x * 1e7) / 1e7;
  return {
    lat: round(toDegrees(f[2]!, f[3]!, 2, mistake)),
    lon: round(toDegrees(f[4]!, f[5]!, 3, mistake)),
    fix,
    sats,
  };
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const entry = card.serial!.find((s) => s.id === vars.deviceId)!;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const socket = connect(entry.tcp.port, entry.tcp.host);
  socket.on('error', () => undefined);
  let latest: Report | undefined;
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const lines = pending.split('\r\n');
    pending = lines.pop() ?? '';
    for (const line of lines) latest = parseGga(line.trim(), ctx.mistake) ?? latest;
  });
  const timer = setInterval(
    () => {
      if (latest)
        quietly(client.publishAsync(String(vars.topic), JSON.stringify(latest), { qos: 1 }));
    },
    (Number(vars.periodS) * 1000) / speed,
  );
  await untilAborted(ctx.signal);
  clearInterval(timer);
  socket.destroy();
  await client.endAsync(true);
}
