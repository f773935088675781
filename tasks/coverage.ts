/** Which tasks and checks assess each skill of the catalogue, and how much of it is covered. */
import type { Task } from '../grader/types.js';
import type { Assessability, Skill } from './skills/catalogue.js';

export interface CoverageItem {
  id: string;
  assess: Assessability;
  checks: { task: string; check: string; points: number }[];
}

export interface Coverage {
  items: CoverageItem[];
  total: number;
  covered: number;
  autoTotal: number;
  autoCovered: number;
  /** Share of `auto` items that at least one check assesses. */
  autoShare: number;
}

export function coverage(skills: readonly Skill[], tasks: readonly Task[]): Coverage {
  const items = skills.map((s) => ({
    id: s.id,
    assess: s.assess,
    checks: tasks.flatMap((t) =>
      t.checks
        .filter((c) => c.skill === s.id)
        .map((c) => ({ task: t.id, check: c.id, points: c.points })),
    ),
  }));
  const auto = items.filter((i) => i.assess === 'auto');
  const autoCovered = auto.filter((i) => i.checks.length > 0).length;
  return {
    items,
    total: items.length,
    covered: items.filter((i) => i.checks.length > 0).length,
    autoTotal: auto.length,
    autoCovered,
    autoShare: auto.length === 0 ? 0 : Math.round((autoCovered / auto.length) * 10000) / 10000,
  };
}
