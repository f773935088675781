/** The board model: pins, PWM loads, ADC against lab truth, I2C/SPI dispatch; the scenario section. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BoardModel } from '../../devices/board/board.js';
import { Status, decodeRequest } from '../../protocols/codecs/board-frame.js';
import type { Request } from '../../protocols/codecs/board-frame.js';
import type { LabError } from '../../core/errors.js';
import { createLab } from '../../simulator/lab.js';
import { planLab } from '../../simulator/plan.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import type { ScenarioInput } from '../../simulator/scenario.js';

const { scenario } = loadScenario('greenhouse');
const lab = createLab(scenario, { seed: 3 });
const board: BoardModel = lab.board!;
const run = (req: Request, t = 0) => board.execute(req, t);

describe('board pins', () => {
  it('start as inputs: writing needs output mode', () => {
    expect(run({ op: 'PIN_WRITE', pin: 13, level: 1 }).status).toBe(Status.WRONG_MODE);
    expect(run({ op: 'PIN_MODE', pin: 40, mode: 1 }).status).toBe(Status.BAD_ARG);
    expect(run({ op: 'PIN_MODE', pin: 13, mode: 9 }).status).toBe(Status.BAD_ARG);
  });

  it('record the pin change and what the component did', () => {
    run({ op: 'PIN_MODE', pin: 13, mode: 1 });
    const o = run({ op: 'PIN_WRITE', pin: 13, level: 1 });
    expect(o.intents).toEqual([
      {
        state: {
          device: board.plan.id,
          pin: 13,
          component: 'led',
          level: 1,
          type: 'led',
          on: true,
        },
      },
    ]);
    expect(run({ op: 'PIN_WRITE', pin: 13, level: 2 }).status).toBe(Status.BAD_ARG);
    expect(run({ op: 'PIN_READ', pin: 13 }).payload[0]).toBe(1);
  });

  it('drive the lab actuator wired to a relay', () => {
    run({ op: 'PIN_MODE', pin: 12, mode: 1 });
    const o = run({ op: 'PIN_WRITE', pin: 12, level: 1 });
    expect(o.intents).toContainEqual({ command: { device: 'fan', on: true } });
  });

  it('read an active-low button through the pull-up, pressed or not', () => {
    run({ op: 'PIN_MODE', pin: 2, mode: 2 });
    board.pins.press(2, false);
    expect(run({ op: 'PIN_READ', pin: 2 }).payload[0]).toBe(1);
    board.pins.press(2, true);
    expect(run({ op: 'PIN_READ', pin: 2 }).payload[0]).toBe(0);
    board.pins.press(2, undefined);
  });

  it('turn a servo pulse into an angle and a duty cycle into brightness', () => {
    expect(run({ op: 'PWM_SET', pin: 10, freqHz: 50, duty: 750 }).status).toBe(Status.WRONG_MODE);
    run({ op: 'PIN_MODE', pin: 10, mode: 5 });
    // 7.5 % of 20 ms = 1500 µs: the middle of 500–2500 µs → 90°.
    expect(run({ op: 'PWM_SET', pin: 10, freqHz: 50, duty: 750 }).intents[0]).toMatchObject({
      state: { pin: 10, pulseUs: 1500, angle: 90 },
    });
    run({ op: 'PIN_MODE', pin: 9, mode: 5 });
    const lamp = run({ op: 'PWM_SET', pin: 9, freqHz: 1000, duty: 2500 });
    expect(lamp.intents).toContainEqual({ command: { device: 'grow_light', on: true } });
    expect(lamp.intents[0]).toMatchObject({ state: { brightness: 25 } });
    expect(run({ op: 'PWM_SET', pin: 9, freqHz: 0, duty: 1 }).status).toBe(Status.BAD_ARG);
    expect(run({ op: 'PWM_SET', pin: 9, freqHz: 10, duty: 10001 }).status).toBe(Status.BAD_ARG);
  });

  it('convert the wired analog sensor to 12-bit counts of its range', () => {
    expect(run({ op: 'ADC_READ', pin: 26 }).status).toBe(Status.WRONG_MODE);
    run({ op: 'PIN_MODE', pin: 26, mode: 4 });
    const t = 5000;
    const lux = Number(lab.truth('light', t).values.illuminance);
    const counts = run({ op: 'ADC_READ', pin: 26 }, t).payload.readUInt16BE(0);
    expect(counts).toBe(Math.round((lux / 20000) * 4095));
  });
});

describe('board buses', () => {
  it('NACKs an address nobody answers, and takes bus time for it', () => {
    const o = run({ op: 'I2C_XFER', address: 0x11, out: Buffer.alloc(0), inLen: 0 });
    expect(o.status).toBe(Status.ADDR_NACK);
    expect(o.durationMs).toBeCloseTo((11 * 1000) / 100_000);
    expect(o.intents[0]).toMatchObject({
      transfer: { bus: 'i2c', address: 0x11, status: 'addr_nack' },
    });
  });

  it('reads the SHT3x at its seeded address with the lab truth', () => {
    const addr = board.plan.i2c.find((p) => p.kind === 'sht3x')!.address;
    expect(
      run({ op: 'I2C_XFER', address: addr, out: Buffer.from([0x24, 0]), inLen: 0 }, 100).status,
    ).toBe(Status.OK);
    const o = run({ op: 'I2C_XFER', address: addr, out: Buffer.alloc(0), inLen: 6 }, 120);
    const truth = lab.truth('air_th', 115).values;
    expect(-45 + (175 * o.payload.readUInt16BE(0)) / 65535).toBeCloseTo(
      Number(truth.temperature),
      2,
    );
    expect((100 * o.payload.readUInt16BE(3)) / 65535).toBeCloseTo(Number(truth.humidity), 2);
  });

  it('refuses to read more than 1024 bytes in one I2C transfer', () => {
    const o = run({ op: 'I2C_XFER', address: 0x50, out: Buffer.alloc(0), inLen: 1025 });
    expect(o.status).toBe(Status.BAD_ARG);
  });

  it('floats MISO high on a chip select with nothing on it', () => {
    const o = run({ op: 'SPI_XFER', cs: 3, out: Buffer.from([1, 2]) });
    expect([...o.payload]).toEqual([0xff, 0xff]);
    expect(run({ op: 'SPI_XFER', cs: 4, out: Buffer.from([1]) }).status).toBe(Status.BAD_ARG);
  });

  it('reads the MCP3008 channel of soil moisture as 10-bit counts', () => {
    const t = 7000;
    const m = Number(lab.truth('soil_moisture', t).values.moisture);
    const r = run({ op: 'SPI_XFER', cs: 0, out: Buffer.from([1, 0x80, 0]) }, t).payload;
    expect(((r[1]! & 3) << 8) | r[2]!).toBe(Math.min(1023, Math.round((m / 100) * 1024)));
  });
});

describe('board scenario section', () => {
  const base = (board: unknown): ScenarioInput =>
    ({
      name: 'b',
      title: { zh: '板', en: 'Board' },
      devices: [
        { name: 'fan', kind: 'actuator', actuatorType: 'fan', mqtt: {} },
        {
          name: 'air',
          kind: 'digital',
          mqtt: {},
          channels: [
            { quantity: 'temperature', unit: 'C', range: [-40, 125], profile: { base: 20 } },
          ],
        },
      ],
      board,
    }) as ScenarioInput;
  const problems = (board: unknown): string[] => {
    try {
      validateScenario(base(board));
      return [];
    } catch (err) {
      return (err as LabError).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('names the path of each mistake', () => {
    expect(
      problems({
        pins: [
          { pin: 3, name: 'a', kind: 'led', device: 'air' },
          { pin: 3, name: 'b', kind: 'button' },
        ],
        i2c: { devices: [{ kind: 'sht3x', device: 'air', address: 0x40 }] },
        uart: [{ port: 1, device: 'nothing' }],
      }),
    ).toEqual([
      'board.pins[0].device: "air" is a digital, not an actuator',
      'board.pins[1].pin: pin 3 already used by pins[0]',
      'board.i2c.devices[0].address: a sht3x answers at 0x44 or 0x45, not 0x40',
      'board.i2c.devices[0].device: "air" needs temperature and humidity channels',
      'board.uart[0].device: no serial device named "nothing" (serial devices: none)',
    ]);
    expect(problems({ pins: [{ pin: 32, name: 'x', kind: 'led' }] })[0]).toMatch(
      /^board.pins\[0\].pin/,
    );
  });

  it('draws free I2C addresses from the seed, the same for the same seed', () => {
    const s = validateScenario(
      base({ i2c: { devices: [{ kind: 'eeprom_24c02' }, { kind: 'eeprom_24c02' }] } }),
    );
    const a = planLab(s, 1).board!.i2c.map((p) => p.address);
    expect(planLab(s, 1).board!.i2c.map((p) => p.address)).toEqual(a);
    expect(new Set(a).size).toBe(2);
    expect(a.every((x) => x >= 0x50 && x <= 0x57)).toBe(true);
  });
});

describe('board model under random requests', () => {
  it('answers any decodable request with a status, never a throw', () => {
    const fresh = createLab(scenario, { seed: 9 }).board!;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3, maxLength: 24 }), fc.nat(100_000), (bytes, t) => {
        const d = decodeRequest(Buffer.from(bytes));
        if (!('request' in d)) return true;
        const o = fresh.execute(d.request, t);
        return Object.values(Status).includes(o.status) && o.durationMs >= 0;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('board parts under random traffic at their own addresses', () => {
  it('answers with a bus status or BAD_ARG, never an internal failure', () => {
    const fresh = createLab(scenario, { seed: 5 }).board!;
    const addresses = [...fresh.i2c.keys()];
    const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
    const req: fc.Arbitrary<Request> = fc.oneof(
      fc.record({
        op: fc.constant('I2C_XFER' as const),
        address: fc.constantFrom(...addresses),
        out: bytes,
        inLen: fc.oneof(fc.nat(8), fc.nat(2000)),
      }),
      fc.record({
        op: fc.constant('SPI_XFER' as const),
        cs: fc.constantFrom(0, 1),
        out: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((a) => Buffer.from(a)),
      }),
    );
    let t = 0;
    fc.assert(
      fc.property(req, fc.nat(50), (r, dt) => {
        t += dt;
        const o = fresh.execute(r, t);
        expect(o.status).not.toBe(Status.INTERNAL);
        if (o.status === Status.OK && r.op === 'I2C_XFER') expect(o.payload.length).toBe(r.inLen);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('lab.pressButton', () => {
  it('presses a board button by name and records it', () => {
    const l = createLab(scenario, { seed: 2 });
    const seen: unknown[] = [];
    l.recorder.subscribe((e) => seen.push(e));
    l.pressButton('btn', true);
    l.board!.execute({ op: 'PIN_MODE', pin: 2, mode: 2 }, 0);
    expect(l.board!.execute({ op: 'PIN_READ', pin: 2 }, 0).payload[0]).toBe(0);
    expect(seen).toContainEqual(
      expect.objectContaining({ kind: 'device.state', pin: 2, pressed: true }),
    );
    expect(() => l.pressButton('led', true)).toThrow(/no board button "led"/);
  });
});
