/**
 * Interop with the greenhouse's GNSS receiver (kind gnss: NMEA 0183 v4.11 GGA, GSA, GSV, RMC,
 * VTG at 1 Hz, 9600 8N1; docs/protocols/gnss.md), read at the same time by
 *   - serial_gnss.py: Debian's /usr/bin/python3 with pyserial (python3-serial) on the PTY,
 *     checking every checksum with its own XOR and parsing GGA/RMC into decimal degrees;
 *   - a raw TCP reader (node:net) on the device's TCP port, timing what arrives.
 * Both are checked against the receiver's truth: the lab runs in this process through
 * `createLab` (not `runCli`), because serial devices' truth is `lab.byteDevice(name).truth(t)`
 * and the harness does not expose the Lab.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmittedSentence } from '../../devices/serial/gnss/model.js';
import { GnssReceiver } from '../../devices/serial/gnss/model.js';
import type { SerialCardEntry } from '../../devices/serial/card.js';
import { RealClock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { readEvidence } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { PYTHON, killTools, requirePython, requireTools, startTool } from './harness/tools.js';

const SEED = 23;
const SCRIPT = fileURLToPath(new URL('./serial_gnss.py', import.meta.url));
/** How long both readers listen. */
const CAPTURE_MS = 3000;
/** One printed step of ddmm.mmmm: 0.0001 minute, in degrees. */
const PRINT_STEP_DEG = 0.0001 / 60;
const SENTENCE = /^\$GP(GGA|GSA|GSV|RMC|VTG),[^*$\r\n]*\*[0-9A-F]{2}$/;

// ---------------------------------------------------------------------------------------------
// Tools: fail, never skip, naming the Debian package.

/** Fails every test, naming the Debian packages, when a tool or library is missing. */
async function requireSerialTools(): Promise<void> {
  requireTools('socat'); // the lab's PTYs
  await requirePython('serial');
}

// ---------------------------------------------------------------------------------------------
// What the readers report.

interface PySentence {
  line: string;
  ok: boolean;
  reason?: string;
}
interface PyGga {
  type: 'GGA';
  time: string;
  lat: number | null;
  lon: number | null;
  quality: number;
  satellites: number;
  hdop: number | null;
  altitudeM: number | null;
}
interface PyRmc {
  type: 'RMC';
  time: string;
  status: string;
  lat: number | null;
  lon: number | null;
  speedKnots: number | null;
  courseDeg: number | null;
  date: string;
  mode: string;
}
interface PyReport {
  versions: { python: string; pyserial: string };
  bytes: number;
  partial: { head: string; tail: string };
  sentences: PySentence[];
  fixes: (PyGga | PyRmc)[];
}

interface Chunk {
  /** performance.now() when the chunk arrived. */
  at: number;
  bytes: Buffer;
}

/** Collects what the device's raw TCP port sends for `ms`. */
async function tcpCapture(entry: SerialCardEntry, ms: number): Promise<Chunk[]> {
  const socket = connect({ host: entry.tcp.host, port: entry.tcp.port });
  sockets.add(socket);
  const chunks: Chunk[] = [];
  socket.on('data', (bytes: Buffer) => chunks.push({ at: performance.now(), bytes }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, ms));
  socket.destroy();
  sockets.delete(socket);
  return chunks;
}

/** Complete lines of a capture: the piece before the first CRLF may be a sentence's tail. */
function completeLines(text: string): string[] {
  const pieces = text.split('\r\n');
  const lines = pieces.slice(1, -1);
  if (pieces.length > 1 && pieces[0]!.startsWith('$')) lines.unshift(pieces[0]!);
  return lines;
}

/** Sentences grouped by fix: each group starts at a GGA (a leading partial group is dropped). */
function groups(lines: string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('$GPGGA,')) out.push([l]);
    else out.at(-1)?.push(l);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The receiver's truth, tick by tick.

interface TickTruth {
  tick: number;
  tickT: number;
  utc: string;
  fix: boolean;
  lat: number | null;
  lon: number | null;
  altitudeM: number | null;
  speedKnots: number | null;
  courseDeg: number | null;
  satellitesUsed: number;
  hdop: number | null;
  sentences: EmittedSentence[];
}

/** `hhmmss.ss` of an ISO time, as GGA and RMC print it. */
const nmeaTime = (iso: string): string => iso.slice(11, 19).replace(/:/g, '') + iso.slice(19, 22);
/** `ddmmyy` of an ISO time, as RMC prints it. */
const nmeaDate = (iso: string): string => iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(2, 4);

