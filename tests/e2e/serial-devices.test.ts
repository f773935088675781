/**
 * Every serial device of the default greenhouse, reached the way a candidate reaches it: raw TCP
 * bytes per its protocol document, and the barcode images over HTTP decoded by zbarimg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc16modbus } from 'crc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeCatalogue } from '../../devices/serial/barcode-scanner/model.js';
import type { LabCard } from '../../simulator/card.js';
import type { SerialCardEntry } from '../../devices/serial/card.js';
import { RealClock } from '../../core/clock.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { waitFor } from '../support/net.js';

let lab: Lab;
let card: LabCard;
const sockets: Socket[] = [];

beforeAll(async () => {
  // No gateway: these tests are the host of every line (the greenhouse's gw1 would hold two).
  lab = createLab(loadScenario('greenhouse').scenario, {
    seed: 31,
    clock: new RealClock(),
    gateways: false,
  });
  card = await lab.start();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await lab.stop();
});

function entry(name: string): SerialCardEntry {
  const e = card.serial?.find((x) => x.name === name);
  if (!e) throw new Error(`no serial device ${name} on the card`);
  return e;
}

async function open(name: string): Promise<{ sock: Socket; data: () => Buffer }> {
  const e = entry(name);
  const chunks: Buffer[] = [];
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect(e.tcp.port, e.tcp.host, () => resolve(s));
    s.on('error', reject);
  });
  sockets.push(sock);
  sock.on('data', (d: Buffer) => chunks.push(d));
  return { sock, data: () => Buffer.concat(chunks) };
}

/** Appends CRC-16/MODBUS, low byte first. */
function withCrc(bytes: number[], from = 0): Buffer {
  const b = Buffer.from(bytes);
  const crc = crc16modbus(b.subarray(from));
  return Buffer.concat([b, Buffer.from([crc & 0xff, crc >> 8])]);
}

describe('serial devices of the greenhouse over raw TCP', () => {
  it('lists every serial kind on the card with line settings', () => {
    expect(card.serial!.map((s) => s.kind).sort()).toEqual(
      [
        'barcode_scanner',
        'beacon_scanner',
        'cellular_modem',
        'controller',
        'gnss',
        'modbus_rtu',
        'rfid_reader',
      ].sort(),
    );
    for (const s of card.serial!) expect(s.settings.baudRate).toBeGreaterThanOrEqual(9600);
  });

  it('GNSS streams NMEA sentences with valid checksums', async () => {
    const { data } = await open('gnss');
    const line = await waitFor(() => /\$GPRMC[^\r]*(?=\r\n)/.exec(data().toString())?.[0], 4000);
    const [body, sum] = line.slice(1).split('*');
    let x = 0;
    for (const ch of body!) x ^= ch.charCodeAt(0);
    expect(sum).toBe(x.toString(16).toUpperCase().padStart(2, '0'));
  });

  it('the RFID reader answers reader info (header AA BB, LEN, ADDR, CMD, CRC16 low byte first)', async () => {
    const { sock, data } = await open('rfid');
    sock.write(withCrc([0xaa, 0xbb, 0x07, 0x00, 0x01]));
    const reply = await waitFor(() =>
      data().length >= 8 && data().length >= data()[2]! ? data() : undefined,
    );
    expect([...reply.subarray(0, 2)]).toEqual([0xaa, 0xbb]);
    expect(reply[4]).toBe(0x01); // CMD echoed
    expect(reply[5]).toBe(0x00); // status OK
    const len = reply[2]!;
    expect(crc16modbus(reply.subarray(0, len - 2))).toBe(reply.readUInt16LE(len - 2));
  });

  it('the irrigation controller answers device info in its own protocol', async () => {
    const { sock, data } = await open('irrigation');
    sock.write(withCrc([0x5a, 0xa5, 0x07, 0x01, 0x00], 2));
    const reply = await waitFor(() => (data().length >= 8 ? data() : undefined));
    expect([...reply.subarray(0, 5)]).toEqual([0x5a, 0xa5, 0x07, 0x41, reply[4]]);
    expect(reply[5]).toBe(0x00); // status OK
  });

  it('the cellular modem answers AT commands with OK', async () => {
    const { sock, data } = await open('modem');
    sock.write('ATE0\rAT+CGMI\r');
    const text = await waitFor(() =>
      data().toString().match(/OK/g)?.length === 2 ? data().toString() : undefined,
    );
    expect(text).toMatch(/^ATE0\r\r\nOK\r\n\r\n.+\r\n\r\nOK\r\n$/);
  });

  it('the beacon scanner reports iBeacons with RSSI', async () => {
    const { data } = await open('beacons');
    const text = await waitFor(
      () => (data().toString().includes('\r\n+SCAN:') ? data().toString() : undefined),
      4000,
    );
    expect(text).toMatch(/\+SCAN:([0-9A-F]{2}:){5}[0-9A-F]{2},-\d+,[0-9A-F-]{36},\d+,\d+,-\d+\r\n/);
  });

  it('the barcode scanner acknowledges a trigger and sends a scan line with its suffix', async () => {
    const { sock, data } = await open('scanner');
    sock.write(Buffer.from([0x16, 0x54, 0x0d]));
    const reply = await waitFor(() => (data().includes('\r\n') ? data() : undefined), 3000);
    expect(reply[0]).toBe(0x06);
    const line = reply.subarray(1, reply.indexOf('\r\n')).toString();
    const plan = lab.plan.serial.find((p) => p.name === 'scanner')!;
    expect(codeCatalogue(plan, 31).map((c) => c.text)).toContain(line);
  });

  it('serves the code images over HTTP, and zbarimg reads the valid ones back', async () => {
    const plan = lab.plan.serial.find((p) => p.name === 'scanner')!;
    const catalogue = codeCatalogue(plan, 31);
    const codes = entry('scanner').info.codes as { index: number; image: string; text?: string }[];
    expect(codes).toHaveLength(catalogue.length);
    expect(codes.every((c) => c.text === undefined)).toBe(true); // the contents are the task, not the card
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-codes-'));
    for (const c of catalogue.filter((x) => x.valid).slice(0, 4)) {
      expect(codes[c.index]!.image).toBe(`codes/${c.index}.png`);
      const res = await fetch(entry('scanner').files!.baseUrl + codes[c.index]!.image);
      expect(res.headers.get('content-type')).toBe('image/png');
      const file = join(dir, `${c.index}.png`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const r = spawnSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' });
      expect(r.status, 'zbarimg is missing or failed: apt-get install zbar-tools').toBe(0);
      expect(r.stdout.trim()).toBe(c.text);
    }
    expect((await fetch(`${entry('scanner').files!.baseUrl}codes/999.png`)).status).toBe(404);
  });
});

describe('the lab and the wire share one device', () => {
  it('truth of a serial device reflects what was done to it over the line', async () => {
    // One host per line: release the connections of the tests above first.
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const scanner = await open('scanner');
    scanner.sock.write(Buffer.from([0x16, 0x54, 0x0d]));
    await waitFor(() => (scanner.data().includes('\r\n') ? true : undefined), 3000);
    const truth = lab.byteDevice('scanner').truth(lab.clock.now()) as {
      scans: { source: string }[];
    };
    expect(truth.scans.some((s) => s.source === 'trigger')).toBe(true);
  });
});
