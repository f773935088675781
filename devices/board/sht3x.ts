/**
 * SHT3x-like temperature/humidity sensor (Sensirion SHT3x-DIS datasheet, v6):
 * - single shot commands with clock stretching 0x2C06/0x2C0D/0x2C10 and without 0x2400/0x240B/0x2416
 *   (high/medium/low repeatability, max measurement time 15/6/4 ms, Table 4);
 * - a read returns T MSB, T LSB, CRC, RH MSB, RH LSB, CRC (§4.4), CRC-8 0x31/0xFF (§4.12);
 *   T = −45 + 175·S/65535 °C, RH = 100·S/65535 %RH (§4.13);
 * - reading before the measurement is done: without stretching the read header is NACKed (§4.4);
 *   with stretching the part holds SCL until done;
 * - while measuring, the part acknowledges nothing (§4.3); reading with no data: NACK;
 * - soft reset 0x30A2 (1.5 ms), heater 0x306D/0x3066, status 0xF32D (+CRC), clear status 0x3041.
 * Periodic acquisition mode (0x2xxx/0xE000) is not modelled: those commands are NACKed.
 * - `corruptEvery` n (scenario): the n-th, 2n-th… measurement read (counted from the lab's start)
 *   returns each word with bit 11 flipped behind the CRC of the true word, so only a reader that
 *   checks the CRCs drops it. The count depends on the host's reads only, so a run is replayable.
 */
import { crc8Sensirion } from './crc8.js';
import type { I2cPart, I2cResult, Reading } from './parts.js';
import { nack } from './parts.js';

const SINGLE_SHOT: Record<number, { stretch: boolean; ms: number }> = {
  0x2c06: { stretch: true, ms: 15 },
  0x2c0d: { stretch: true, ms: 6 },
  0x2c10: { stretch: true, ms: 4 },
  0x2400: { stretch: false, ms: 15 },
  0x240b: { stretch: false, ms: 6 },
  0x2416: { stretch: false, ms: 4 },
};

export function encodeSht3x(temperature: number, humidity: number): Buffer {
  const st = clamp16(Math.round(((temperature + 45) / 175) * 65535));
  const srh = clamp16(Math.round((humidity / 100) * 65535));
  return withCrc([st, srh]);
}

export function withCrc(words: number[]): Buffer {
  const out = Buffer.alloc(words.length * 3);
  words.forEach((w, i) => {
    out.writeUInt16BE(w, i * 3);
    out[i * 3 + 2] = crc8Sensirion(out.subarray(i * 3, i * 3 + 2));
  });
  return out;
}

const clamp16 = (v: number): number => Math.max(0, Math.min(65535, v));

export class Sht3x implements I2cPart {
  readonly kind = 'sht3x';
  private measuring: { readyAt: number; stretch: boolean } | undefined;
  private data: Buffer | undefined;
  private statusRead = false;
  private busyUntil = 0;
  private heater = false;
  /** Status register: alert pending (bit 15) and reset detected (bit 4) after power-up. */
  private status = 0x8010;
  /** Measurement reads so far (for `corruptEvery`). */
  private reads = 0;

  constructor(
    readonly address: number,
    private readonly reading: Reading,
    private readonly corruptEvery = 0,
  ) {}

  transfer(out: Buffer, inLen: number, t: number): I2cResult {
    if (!this.reading(t).online || t < this.busyUntil) return nack('addr_nack');
    this.settle(t);
    // While measuring, a write header (command or bare probe) is not acknowledged (§4.3).
    if (this.measuring && (out.length > 0 || inLen === 0)) return nack('addr_nack');
    if (out.length > 0) {
      if (out.length !== 2) return nack('data_nack');
      const r = this.command(out.readUInt16BE(0), t);
      if (r) return r;
    }
    if (inLen === 0) return { status: 'ok', in: Buffer.alloc(0) };
    if (this.statusRead) {
      this.statusRead = false;
      return { status: 'ok', in: pad(withCrc([this.status]), inLen) };
    }
    let stretchMs = 0;
    if (this.measuring) {
      if (!this.measuring.stretch) return nack('addr_nack');
      stretchMs = this.measuring.readyAt - t;
      this.settle(this.measuring.readyAt);
    }
    if (!this.data) return nack('addr_nack');
    let data = this.data;
    this.data = undefined;
    this.reads += 1;
    if (this.corruptEvery > 0 && this.reads % this.corruptEvery === 0) data = glitch(data);
    return { status: 'ok', in: pad(data, inLen), ...(stretchMs > 0 ? { stretchMs } : {}) };
  }

  private command(cmd: number, t: number): I2cResult | undefined {
    const shot = SINGLE_SHOT[cmd];
    if (shot) {
      this.measuring = { readyAt: t + shot.ms, stretch: shot.stretch };
      this.data = undefined;
      return undefined;
    }
    switch (cmd) {
      case 0x30a2:
        this.busyUntil = t + 1.5;
        this.heater = false;
        this.status = 0x8010;
        this.data = undefined;
        return undefined;
      case 0x306d:
      case 0x3066:
        this.heater = cmd === 0x306d;
        this.status = (this.status & ~0x2000) | (this.heater ? 0x2000 : 0);
        return undefined;
      case 0xf32d:
        this.statusRead = true;
        return undefined;
      case 0x3041:
        this.status &= ~0x8c13;
        return undefined;
      default:
        // An unknown command: the part NACKs its second byte and flags it (status bit 1).
        this.status |= 0x0002;
        return nack('data_nack');
    }
  }

  /** Completes a measurement whose time has come, sampling the sensor at its end. */
  private settle(t: number): void {
    const m = this.measuring;
    if (!m || t < m.readyAt) return;
    const v = this.reading(m.readyAt).values;
    this.data = encodeSht3x(Number(v.temperature), Number(v.humidity));
    this.measuring = undefined;
  }
}

/** Bit 11 of each data word flipped, the CRCs left as they were (see `corruptEvery`). */
export function glitch(data: Buffer): Buffer {
  const out = Buffer.from(data);
  out[0] = out[0]! ^ 0x08;
  out[3] = out[3]! ^ 0x08;
  return out;
}

/** Reading past the data: the bus floats high (0xFF) as on the real part. */
function pad(data: Buffer, n: number): Buffer {
  const out = Buffer.alloc(n, 0xff);
  data.copy(out, 0, 0, Math.min(n, data.length));
  return out;
}