/** Every tick up to now, by its printed UTC time. */
function truthByTime(): Map<string, TickTruth> {
  const device = lab.byteDevice('gnss');
  const rateHz = (gnss.info as { rateHz: number }).rateHz;
  const last = (device.truth(lab.clock.now()) as unknown as TickTruth).tick;
  const out = new Map<string, TickTruth>();
  for (let k = 1; k <= last; k++) {
    const truth = device.truth(Math.round((k * 1000) / rateHz)) as unknown as TickTruth;
    expect(truth.tick).toBe(k);
    out.set(nmeaTime(truth.utc), truth);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

let lab: Lab;
let gnss: SerialCardEntry;
let dir: string | undefined;
let evidencePath: string;
const sockets = new Set<Socket>();
/** Filled by the first test: both readers, at the same time. */
let py: PyReport;
let tcp: Chunk[];

beforeAll(async () => {
  // Without socat the lab cannot make its PTYs; every test then fails in beforeEach instead.
  try {
    requireTools('socat');
  } catch {
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'iotlab-gnss-'));
  evidencePath = join(dir, 'evidence.jsonl');
  lab = createLab(loadScenario('greenhouse').scenario, {
    seed: SEED,
    clock: new RealClock(),
    evidencePath,
    ports: { mqtt: 0, ws: null, coap: 0, modbus: 0 },
    serial: { basePort: 0, ptyDir: join(dir, 'pty') },
  });
  const card = await lab.start();
  gnss = card.serial!.find((s) => s.kind === 'gnss')!;
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
  await lab?.stop('interop test done');
  if (dir && !process.env.IOTLAB_KEEP_EVIDENCE) rmSync(dir, { recursive: true, force: true });
});

describe('NMEA readers against the lab GNSS receiver', () => {
  it('pyserial on the PTY verifies every checksum with its own XOR, while a TCP reader listens', async () => {
    expect(gnss).toMatchObject({
      name: 'gnss',
      settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      info: { rateHz: 1, sentences: ['GGA', 'GSA', 'GSV', 'RMC', 'VTG'], talker: 'GP' },
    });
    expect(gnss.pty).toMatch(new RegExp(`/${gnss.id}$`));
    const s = gnss.settings;
    const python = startTool(
      PYTHON,
      [SCRIPT, gnss.pty!, ...[s.baudRate, s.dataBits, s.parity, s.stopBits].map(String)].concat(
        String(CAPTURE_MS / 1000),
      ),
      { timeoutMs: CAPTURE_MS + 8000 },
    );
    [tcp] = await Promise.all([tcpCapture(gnss, CAPTURE_MS), python.done]);
    const run = await python.done;
    expect(run.code, run.stderr).toBe(0);
    py = JSON.parse(run.stdout) as PyReport;
    expect(py.versions.pyserial).toMatch(/^3\./);

    // Three seconds at 1 Hz: at least two whole fixes, every sentence well-formed and correct.
    expect(groups(py.sentences.map((x) => x.line)).length).toBeGreaterThanOrEqual(2);
    for (const x of py.sentences) {
      expect(x, x.line).toMatchObject({ ok: true });
      expect(x.line).toMatch(SENTENCE);
    }
    // The XOR verdicts agree with what the receiver meant to send (the greenhouse corrupts none).
    const truth = truthByTime();
    const sent = new Map(
      [...truth.values()].flatMap((k) => k.sentences.map((e) => [e.line, e] as const)),
    );
    for (const x of py.sentences) {
      const emitted = sent.get(`${x.line}\r\n`);
      expect(emitted, `${x.line} is a sentence the receiver sent`).toBeDefined();
      expect(emitted!.valid).toBe(x.ok);
    }
  });

  it('parses GGA and RMC into decimal degrees equal to the truth of their tick, within the printed precision', () => {
    const truth = truthByTime();
    const receiver = lab.byteDevice('gnss');
    expect(receiver).toBeInstanceOf(GnssReceiver);
    const types = py.fixes.map((f) => f.type);
    expect(types.filter((t) => t === 'GGA').length).toBeGreaterThanOrEqual(2);
    expect(types.filter((t) => t === 'RMC').length).toBeGreaterThanOrEqual(2);
    for (const fix of py.fixes) {
      const k = truth.get(fix.time);
      expect(k, `a tick printed as ${fix.time}`).toBeDefined();
      expect(k!.fix).toBe(true);
      // The printed position is the receiver's (quantised) truth: same arithmetic, same number…
      expect(Math.abs(fix.lat! - k!.lat!), `${fix.type} ${fix.time} lat`).toBeLessThan(1e-9);
      expect(Math.abs(fix.lon! - k!.lon!), `${fix.type} ${fix.time} lon`).toBeLessThan(1e-9);
      // …and within half a printed step (0.00005′ ≈ 9 cm) of where the cart really was.
      const where = (receiver as GnssReceiver).positionAt(k!.tickT);
      expect(Math.abs(fix.lat! - where.lat)).toBeLessThanOrEqual(PRINT_STEP_DEG / 2 + 1e-12);
      expect(Math.abs(fix.lon! - where.lon)).toBeLessThanOrEqual(PRINT_STEP_DEG / 2 + 1e-12);
      // Inside the route's circle around the scenario origin (radius 300 m).
      expect(Math.abs(fix.lat! - 31.2304)).toBeLessThan(0.003);
      expect(Math.abs(fix.lon! - 121.4737)).toBeLessThan(0.004);
      if (fix.type === 'GGA') {
        expect(fix).toMatchObject({ quality: 1, satellites: k!.satellitesUsed });
        expect(fix.hdop).toBe(k!.hdop);
        expect(fix.altitudeM).toBe(k!.altitudeM);
      } else {
        expect(fix).toMatchObject({ status: 'A', mode: 'A', date: nmeaDate(k!.utc) });
        expect(Math.abs(fix.speedKnots! - k!.speedKnots!)).toBeLessThanOrEqual(0.0005);
        expect(Math.abs(fix.courseDeg! - k!.courseDeg!)).toBeLessThanOrEqual(0.005);
      }
    }
  });

  it('gives a raw TCP reader the same sentence stream, in the receiver order', () => {
    const text = Buffer.concat(tcp.map((c) => c.bytes)).toString('latin1');
    const lines = completeLines(text);
    const tcpGroups = groups(lines);
    expect(tcpGroups.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(SENTENCE);
    const truth = truthByTime();
    const pyGroups = new Map(
      groups(py.sentences.map((x) => x.line)).map((g) => [g[0]!.slice(7, 16), g] as const),
    );
    let common = 0;
    // The last group may still have been on the wire when the capture ended.
    for (const g of tcpGroups.slice(0, -1)) {
      const time = g[0]!.slice(7, 16);
      const k = truth.get(time);
      expect(k, `a tick printed as ${time}`).toBeDefined();
      // Byte for byte what the receiver emitted for that tick, GGA, GSA, GSV…, RMC, VTG.
      expect(g.map((l) => `${l}\r\n`)).toEqual(k!.sentences.map((e) => e.line));
      expect(g.map((l) => l.slice(3, 6)).join(' ')).toMatch(/^GGA GSA (GSV )+RMC VTG$/);
      const seenByPython = pyGroups.get(time);
      if (seenByPython && seenByPython.length === g.length) {
        expect(seenByPython).toEqual(g);
        common += 1;
      }
    }
    expect(common, 'fixes both readers saw whole').toBeGreaterThanOrEqual(1);
  });

  it('paces the TCP output at 9600 8N1: at most 960 bytes a second', () => {
    const bytesPerSecond = 9600 / 10; // start + 8 data + stop bits
    const first = tcp[0]!.at;
    const total = (until: number): number =>
      tcp.filter((c) => c.at - first <= until).reduce((n, c) => n + c.bytes.length, 0);
    // Over ~2 s (the receiver sends ~430 bytes a fix, so this is far from the limit).
    expect(total(2000)).toBeLessThanOrEqual(2 * bytesPerSecond);

    // Within one fix the bytes come at line speed, not in one write: split the capture at
    // silences, and in each burst count the bytes after its first chunk against the time they
    // took. The line releases ~9 ms slices on lab-clock timers that can fire up to 1 ms before
    // the lab clock reaches their deadline (a known bug of RealClock): bursts measure up to
    // ~2.5 % fast, so 5 % is allowed. Unpaced output, or pacing at another baud rate (×2 at the
    // nearest standard ones), is far outside either bound.
    const bursts: Chunk[][] = [];
    for (const c of tcp) {
      const current = bursts.at(-1);
      if (current && c.at - current.at(-1)!.at < 100) current.push(c);
      else bursts.push([c]);
    }
    const long = bursts.filter((b) => b.reduce((n, c) => n + c.bytes.length, 0) >= 200);
    expect(long.length).toBeGreaterThanOrEqual(2);
    for (const b of long) {
      const bytes = b.reduce((n, c) => n + c.bytes.length, 0) - b[0]!.bytes.length;
      const seconds = (b.at(-1)!.at - b[0]!.at) / 1000;
      expect(bytes / seconds, `${bytes} bytes in ${seconds} s`).toBeLessThanOrEqual(
        bytesPerSecond * 1.05,
      );
      // Not trickled either: a fix goes out in one burst at (about) line speed.
      expect(bytes / seconds).toBeGreaterThan(bytesPerSecond * 0.5);
    }
  });

  it('records the sentences both readers saw as serial.tx evidence of the receiver', () => {
    const events: EvidenceEvent[] = readEvidence(evidencePath).events;
    const tx = new Map(
      events
        .filter((e) => e.kind === 'serial.tx' && e.device === gnss.id)
        .map((e) => [Buffer.from(String(e.raw), 'base64').toString('latin1'), e] as const),
    );
    const truth = truthByTime();
    for (const x of py.sentences) {
      const e = tx.get(`${x.line}\r\n`);
      expect(e, x.line).toBeDefined();
      // Recorded when the receiver emitted its fix, at the tick's lab time. The emission timer
      // may fire about 1 ms before the lab clock reaches the tick (a known bug of RealClock: such
      // an event's t maps to the previous tick), hence 2 ms of slack.
      if (x.line.startsWith('$GPGGA,')) {
        const k = truth.get(x.line.slice(7, 16))!;
        expect(e!.t).toBeGreaterThan(k.tickT - 2);
        expect(e!.t - k.tickT).toBeLessThan(500);
      }
    }
    // The PTY's socat bridge and the TCP reader are hosts of the line; neither wrote anything.
    expect(events.filter((e) => e.kind === 'serial.rx' && e.device === gnss.id)).toEqual([]);
  });
});
