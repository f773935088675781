/**
 * Abuse: a flood on a serial line (issue 14). An 8 MB flood on the modem's line used to add 39 MB
 * of evidence and 174 MB of RSS, and the next client first received the previous one's 86 KB of
 * echo. Here, on real TCP against the lab's AT modem (which echoes): the line takes no more than
 * its baud rate, the rest is an overrun recorded by size and hash, and a client arriving after the
 * flooder gets an answer to its own command at once.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '../../simulator/clock.js';
import type { EvidenceEvent } from '../../simulator/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { RX_BURST_BYTES } from '../../protocols/serial/line.js';

let lab: Lab;
let port: number;
const events: EvidenceEvent[] = [];
let evidenceBytes = 0;

beforeAll(async () => {
  const scenario = validateScenario({
    name: 'serialflood',
    title: { zh: '串口洪泛', en: 'Serial flood' },
    devices: [],
    serial: [{ name: 'modem', kind: 'cellular_modem', serial: { baudRate: 9600 } }],
  });
  lab = createLab(scenario, { seed: 3, clock: new RealClock(), serial: { basePort: 0 } });
  lab.recorder.subscribe((e) => {
    events.push(e);
    evidenceBytes += JSON.stringify(e).length;
  });
  const card = await lab.start();
  port = card.serial![0]!.tcp.port;
});
afterAll(async () => lab?.stop());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

describe('a flood on a serial line', () => {
  it('is an overrun beyond the baud rate, and the next client starts clean', async () => {
    const flooder = await open();
    flooder.on('data', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 'A');
    const start = evidenceBytes;
    for (let i = 0; i < 128; i++) flooder.write(chunk); // 8 MiB
    await new Promise<void>((r) => flooder.end(() => r()));
    await new Promise((r) => setTimeout(r, 500));
    const rx = events.filter((e) => e.kind === 'serial.rx');
    const carried = rx.reduce((n, e) => n + (typeof e.size === 'number' ? e.size : 0), 0);
    const dropped = rx.reduce((n, e) => n + (typeof e.dropped === 'number' ? e.dropped : 0), 0);
    expect(carried + dropped).toBe(8 * 1024 * 1024); // every byte accounted for
    expect(carried).toBeLessThan(RX_BURST_BYTES + 2000); // the burst plus ~2 s at 960 B/s
    expect(rx.some((e) => e.reason === 'overrun: the host sent faster than the line carries')).toBe(
      true,
    );
    // Evidence grows by what the line carried (both ways, base64), not by the flood.
    expect(evidenceBytes - start).toBeLessThan(200_000);

    // The next client: its own command's echo and answer, not the flooder's backlog. (The modem
    // still holds the flooder's unfinished line, as a real one would: the first CR ends it with
    // one ERROR, which is the model's documented answer to an over-long line.)
    const next = await open();
    let got = '';
    next.on('data', (d: Buffer) => (got += d.toString('latin1')));
    next.write('\rAT\r');
    for (let i = 0; i < 40 && !got.includes('OK'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(got).toMatch(/^\r\r\nERROR\r\nAT\r\r\nOK\r\n$/);
    expect(got).not.toContain('AAAA');
    next.destroy();
  }, 30_000);
});
