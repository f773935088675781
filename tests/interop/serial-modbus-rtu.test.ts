/**
 * Interop with independent Modbus RTU masters against the greenhouse's RS-485 line (`rs485`,
 * kind modbus_rtu: soil_ec and leaf_wetness, int16 input registers, eng = raw × scale):
 *   - pymodbus 3.0 (Debian python3-pymodbus 3.0.0rc1) on the line's PTY, `--pty DIR` of
 *     `iotlab start`, exactly as it would open /dev/ttyUSB0;
 *   - mbpoll (libmodbus) `-m rtu` on the same PTY;
 *   - pymodbus's ModbusTcpClient with the RTU framer on the line's raw TCP port (ser2net-style);
 *   - raw bytes over a node socket: a frame with a bad CRC is discarded, silently;
 *   - mbpoll `-m tcp`: RTU units are not on the lab's Modbus TCP server.
 * Values are checked against truth recomputed from (scenario, seed) at the lab time of the
 * recorded response, and every exchange against the evidence (transport 'rtu').
 *
 * The lab runs in this process through `runCli` (the harness's startLab passes no --pty, so this
 * file starts its own the same way, adding `--pty DIR`).
 *
 * The PTY tests run first and the TCP ones after, so a PTY opened after TCP traffic is also
 * covered: the bridge joins the line only while a program holds the PTY (socat `wait-slave`), so
 * answers sent to a TCP host never queue up for libmodbus (mbpoll), which does not drain its
 * input before a request, to take as its own.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { createModel } from '../../devices/field/index.js';
import type { DeviceModel } from '../../devices/field/index.js';
import type { CardDevice } from '../../devices/field/card.js';
import type { LabCard } from '../../simulator/card.js';
import type { SerialCardEntry } from '../../devices/serial/card.js';
import type { ChainProblem, EvidenceEvent } from '../../core/evidence.js';
import { readEvidence } from '../../core/evidence.js';
import { FaultBook } from '../../core/faults.js';
import type { RegisterEntry } from '../../protocols/modbus/types.js';
import { planLab } from '../../simulator/plan.js';
import { loadScenario } from '../../simulator/scenario.js';
import { engineering, parseMbpoll, registerNumber } from './harness/parse.js';
import { PYTHON, killTools, requirePython, requireTools, runOk, runTool } from './harness/tools.js';

const SEED = 21;
const SCRIPT = fileURLToPath(new URL('./serial_modbus_rtu.py', import.meta.url));
const READ_INPUT = 4;

// ---------------------------------------------------------------------------------------------
// Tools: fail, never skip, naming the Debian package.

/** Fails every test, naming the Debian packages, when a tool or library is missing. */
async function requireSerialTools(): Promise<void> {
  requireTools('socat'); // the lab's PTYs
  await requirePython('serial', 'pymodbus.client');
}

// ---------------------------------------------------------------------------------------------
// The lab: `iotlab start --pty DIR`, every port ephemeral.

interface SerialLab {
  card: LabCard;
  evidence(): EvidenceEvent[];
  waitForEvidence<T>(what: string, pick: (events: EvidenceEvent[]) => T | undefined): Promise<T>;
  /** Truth as the grader computes it: models rebuilt from (scenario, seed). */
  model(deviceId: string): DeviceModel;
  stop(): Promise<{ code: number; events: EvidenceEvent[]; problems: ChainProblem[] }>;
}

