/**
 * Byte-identity of evidence: seeded labs on a manual clock, driven by real clients in a fixed
 * order, must write the same evidence as the golden files in tests/fixtures/evidence-golden/
 * (written once from the code before the folders were reorganised). Any change of behaviour — a
 * field, an order, a value, a timing — shows up here as a changed line.
 *
 * What is normalised, and why:
 *   - port numbers (peers, URLs and `port` fields): servers and clients listen on ephemeral ports
 *     in tests, so each distinct port becomes <port1>, <port2>… in order of first appearance, and
 *     `prev` is recomputed over the normalised lines (the raw file's own chain is checked first);
 *   - the gateway lab only: events of the same lab millisecond are compared sorted, because the
 *     gateway's MQTT connection and its serial connections are two sockets whose records race
 *     within one instant of lab time (each connection's own order is kept).
 * Everything else — lab times, wall times (from the clock), payloads, seq — is compared as is.
 *
 * IOTLAB_WRITE_GOLDEN=1 rewrites the golden files instead of comparing (only when behaviour is
 * meant to change, and the change is reviewed in the diff of the fixtures).
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { BoardClient } from '../../clients/ts/board.js';
import { encodeRtu } from '../../protocols/codecs/modbus-rtu.js';
import { ManualClock } from '../../core/clock.js';
import { readEvidence, sha256, GENESIS } from '../../core/evidence.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab, LabDeps } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import type { LabCard } from '../../simulator/card.js';
import { loadScenario } from '../../simulator/scenario.js';
import { modbusClient } from '../support/clients.js';
import { waitFor } from '../support/net.js';

const GOLDEN = join(import.meta.dirname, '../fixtures/evidence-golden');
const WRITE = process.env.IOTLAB_WRITE_GOLDEN === '1';
const { scenario } = loadScenario('greenhouse');

interface Run {
  lab: Lab;
  card: LabCard;
  clock: ManualClock;
  events: EvidenceEvent[];
}

/** Waits until no evidence has been recorded for `quietMs` of real time. */
async function settle(events: readonly unknown[], quietMs = 60): Promise<void> {
  let seen = -1;
  while (seen !== events.length) {
    seen = events.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** Advances lab time in steps, letting the servers finish each step's work before the next. */
async function advance(r: Run, ms: number, step = 1000): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    r.clock.advance(Math.min(step, ms - done));
    await settle(r.events);
  }
}

/** Waits for an event (without moving lab time, so its `t` does not depend on the machine). */
function waitEvent(r: Run, pred: (e: EvidenceEvent) => boolean, what: string, from = 0) {
  return waitFor(() => r.events.slice(from).find(pred), 8000, what);
}

