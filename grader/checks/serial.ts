/**
 * Serial checks and serial truth. A byte device's truth is rebuilt from the seed, the faults the
 * evidence recorded, and the bytes the host wrote (`serial.rx`, replayed into the model in
 * order, as the lab's runtime handed them over): what a host triggered (a scan, a card read, a
 * relay switched) is then part of truth, as the lab saw it.
 *
 * The grader never imports protocol code (STYLE.md rule 9), so frame checks take the task's
 * decoder as a function: the task passes a pure codec, the check only counts and reports.
 */
import type { ByteDevice } from '../../devices/serial/model.js';
import { serialFactoriesFor } from '../../devices/serial/index.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { LabError } from '../../core/errors.js';
import type { Fault } from '../../core/faults.js';
import { FaultBook, responsiveness } from '../../core/faults.js';
import type { SerialDevicePlan } from '../../devices/serial/plan.js';
import type { CheckOutcome, GradeContext, I18n, TaskParams } from '../types.js';
import { ref, someRefs } from './mqtt.js';

export interface SerialChunk {
  e: EvidenceEvent;
  bytes: Buffer;
}

export function serialPlan(ctx: GradeContext, name: string): SerialDevicePlan {
  const p = ctx.plan.serial.find((s) => s.name === name);
  if (!p) throw new LabError('TASK_INVALID', `the task's scenario has no serial device "${name}"`);
  return p;
}

/** Chunks of one direction on a device's line within [start, end], in evidence order. */
export function serialChunks(
  ctx: GradeContext,
  name: string,
  kind: 'serial.rx' | 'serial.tx',
): SerialChunk[] {
  const id = serialPlan(ctx, name).id;
  const out: SerialChunk[] = [];
  for (const e of ctx.events) {
    if (e.kind !== kind || e.device !== id || e.t < ctx.start || e.t > ctx.end) continue;
    if (typeof e.raw !== 'string') continue;
    out.push({ e, bytes: Buffer.from(e.raw, 'base64') });
  }
  return out;
}

function faultsOf(events: readonly EvidenceEvent[]): FaultBook {
  const book = new FaultBook();
  for (const e of events) {
    if (e.kind !== 'fault') continue;
    const f = e.fault as Fault | undefined;
    if (!f || typeof f.id !== 'string') continue;
    if (e.action === 'start' && !book.get(f.id)) book.add({ ...f });
    else if (e.action === 'end') {
      if (!book.get(f.id)) book.add({ ...f });
      book.end(f.id, typeof f.end === 'number' ? f.end : e.t);
    }
  }
  return book;
}

/** GNSS UTC follows the wall time of lab time 0, which lab.start records (`wall` − `t`). */
function epochOf(events: readonly EvidenceEvent[]): number {
  const s = events.find((e) => e.kind === 'lab.start');
  const wall = typeof s?.wall === 'string' ? Date.parse(s.wall) : NaN;
  return Number.isFinite(wall) ? wall - (s?.t ?? 0) : Date.UTC(2026, 0, 1);
}

const models = new WeakMap<readonly EvidenceEvent[], Map<string, ByteDevice>>();

/** The byte device as the lab ran it: seeded, with the recorded faults and host bytes replayed. */
export function serialModel(ctx: GradeContext, name: string): ByteDevice {
  let byName = models.get(ctx.events);
  if (!byName) {
    byName = new Map();
    models.set(ctx.events, byName);
  }
  const hit = byName.get(name);
  if (hit) return hit;
  const plan = serialPlan(ctx, name);
  const factory = serialFactoriesFor({ epochMs: epochOf(ctx.events) })[plan.spec.kind];
  if (!factory) throw new LabError('TASK_INVALID', `no model for serial kind ${plan.spec.kind}`);
  const faults = faultsOf(ctx.events);
  const model = factory(plan, {
    seed: ctx.seed,
    faults,
    truthOf: (n, t) => ctx.truth(n, t),
    modbusUnitOf: () => {
      throw new LabError('TASK_INVALID', 'serial truth in the grader has no Modbus units');
    },
  });
  for (const e of ctx.events) {
    if (e.kind !== 'serial.rx' || e.device !== plan.id || typeof e.raw !== 'string') continue;
    if (!responsiveness(faults.activeAt(plan.id, e.t)).respond) continue;
    model.receive(Buffer.from(e.raw, 'base64'), e.t);
  }
  byName.set(name, model);
  return model;
}

/**
 * At least `minCount` frames the host wrote to a serial device that `want` accepts. `decode`
 * turns the whole host→device byte stream into frames (each with the chunk it ended in), so a
 * frame split over several writes still counts.
 */
export function serialRequestCheck<P extends TaskParams, F>(opts: {
  device: string;
  decode: (chunks: readonly SerialChunk[]) => { frame: F; e: EvidenceEvent }[];
  want: (frame: F, ctx: GradeContext<P>) => boolean;
  minCount: number;
  /** What a right frame is, for the report. */
  describe: (ctx: GradeContext<P>) => string;
  hint: I18n;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const chunks = serialChunks(ctx, opts.device, 'serial.rx');
    const frames = opts.decode(chunks);
    const good = frames.filter((f) => opts.want(f.frame, ctx));
    const id = serialPlan(ctx, opts.device).id;
    const env = `IOTLAB_SERIAL_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    return {
      score: Math.min(1, good.length / opts.minCount),
      expected: `≥ ${opts.minCount} ${opts.describe(ctx)} written to ${id}`,
      seen:
        chunks.length === 0
          ? `nothing written to ${id}`
          : `${good.length} such frame(s) among ${frames.length} decoded from ${chunks.length} write(s)`,
      evidence:
        good.length > 0 ? good.slice(0, 5).map((g) => ref(g.e)) : someRefs(chunks.map((c) => c.e)),
      ...(good.length < opts.minCount
        ? {
            hint:
              chunks.length === 0
                ? {
                    zh: `没有向 ${id} 写入任何字节：请连接实验卡上该设备的串口（TCP 地址见环境变量 ${env}）。`,
                    en: `Nothing was written to ${id}: connect to its serial port on the card (${env}).`,
                  }
                : opts.hint,
          }
        : {}),
    };
  };
}
