/**
 * Instantiation of the board: its id and the I2C addresses a scenario leaves to the seed (a part's
 * ADDR strap differs from candidate to candidate, as on real boards, so addresses must be read from
 * the card or found by scanning the bus).
 */
import { Rng } from '../../core/rng.js';
import type { BoardSpec, I2cPartSpec } from './scenario.js';
import { I2C_ADDRESSES } from './scenario.js';

export type PlannedI2cPart = I2cPartSpec & { address: number };

export interface BoardPlan {
  name: string;
  id: string;
  spec: BoardSpec;
  i2c: PlannedI2cPart[];
}

export function planBoard(
  scenario: { name: string; board?: BoardSpec | undefined },
  seed: number,
  usedIds: ReadonlySet<string>,
): BoardPlan | undefined {
  const spec = scenario.board;
  if (!spec) return undefined;
  const rng = new Rng(seed, scenario.name, 'board', spec.name);
  let id = `${spec.name.replaceAll('_', '-')}-${rng.hex(4)}`;
  while (usedIds.has(id)) id = `${spec.name.replaceAll('_', '-')}-${rng.hex(4)}`;
  const taken = new Set(
    spec.i2c.devices.flatMap((d) => (d.address === undefined ? [] : [d.address])),
  );
  const i2c = spec.i2c.devices.map((d): PlannedI2cPart => {
    if (d.address !== undefined) return { ...d, address: d.address };
    const free = I2C_ADDRESSES[d.kind].filter((a) => !taken.has(a));
    // Every allowed address taken: the part keeps its first one and the bus has a conflict
    // (checkBoard reports explicit duplicates; a full strap range is the scenario's choice).
    const address = free.length > 0 ? rng.pick(free) : I2C_ADDRESSES[d.kind][0]!;
    taken.add(address);
    return { ...d, address };
  });
  return { name: spec.name, id, spec, i2c };
}
