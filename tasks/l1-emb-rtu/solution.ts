/**
 * Reference solution: the master of the RS-485 line over raw TCP. On a fixed-rate timer, read
 * one input register (FC 04) from each slave in turn — RTU frames built by hand, one request at
 * a time, each answer's CRC checked — scale it and publish JSON. Uses only the card and the
 * instructions.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

/** CRC-16/MODBUS (MODBUS over Serial Line v1.02 §6.2.2). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

export function readInputRegister(unit: number, address: number): Buffer {
  const body = Buffer.from([unit, 0x04, address >> 8, address & 0xff, 0x00, 0x01]);
  const crc = crc16(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
}

/** Sends one request; resolves with the register of a good FC 04 answer from `unit`. */
function master(socket: Socket, timeoutMs: number) {
  let buf = Buffer.alloc(0);
  let waiting: { unit: number; done: (v: number | undefined) => void } | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    // unit, 04, byte count 2, value hi, lo, CRC lo, hi — 7 bytes; an exception is 5.
    while (waiting && buf.length >= 5) {
      const { unit, done } = waiting;
      const len = buf[1] === 0x04 ? 7 : 5;
      if (buf.length < len) return;
      const frame = buf.subarray(0, len);
      buf = buf.subarray(len);
      const ok = frame[0] === unit && frame[1] === 0x04 && crc16(frame) === 0;
      done(ok ? frame.readUInt16BE(3) : undefined);
    }
  });
  return (unit: number, address: number) =>
    new Promise<number | undefined>((resolve) => {
      buf = Buffer.alloc(0);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (v: number | undefined) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(v);
      };
      waiting = { unit, done: finish };
      socket.write(readInputRegister(unit, address));
    });
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const line = card.serial!.find((s) => s.id === vars.lineId)!;
  const slaves = String(vars.slaves)
    .split(',')
    .map((s) => {
      const [unit, address, scale, offset, topic] = s.split(':');
      return {
        topic: topic!,
        unit: Number(unit),
        address: Number(address),
        scale: Number(scale),
        offset: Number(offset),
      };
    });
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const socket = connect(line.tcp.port, line.tcp.host);
  socket.on('error', () => undefined);
  const read = master(socket, 200 / speed);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const s of slaves) {
        const raw = await read(s.unit, s.address);
        if (raw === undefined) continue;
        // Typical mistakes: `raw` publishes the register unscaled; `no-offset` forgets the offset.
        const offset = ctx.mistake === 'no-offset' ? 0 : s.offset;
        const value =
          ctx.mistake === 'raw' ? raw : Math.round((raw * s.scale + offset) * 100) / 100;
        quietly(client.publishAsync(s.topic, JSON.stringify({ value }), { qos: 1 }));
      }
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
