/** A greenhouse lab with its board, for board tests over real sockets. */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { Lab } from '../../simulator/lab.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { RealClock } from '../../core/clock.js';

export interface BoardLab {
  lab: Lab;
  port: number;
  env: NodeJS.ProcessEnv;
  events: EvidenceEvent[];
  address(kind: string): number;
}

/**
 * `speed` < 1 slows the lab clock, for tests whose assertion needs a lab-time window (e.g. the
 * SHT3x's 15 ms measurement) to outlast a round trip on a loaded machine.
 */
export async function startBoardLab(seed = 1, speed = 1): Promise<BoardLab> {
  const { scenario } = loadScenario('greenhouse');
  const lab = createLab(scenario, {
    seed,
    ports: { ws: null },
    ...(speed !== 1 ? { clock: new RealClock({ speed }) } : {}),
  });
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  const card = await lab.start();
  const board = card.board!;
  return {
    lab,
    port: board.port,
    env: { ...process.env, IOTLAB_BOARD: `127.0.0.1:${board.port}` },
    events,
    address: (kind) => board.i2c.devices.find((d) => d.kind === kind)!.address,
  };
}

/** Parses `temperature=21.30 C humidity=55.10 %RH`. */
export function parseSht(out: string): { t: number; rh: number } {
  const m = /temperature=(-?[\d.]+) C humidity=([\d.]+) %RH/.exec(out);
  if (!m) throw new Error(`unexpected output: ${out}`);
  return { t: Number(m[1]), rh: Number(m[2]) };
}

/**
 * Checks a printed SHT3x reading against the evidence and the truth: the measure command and
 * the 6-byte read are bus.transfer events, and the values are the lab's air sensor at the end of
 * the measurement (command time + 15 ms).
 */
export function checkShtReading(b: BoardLab, printed: { t: number; rh: number }, since: number) {
  const bus = b.events.filter(
    (e) => e.kind === 'bus.transfer' && e.seq >= since && e.bus === 'i2c',
  );
  const cmd = bus.find((e) => e.out === '2400' && e.status === 'ok');
  const read = bus.find((e) => typeof e.in === 'string' && e.in.length === 12 && e.status === 'ok');
  if (!cmd || !read) throw new Error('no SHT3x command and read in the evidence');
  const truth = b.lab.truth('air_th', Number(cmd.boardT) + 15).values;
  const data = Buffer.from(read.in as string, 'hex');
  return {
    truth: { t: Number(truth.temperature), rh: Number(truth.humidity) },
    wire: {
      t: -45 + (175 * data.readUInt16BE(0)) / 65535,
      rh: (100 * data.readUInt16BE(3)) / 65535,
    },
    printed,
  };
}
