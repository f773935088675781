/**
 * The serial runtime with a stand-in device (an echo that also speaks once a second), so the
 * transports, pacing, faults and evidence are tested apart from any real device model.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ByteDevice, ByteDeviceFactory } from '../../devices/serial/model.js';
import { cardEnv } from '../../simulator/card.js';
import { ManualClock, RealClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { waitFor } from '../support/net.js';

const echo: ByteDeviceFactory = (plan): ByteDevice => ({
  plan,
  receive: (bytes) => [
    { send: Buffer.concat([Buffer.from('> '), bytes]) },
    { state: { lastInput: bytes.toString() } },
  ],
  nextEmission: (t) => (Math.floor(t / 1000) + 1) * 1000,
  emit: (t) => [{ send: Buffer.from(`tick ${t}\r\n`) }],
  truth: () => ({}),
  cardInfo: () => ({ protocol: 'echo' }),
});

const scenario = validateScenario({
  name: 'serialtest',
  title: { zh: '串口测试', en: 'Serial test' },
  devices: [],
  serial: [{ name: 'probe', kind: 'gnss', serial: { baudRate: 9600 } }],
});

const labs: Lab[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of labs.splice(0)) await l.stop();
});

async function start(clock: Clock, extra: Parameters<typeof createLab>[1] = {}) {
  const lab = createLab(scenario, {
    clock,
    serialFactories: { gnss: echo },
    serial: { basePort: 0 },
    ...extra,
  });
  labs.push(lab);
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  const card = await lab.start();
  return { lab, card, events };
}

function tcpClient(port: number): Promise<{ sock: Socket; received: () => string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const sock = connect(port, '127.0.0.1', () => resolve({ sock, received: () => buf }));
    sockets.push(sock);
    sock.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    sock.on('error', reject);
  });
}

describe('serial runtime', () => {
  it('serves a device on raw TCP, paces output at the baud rate, and records rx/tx', async () => {
    const clock = new ManualClock();
    const { card, events } = await start(clock);
    const entry = card.serial![0]!;
    expect(entry).toMatchObject({
      name: 'probe',
      kind: 'gnss',
      settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      info: { protocol: 'echo' },
    });
    expect(cardEnv(card)[`IOTLAB_SERIAL_${entry.id.toUpperCase().replace(/-/g, '_')}`]).toBe(
      `127.0.0.1:${entry.tcp.port}`,
    );
    const { sock, received } = await tcpClient(entry.tcp.port);
    const payload = 'x'.repeat(98); // "> " + 98 = 100 bytes out: 100 × 10 bits / 9600 baud ≈ 104 ms
    sock.write(payload);
    await waitFor(() => events.find((e) => e.kind === 'serial.rx'));
    // Pacing happens on the lab clock: before time moves, only the first slice is out.
    await new Promise((r) => setTimeout(r, 50));
    expect(received().length).toBeLessThan(20);
    clock.advance(60);
    await waitFor(() => received().length >= 50 || undefined);
    expect(received().length).toBeLessThan(70);
    clock.advance(50);
    await waitFor(() => (received().length === 100 ? true : undefined));
    expect(received()).toBe(`> ${payload}`);
    clock.advance(1000);
    await waitFor(() => received().includes('tick 1000\r\n') || undefined);
    const rx = events.find((e) => e.kind === 'serial.rx')!;
    expect(rx).toMatchObject({ transport: 'tcp', text: payload, size: 98 });
    expect(rx.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(events.filter((e) => e.kind === 'serial.tx').map((e) => e.text)).toEqual([
      `> ${payload}`,
      'tick 1000\r\n',
    ]);
    expect(events.find((e) => e.kind === 'device.state')).toMatchObject({
      values: { lastInput: payload },
      source: 'serial',
    });
  });

  it('refuses a second host while one is attached, as one UART has one host', async () => {
    const clock = new ManualClock();
    const { card } = await start(clock);
    const port = card.serial![0]!.tcp.port;
    const first = await tcpClient(port);
    const second = await tcpClient(port);
    await new Promise<void>((resolve) => second.sock.on('close', () => resolve()));
    first.sock.write('still here');
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(100);
    await waitFor(() => first.received().includes('> still here') || undefined);
  });

  it('silences an offline device and delays a slow one', async () => {
    const clock = new ManualClock();
    const { lab, card } = await start(clock);
    const { sock, received } = await tcpClient(card.serial![0]!.tcp.port);
    const f = lab.injectFault({ device: 'probe', type: 'offline' });
    sock.write('anyone?');
    clock.advance(3000);
    await new Promise((r) => setTimeout(r, 50));
    expect(received()).toBe('');
    lab.clearFault(f.id);
    lab.injectFault({ device: 'probe', type: 'slow', delayMs: 500 });
    sock.write('hi');
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(400);
    await new Promise((r) => setTimeout(r, 30));
    expect(received()).not.toContain('> hi');
    clock.advance(200);
    await waitFor(() => received().includes('> hi') || undefined);
  });

  it('gives the device a PTY that python3-serial opens like a real port', async () => {
    const ptyDir = mkdtempSync(join(tmpdir(), 'iotlab-pty-'));
    const { card } = await start(new RealClock(), { serial: { basePort: 0, ptyDir } });
    const pty = card.serial![0]!.pty!;
    expect(pty).toBe(join(ptyDir, card.serial![0]!.id));
    const script = [
      'import serial, sys',
      `s = serial.Serial(${JSON.stringify(pty)}, 9600, timeout=3)`,
      "s.write(b'ping')",
      "print(s.read_until(b'ping').decode())",
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', script], { timeout: 8000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('> ping');
  });

  it('keeps nothing for a PTY nobody has open, and serves the next program at once', async () => {
    // Output while no program holds the PTY goes nowhere (as on a real port with nothing
    // attached), not into a buffer that the next program would read as a stale answer; and a
    // program that opens the PTY right after another closed it finds it there.
    const ptyDir = mkdtempSync(join(tmpdir(), 'iotlab-pty-'));
    const clock = new ManualClock();
    const { card } = await start(clock, { serial: { basePort: 0, ptyDir } });
    const pty = card.serial![0]!.pty!;
    clock.advance(3000); // ticks at 1000, 2000 and 3000 with no program attached
    await new Promise((r) => setTimeout(r, 50));
    const script = (word: string) =>
      [
        'import serial',
        `s = serial.Serial(${JSON.stringify(pty)}, 9600, timeout=3)`,
        `s.write(b'${word}')`,
        `print(repr(s.read_until(b'> ${word}')))`,
      ].join('\n');
    const run = (word: string) => {
      const child = execFile('/usr/bin/python3', ['-c', script(word)], { timeout: 8000 });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<string>((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(out)))),
      );
    };
    // The lab clock moves slowly (10 ms per 20 ms), enough to pace the answer out, never a tick.
    const ticker = setInterval(() => clock.advance(10), 20);
    try {
      expect(await run('one')).toBe("b'> one'");
      expect(await run('two')).toBe("b'> two'");
    } finally {
      clearInterval(ticker);
    }
  });

  it('reports an unknown --serial device name clearly', async () => {
    const lab = createLab(scenario, {
      clock: new ManualClock(),
      serialFactories: { gnss: echo },
      serial: { basePort: 0, ports: { nosuch: '/dev/null' } },
    });
    await expect(lab.start()).rejects.toThrow(
      /--serial names no serial device of this lab: nosuch \(serial devices: probe\)/,
    );
  });

  it('attaches a real serial port through serialport (here one end of a socat PTY pair)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-port-'));
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const pair = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: 'ignore',
    });
    try {
      await waitFor(
        () => (existsSync(a) && existsSync(b)) || undefined,
        5000,
        'socat PTY pair (apt-get install socat)',
      );
      const { card } = await start(new RealClock(), {
        serial: { basePort: 0, ports: { probe: a } },
      });
      expect(card.serial![0]!.port).toBe(a);
      const script = [
        'import serial',
        `s = serial.Serial(${JSON.stringify(b)}, 9600, timeout=3)`,
        "s.write(b'via-port')",
        "print(s.read_until(b'via-port').decode())",
      ].join('\n');
      const out = await new Promise<string>((resolve, reject) =>
        execFile('/usr/bin/python3', ['-c', script], { timeout: 8000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
      expect(out.trim()).toBe('> via-port');
    } finally {
      pair.kill();
    }
  });
});
