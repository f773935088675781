/**
 * Reference solution: read the scanner's serial line over raw TCP, cut lines at the suffix,
 * verify each EAN-13 check digit, publish `{code, valid}`. Uses only the card and the
 * instructions.
 *
 * Typical mistakes (`ctx.mistake`): `no-check` reports every code valid; `no-length-check`
 * reports every non-empty line, 13 digits or not. The stated rules and the case the lab plants
 * for each: tasks/l1-emb-barcode/task.ts.
 */
import { connect } from 'node:net';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

/** GS1 General Specifications §7.9.1: weights 1, 3, 1, 3, … from the left over 12 digits. */
export function validEan13(code: string): boolean {
  if (!/^[0-9]{13}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(code[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(code[12]);
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const entry = card.serial!.find((s) => s.id === vars.deviceId)!;
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const socket = connect(entry.tcp.port, entry.tcp.host);
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    // CR, LF or CRLF: cutting at either and skipping empty lines covers all three.
    const lines = pending.split(/[\r\n]/);
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // Connecting mid-line gives the tail of a scan first: not a code, skip it.
      if (ctx.mistake === 'no-length-check' ? line === '' : !/^[0-9]{13}$/.test(line)) continue;
      const valid = ctx.mistake === 'no-check' ? true : validEan13(line);
      quietly(
        client.publishAsync(String(vars.topic), JSON.stringify({ code: line, valid }), {
          qos: 1,
        }),
      );
    }
  });
  socket.on('error', () => undefined);
  await untilAborted(ctx.signal);
  socket.destroy();
  await client.endAsync(true);
}
