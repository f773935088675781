/**
 * The board's parts over real sockets with the TypeScript HAL: values against the lab truth, the
 * datasheet timings as a firmware sees them (conversion time, write cycle, busy bit), and the
 * evidence of each transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardClient } from '../../clients/ts/board.js';
import { BoardClient as Client } from '../../clients/ts/board.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import type { BoardLab } from '../support/board-lab.js';
import { startBoardLab } from '../support/board-lab.js';

let b: BoardLab;
let c: BoardClient;
beforeAll(async () => {
  b = await startBoardLab(11);
  c = await Client.connect('127.0.0.1', b.port);
});
afterAll(async () => {
  await c.close();
  await b.lab.stop();
});

/** Board time of the board's last recorded operation (the lab's own device.state has none). */
const boardT = (): number => {
  const last = b.events.filter(
    (e) => (e.kind === 'bus.transfer' || e.kind === 'device.state') && typeof e.boardT === 'number',
  );
  return Number(last.at(-1)?.boardT);
};

describe('board parts through the TypeScript HAL', () => {
  it('BH1750: 0 before the first 180 ms conversion, then the lab illuminance × 1.2', async () => {
    const addr = b.address('bh1750');
    await c.i2cWrite(addr, Uint8Array.of(0x01));
    await c.i2cWrite(addr, Uint8Array.of(0x10));
    const started = boardT();
    expect((await c.i2cRead(addr, 2)).readUInt16BE(0)).toBe(0);
    await c.delay(200);
    const count = (await c.i2cRead(addr, 2)).readUInt16BE(0);
    // The register holds the conversion that ended at started + 180 ms.
    const lux = Number(b.lab.truth('light', started + 180).values.illuminance);
    expect(count).toBe(Math.round(lux * 1.2));
  });

  it('24C02: page write, acknowledge polling through the write cycle, read back', async () => {
    const addr = b.address('eeprom_24c02');
    await c.i2cWrite(addr, Uint8Array.of(0x0e, 0xa1, 0xa2, 0xa3));
    let polls = 0;
    for (;;) {
      try {
        await c.i2cWrite(addr, Uint8Array.of(0x08));
        break;
      } catch (err) {
        expect(err).toMatchObject({ status: 'ADDR_NACK' });
        polls += 1;
      }
    }
    expect(polls).toBeGreaterThan(0);
    // 0x0E, 0x0F, then wrapped to 0x08 (page 0x08–0x0F).
    expect([...(await c.i2cRead(addr, 8))]).toEqual([
      0xa3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 0xa2,
    ]);
  });

  it('MCP3008 and the on-chip ADC read the same soil moisture sensor', async () => {
    await c.pinMode(27, 'analog');
    const adc12 = await c.adcRead(27);
    const r = await c.spiTransfer(0, Uint8Array.of(0x01, 0x80, 0x00));
    const adc10 = ((r[1]! & 3) << 8) | r[2]!;
    const t = boardT();
    const moisture = Number(b.lab.truth('soil_moisture', t).values.moisture);
    expect(adc10).toBe(Math.min(1023, Math.round((moisture / 100) * 1024)));
    // Within the sensor's noise between the two reads (< 1 s apart): a few percent.
    expect(Math.abs(adc12 / 4095 - adc10 / 1024)).toBeLessThan(0.05);
  });

  it('W25Q32: JEDEC id, program with WEL, poll BUSY, read back', async () => {
    expect([...(await c.spiTransfer(1, Uint8Array.of(0x9f, 0, 0, 0)))].slice(1)).toEqual([
      0xef, 0x40, 0x16,
    ]);
    await c.spiTransfer(1, Uint8Array.of(0x06));
    await c.spiTransfer(1, Uint8Array.of(0x20, 0, 0x10, 0));
    let busy = 0;
    while (((await c.spiTransfer(1, Uint8Array.of(0x05, 0)))[1]! & 1) === 1) busy += 1;
    expect(busy).toBeGreaterThan(0);
    await c.spiTransfer(1, Uint8Array.of(0x06));
    await c.spiTransfer(1, Uint8Array.of(0x02, 0, 0x10, 0, 0xde, 0xad));
    while (((await c.spiTransfer(1, Uint8Array.of(0x05, 0)))[1]! & 1) === 1);
    const r = await c.spiTransfer(1, Uint8Array.of(0x03, 0, 0x10, 0, 0, 0, 0));
    expect([...r.subarray(4)]).toEqual([0xde, 0xad, 0xff]);
  });

  it('PWM: the servo angle and the lamp brightness are evidence; the lamp drives the grow light', async () => {
    await c.pinMode(10, 'pwm');
    await c.pwmSet(10, 50, 500);
    await c.pinMode(9, 'pwm');
    await c.pwmSet(9, 1000, 4000);
    const servo = b.events.findLast((e) => e.kind === 'device.state' && e.pin === 10);
    expect(servo).toMatchObject({ pulseUs: 1000, angle: 45 });
    expect(b.lab.truth('grow_light').values.on).toBe(true);
    await c.pwmSet(9, 1000, 0);
    expect(b.lab.truth('grow_light').values.on).toBe(false);
  });

  it('PIN_WAIT: wakes on the button edge, times out without one', async () => {
    await c.pinMode(2, 'input_pullup');
    b.lab.pressButton('btn', false);
    const pressing = setTimeout(() => b.lab.pressButton('btn', true), 100);
    const before = await c.millis();
    const edge = await c.pinWait(2, 'falling', 5000);
    clearTimeout(pressing);
    expect(edge).toMatchObject({ fired: true, level: 0 });
    expect(edge.t - before).toBeGreaterThanOrEqual(50);
    const none = await c.pinWait(2, 'falling', 30);
    expect(none).toMatchObject({ fired: false, level: 0 });
    b.lab.pressButton('btn', undefined);
    await c.pinMode(13, 'output');
    await expect(c.pinWait(13, 'either', 10)).rejects.toMatchObject({ status: 'WRONG_MODE' });
    await expect(c.call({ op: 'PIN_WAIT', pin: 2, edge: 3, timeoutMs: 10 })).rejects.toMatchObject({
      status: 'BAD_ARG',
    });
  });

  it('rejects bad UART arguments', async () => {
    await expect(c.uartRead(1, 0, 0)).rejects.toMatchObject({ status: 'BAD_ARG' });
    await expect(c.uartRead(1, 10, 60_001)).rejects.toMatchObject({ status: 'BAD_ARG' });
    await expect(c.uartWrite(3, 'x')).rejects.toMatchObject({ status: 'NOT_WIRED' });
  });
});