async function startSerialLab(seed: number): Promise<SerialLab> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-serial-'));
  const [cardPath, evidencePath] = [join(dir, 'card.json'), join(dir, 'evidence.jsonl')];
  const controller = new AbortController();
  let output = '';
  let started: (card: LabCard) => void = () => undefined;
  const startedCard = new Promise<LabCard>((resolve) => (started = resolve));
  const argv = [
    'start',
    ...['--mqtt-port', '0', '--ws-port', '0', '--coap-port', '0', '--modbus-port', '0'],
    ...['--mqtts-port', '0', '--wss-port', '0'],
    ...['--serial-port', '0', '--board-port', '0', '--pty', join(dir, 'pty'), '--no-gateway'],
    ...['--evidence', evidencePath, '--card', cardPath, '--seed', String(seed)],
    ...['--log-level', 'warn'],
  ];
  const exit = runCli(argv, {
    stdout: (s) => (output += s),
    stderr: (s) => (output += s),
    signal: controller.signal,
    onStarted: started,
  });
  const card = await Promise.race([
    startedCard,
    exit.then((code): never => {
      throw new Error(`iotlab ${argv.join(' ')} exited with ${code} before listening:\n${output}`);
    }),
  ]);
  expect(JSON.parse(readFileSync(cardPath, 'utf8'))).toEqual(card);
  const plan = planLab(loadScenario(card.lab.scenario).scenario, card.lab.seed);
  const faults = new FaultBook(); // the greenhouse schedules none; these tests inject none
  const models = new Map(plan.devices.map((p) => [p.id, createModel(p, { seed, faults })]));
  const evidence = (): EvidenceEvent[] => readEvidence(evidencePath).events;
  let stopped: ReturnType<SerialLab['stop']> | undefined;
  return {
    card,
    evidence,
    async waitForEvidence(what, pick) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = pick(evidence());
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`no evidence of ${what} in ${evidencePath} (IOTLAB_KEEP_EVIDENCE=1)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    model(deviceId) {
      const m = models.get(deviceId);
      if (!m) throw new Error(`the plan has no device ${deviceId}`);
      return m;
    },
    stop() {
      stopped ??= (async () => {
        controller.abort('interop test done');
        const code = await exit;
        const read = readEvidence(evidencePath);
        if (!process.env.IOTLAB_KEEP_EVIDENCE) rmSync(dir, { recursive: true, force: true });
        return { code, ...read };
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The wire, computed here rather than with the lab's codec.

/** CRC-16/MODBUS (Serial Line v1.02 §6.2.2): init 0xFFFF, reflected poly 0xA001. */
function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** An RTU read-input-registers request (Application Protocol v1.1b3 §6.4), CRC low byte first. */
function readInputFrame(unit: number, address: number, count: number): Buffer {
  const body = Buffer.from([unit, READ_INPUT, address >> 8, address & 0xff, 0, count]);
  const crc = crc16(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
}

const b64 = (e: EvidenceEvent): Buffer => Buffer.from(String(e.raw), 'base64');

// ---------------------------------------------------------------------------------------------
// Card and evidence views.

interface RtuUnit {
  device: CardDevice;
  unitId: number;
  first: RegisterEntry;
  count: number;
}

let lab: SerialLab;
let line: SerialCardEntry;
let units: RtuUnit[];
/** A unit id that is not on the line: a Modbus TCP device's, so the line must not borrow it. */
let foreignUnit: number;

interface RtuExchange {
  request: EvidenceEvent;
  response: EvidenceEvent | undefined;
  /** The host bytes that carried the request, and over which transport (pty/tcp). */
  rx: EvidenceEvent | undefined;
  /** The answer as it went on the line. */
  tx: EvidenceEvent | undefined;
}

/** RTU exchanges of the line for (unit, fc 4, address), recorded after seq `after`. */
function rtuExchanges(
  events: EvidenceEvent[],
  q: { unit: number; address: number; after: number },
): RtuExchange[] {
  const ofLine = events.filter((e) => e.device === line.id && e.seq > q.after);
  return ofLine.flatMap((request, i) => {
    const req = request.request as { fc?: number; address?: number } | null;
    if (
      request.kind !== 'modbus.request' ||
      request.unit !== q.unit ||
      req?.fc !== READ_INPUT ||
      req.address !== q.address
    )
      return [];
    // RTU has no transaction id: the answer is the line's next modbus.response, if it comes
    // before the next request.
    const later = ofLine.slice(i + 1);
    const next = later.find((e) => e.kind === 'modbus.request' || e.kind === 'modbus.response');
    const response = next?.kind === 'modbus.response' ? next : undefined;
    const rx = ofLine
      .slice(0, i)
      .reverse()
      .find((e) => e.kind === 'serial.rx');
    const tx = response
      ? later.find((e) => e.kind === 'serial.tx' && e.raw === response.raw)
      : undefined;
    return [{ request, response, rx, tx }];
  });
}

/** A read's raw registers against the grader's truth at the lab time of the recorded answer. */
function expectTruth(u: RtuUnit, registers: number[], t: number): void {
  const model = lab.model(u.device.id);
  u.device.modbus!.registers.forEach((entry, i) => {
    expect(entry).toMatchObject({ table: 'input', type: 'int16', address: u.first.address + i });
    const raw = registers[i]!;
    const want = registerNumber(entry, Number(model.readRegister(entry, t)));
    expect(Math.abs(registerNumber(entry, raw) - want), `${u.device.name} raw`).toBeLessThanOrEqual(
      1,
    );
    const eng = engineering(entry, raw);
    const truth = model.truth(t).values[entry.quantity] as number;
    const channel = u.device.channels!.find((c) => c.quantity === entry.quantity)!;
    expect(Math.abs(eng - truth), `${u.device.name}.${entry.quantity}`).toBeLessThanOrEqual(
      channel.resolution + Math.abs(entry.scale) + 1e-9,
    );
    expect(eng).toBeGreaterThanOrEqual(channel.range[0]);
    expect(eng).toBeLessThanOrEqual(channel.range[1]);
  });
}

/** One answered read, checked end to end: wire bytes, evidence, truth. */
async function expectAnsweredRead(
  u: RtuUnit,
  registers: number[],
  after: number,
  transport: 'pty' | 'tcp',
): Promise<RtuExchange> {
  const x = await lab.waitForEvidence(`rtu read of unit ${u.unitId} over ${transport}`, (events) =>
    rtuExchanges(events, { unit: u.unitId, address: u.first.address, after }).find(
      (e) => e.tx !== undefined,
    ),
  );
  expect(x.request).toMatchObject({
    transport: 'rtu',
    unit: u.unitId,
    fc: READ_INPUT,
    request: { fc: READ_INPUT, address: u.first.address, quantity: u.count },
  });
  expect(x.request.error).toBeUndefined();
  expect(b64(x.request)).toEqual(readInputFrame(u.unitId, u.first.address, u.count));
  expect(x.rx, 'serial.rx of the request').toMatchObject({ transport });
  expect(b64(x.request).toString('hex')).toMatch(new RegExp(`${b64(x.rx!).toString('hex')}$`));
  expect(x.response).toMatchObject({ transport: 'rtu', unit: u.unitId, fc: READ_INPUT });
  expect(x.response!.values).toEqual(registers.map((v) => v & 0xffff));
  // The answer on the wire: unit, 04, byte count, registers big-endian, CRC low byte first.
  const answer = b64(x.response!);
  expect(answer.subarray(0, 3)).toEqual(Buffer.from([u.unitId, READ_INPUT, 2 * u.count]));
  registers.forEach((v, i) => expect(answer.readUInt16BE(3 + 2 * i)).toBe(v & 0xffff));
  expect(crc16(answer)).toBe(0); // the CRC over a whole good frame is 0
  expect(b64(x.tx!)).toEqual(answer);
  // The slave answers t3.5 + 5 ms after the request (9 ms at 9600 8N1), not before.
  expect(x.tx!.t - x.request.t).toBeGreaterThanOrEqual(8);
  expectTruth(u, registers, x.response!.t);
  return x;
}

// ---------------------------------------------------------------------------------------------
// pymodbus

interface PyRead {
  unit: number;
  address: number;
  count: number;
  registers?: number[];
  exception?: number;
  error?: string;
  ms: number;
}
interface PyReport {
  versions: { python: string; pymodbus: string; pyserial: string };
  reads: PyRead[];
}

async function pymodbus(transport: 'pty' | 'tcp'): Promise<PyReport> {
  const reads = [
    ...units.map((u) => ({ unit: u.unitId, address: u.first.address, count: u.count })),
    { unit: foreignUnit, address: units[0]!.first.address, count: 1 },
  ];
  const s = line.settings;
  const where =
    transport === 'pty'
      ? ['pty', line.pty!, ...[s.baudRate, s.dataBits, s.parity, s.stopBits].map(String)]
      : ['tcp', line.tcp.host, String(line.tcp.port)];
  const r = await runOk(PYTHON, [SCRIPT, ...where, JSON.stringify(reads)], { timeoutMs: 15_000 });
  const report = JSON.parse(r.stdout) as PyReport;
  expect(report.versions.pymodbus).toMatch(/^3\.0/);
  return report;
}

async function expectPymodbusSession(transport: 'pty' | 'tcp'): Promise<void> {
  const after = lab.evidence().at(-1)?.seq ?? 0;
  const report = await pymodbus(transport);
  expect(report.reads).toHaveLength(units.length + 1);
  for (const [i, u] of units.entries()) {
    const read = report.reads[i]!;
    expect(read, `${u.device.name} over ${transport}`).toMatchObject({ unit: u.unitId });
    expect(read.error).toBeUndefined();
    expect(read.registers).toHaveLength(u.count);
    await expectAnsweredRead(u, read.registers!, after, transport);
  }
  // Silence from a unit that is not on the line: pymodbus waits its whole 1 s timeout.
  const silent = report.reads[units.length]!;
  expect(silent.registers).toBeUndefined();
  expect(silent.exception).toBeUndefined();
  expect(silent.error).toMatch(/No response received/);
  expect(silent.ms).toBeGreaterThanOrEqual(900);
  const dropped = await lab.waitForEvidence(`request to unit ${foreignUnit}`, (events) =>
    rtuExchanges(events, { unit: foreignUnit, address: units[0]!.first.address, after }).at(0),
  );
  expect(dropped.request).toMatchObject({ transport: 'rtu', dropped: 'unknown-unit' });
  expect(dropped.rx).toMatchObject({ transport });
  expect(dropped.response).toBeUndefined();
}

// ---------------------------------------------------------------------------------------------
// Raw bytes over the line's TCP port

interface RawConnection {
  send(bytes: Buffer): void;
  /** Everything received since the last call, after waiting `ms`. */
  collect(ms: number): Promise<Buffer>;
  /** Resolves with the first `n` bytes received since the last collect, or rejects after `ms`. */
  expectBytes(n: number, ms: number): Promise<Buffer>;
  close(): void;
}

const sockets = new Set<Socket>();

async function rawConnection(host: string, port: number): Promise<RawConnection> {
  const socket = connect({ host, port });
  sockets.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    waiter?.();
  });
  const take = (): Buffer => {
    const out = received;
    received = Buffer.alloc(0);
    return out;
  };
  return {
    send: (bytes) => socket.write(bytes),
    async collect(ms) {
      await new Promise((r) => setTimeout(r, ms));
      return take();
    },
    expectBytes: (n, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`${received.length} of ${n} bytes after ${ms} ms`));
        }, ms);
        waiter = () => {
          if (received.length < n) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve(take());
        };
        waiter();
      }),
    close() {
      socket.destroy();
      sockets.delete(socket);
    },
  };
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  // Without socat the lab cannot make its PTYs; every test then fails in beforeEach instead.
  try {
    requireTools('socat');
  } catch {
    return;
  }
  lab = await startSerialLab(SEED);
  line = lab.card.serial!.find((s) => s.kind === 'modbus_rtu')!;
  const listed = (line.info as { units: { name: string; unitId: number }[] }).units;
  units = listed.map(({ name, unitId }) => {
    const device = lab.card.devices.find((d) => d.name === name)!;
    const registers = device.modbus!.registers;
    return { device, unitId, first: registers[0]!, count: registers.length };
  });
  const onLine = new Set(units.map((u) => u.unitId));
  foreignUnit = lab.card.devices.find(
    (d) => d.modbus?.transport === 'tcp' && !onLine.has(d.modbus.unit),
  )!.modbus!.unit;
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(async () => {
  await requireSerialTools();
});
afterEach(() => {
  killTools();
  for (const s of sockets) s.destroy();
  sockets.clear();
});
afterAll(async () => {
  await lab?.stop();
});

describe('Modbus RTU masters against the lab RS-485 line', () => {
  it('puts soil_ec and leaf_wetness on the RTU line, with a PTY, and only there', () => {
    expect(line).toMatchObject({
      name: 'rs485',
      settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    });
    expect(line.pty).toMatch(new RegExp(`/${line.id}$`));
    expect(units.map((u) => u.device.name).sort()).toEqual(['leaf_wetness', 'soil_ec']);
    for (const u of units) {
      expect(u.device.modbus).toMatchObject({ unit: u.unitId, transport: 'rtu' });
      expect(u.unitId).toBeGreaterThanOrEqual(1);
      expect(u.unitId).toBeLessThanOrEqual(247);
    }
    expect(units.map((u) => u.unitId)).not.toContain(foreignUnit);
  });

  it('pymodbus ModbusSerialClient on the PTY reads both units, equal to truth; a unit off the line times out', async () => {
    await expectPymodbusSession('pty');
  });

  it('mbpoll -m rtu on the PTY reads both units, equal to truth', async () => {
    const s = line.settings;
    for (const u of units) {
      const after = lab.evidence().at(-1)?.seq ?? 0;
      const r = await runOk('mbpoll', [
        ...['-m', 'rtu', '-b', String(s.baudRate), '-d', String(s.dataBits)],
        ...['-s', String(s.stopBits), '-P', s.parity, '-a', String(u.unitId), '-t', '3'],
        ...['-r', String(u.first.address + 1), '-c', String(u.count), '-1', '-o', '1', line.pty!],
      ]);
      expect(r.stdout).toMatch(/Protocol configuration: Modbus RTU/);
      const parsed = parseMbpoll(r.stdout);
      const values = Array.from({ length: u.count }, (_, i) =>
        parsed.get(u.first.address + 1 + i)!,
      );
      expect(values.every((v) => v !== undefined)).toBe(true);
      await expectAnsweredRead(u, values, after, 'pty');
    }
  });

  it('pymodbus ModbusTcpClient with the RTU framer on the raw TCP port reads both units; a unit off the line times out', async () => {
    await expectPymodbusSession('tcp');
  });

  it('discards a frame with a bad CRC without answering, recording it with error crc', async () => {
    const u = units[0]!;
    const good = readInputFrame(u.unitId, u.first.address, u.count);
    // The CRC's bytes swapped: the classic byte-order mistake ([SER] §2.5.1.2: low byte first).
    const bad = Buffer.concat([good.subarray(0, 6), Buffer.from([good[7]!, good[6]!])]);
    expect(bad).not.toEqual(good);
    const after = lab.evidence().at(-1)?.seq ?? 0;
    const conn = await rawConnection(line.tcp.host, line.tcp.port);
    conn.send(bad);
    // Ten times the turnaround of a good frame (t3.5 + 5 ms, plus ~7 ms on the wire).
    expect((await conn.collect(250)).length, 'bytes answered to a bad CRC').toBe(0);
    // The same socket still works: the splitter resynchronised on the silence.
    conn.send(good);
    const answer = await conn.expectBytes(5 + 2 * u.count, 1000);
    conn.close();
    expect(answer.subarray(0, 3)).toEqual(Buffer.from([u.unitId, READ_INPUT, 2 * u.count]));
    expect(crc16(answer)).toBe(0);

    const events = await lab.waitForEvidence('the good frame after the bad one', (ev) =>
      rtuExchanges(ev, { unit: u.unitId, address: u.first.address, after }).some((x) => x.tx)
        ? ev
        : undefined,
    );
    const crcError = events.find(
      (e) => e.kind === 'modbus.request' && e.device === line.id && e.seq > after,
    );
    expect(crcError).toMatchObject({
      transport: 'rtu',
      unit: u.unitId,
      fc: READ_INPUT,
      request: null,
      error: 'crc',
    });
    expect(b64(crcError!)).toEqual(bad);
    expect(String(crcError!.reason)).not.toBe('');
    const [first, second] = rtuExchanges(events, {
      unit: u.unitId,
      address: u.first.address,
      after,
    });
    // The bad frame is not decoded as a read; the good one is, and only it is answered.
    expect(first?.request.error).toBeUndefined();
    expect(second).toBeUndefined();
    expect(first!.rx).toMatchObject({ transport: 'tcp' });
    const between = events.filter(
      (e) => e.device === line.id && e.seq > crcError!.seq && e.seq < first!.request.seq,
    );
    expect(between.map((e) => e.kind)).toEqual(['serial.rx']);
    expect(b64(first!.tx!)).toEqual(answer);
  });

  it('does not serve the RTU units on the lab Modbus TCP server (mbpoll -m tcp times out)', async () => {
    for (const u of units) {
      const after = lab.evidence().at(-1)?.seq ?? 0;
      const r = await runTool('mbpoll', [
        ...['-m', 'tcp', '-p', String(lab.card.modbus.port), '-a', String(u.unitId), '-t', '3'],
        ...['-r', String(u.first.address + 1), '-c', String(u.count), '-1', '-o', '0.5'],
        lab.card.modbus.host,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/Connection timed out/);
      expect(r.ms).toBeGreaterThanOrEqual(450);
      const request = await lab.waitForEvidence(`Modbus TCP request to unit ${u.unitId}`, (ev) =>
        ev.find((e) => e.kind === 'modbus.request' && e.seq > after && e.unit === u.unitId),
      );
      expect(request).toMatchObject({ transport: 'tcp', dropped: 'unknown-unit' });
      expect(request.device).toBeUndefined();
      expect(
        lab
          .evidence()
          .some((e) => e.kind === 'modbus.response' && e.seq > after && e.unit === u.unitId),
      ).toBe(false);
    }
  });

  it('stops with an intact hash chain holding every RTU exchange', async () => {
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events.at(-1)?.kind).toBe('lab.stop');
    const rtu = events.filter(
      (e) => (e.kind === 'modbus.request' || e.kind === 'modbus.response') && e.device === line.id,
    );
    expect(rtu.every((e) => e.transport === 'rtu')).toBe(true);
    for (const u of units) {
      const answered = rtuExchanges(events, {
        unit: u.unitId,
        address: u.first.address,
        after: 0,
      }).filter((x) => x.response);
      // pymodbus on the PTY, mbpoll on the PTY, pymodbus over TCP, and (first unit) raw TCP.
      expect(answered.length, u.device.name).toBe(u === units[0] ? 4 : 3);
      expect(answered.map((x) => x.rx?.transport)).toEqual(
        u === units[0] ? ['pty', 'pty', 'tcp', 'tcp'] : ['pty', 'pty', 'tcp'],
      );
    }
  });
});
