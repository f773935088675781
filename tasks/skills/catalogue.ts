/**
 * The skill catalogue (DESIGN.md, "Skill ids"): every 专业能力要求 item of the standard with its
 * stable id, Chinese text, English title and how far the simulator can assess it. The data is
 * tasks/skills/catalogue.yaml; this module validates it at load (zod) and answers queries.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { LabError } from '../../core/errors.js';
import { taskFile } from '../paths.js';

export const LEVELS = ['L1', 'L2', 'L3'] as const;
export const DIRECTIONS = ['EMB', 'APP', 'SYS', 'ALL'] as const;
export type Level = (typeof LEVELS)[number];
export type Direction = (typeof DIRECTIONS)[number];

export const SKILL_ID = /^(L1|L2)\.(EMB|APP|SYS)\.\d+\.\d+\.\d+$|^L3\.ALL\.\d+\.\d+\.\d+$/;

const Item = z
  .object({
    id: z.string().regex(SKILL_ID, 'a skill id such as L1.EMB.1.1.1 (L3 uses ALL)'),
    zh: z.string().startsWith('能'),
    en: z.string().min(3),
    assess: z.enum(['auto', 'partial', 'manual']),
    reason: z.string().min(2),
  })
  .strict();

const CatalogueFile = z
  .object({
    areas: z.record(z.string().regex(/^L[123]\.[A-Z]{3}\.\d+(\.\d+)?$/), z.string().min(2)),
    items: z.array(Item).min(1),
  })
  .strict();

export type Assessability = z.infer<typeof Item>['assess'];

export interface Skill extends z.infer<typeof Item> {
  level: Level;
  direction: Direction;
  /** 职业功能, e.g. 感知控制开发. */
  functionZh: string;
  /** 工作内容, e.g. 传感器数据采集. */
  contentZh: string;
}

let cached: Skill[] | undefined;

export function parseCatalogue(text: string, file = 'tasks/skills/catalogue.yaml'): Skill[] {
  const result = CatalogueFile.safeParse(parse(text));
  if (!result.success)
    throw new LabError(
      'CATALOGUE_INVALID',
      `${file}: the skill catalogue is not valid`,
      { file },
      result.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })),
    );
  const { areas, items } = result.data;
  const seen = new Set<string>();
  return items.map((item) => {
    if (seen.has(item.id))
      throw new LabError('CATALOGUE_INVALID', `${file}: skill ${item.id} is listed twice`);
    seen.add(item.id);
    const [level, direction, f, c] = item.id.split('.') as [Level, Direction, string, string];
    const functionZh = areas[`${level}.${direction}.${f}`];
    const contentZh = areas[`${level}.${direction}.${f}.${c}`];
    if (functionZh === undefined || contentZh === undefined)
      throw new LabError('CATALOGUE_INVALID', `${file}: no area titles for skill ${item.id}`);
    return { ...item, level, direction, functionZh, contentZh };
  });
}

export function loadCatalogue(): Skill[] {
  cached ??= parseCatalogue(readFileSync(taskFile('skills', 'catalogue.yaml'), 'utf8'));
  return cached;
}

export function skillById(id: string): Skill | undefined {
  return loadCatalogue().find((s) => s.id === id);
}

export function filterSkills(
  skills: readonly Skill[],
  f: { level?: Level | undefined; direction?: Direction | undefined },
): Skill[] {
  return skills.filter(
    (s) =>
      (f.level === undefined || s.level === f.level) &&
      (f.direction === undefined || s.direction === f.direction),
  );
}
