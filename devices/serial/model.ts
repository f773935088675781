/**
 * Byte-level devices: what they offer the runtime. Like every device model, a byte device never
 * touches a socket or the recorder: it is handed the bytes the host wrote and answers with
 * intents (bytes to send, state to record, commands for other devices of the lab); the runtime
 * paces the bytes on the line at its baud rate, records `serial.rx`/`serial.tx` and applies the
 * rest (STYLE.md rule 2).
 */
import type { Command, Truth } from '../field/model.js';
import type { FaultBook } from '../../core/faults.js';
import type { SerialDevicePlan } from './plan.js';
import type { ModbusUnit } from '../../protocols/modbus/types.js';

export type ByteIntent =
  /** Write bytes to the line, after `delayMs` of lab time (processing time of the device). */
  | { send: Buffer; delayMs?: number }
  /** Record a change of the device's own state as `device.state` evidence. */
  | { state: Record<string, unknown> }
  /** Drive another device of the lab (by scenario name), e.g. a controller's relay output. */
  | { command: { device: string; cmd: Command } }
  /**
   * Record a protocol-level event beside the raw serial.rx/serial.tx bytes, e.g. a Modbus RTU
   * request decoded from the line (`modbus.request` with transport 'rtu'), or a frame with a bad
   * CRC that got no answer.
   */
  | { record: { kind: 'modbus.request' | 'modbus.response'; fields: Record<string, unknown> } };

export interface ByteDeviceContext {
  seed: number;
  faults: FaultBook;
  /** Truth of another device of the lab by scenario name (controllers, gateways). */
  truthOf(name: string, t: number): Truth;
  /**
   * The Modbus data model of a device by scenario name (RTU lines). Writes through it are
   * applied and recorded by the lab like any other command.
   */
  modbusUnitOf(name: string): { unitId: number; unit: ModbusUnit };
}

export interface ByteDevice {
  readonly plan: SerialDevicePlan;
  /** The host wrote these bytes to the device at lab time t (chunks arrive as the OS delivers them). */
  receive(bytes: Buffer, t: number): ByteIntent[];
  /** The next lab time > t at which the device speaks on its own (NMEA fix, card entering the field). */
  nextEmission(t: number): number | undefined;
  /** What the device says on its own at t (called by the runtime at the times nextEmission gave). */
  emit(t: number): ByteIntent[];
  /** What a correct client should have seen at t: the grader's view of this device. */
  truth(t: number): Record<string, unknown>;
  /** Facts a candidate needs beyond the line settings (lookup tables, beacon positions, where PNGs are). */
  cardInfo(): Record<string, unknown>;
  /**
   * Devices whose frames carry a check value (CRC): one frame it sends, with that check made
   * wrong. The runtime applies it to every frame sent while a `crc-error` fault is active.
   */
  corruptCheck?(frame: Buffer): Buffer;
}

export type ByteDeviceFactory = (plan: SerialDevicePlan, ctx: ByteDeviceContext) => ByteDevice;