describe('board UART receive buffer', () => {
  it('keeps the first 4096 bytes and records how many it dropped', async () => {
    const scenario = validateScenario({
      name: 'uartflood',
      title: { zh: '串口溢出', en: 'UART overrun' },
      devices: [],
      serial: [{ name: 'gnss', kind: 'gnss', serial: { baudRate: 115200 }, rateHz: 10 }],
      board: { uart: [{ port: 1, device: 'gnss' }] },
    });
    const lab = createLab(scenario, { seed: 1, ports: { ws: null } });
    const events: EvidenceEvent[] = [];
    lab.recorder.subscribe((e) => events.push(e));
    const card = await lab.start();
    try {
      const client = await Client.connect('127.0.0.1', card.board!.port);
      await client.delay(2000);
      const first = await client.uartRead(1, 1024, 0);
      const rest = [first];
      for (let i = 0; i < 3; i++) rest.push(await client.uartRead(1, 1024, 0));
      await client.close();
      expect(Buffer.concat(rest).length).toBe(4096);
      expect(first.toString('latin1')).toMatch(/^\$G/);
      const reads = events.filter((e) => e.kind === 'bus.transfer' && e.bus === 'uart');
      expect(Number(reads[0]!.overruns)).toBeGreaterThan(0);
      expect(reads.slice(1).every((e) => e.overruns === undefined)).toBe(true);
    } finally {
      await lab.stop();
    }
  });
});

describe('stopping a lab', () => {
  it('ends a board wait in progress at once', async () => {
    const lab = createLab(validateScenario({ ...loadScenario('greenhouse').scenario }), {
      seed: 4,
      ports: { ws: null },
    });
    const card = await lab.start();
    const client = await Client.connect('127.0.0.1', card.board!.port);
    await client.pinMode(2, 'input_pullup');
    lab.pressButton('btn', false);
    const waiting = client.pinWait(2, 'falling', 60_000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const began = Date.now();
    await lab.stop();
    expect(Date.now() - began).toBeLessThan(2000);
    expect(await waiting).toBeDefined();
  });
});
