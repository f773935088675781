/**
 * A Modbus RTU line (RS-485, MODBUS over Serial Line v1.02): several slaves — devices of the lab
 * with a `modbus: {transport: rtu}` binding — share one serial line. This model only frames and
 * routes: framing is `RtuSplitter`/`decodeRtu`, answers come from the same `handleRequest` the
 * Modbus TCP server uses, so both transports answer a PDU identically.
 *
 * Per frame ([SER] = Serial Line v1.02):
 *   bad CRC / too short / too long    no answer ([SER] §2.5.1.2: the frame is discarded)
 *   address 0                         broadcast: writes are applied by every unit, no answer
 *                                     ([SER] §2.2); reads make no sense broadcast and are ignored
 *   address of no unit on the line    no answer: another slave's traffic, or nobody's
 *   a unit whose device is offline    no answer (its truth says offline or no-response)
 *   otherwise                         the unit's response or exception, after the turnaround
 *
 * Evidence (record intents; the runtime adds `device`), mirroring the Modbus TCP server without
 * `tid` (RTU has none) or `peer` (the line is the peer; serial.rx says which transport):
 *   modbus.request  { transport: 'rtu', unit?, fc?, raw, request, error?, reason?, dropped?,
 *                     broadcast? }
 *   modbus.response { transport: 'rtu', unit, fc, raw, exception?, values? }
 * `raw` is base64 of the whole frame, CRC included. A frame that fails framing has `error`
 * 'short' | 'long' | 'crc' and the details in `reason`; a PDU the slave rejects (exception 01/03)
 * has the rejection in `error`, as on TCP. The response is recorded when it is decided; it goes
 * on the line `delayMs` later.
 *
 * Turnaround: a slave may only start answering after the request's closing t3.5 silence
 * ([SER] §2.5.1.1), then needs some time to process, so answers leave t3.5 + 5 ms after the
 * request's last byte (9 ms at 9600 8N1, 35 ms at 1200 8N1), well inside the 100 ms–1 s response
 * timeouts masters use.
 */
import type { ModbusRtuSpec } from './scenario.js';
import type { SerialDevicePlan } from '../plan.js';
import { LabError } from '../../../core/errors.js';
import { decodeRequest } from '../../../protocols/codecs/modbus.js';
import {
  BROADCAST_ADDRESS,
  RtuSplitter,
  decodeRtu,
  encodeRtu,
  rtuCharMs,
  rtuSilenceMs,
} from '../../../protocols/codecs/modbus-rtu.js';
import { handleRequest } from '../../../protocols/modbus/slave.js';
import type { ByteDevice, ByteDeviceContext, ByteDeviceFactory, ByteIntent } from '../model.js';
import { invertTrailingCrc16 } from '../../../protocols/codecs/crc16-fault.js';

/** Processing time of a slave after the closing silence of a request. */
export const PROCESSING_MS = 5;

const TRANSPORT = 'rtu';
/** [APP] §6.5, §6.6, §6.11, §6.12: the only functions a broadcast may carry ([SER] §2.2). */
const WRITE_FCS: ReadonlySet<number> = new Set([5, 6, 15, 16]);

export interface RtuUnitEntry {
  name: string;
  unitId: number;
}

export const createModbusRtu: ByteDeviceFactory = (plan, ctx) => new ModbusRtuLine(plan, ctx);

class ModbusRtuLine implements ByteDevice {
  readonly plan: SerialDevicePlan;
  private readonly ctx: ByteDeviceContext;
  private readonly spec: ModbusRtuSpec;
  private readonly splitter: RtuSplitter;
  private readonly turnaroundMs: number;
  /** unitId → scenario name; built on first use, since the lab may create us before its units. */
  private unitMap: Map<number, string> | undefined;

  constructor(plan: SerialDevicePlan, ctx: ByteDeviceContext) {
    if (plan.spec.kind !== 'modbus_rtu') {
      throw new LabError('DEVICE_UNKNOWN', `createModbusRtu got a ${plan.spec.kind} device`, {
        device: plan.name,
      });
    }
    this.plan = plan;
    this.ctx = ctx;
    this.spec = plan.spec;
    const silenceMs = rtuSilenceMs(plan.settings);
    this.splitter = new RtuSplitter({ silenceMs, charMs: rtuCharMs(plan.settings) });
    this.turnaroundMs = Math.ceil(silenceMs + PROCESSING_MS);
  }

  receive(bytes: Buffer, t: number): ByteIntent[] {
    return this.splitter.push(bytes, t).flatMap((frame) => this.onFrame(frame, t));
  }

