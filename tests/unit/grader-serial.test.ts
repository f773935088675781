/**
 * Serial truth and frame checks in the grader, on hand-made evidence: host bytes replayed into
 * the seeded model (a triggered scan becomes truth), request frames decoded across chunk
 * boundaries, a bad CRC not counted, and the same events giving the same outcome.
 */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../grader/context.js';
import { serialModel, serialRequestCheck } from '../../grader/checks/serial.js';
import type { TaskParams } from '../../grader/types.js';
import type { EvidenceEvent, EvidenceKind } from '../../core/evidence.js';
import { planLab } from '../../simulator/plan.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask } from '../../tasks/bank.js';
import { rfidFrames } from '../../tasks/l1-emb-rfid/task.js';
import { requestFrame } from '../../tasks/l1-emb-rfid/solution.js';

function contextOf(id: string, seed: number, extra: (deviceId: string) => EvidenceEvent[]) {
  const task = getTask(id);
  const params = task.params(seed);
  const plan = planLab(validateScenario(task.scenario(params), id), seed);
  const deviceId = plan.serial[0]!.id;
  const events = [ev(0, 'lab.start', {}), ...extra(deviceId)];
  return { task, ctx: buildContext(params, seed, plan, events, task.timeLimitS), deviceId };
}

let seq = 0;
function ev(t: number, kind: EvidenceKind, fields: Record<string, unknown>): EvidenceEvent {
  seq += 1;
  return {
    seq,
    t,
    wall: new Date(Date.UTC(2026, 0, 1) + t).toISOString(),
    kind,
    prev: '',
    ...fields,
  };
}
const rx = (t: number, device: string, bytes: Buffer) =>
  ev(t, 'serial.rx', { device, raw: bytes.toString('base64'), size: bytes.length });

describe('serial truth in the grader', () => {
  it('replays a trigger the host sent into the scanner, so the triggered scan is truth', () => {
    const { ctx } = contextOf('l1-emb-barcode', 5, (id) => [
      rx(1000, id, Buffer.from([0x16, 0x54])),
      rx(1010, id, Buffer.from([0x0d])), // SYN T CR split over two writes
    ]);
    const scans = serialModel(ctx, 'scanner').truth(2000).scans as { source: string; t: number }[];
    expect(scans.filter((s) => s.source === 'trigger')).toEqual([
      expect.objectContaining({ source: 'trigger', t: 1110 }),
    ]);
    // Without the bytes there is no triggered scan.
    const none = contextOf('l1-emb-barcode', 5, () => []).ctx;
    const plain = serialModel(none, 'scanner').truth(2000).scans as { source: string }[];
    expect(plain.some((s) => s.source === 'trigger')).toBe(false);
  });

  it('counts request frames split across writes and skips one with a bad CRC', () => {
    const good = requestFrame(1, 0x10, [0x26]);
    const bad = Buffer.from(requestFrame(1, 0x11));
    bad[bad.length - 1]! ^= 0xff;
    const { ctx, deviceId } = contextOf('l1-emb-rfid', 5, (id) => [
      rx(1000, id, good.subarray(0, 3)),
      rx(1005, id, good.subarray(3)),
      rx(1200, id, bad),
    ]);
    const check = serialRequestCheck<TaskParams, { command: number }>({
      device: 'reader',
      decode: (chunks) => rfidFrames(chunks, 'request'),
      want: () => true,
      minCount: 2,
      describe: () => 'frames',
      hint: { zh: '帧', en: 'frames' },
    });
    const out = check(ctx);
    expect(out.score).toBe(0.5);
    expect(out.seen).toBe('1 such frame(s) among 1 decoded from 3 write(s)');
    expect(out.evidence.map((e) => e.seq)).toEqual([ctx.events[2]!.seq]);
    expect(out.hint?.en).toBe('frames');
    expect(JSON.stringify(check(ctx))).toBe(JSON.stringify(out));
    expect(deviceId).toMatch(/^reader-/);
  });

  it('tells a host that wrote nothing where the port is', () => {
    const { ctx, deviceId } = contextOf('l1-emb-rfid', 5, () => []);
    const out = serialRequestCheck<TaskParams, unknown>({
      device: 'reader',
      decode: () => [],
      want: () => true,
      minCount: 1,
      describe: () => 'frames',
      hint: { zh: '帧', en: 'frames' },
    })(ctx);
    expect(out.score).toBe(0);
    expect(out.hint?.en).toContain(`IOTLAB_SERIAL_${deviceId.toUpperCase().replace('-', '_')}`);
  });
});
