/**
 * Rubric data for the bank's manual tasks (issue 15): a criterion is written as its levels, best
 * first, each `[points, zh, en]`; the best level's points are the criterion's, the last is 0
 * (validateTask checks both).
 */
import type { I18n, RubricCriterion } from '../grader/types.js';

export type Level = [points: number, zh: string, en: string];

export function criterion(id: string, title: I18n, levels: Level[]): RubricCriterion {
  return {
    id,
    title,
    points: levels[0]?.[0] ?? 0,
    levels: levels.map(([points, zh, en]) => ({ points, text: { zh, en } })),
  };
}
