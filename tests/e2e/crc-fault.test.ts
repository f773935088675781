/**
 * The `crc-error` fault on the real wire: while it is active, the greenhouse's RS-485 Modbus RTU
 * line and RFID reader answer over raw TCP with frames whose CRC-16 does not match; cleared, the
 * CRC is right again. The fault's start and end are `fault` evidence and `serial.tx` holds the
 * spoiled bytes the host got.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { crc16modbus } from 'crc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabCard } from '../../simulator/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { waitFor } from '../support/net.js';

let lab: Lab;
let card: LabCard;
const sockets: Socket[] = [];
const events: EvidenceEvent[] = [];

beforeAll(async () => {
  // No gateway: the test is the host of the lines.
  lab = createLab(loadScenario('greenhouse').scenario, {
    seed: 8,
    clock: new RealClock(),
    gateways: false,
  });
  lab.recorder.subscribe((e) => events.push(e));
  card = await lab.start();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await lab.stop();
});

async function open(name: string) {
  const e = card.serial!.find((x) => x.name === name)!;
  const chunks: Buffer[] = [];
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect(e.tcp.port, e.tcp.host, () => resolve(s));
    s.on('error', reject);
  });
  sockets.push(sock);
  sock.on('data', (d: Buffer) => chunks.push(d));
  return {
    sock,
    /** Bytes received since the last take. */
    take: () => Buffer.concat(chunks.splice(0)),
    size: () => chunks.reduce((n, c) => n + c.length, 0),
  };
}

function withCrc(bytes: number[]): Buffer {
  const b = Buffer.from(bytes);
  const crc = crc16modbus(b);
  return Buffer.concat([b, Buffer.from([crc & 0xff, crc >> 8])]);
}
const crcOk = (frame: Buffer) =>
  crc16modbus(frame.subarray(0, frame.length - 2)) === frame.readUInt16LE(frame.length - 2);

describe('crc-error fault', () => {
  it('spoils the CRC of every Modbus RTU answer while active, and only then', async () => {
    const line = await open('rs485');
    const info = card.serial!.find((x) => x.name === 'rs485')!.info as {
      units: { unitId: number }[];
    };
    const unit = info.units[0]!.unitId;
    // FC03 read 1 holding register at 0: a normal answer or an exception, either way a framed ADU.
    const request = withCrc([unit, 0x03, 0x00, 0x00, 0x00, 0x01]);
    const ask = async () => {
      line.sock.write(request);
      await waitFor(() => (line.size() >= 5 ? true : undefined));
      // Let the whole ADU arrive (it is paced at 9600 baud).
      await new Promise((r) => setTimeout(r, 60));
      return line.take();
    };
    const good = await ask();
    expect(good[0]).toBe(unit);
    expect(crcOk(good)).toBe(true);

    const from = events.length;
    const f = lab.injectFault({ device: 'rs485', type: 'crc-error' });
    const bad = await ask();
    expect(bad.subarray(0, -2)).toEqual(good.subarray(0, -2));
    expect(crcOk(bad)).toBe(false);
    const rs485 = card.serial!.find((x) => x.name === 'rs485')!.id;
    const sent = events
      .slice(from)
      .map((e) => e as unknown as { kind: string; device?: string; raw?: string })
      .filter((e) => e.kind === 'serial.tx' && e.device === rs485)
      .map((e) => Buffer.from(e.raw ?? '', 'base64'));
    expect(Buffer.concat(sent)).toEqual(bad);

    lab.clearFault(f.id);
    expect(crcOk(await ask())).toBe(true);
    const faults = events
      .filter((e) => e.kind === 'fault')
      .map((e) => e as unknown as { action: string; fault: { type: string } })
      .map((e) => `${e.action} ${e.fault.type}`);
    expect(faults).toEqual(['start crc-error', 'end crc-error']);
  });

  it('spoils the RFID reader frames too', async () => {
    const reader = await open('rfid');
    const f = lab.injectFault({ device: 'rfid', type: 'crc-error', duration: 60 });
    reader.sock.write(withCrc([0xaa, 0xbb, 0x07, 0x00, 0x01]));
    const reply = await waitFor(() => {
      const have = reader.size();
      return have >= 8 ? true : undefined;
    });
    expect(reply).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    const frame = reader.take();
    const len = frame[2]!;
    expect(frame.length).toBe(len);
    expect(crcOk(frame)).toBe(false);
    lab.clearFault(f.id);
  });
});
