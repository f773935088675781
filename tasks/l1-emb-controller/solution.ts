/**
 * Reference solution: frames built by hand from docs/protocols/controller.md. Switch the
 * actuator on once (command 04), then on a fixed-rate timer read the sensor channel (command
 * 02), decode its int32 × 0.01 and publish it. Uses only the card and the instructions.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

/** CRC-16/MODBUS. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

/** 5A A5 | address | command | length | payload | CRC (address..payload) low byte first. */
export function frame(address: number, command: number, payload: number[]): Buffer {
  const body = Buffer.from([address, command, payload.length, ...payload]);
  const crc = crc16(body);
  return Buffer.concat([Buffer.from([0x5a, 0xa5]), body, Buffer.from([crc & 0xff, crc >> 8])]);
}

/** One request, one reply: resolves with the reply's payload, or undefined after the timeout. */
function exchanger(socket: Socket, timeoutMs: number) {
  let buf = Buffer.alloc(0);
  let waiting: ((p: { command: number; payload: Buffer }) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const at = buf.indexOf(Buffer.from([0x5a, 0xa5]));
      if (at < 0 || buf.length < at + 5) return;
      const total = 7 + buf[at + 4]!;
      if (buf.length < at + total) return;
      const f = buf.subarray(at, at + total);
      buf = buf.subarray(at + total);
      if (crc16(f.subarray(2, total - 2)) !== f.readUInt16LE(total - 2)) continue;
      waiting?.({ command: f[3]!, payload: Buffer.from(f.subarray(5, total - 2)) });
    }
  });
  return (req: Buffer) =>
    new Promise<{ command: number; payload: Buffer } | undefined>((resolve) => {
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      waiting = (r) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(r);
      };
      socket.write(req);
    });
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const entry = card.serial!.find((s) => s.id === vars.deviceId)!;
  const address = Number(vars.address);
  const channel = Number(vars.channel);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const socket = connect(entry.tcp.port, entry.tcp.host);
  socket.on('error', () => undefined);
  const ask = exchanger(socket, 300 / speed);
  let busy = true;
  for (let i = 0; i < 3; i++) {
    const r = await ask(frame(address, 0x04, [Number(vars.actuatorChannel), 0x01]));
    if (r?.command === 0x44 && r.payload[0] === 0) break;
  }
  busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await ask(frame(address, 0x02, [channel, 1]));
      // status, start, count, then per channel: channel status + int32 BE.
      if (r?.command !== 0x42 || r.payload[0] !== 0 || r.payload[3] !== 0) return;
      const raw = r.payload.readInt32BE(4);
      const value = ctx.mistake === 'no-scale' ? raw : Math.round(raw) / 100;
      await client.publishAsync(String(vars.topic), JSON.stringify({ value, unit: vars.unit }), {
        qos: 1,
      });
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), (Number(vars.periodS) * 1000) / speed);
  await untilAborted(ctx.signal);
  clearInterval(timer);
  socket.destroy();
  await client.endAsync(true);
}
