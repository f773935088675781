/**
 * The board's 32 pins: modes, digital levels, PWM and the 12-bit ADC, and the components wired
 * to them (LEDs, relays, buzzers, buttons, a dimmable LED, a servo, analog sensors). Pins start as
 * floating inputs, as on most MCUs after reset; a floating input reads noise (seeded).
 */
import type { DeviceModel } from '../field/model.js';
import { PIN_MODES, Status } from '../../protocols/codecs/board-frame.js';
import type { PinMode } from '../../protocols/codecs/board-frame.js';
import { Rng } from '../../core/rng.js';
import type { BoardPinSpec } from './scenario.js';
import { BOARD_PINS } from './scenario.js';
import type { BoardIntent, BoardOutcome } from './outcome.js';
import { fail, ok } from './outcome.js';

export interface PinsContext {
  seed: number;
  boardId: string;
  vref: number;
  device(name: string): DeviceModel;
}

interface PinState {
  mode: PinMode;
  level: 0 | 1;
  pwm: { freqHz: number; duty: number } | undefined;
}

export const ADC_MAX = 4095;

/** Fraction of an analog sensor's range at t (0 V … Vref); an offline sensor gives 0 V. */
export function sensorFraction(m: DeviceModel, t: number): number {
  const truth = m.truth(t);
  const ch = m.plan.channels[0];
  if (!truth.online || !ch) return 0;
  const v = Number(truth.values[ch.channel.quantity]);
  const [lo, hi] = ch.channel.range;
  return Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
}

export class Pins {
  private readonly pins: PinState[];
  private readonly wired = new Map<number, BoardPinSpec>();
  /** Buttons pressed through the lab API (trainer, tests), by pin. */
  private readonly pressed = new Map<number, boolean>();

  constructor(
    specs: readonly BoardPinSpec[],
    private readonly ctx: PinsContext,
  ) {
    this.pins = Array.from({ length: BOARD_PINS }, () => ({
      mode: 'input',
      level: 0,
      pwm: undefined,
    }));
    for (const s of specs) this.wired.set(s.pin, s);
  }

  /** Presses (true), releases (false) or hands back to its lab switch (undefined) a button. */
  press(pin: number, pressed: boolean | undefined): void {
    if (pressed === undefined) this.pressed.delete(pin);
    else this.pressed.set(pin, pressed);
  }

  /** The pin of a button, by its name or pin number. */
  buttonPin(nameOrPin: string | number): number | undefined {
    for (const [pin, s] of this.wired)
      if (s.kind === 'button' && (s.name === nameOrPin || pin === nameOrPin)) return pin;
    return undefined;
  }

  /** Snapshot of every wired component (card, tests). */
  snapshot(): Record<string, unknown>[] {
    return [...this.wired.values()].map((s) => ({
      name: s.name,
      kind: s.kind,
      pin: s.pin,
      ...this.pins[s.pin],
    }));
  }

  setMode(pin: number, mode: number): BoardOutcome {
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    const name = PIN_MODES[mode];
    if (!name) return fail(Status.BAD_ARG, `no pin mode ${mode} (0–${PIN_MODES.length - 1})`);
    const p = this.pins[pin]!;
    if (p.mode === name) return ok();
    const before = this.componentOn(pin);
    p.mode = name;
    if (name !== 'pwm') p.pwm = undefined;
    const intents: BoardIntent[] = [{ state: this.stateOf(pin, { mode: name }) }];
    this.componentChange(pin, before, intents);
    return ok(Buffer.alloc(0), intents);
  }

  read(pin: number, t: number): BoardOutcome {
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    const p = this.pins[pin]!;
    if (p.mode === 'output') return ok(Buffer.from([p.level]));
    if (p.mode === 'analog' || p.mode === 'pwm')
      return fail(Status.WRONG_MODE, `pin ${pin} is in ${p.mode} mode: set input first`);
    return ok(Buffer.from([this.inputLevel(pin, p.mode, t)]));
  }

  write(pin: number, level: number): BoardOutcome {
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    if (level > 1) return fail(Status.BAD_ARG, `level must be 0 or 1, not ${level}`);
    const p = this.pins[pin]!;
    if (p.mode !== 'output')
      return fail(Status.WRONG_MODE, `pin ${pin} is in ${p.mode} mode: set output first`);
    if (p.level === level) return ok();
    const before = this.componentOn(pin);
    p.level = level as 0 | 1;
    const intents: BoardIntent[] = [{ state: this.stateOf(pin, { level }) }];
    this.componentChange(pin, before, intents);
    return ok(Buffer.alloc(0), intents);
  }