async function runLab(
  name: string,
  seed: number,
  deps: LabDeps,
  drive: (r: Run) => Promise<void>,
  opts: { sortWithinMs?: boolean } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-golden-'));
  const path = join(dir, `${name}.jsonl`);
  const clock = new ManualClock();
  const lab = createLab(scenario, {
    seed,
    clock,
    evidencePath: path,
    ports: { ws: null },
    ...deps,
  });
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  try {
    const card = await lab.start();
    const run = { lab, card, clock, events };
    await settle(events);
    await drive(run);
    await settle(events);
  } finally {
    await lab.stop();
  }
  const raw = readEvidence(path);
  expect(raw.problems).toEqual([]);
  const text = normalise(readFileSync(path, 'utf8'), opts.sortWithinMs ?? false);
  const golden = join(GOLDEN, `${name}.jsonl`);
  if (WRITE || !existsSync(golden)) {
    if (!WRITE) throw new Error(`no golden file ${golden} (IOTLAB_WRITE_GOLDEN=1 writes it)`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(golden, text);
    return;
  }
  const want = readFileSync(golden, 'utf8');
  // Line by line first, so a difference names its line rather than a 1 MB string.
  const got = text.split('\n');
  const exp = want.split('\n');
  for (let i = 0; i < Math.max(got.length, exp.length); i++)
    expect(got[i], `${name}.jsonl line ${i + 1}`).toBe(exp[i]);
  expect(text === want).toBe(true);
}

const HOST_PORT = /(127\.0\.0\.1|localhost|\[::1\]):(\d+)/g;
const PORT_FIELD = /"(port|mqttPort|coapPort|modbusPort|wsPort)":(\d+)/g;

/** Optional same-t canonical order, ports to <portN>, then the chain recomputed. */
function normalise(text: string, sortWithinMs: boolean): string {
  let lines = text.split('\n').filter((l) => l !== '');
  if (sortWithinMs) {
    // Sorted by the line with its ports masked, so port numbering below follows the sorted order.
    const keyed = lines.map((l) => ({
      l,
      t: (JSON.parse(l) as EvidenceEvent).t,
      key: JSON.stringify({ ...(JSON.parse(mask(l)) as object), seq: 0, prev: '' }),
    }));
    keyed.sort((a, b) => a.t - b.t || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    lines = keyed.map((k) => k.l);
  }
  const ports = new Map<string, string>();
  const port = (p: string): string => {
    let n = ports.get(p);
    if (!n) ports.set(p, (n = `<port${ports.size + 1}>`));
    return n;
  };
  let prev = GENESIS;
  return (
    lines
      .map((l, seq) => {
        const text = l
          .replace(HOST_PORT, (_m, host: string, p: string) => `${host}:${port(p)}`)
          .replace(PORT_FIELD, (_m, key: string, p: string) => `"${key}":"${port(p)}"`);
        const { prev: _p, seq: _s, ...rest } = JSON.parse(text) as EvidenceEvent;
        const line = JSON.stringify({ seq, ...rest, prev });
        prev = sha256(line);
        return line;
      })
      .join('\n') + '\n'
  );
}

function mask(line: string): string {
  return line
    .replace(HOST_PORT, (_m, host: string) => `${host}:<port>`)
    .replace(PORT_FIELD, (_m, key: string) => `"${key}":"<port>"`);
}

/** A raw TCP client that keeps everything it receives. */
async function tcp(port: number): Promise<{ sock: Socket; got: () => Buffer }> {
  const chunks: Buffer[] = [];
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  sock.on('data', (d: Buffer) => chunks.push(d));
  return { sock, got: () => Buffer.concat(chunks) };
}

function rtuFrame(unit: number, fc: number, address: number, count: number): Buffer {
  return encodeRtu(unit, Buffer.from([fc, address >> 8, address & 0xff, count >> 8, count & 0xff]));
}

function serialPort(card: LabCard, name: string): number {
  return card.serial!.find((s) => s.name === name)!.tcp.port;
}

describe('evidence of seeded labs is byte-identical to the golden files', () => {
  it('greenhouse, no clients: telemetry, switches, scheduled faults, serial emissions', async () => {
    await runLab('greenhouse', 7, { gateways: false }, async (r) => {
      await advance(r, 30_000);
    });
  });

  it('field devices over MQTT, CoAP and Modbus TCP', async () => {
    await runLab('field', 8, { gateways: false }, async (r) => {
      const { card } = r;
      const fan = card.devices.find((d) => d.name === 'fan')!;
      const client = await mqtt.connectAsync(card.mqtt.url, {
        clientId: 'golden-client',
        reconnectPeriod: 0,
      });
      try {
        await client.subscribeAsync(`${card.mqtt.topicPrefix}/#`);
        await waitEvent(r, (e) => e.kind === 'mqtt.subscribe', 'subscribe');
        await settle(r.events);
        await advance(r, 5000);
        let from = r.events.length;
        await client.publishAsync(fan.mqtt!.commandTopic!, '{"on":true}');
        await waitEvent(r, (e) => e.kind === 'device.state', 'fan on', from);
        await settle(r.events);

        const air = card.devices.find((d) => d.name === 'air_th')!;
        if (air.coap) {
          from = r.events.length;
          await coapGet(card.coap.url, air.coap.path);
          await waitEvent(r, (e) => e.kind === 'coap.response', 'coap response', from);
          await settle(r.events);
        }
        const mb = card.devices.find((d) => d.modbus?.transport === 'tcp')!;
        const m = await modbusClient(card.modbus.host, card.modbus.port);
        try {
          m.setID(mb.modbus!.unit);
          const reg = mb.modbus!.registers[0]!;
          from = r.events.length;
          if (reg.table === 'input') await m.readInputRegisters(reg.address, 1);
          else if (reg.table === 'coil') await m.readCoils(reg.address, 1);
          else await m.readDiscreteInputs(reg.address, 1);
          await waitEvent(r, (e) => e.kind === 'modbus.response', 'modbus response', from);
        } finally {
          await new Promise<void>((res) => m.close(() => res()));
        }
        await settle(r.events);
        r.lab.injectFault({ device: 'light', type: 'offline', duration: 2 });
        await settle(r.events);
        await advance(r, 5000);
      } finally {
        await client.endAsync(true);
      }
    });
  });

  it('serial devices: a GNSS stream, a Modbus RTU request, a controller line', async () => {
    await runLab('serial', 9, { gateways: false }, async (r) => {
      const gnss = await tcp(serialPort(r.card, 'gnss'));
      await advance(r, 3000, 100);
      expect(gnss.got().toString()).toMatch(/\$G[PN]/);
      gnss.sock.destroy();
      await settle(r.events);

      const rtu = await tcp(serialPort(r.card, 'rs485'));
      const unit = r.card.devices.find((d) => d.name === 'soil_ec')!.modbus!;
      const from = r.events.length;
      rtu.sock.write(rtuFrame(unit.unit, 4, unit.registers[0]!.address, 1));
      await waitEvent(r, (e) => e.kind === 'serial.rx', 'rtu request', from);
      await settle(r.events);
      await advance(r, 200, 10);
      await waitFor(() => rtu.got().length >= 7 || undefined, 8000, 'rtu reply');
      rtu.sock.destroy();
      await settle(r.events);
      await advance(r, 2000, 100);
    });
  });

  it('the MCU board over its protocol', async () => {
    await runLab('board', 10, { gateways: false }, async (r) => {
      const board = await BoardClient.connect('127.0.0.1', r.card.board!.port);
      try {
        await board.info();
        await board.pinMode(13, 'output');
        await board.pinWrite(13, 1);
        await board.pinRead(2);
        await board.pinMode(26, 'analog');
        await board.adcRead(26);
        await board.pinMode(9, 'pwm');
        await board.pwmSet(9, 1000, 0.5);
        await board.i2cWrite(0x50, Buffer.from([0x10, 0x2a]));
        await settle(r.events);
        await advance(r, 2000, 100);
        await board.i2cTransfer(0x50, Buffer.from([0x10]), 1);
        await board.pinRead(2);
      } finally {
        await board.close();
      }
      await settle(r.events);
    });
  });

  it('the edge gateway polling its lines into MQTT', async () => {
    await runLab(
      'gateway',
      11,
      {},
      async (r) => {
        // Two poll cycles (every point has periodS 5): small steps while a cycle's requests,
        // replies and publishes are on the wire, one jump between cycles.
        for (let cycle = 0; cycle < 2; cycle++) {
          await advance(r, 250, 5);
          await advance(r, 4750, 4750);
        }
      },
      { sortWithinMs: true },
    );
  }, 60_000);
});

/** A CoAP GET with a fixed message id and token, so the request bytes are the same every run. */
function coapGet(url: string, path: string): Promise<Buffer> {
  const u = new URL(url);
  const segments = path.split('/').filter((s) => s !== '');
  const opts: Buffer[] = [];
  let last = 0;
  for (const s of segments) {
    const v = Buffer.from(s);
    const delta = 11 - last; // Uri-Path (RFC 7252 §5.10.1)
    last = 11;
    opts.push(Buffer.from([(delta << 4) | v.length]), v);
  }
  const msg = Buffer.concat([Buffer.from([0x41, 0x01, 0x12, 0x34, 0xab]), ...opts]);
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no CoAP answer'));
    }, 4000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m);
    });
    sock.send(msg, Number(u.port), u.hostname);
  });
}
