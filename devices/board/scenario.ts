/**
 * Scenario schema of the virtual MCU board (docs/board.md): what is wired to its pins, its I2C and
 * SPI buses and its UARTs. Parts on the buses are datasheet-like models (devices/board/); the
 * sensors behind them are devices of the lab, named here, so a board reading and an MQTT reading
 * of the same sensor agree.
 */
import { z } from 'zod';
import { name, i18n } from '../../core/schema.js';

export const BOARD_PINS = 32;
const pin = z
  .number()
  .int()
  .min(0)
  .max(BOARD_PINS - 1);

/** Outputs: the component is on when the pin is at its active level. */
const OutputPin = z
  .object({
    pin,
    name,
    kind: z.enum(['led', 'relay', 'buzzer']),
    active: z.enum(['high', 'low']).default('high'),
    /** A lab actuator this output drives (its truth, MQTT state and evidence follow the pin). */
    device: name.optional(),
  })
  .strict();

/** A push button to ground by default (active low: the pin needs a pull-up). */
const ButtonPin = z
  .object({
    pin,
    name,
    kind: z.literal('button'),
    active: z.enum(['high', 'low']).default('low'),
    /** A lab switch (door, pir, button) whose seeded events press this button. */
    device: name.optional(),
  })
  .strict();

/** PWM loads: brightness follows the duty cycle; a servo's angle follows the pulse width. */
const PwmPin = z
  .object({
    pin,
    name,
    kind: z.enum(['dimmable_led', 'servo']),
    minPulseUs: z.number().int().min(100).max(5000).default(500),
    maxPulseUs: z.number().int().min(100).max(5000).default(2500),
    /** A lab actuator switched on while the duty cycle is above zero. */
    device: name.optional(),
  })
  .strict();

/** An ADC input wired to an analog sensor of the lab (its range spans 0 V to Vref). */
const AnalogPin = z.object({ pin, name, kind: z.literal('analog'), device: name }).strict();

export const BoardPin = z.discriminatedUnion('kind', [OutputPin, ButtonPin, PwmPin, AnalogPin]);

const i2cAddress = z.number().int().min(0x08).max(0x77);
const Sht3x = z
  .object({
    kind: z.literal('sht3x'),
    address: i2cAddress.optional(),
    device: name,
    /**
     * A bus glitch: every n-th measurement read returns data with a bit flipped in each word
     * (T +/− 5.5 °C, RH +/− 3.1 %RH) behind the CRCs of the true data. Absent: never.
     */
    corruptEvery: z.number().int().min(2).optional(),
  })
  .strict();
const Bh1750 = z
  .object({ kind: z.literal('bh1750'), address: i2cAddress.optional(), device: name })
  .strict();
const Eeprom = z
  .object({ kind: z.literal('eeprom_24c02'), address: i2cAddress.optional() })
  .strict();
export const I2cPart = z.discriminatedUnion('kind', [Sht3x, Bh1750, Eeprom]);