  pwm(pin: number, freqHz: number, duty: number): BoardOutcome {
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    if (freqHz < 1 || freqHz > 1_000_000)
      return fail(Status.BAD_ARG, `frequency ${freqHz} Hz not in 1–1000000`);
    if (duty > 10_000) return fail(Status.BAD_ARG, `duty ${duty} not in 0–10000`);
    const p = this.pins[pin]!;
    if (p.mode !== 'pwm')
      return fail(Status.WRONG_MODE, `pin ${pin} is in ${p.mode} mode: set pwm first`);
    if (p.pwm?.freqHz === freqHz && p.pwm.duty === duty) return ok();
    const before = this.componentOn(pin);
    p.pwm = { freqHz, duty };
    const intents: BoardIntent[] = [
      { state: this.stateOf(pin, { freqHz, duty: duty / 100, ...this.pwmEffect(pin) }) },
    ];
    this.componentChange(pin, before, intents);
    return ok(Buffer.alloc(0), intents);
  }

  adc(pin: number, t: number): BoardOutcome {
    if (pin >= BOARD_PINS) return fail(Status.BAD_ARG, `no pin ${pin} (pins 0–${BOARD_PINS - 1})`);
    const p = this.pins[pin]!;
    if (p.mode !== 'analog')
      return fail(Status.WRONG_MODE, `pin ${pin} is in ${p.mode} mode: set analog first`);
    const s = this.wired.get(pin);
    const out = Buffer.alloc(2);
    if (s?.kind === 'analog')
      out.writeUInt16BE(Math.round(sensorFraction(this.ctx.device(s.device), t) * ADC_MAX));
    else
      out.writeUInt16BE(
        new Rng(this.ctx.seed, 'board', 'float-adc', pin, Math.floor(t / 10)).int(0, ADC_MAX),
      );
    return ok(out);
  }

  /** The level an input pin reads at t; undefined when the pin is not an input. */
  inputAt(pin: number, t: number): 0 | 1 | undefined {
    const p = this.pins[pin];
    if (!p || !(p.mode === 'input' || p.mode === 'input_pullup' || p.mode === 'input_pulldown'))
      return undefined;
    return this.inputLevel(pin, p.mode, t);
  }

  private inputLevel(pin: number, mode: PinMode, t: number): 0 | 1 {
    const s = this.wired.get(pin);
    if (s?.kind === 'button' && this.buttonPressed(s, pin, t)) return s.active === 'low' ? 0 : 1;
    if (mode === 'input_pullup') return 1;
    if (mode === 'input_pulldown') return 0;
    return new Rng(this.ctx.seed, 'board', 'float', pin, Math.floor(t / 20)).float() < 0.5 ? 0 : 1;
  }

  private buttonPressed(s: BoardPinSpec, pin: number, t: number): boolean {
    const forced = this.pressed.get(pin);
    if (forced !== undefined) return forced;
    if (!s.device) return false;
    return Object.values(this.ctx.device(s.device).truth(t).values).some((v) => v === true);
  }

  /** Whether the component on an output or PWM pin is on (undefined: none there). */
  private componentOn(pin: number): boolean | undefined {
    const s = this.wired.get(pin);
    if (!s || s.kind === 'button' || s.kind === 'analog') return undefined;
    const p = this.pins[pin]!;
    if (p.mode === 'pwm') return (p.pwm?.duty ?? 0) > 0;
    if (p.mode !== 'output') return false;
    const active = 'active' in s && s.active === 'low' ? 0 : 1;
    return p.level === active;
  }

  private pwmEffect(pin: number): Record<string, number> {
    const s = this.wired.get(pin);
    const p = this.pins[pin]!.pwm;
    if (!s || !p) return {};
    if (s.kind === 'servo') {
      const pulseUs = (p.duty / 10_000) * (1e6 / p.freqHz);
      const f = (pulseUs - s.minPulseUs) / (s.maxPulseUs - s.minPulseUs);
      return { pulseUs: round2(pulseUs), angle: round2(180 * Math.max(0, Math.min(1, f))) };
    }
    return { brightness: round2(p.duty / 100) };
  }

  private componentChange(pin: number, before: boolean | undefined, intents: BoardIntent[]): void {
    const after = this.componentOn(pin);
    const s = this.wired.get(pin);
    if (after === undefined || after === before || !s) return;
    // The pin's own state record also says what the component did.
    const first = intents[0];
    if (first && 'state' in first) Object.assign(first.state, { type: s.kind, on: after });
    if ('device' in s && s.device && s.kind !== 'analog' && s.kind !== 'button')
      intents.push({ command: { device: s.device, on: after } });
  }

  private stateOf(pin: number, change: Record<string, unknown>): Record<string, unknown> {
    const s = this.wired.get(pin);
    return { device: this.ctx.boardId, pin, ...(s ? { component: s.name } : {}), ...change };
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
