/**
 * The virtual MCU board: pins (pins.ts) plus an I2C bus and an SPI bus of datasheet-like parts,
 * all driven by typed requests (protocols/codecs/board-frame.ts). Pure: `execute(request, t)`
 * answers with a status, a payload, the bus time the operation takes and intents (state changes,
 * bus transfers, commands to lab actuators) that the runtime records and applies. UART, DELAY
 * and waiting live in the runtime (devices/board/runtime.ts): they need the clock.
 */
import type { DeviceModel } from '../field/model.js';
import type { Request } from '../../protocols/codecs/board-frame.js';
import { MAX_DATA, Status } from '../../protocols/codecs/board-frame.js';
import type { BoardPlan } from './plan.js';
import { Bh1750 } from './bh1750.js';
import { Eeprom24c02 } from './eeprom.js';
import { Mcp3008 } from './mcp3008.js';
import type { BoardOutcome } from './outcome.js';
import { fail, ok } from './outcome.js';
import type { I2cPart, Reading, SpiPart } from './parts.js';
import { Pins, sensorFraction } from './pins.js';
import { Sht3x } from './sht3x.js';
import { W25q32 } from './w25q.js';

export interface BoardContext {
  seed: number;
  /** A device of the lab by scenario name. */
  device(name: string): DeviceModel;
}

export class BoardModel {
  readonly pins: Pins;
  readonly i2c = new Map<number, I2cPart>();
  readonly spi = new Map<number, SpiPart>();
  private readonly i2cHz: number;
  private readonly spiHz: number;

  constructor(
    readonly plan: BoardPlan,
    ctx: BoardContext,
  ) {
    const spec = plan.spec;
    this.i2cHz = spec.i2c.clockHz;
    this.spiHz = spec.spi.clockHz;
    this.pins = new Pins(spec.pins, {
      seed: ctx.seed,
      boardId: plan.id,
      vref: spec.vref,
      device: (n) => ctx.device(n),
    });
    const reading =
      (name: string): Reading =>
      (t) => {
        const truth = ctx.device(name).truth(t);
        return { values: truth.values, online: truth.online };
      };
    for (const p of plan.i2c) {
      const part =
        p.kind === 'sht3x'
          ? new Sht3x(p.address, reading(p.device), p.corruptEvery)
          : p.kind === 'bh1750'
            ? new Bh1750(
                p.address,
                reading(p.device),
                ctx.device(p.device).plan.channels[0]?.channel.quantity ?? '',
              )
            : new Eeprom24c02(p.address);
      this.i2c.set(p.address, part);
    }
    for (const p of spec.spi.devices) {
      if (p.kind === 'mcp3008') {
        const channels = p.channels;
        this.spi.set(
          p.cs,
          new Mcp3008(p.cs, p.vref, (ch, t) => {
            const n = channels[ch];
            return n ? sensorFraction(ctx.device(n), t) * p.vref : 0;
          }),
        );
      } else this.spi.set(p.cs, new W25q32(p.cs));
    }
  }

  execute(req: Request, t: number): BoardOutcome {
    switch (req.op) {
      case 'INFO':
        return ok(Buffer.from(`iotlab-board 1 ${this.plan.id}`, 'utf8'));
      case 'MILLIS': {
        const out = Buffer.alloc(4);
        out.writeUInt32BE(Math.floor(t) >>> 0);
        return ok(out);
      }
      case 'PIN_MODE':
        return this.pins.setMode(req.pin, req.mode);
      case 'PIN_READ':
        return this.pins.read(req.pin, t);
      case 'PIN_WRITE':
        return this.pins.write(req.pin, req.level);
      case 'ADC_READ':
        return this.pins.adc(req.pin, t);
      case 'PWM_SET':
        return this.pins.pwm(req.pin, req.freqHz, req.duty);
      case 'I2C_XFER':
        return this.i2cTransfer(req.address, req.out, req.inLen, t);
      case 'SPI_XFER':
        return this.spiTransfer(req.cs, req.out, t);
      default:
        return fail(Status.INTERNAL, `${req.op} is handled by the runtime`);
    }
  }

  /** I2C time: 9 clocks per byte (8 data + ACK) plus START and STOP. */
  private i2cTransfer(address: number, out: Buffer, inLen: number, t: number): BoardOutcome {
    if (address > 0x7f) return fail(Status.BAD_ARG, `I2C address ${address} is not 7-bit (0–127)`);
    if (inLen > MAX_DATA) return fail(Status.BAD_ARG, `in_len ${inLen} > ${MAX_DATA}`);
    const part = this.i2c.get(address);
    const r = part
      ? part.transfer(out, inLen, t)
      : { status: 'addr_nack' as const, in: Buffer.alloc(0), stretchMs: 0 };
    const bytes =
      r.status === 'ok'
        ? 1 + out.length + (inLen > 0 ? 1 + inLen : 0)
        : r.status === 'addr_nack' && out.length === 0
          ? 1
          : 1 + out.length;
    const durationMs = ((bytes * 9 + 2) * 1000) / this.i2cHz + (r.stretchMs ?? 0);
    const transfer = {
      bus: 'i2c' as const,
      address,
      ...(part ? { part: part.kind } : {}),
      out,
      in: r.in,
      status: r.status,
      durationMs,
    };
    if (r.status === 'ok') return ok(r.in, [{ transfer }], durationMs);
    const why =
      r.status === 'addr_nack'
        ? part
          ? `0x${address.toString(16)} did not acknowledge (busy or no data yet)`
          : `no part at 0x${address.toString(16)}`
        : `0x${address.toString(16)} refused a data byte`;
    return fail(
      r.status === 'addr_nack' ? Status.ADDR_NACK : Status.DATA_NACK,
      why,
      [{ transfer }],
      durationMs,
    );
  }

  private spiTransfer(cs: number, out: Buffer, t: number): BoardOutcome {
    if (cs > 3) return fail(Status.BAD_ARG, `chip select ${cs} not in 0–3`);
    if (out.length === 0) return fail(Status.BAD_ARG, 'an SPI transfer needs at least one byte');
    const part = this.spi.get(cs);
    const miso = part ? part.transfer(out, t) : Buffer.alloc(out.length, 0xff);
    const durationMs = (out.length * 8 * 1000) / this.spiHz;
    return ok(
      miso,
      [
        {
          transfer: {
            bus: 'spi',
            cs,
            ...(part ? { part: part.kind } : {}),
            out,
            in: miso,
            status: 'ok',
            durationMs,
          },
        },
      ],
      durationMs,
    );
  }
}