/** Addresses a part can be strapped to (datasheet ADDR/A0–A2 pins); the seed picks when absent. */
export const I2C_ADDRESSES: Record<z.infer<typeof I2cPart>['kind'], readonly number[]> = {
  sht3x: [0x44, 0x45],
  bh1750: [0x23, 0x5c],
  eeprom_24c02: [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
};

const cs = z.number().int().min(0).max(3);
const Mcp3008 = z
  .object({
    kind: z.literal('mcp3008'),
    cs,
    vref: z.number().positive().max(5.5).default(3.3),
    /** Analog sensors of the lab on CH0…CH7, in order (null = unconnected, reads 0 V). */
    channels: z.array(name.nullable()).max(8).default([]),
  })
  .strict();
const W25q = z.object({ kind: z.literal('w25q32'), cs }).strict();
export const SpiPart = z.discriminatedUnion('kind', [Mcp3008, W25q]);

export const BoardSpec = z
  .object({
    name: name.default('mcu'),
    title: i18n.optional(),
    /** ADC reference voltage (the ADC is 12-bit). */
    vref: z.number().positive().max(5.5).default(3.3),
    pins: z.array(BoardPin).max(BOARD_PINS).default([]),
    i2c: z
      .object({
        clockHz: z.number().int().min(10_000).max(1_000_000).default(100_000),
        devices: z.array(I2cPart).max(16).default([]),
      })
      .strict()
      .prefault({}),
    spi: z
      .object({
        clockHz: z.number().int().min(10_000).max(50_000_000).default(1_000_000),
        devices: z.array(SpiPart).max(4).default([]),
      })
      .strict()
      .prefault({}),
    /** UART n (1–3) wired to a serial device of the lab, at that device's line settings. */
    uart: z
      .array(z.object({ port: z.number().int().min(1).max(3), device: name }).strict())
      .max(3)
      .default([]),
  })
  .strict();

export type BoardSpec = z.infer<typeof BoardSpec>;
export type BoardPinSpec = z.infer<typeof BoardPin>;
export type I2cPartSpec = z.infer<typeof I2cPart>;
export type SpiPartSpec = z.infer<typeof SpiPart>;

interface LinkedDevice {
  name: string;
  kind: string;
  channels?: { quantity: string }[];
}

/** Cross-reference checks: unique pins, names, addresses, chip selects, and the right device kinds. */
export function checkBoard(
  board: BoardSpec | undefined,
  devices: readonly LinkedDevice[],
  serial: readonly LinkedDevice[],
  ctx: z.RefinementCtx,
): void {
  if (!board) return;
  const issue = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['board', ...path], message });
  const all = new Map([...devices, ...serial].map((d) => [d.name, d]));
  const known = [...all.keys()].join(', ');
  const expect = (path: (string | number)[], n: string, kinds: string[], what: string): void => {
    const d = all.get(n);
    if (!d) issue(path, `no device named "${n}" (known: ${known})`);
    else if (!kinds.includes(d.kind)) issue(path, `"${n}" is a ${d.kind}, not ${what}`);
  };

  const pins = new Map<number, number>();
  const names = new Map<string, number>();
  board.pins.forEach((p, i) => {
    const first = pins.get(p.pin);
    if (first !== undefined)
      issue(['pins', i, 'pin'], `pin ${p.pin} already used by pins[${first}]`);
    else pins.set(p.pin, i);
    const same = names.get(p.name);
    if (same !== undefined)
      issue(['pins', i, 'name'], `name "${p.name}" already used by pins[${same}]`);
    else names.set(p.name, i);
    if (p.device === undefined) return;
    if (p.kind === 'button') expect(['pins', i, 'device'], p.device, ['switch'], 'a switch');
    else if (p.kind === 'analog')
      expect(['pins', i, 'device'], p.device, ['analog'], 'an analog sensor');
    else expect(['pins', i, 'device'], p.device, ['actuator'], 'an actuator');
    if (p.kind === 'servo' || p.kind === 'dimmable_led')
      if (p.minPulseUs >= p.maxPulseUs)
        issue(['pins', i, 'maxPulseUs'], 'maxPulseUs must be greater than minPulseUs');
  });

  const addresses = new Map<number, number>();
  board.i2c.devices.forEach((d, i) => {
    if (d.address !== undefined) {
      if (!I2C_ADDRESSES[d.kind].includes(d.address))
        issue(
          ['i2c', 'devices', i, 'address'],
          `a ${d.kind} answers at ${I2C_ADDRESSES[d.kind].map(hex).join(' or ')}, not ${hex(d.address)}`,
        );
      const first = addresses.get(d.address);
      if (first !== undefined)
        issue(
          ['i2c', 'devices', i, 'address'],
          `I2C address ${hex(d.address)} already used by i2c.devices[${first}]`,
        );
      else addresses.set(d.address, i);
    }
    if (d.kind === 'sht3x') {
      expect(['i2c', 'devices', i, 'device'], d.device, ['digital'], 'a digital sensor');
      const q = all.get(d.device)?.channels?.map((c) => c.quantity) ?? [];
      if (
        all.get(d.device)?.kind === 'digital' &&
        !(q.includes('temperature') && q.includes('humidity'))
      )
        issue(
          ['i2c', 'devices', i, 'device'],
          `"${d.device}" needs temperature and humidity channels`,
        );
    }
    if (d.kind === 'bh1750')
      expect(['i2c', 'devices', i, 'device'], d.device, ['analog', 'digital'], 'a light sensor');
  });

  const selects = new Map<number, number>();
  board.spi.devices.forEach((d, i) => {
    const first = selects.get(d.cs);
    if (first !== undefined)
      issue(
        ['spi', 'devices', i, 'cs'],
        `chip select ${d.cs} already used by spi.devices[${first}]`,
      );
    else selects.set(d.cs, i);
    if (d.kind === 'mcp3008')
      d.channels.forEach((n, j) => {
        if (n !== null)
          expect(['spi', 'devices', i, 'channels', j], n, ['analog'], 'an analog sensor');
      });
  });

  const ports = new Map<number, number>();
  board.uart.forEach((u, i) => {
    const first = ports.get(u.port);
    if (first !== undefined)
      issue(['uart', i, 'port'], `UART ${u.port} already wired by uart[${first}]`);
    else ports.set(u.port, i);
    if (!serial.some((s) => s.name === u.device))
      issue(
        ['uart', i, 'device'],
        `no serial device named "${u.device}" (serial devices: ${serial.map((s) => s.name).join(', ') || 'none'})`,
      );
  });
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