  /** Bytes pending without a frame end become a frame when the silence has lasted t3.5. */
  nextEmission(t: number): number | undefined {
    const deadline = this.splitter.deadline();
    return deadline === undefined ? undefined : Math.max(deadline, t + 1);
  }

  emit(t: number): ByteIntent[] {
    const deadline = this.splitter.deadline();
    if (deadline === undefined || t < deadline) return [];
    const frame = this.splitter.flush();
    return frame ? this.onFrame(frame, t) : [];
  }

  truth(): Record<string, unknown> {
    return { units: this.units() };
  }

  /** `crc-error` fault: each frame ends in a CRC-16, low byte first. */
  corruptCheck(frame: Buffer): Buffer {
    return invertTrailingCrc16(frame);
  }

  cardInfo(): Record<string, unknown> {
    return { units: this.units() };
  }

  private onFrame(frame: Buffer, t: number): ByteIntent[] {
    const raw = frame.toString('base64');
    const decoded = decodeRtu(frame);
    if (!decoded.ok) {
      // §2.5.1.2: a frame with a bad CRC is discarded; only the evidence keeps it.
      const head = {
        ...(frame.length >= 1 ? { unit: frame[0] } : {}),
        ...(frame.length >= 2 ? { fc: frame[1] } : {}),
      };
      const reason = decoded.error.message;
      return [request({ ...head, raw, request: null, error: decoded.kind, reason })];
    }
    const { unit, pdu } = decoded;
    const fc = pdu.readUInt8(0);
    const parsed = decodeRequest(pdu);
    const fields = {
      unit,
      fc,
      raw,
      request: parsed.ok ? parsed.request : null,
      ...(parsed.ok ? {} : { error: parsed.reason }),
    };

    if (unit === BROADCAST_ADDRESS) {
      if (!parsed.ok) return [request({ ...fields, broadcast: true })];
      if (!WRITE_FCS.has(fc))
        return [request({ ...fields, broadcast: true, dropped: 'broadcast-read' })];
      // Every unit acts; their responses (or exceptions) are never sent.
      for (const { name } of this.units()) {
        if (this.responds(name, t)) handleRequest(pdu, this.ctx.modbusUnitOf(name).unit);
      }
      return [request({ ...fields, broadcast: true })];
    }

    const name = this.unitNames().get(unit);
    if (name === undefined) return [request({ ...fields, dropped: 'unknown-unit' })];
    if (!this.responds(name, t)) return [request({ ...fields, dropped: 'offline' })];

    const result = handleRequest(pdu, this.ctx.modbusUnitOf(name).unit);
    const answer = encodeRtu(unit, result.response);
    return [
      request(fields),
      {
        record: {
          kind: 'modbus.response',
          fields: {
            transport: TRANSPORT,
            unit,
            fc,
            raw: answer.toString('base64'),
            ...(result.exception !== undefined ? { exception: result.exception } : {}),
            ...(result.values !== undefined ? { values: result.values } : {}),
          },
        },
      },
      { send: answer, delayMs: this.turnaroundMs },
    ];
  }

  /** A unit whose device is offline (or set not to respond) stays silent on the line. */
  private responds(name: string, t: number): boolean {
    const { online, faults } = this.ctx.truthOf(name, t);
    return online && !faults.includes('no-response');
  }

  private units(): RtuUnitEntry[] {
    return [...this.unitNames()].map(([unitId, name]) => ({ name, unitId }));
  }

  private unitNames(): Map<number, string> {
    if (this.unitMap) return this.unitMap;
    const map = new Map<number, string>();
    for (const name of this.spec.units) {
      const { unitId } = this.ctx.modbusUnitOf(name);
      const other = map.get(unitId);
      if (other !== undefined) {
        throw new LabError(
          'SCENARIO_INVALID',
          `"${other}" and "${name}" share Modbus unit ${unitId} on the RTU line "${this.plan.name}"`,
          { line: this.plan.name, unitId, units: [other, name] },
        );
      }
      if (unitId < 1 || unitId > 247) {
        throw new LabError(
          'SCENARIO_INVALID',
          `"${name}" has Modbus unit ${unitId}; an RTU slave address is 1..247 (Serial Line §2.2)`,
          { line: this.plan.name, unitId, unit: name },
        );
      }
      map.set(unitId, name);
    }
    this.unitMap = map;
    return map;
  }
}

function request(fields: Record<string, unknown>): ByteIntent {
  return { record: { kind: 'modbus.request', fields: { transport: TRANSPORT, ...fields } } };
}
