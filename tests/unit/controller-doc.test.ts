/**
 * docs/protocols/controller.md is generated from protocols/codecs/controller-spec.ts; this test
 * fails when the two differ (and rewrites the file when UPDATE_DOCS=1). It also replays the
 * worked examples against the device model, so the document shows what the device really says.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import type { Truth } from '../../devices/field/model.js';
import { createController } from '../../devices/serial/controller/model.js';
import type { ByteDevice, ByteDeviceContext } from '../../devices/serial/model.js';
import { decodeRequest } from '../../protocols/codecs/controller.js';
import { decodeReply } from '../../protocols/codecs/controller-reply.js';
import { decodeFrame, encodeFrame } from '../../protocols/codecs/controller-frame.js';
import {
  REGENERATE,
  annotateFrame,
  renderControllerDoc,
} from '../../devices/serial/controller/doc.js';
import { EXAMPLES, MODBUS_CRC_CHECK } from '../../devices/serial/controller/doc-examples.js';
import { FaultBook } from '../../core/faults.js';
import { ControllerDevice } from '../../devices/serial/controller/scenario.js';

const DOC = fileURLToPath(new URL('../../docs/protocols/controller.md', import.meta.url));

describe('docs/protocols/controller.md', () => {
  it('is the output of renderControllerDoc()', () => {
    const rendered = renderControllerDoc();
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, rendered);
    const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
    expect(
      current === rendered,
      `docs/protocols/controller.md is out of date with protocols/codecs/controller-spec.ts; regenerate it:\n  ${REGENERATE}\n`,
    ).toBe(true);
  });

  it('is already formatted the way Prettier formats it (npm run lint checks docs too)', async () => {
    const options = { ...(await prettier.resolveConfig(DOC)), filepath: DOC };
    const rendered = renderControllerDoc();
    expect(await prettier.format(rendered, options)).toBe(rendered);
  });

  it('says it is generated and how to regenerate it', () => {
    const head = renderControllerDoc().split('\n').slice(0, 2).join('\n');
    expect(head).toContain('GENERATED FILE: do not edit');
    expect(head).toContain(REGENERATE);
  });

  it('cross-checks its CRC against the textbook Modbus value', () => {
    expect(MODBUS_CRC_CHECK.crc).toBe(0x0a84);
  });
});

describe('worked examples', () => {
  it.each(EXAMPLES.map((e) => [e.title.en, e] as const))(
    '%s: frames decode and are annotated',
    (_t, e) => {
      for (const f of e.frames) {
        expect(() => annotateFrame(f)).not.toThrow();
        const d = decodeFrame(f.bytes);
        if (f.from === 'device') expect(d.ok && decodeReply(d.frame).ok).toBe(true);
        else if (d.ok) expect(decodeRequest(d.frame).ok).toBe(true);
        else expect(d.error.message).toMatch(/CRC mismatch/); // the bad-CRC example
      }
    },
  );

  /** Examples that show a state other than the example lab's (a frost and an offline sensor). */
  const ILLUSTRATIVE = new Set(['A negative value and an offline channel']);
  const replayable = EXAMPLES.filter(
    (e) => !ILLUSTRATIVE.has(e.title.en) && e.frames[0]?.from === 'host',
  );

  it.each(replayable.map((e) => [e.title.en, e] as const))(
    '%s: the device answers as shown',
    (_t, e) => {
      const device = exampleController();
      const [request, reply] = e.frames;
      const sent = device
        .receive(request!.bytes, 6000)
        .flatMap((i) => ('send' in i ? [i.send] : []));
      expect(sent).toEqual([reply!.bytes]);
    },
  );

  it('Report: the device reports the door opening as shown', () => {
    const example = EXAMPLES.find((e) => e.frames[0]?.from === 'device')!;
    const device = exampleController();
    const enable = Buffer.of(0x01, 0x01, 0x00, 0x01); // write register 01 = 1: event reports on
    device.receive(encodeFrame({ address: 1, command: 0x06, payload: enable }), 1000);
    let t = 1000;
    const sent: Buffer[] = [];
    while (sent.length === 0 && t < 10_000) {
      t = device.nextEmission(t)!;
      sent.push(...device.emit(t).flatMap((i) => ('send' in i ? [i.send] : [])));
    }
    expect(t).toBe(5000);
    expect(sent).toEqual([example.frames[0]!.bytes]);
  });
});

/** The lab of the examples: address 01; sensors air_th (2 channels), door (open from 5 s); fan on, pump off. */
function exampleController(): ByteDevice {
  const sensors: Record<string, (t: number) => Pick<Truth, 'values' | 'units'>> = {
    air_th: () => ({
      values: { temperature: 23.45, humidity: 61.2 },
      units: { temperature: '°C', humidity: '%RH' },
    }),
    door: (t) => ({ values: { open: t >= 5000 }, units: { open: '' } }),
    fan: () => ({ values: { on: true }, units: { on: '' } }),
    pump: () => ({ values: { on: false }, units: { on: '' } }),
  };
  const ctx: ByteDeviceContext = {
    seed: 1,
    faults: new FaultBook(),
    truthOf: (name, t) => {
      const base = sensors[name]!(t);
      return { ...base, physical: base.values, online: true, faults: [] };
    },
    modbusUnitOf: () => {
      throw new Error('a controller never asks for a Modbus unit');
    },
  };
  const spec = ControllerDevice.parse({
    name: 'ctl',
    kind: 'controller',
    sensors: ['air_th', 'door'],
    actuators: ['fan', 'pump'],
  });
  return createController({ name: 'ctl', id: 'ctl-1a2b', spec, settings: spec.serial }, ctx);
}
