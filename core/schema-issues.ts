/**
 * Schema problems in words a scenario's author can act on. Zod's own messages ("Invalid input:
 * expected object, received undefined", "Unrecognized key") say what is wrong but not what is
 * allowed; here a misspelt key or kind gets a did-you-mean and the list of what the place takes,
 * found by walking the schema along the problem's path, and a missing field is called missing.
 */
import type { z } from 'zod';

/** The parts of a Zod 4 schema's definition this walk reads. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Edit distance, for did-you-mean (Levenshtein, small strings only). */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The closest candidate, if it is close enough to be a slip of the keyboard. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optional, default, nullable, pipes (transforms) and the like, down to the schema inside. */
function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 20; i++) {
    const d = defOf(s);
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!inner) return s;
    s = inner;
  }
  return s;
}

/** The object schema's keys, for an object or a union of objects (the option the input chose). */
function objectKeys(s: z.ZodType, input: unknown): string[] | undefined {
  const d = defOf(unwrap(s));
  if (d.type === 'object' && d.shape) return Object.keys(d.shape);
  if (d.type === 'union' && d.options) {
    const option = chooseOption(d, input);
    if (option) return objectKeys(option, input);
    return [...new Set(d.options.flatMap((o) => objectKeys(o, input) ?? []))];
  }
  return undefined;
}

/** The union member a discriminated input selects, if any. */
function chooseOption(d: Def, input: unknown): z.ZodType | undefined {
  if (!d.discriminator || !d.options || typeof input !== 'object' || input === null) return;
  const value = (input as Record<string, unknown>)[d.discriminator];
  return d.options.find((o) => {
    const od = defOf(unwrap(o));
    const field = od.shape?.[d.discriminator!];
    if (!field) return false;
    const fd = defOf(unwrap(field)) as Def & { values?: unknown[] };
    return Array.isArray(fd.values) && fd.values.includes(value);
  });
}

/** The schema at `path` (following the input for unions), or undefined when lost. */
function schemaAt(
  root: z.ZodType,
  rootInput: unknown,
  path: readonly PropertyKey[],
): { schema: z.ZodType; input: unknown } | undefined {
  let s: z.ZodType = root;
  let input = rootInput;
  for (const key of path) {
    const d = defOf(unwrap(s));
    const next = (): unknown =>
      typeof input === 'object' && input !== null
        ? (input as Record<PropertyKey, unknown>)[key]
        : undefined;
    if (d.type === 'array' && d.element) s = d.element;
    else if (d.type === 'record' && d.valueType) s = d.valueType;
    else if (d.type === 'object' && d.shape && typeof key === 'string' && d.shape[key])
      s = d.shape[key];
    else if (d.type === 'union') {
      const option = chooseOption(d, input);
      const od = option ? defOf(unwrap(option)) : undefined;
      if (!od?.shape || typeof key !== 'string' || !od.shape[key]) return undefined;
      s = od.shape[key];
    } else return undefined;
    input = next();
  }
  return { schema: s, input };
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  options?: unknown[];
  discriminator?: string;
  expected?: string;
  input?: unknown;
}

const quote = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

/** One Zod issue, said the way a person fixing the file needs it. */
export function describeIssue(issue: Issue, root: z.ZodType, rootInput: unknown): string {
  const at = schemaAt(root, rootInput, issue.path);
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const allowed = at ? (objectKeys(at.schema, at.input) ?? []) : [];
    const parts = issue.keys.map((k) => {
      const guess = closest(k, allowed);
      return guess
        ? `"${k}" is not a field here; did you mean "${guess}"?`
        : `"${k}" is not a field here`;
    });
    return allowed.length > 0
      ? `${parts.join('; ')} (fields: ${allowed.join(', ')})`
      : parts.join('; ');
  }
  if (issue.code === 'invalid_union' && issue.options && issue.discriminator) {
    const value =
      at && typeof at.input === 'object' && at.input !== null
        ? (at.input as Record<string, unknown>)[issue.discriminator]
        : undefined;
    // The path may end at the discriminator itself (Zod 4 points there).
    const own =
      value === undefined && issue.path.at(-1) === issue.discriminator
        ? schemaAt(root, rootInput, issue.path.slice(0, -1))?.input
        : undefined;
    const v =
      value ??
      (typeof own === 'object' && own !== null
        ? (own as Record<string, unknown>)[issue.discriminator]
        : undefined);
    const options = issue.options.map(String);
    if (v === undefined) return `${issue.discriminator} is missing: one of ${options.join(', ')}`;
    const guess = typeof v === 'string' ? closest(v, options) : undefined;
    return `${quote(v)} is not a ${issue.discriminator} here${guess ? `; did you mean "${guess}"?` : ''} (one of ${options.join(', ')})`;
  }
  if (issue.code === 'invalid_type' && issue.expected !== undefined) {
    const present =
      issue.path.length > 0 ? schemaAt(root, rootInput, issue.path.slice(0, -1))?.input : rootInput;
    const key = issue.path.at(-1);
    const missing =
      typeof present === 'object' && present !== null && key !== undefined && !(key in present);
    if (missing) return `missing: this field is required (${issue.expected})`;
  }
  return issue.message;
}
