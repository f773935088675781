/**
 * The `crc-error` fault apart from sockets: the pure corruption of a frame's trailing CRC-16
 * (golden bytes), exactly the CRC-framed serial kinds offer it, and the scenario schema refuses it
 * on a device without CRC frames.
 */
import { crc16modbus } from 'crc';
import { describe, expect, it } from 'vitest';
import { invertTrailingCrc16 } from '../../protocols/codecs/crc16-fault.js';
import { LabError } from '../../core/errors.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';
import { CRC_FRAMED_KINDS } from '../../devices/serial/scenario.js';

describe('crc-error fault', () => {
  it('inverts both CRC bytes and leaves the body', () => {
    // Modbus RTU: unit 0x11, FC03, byte count 2, value 0x000A, CRC over those bytes, low first.
    const body = Buffer.from([0x11, 0x03, 0x02, 0x00, 0x0a]);
    const crc = crc16modbus(body);
    const frame = Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
    const bad = invertTrailingCrc16(frame);
    expect([...bad.subarray(0, 5)]).toEqual([0x11, 0x03, 0x02, 0x00, 0x0a]);
    expect(bad[5]).toBe((crc & 0xff) ^ 0xff);
    expect(bad[6]).toBe((crc >> 8) ^ 0xff);
    expect(crc16modbus(bad.subarray(0, 5))).not.toBe(bad.readUInt16LE(5));
    expect([...frame]).toEqual([...body, crc & 0xff, crc >> 8]); // the input is not changed
    expect([...invertTrailingCrc16(Buffer.from([1, 2]))]).toEqual([1, 2]);
  });

  it('is offered by exactly the serial kinds with CRC frames', () => {
    const lab = createLab(loadScenario('greenhouse').scenario, { seed: 3 });
    const kinds = lab.plan.serial.map((p) => p.spec.kind);
    expect(new Set(kinds).size).toBe(7); // every built-in kind is in the greenhouse
    for (const p of lab.plan.serial)
      expect([p.spec.kind, typeof lab.byteDevice(p.id).corruptCheck]).toEqual([
        p.spec.kind,
        CRC_FRAMED_KINDS.includes(p.spec.kind) ? 'function' : 'undefined',
      ]);
  });

  it('the scenario schema takes it on a CRC-framed device only', () => {
    const base = loadScenario('greenhouse').scenario;
    const ok = validateScenario(
      { ...base, faults: [{ device: 'rs485', type: 'crc-error', at: 5 }] },
      'test',
    );
    expect(ok.faults[0]?.type).toBe('crc-error');
    let problems: string[] = [];
    try {
      validateScenario({ ...base, faults: [{ device: 'gnss', type: 'crc-error', at: 5 }] }, 'test');
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      problems = (err as LabError).problems.map((p) => `${p.path ?? ''}: ${p.message}`);
    }
    expect(problems).toEqual([
      expect.stringMatching(/faults\[0\]\.type: "crc-error" applies to .* not to a gnss/),
    ]);
  });
});
