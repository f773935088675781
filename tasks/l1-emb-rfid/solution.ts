/**
 * Reference solution: one Mifare Classic session over the reader's serial line (raw TCP) —
 * Request, Anticollision, Select, Authenticate (key A), Read — retried until a card is in the
 * field, then the UID and block answered on the answers topic. Uses only the card and the
 * instructions; frames built and checked by hand, as a candidate would.
 *
 * Typical mistakes (`ctx.mistake`): `default-key` authenticates with the transport key
 * FFFFFFFFFFFF instead of the stated key A; `uid-with-bcc` answers the UID with the BCC byte
 * (10 hex digits); `no-restart` asks a failed read again instead of starting again with Request
 * when the card has left in between. The stated rules and the case the lab plants for each:
 * tasks/l1-emb-rfid/task.ts.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';

/** CRC-16/MODBUS (doc §2). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >> 1) ^ 0xa001 : crc >> 1;
  }
  return crc;
}

export function requestFrame(address: number, cmd: number, data: number[] = []): Buffer {
  const body = Buffer.from([0xaa, 0xbb, 7 + data.length, address, cmd, ...data]);
  const crc = crc16(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
}

interface Reply {
  status: number;
  data: Buffer;
}

/** Sends one frame and waits for the answer with the same CMD (undefined on timeout). */
function exchanger(socket: Socket, timeoutMs: number) {
  let buf = Buffer.alloc(0);
  let waiting: ((r: Reply) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const at = buf.indexOf(Buffer.from([0xaa, 0xbb]));
      if (at < 0 || buf.length < at + 3) return;
      const len = buf[at + 2]!;
      if (buf.length < at + len) return;
      const frame = buf.subarray(at, at + len);
      buf = buf.subarray(at + len);
      if (crc16(frame.subarray(0, len - 2)) !== frame.readUInt16LE(len - 2)) continue;
      waiting?.({ status: frame[5]!, data: Buffer.from(frame.subarray(6, len - 2)) });
    }
  });
  return (frame: Buffer) =>
    new Promise<Reply | undefined>((resolve) => {
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      waiting = (r) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(r);
      };
      socket.write(frame);
    });
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars, signal } = ctx;
  const speed = ctx.speed ?? 1;
  const entry = card.serial!.find((s) => s.id === vars.deviceId)!;
  const address = parseInt(String(vars.address), 16);
  const block = Number(vars.block);
  const key = Buffer.from(
    ctx.mistake === 'default-key' ? 'FFFFFFFFFFFF' : String(vars.keyA),
    'hex',
  );
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const socket = connect(entry.tcp.port, entry.tcp.host);
  socket.on('error', () => undefined);
  const send = exchanger(socket, 500 / speed);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms / speed));
  const ask = (cmd: number, data: number[] = []) => send(requestFrame(address, cmd, data));
  let uid: Buffer | undefined;
  while (!signal.aborted) {
    const req = await ask(0x10, [0x52]);
    if (req?.status !== 0) {
      await sleep(500);
      continue;
    }
    const anti = await ask(0x11);
    if (anti?.status !== 0) continue;
    uid = anti.data.subarray(0, 4);
    if (!uid) continue;
    await client.publishAsync(
      `${card.mqtt.topicPrefix}/answers/uid`,
      (ctx.mistake === 'uid-with-bcc' ? anti.data.subarray(0, 5) : uid)
        .toString('hex')
        .toUpperCase(),
      { qos: 1 },
    );
    if ((await ask(0x12, [...uid]))?.status !== 0) continue;
    const sector = Number(vars.sector);
    const auth = await ask(0x13, [0x60, sector, ...key]);
    let read = await ask(0x14, [block]);
    // Mistake `no-restart`: a failed read is asked again as it is, never a new session.
    while (ctx.mistake === 'no-restart' && auth?.status === 0 && read?.status !== 0) {
      if (signal.aborted) return client.endAsync();
      await sleep(200);
      read = await ask(0x14, [block]);
    }
    await ask(0x16);
    if (auth?.status === 0 && read?.status === 0 && read.data.length === 16) {
      await client.publishAsync(
        `${card.mqtt.topicPrefix}/answers/block`,
        read.data.toString('hex').toUpperCase(),
        { qos: 1 },
      );
      break;
    }
    // A wrong key cannot get better by retrying: stop after one refused session.
    if (auth?.status === 2) break;
  }
  socket.destroy();
  await client.endAsync();
}
