/**
 * Automatic checks of a hand-in's text (issue 15): the facts a document states on a line of its
 * own (`Device: co2-1a2b`), and design files (YAML or JSON) read as data. They read the `handin`
 * evidence only; a PDF or an image has no text, so its facts cannot be read.
 */
import { parse as parseYaml } from 'yaml';
import type { EvidenceRef, GradeContext } from '../types.js';
import { handin, handinText } from './handin.js';
import { ref } from './mqtt.js';

/**
 * The value stated for a fact on a line of its own: `Label: value` or `Label：value`, the label
 * one of `labels` (case does not matter), in a list item, bold or a table row alike; the last
 * such line counts. Backticks, asterisks and table bars around the value are dropped.
 */
export function statedFact(text: string, labels: readonly string[]): string | undefined {
  const wanted = labels.map((l) => l.toLowerCase());
  let found: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
      .replace(/[*_`|]/g, ' ')
      .trim();
    const m = /^([^:：]{1,40})[:：]\s*(.+)$/.exec(line);
    if (!m) continue;
    if (!wanted.includes(m[1]!.trim().toLowerCase())) continue;
    found = m[2]!.trim();
  }
  return found;
}

/** A hand-in's text read as YAML or JSON data (JSON is YAML), or why it cannot be. */
export function handinData(
  ctx: GradeContext,
  item: string,
): { data: unknown; evidence: EvidenceRef[] } | { why: string; evidence: EvidenceRef[] } {
  const t = handinTextOf(ctx, item);
  if ('why' in t) return t;
  const { text, evidence } = t;
  try {
    return { data: parseYaml(text) as unknown, evidence };
  } catch (err) {
    return {
      why: `"${item}" is not YAML/JSON: ${(err as Error).message.split('\n')[0]}`,
      evidence,
    };
  }
}

/** The text of a hand-in with its evidence, or why there is none. */
export function handinTextOf(
  ctx: GradeContext,
  item: string,
): { text: string; evidence: EvidenceRef[] } | { why: string; evidence: EvidenceRef[] } {
  const e = handin(ctx, item);
  const evidence = e ? [ref(e, `handin ${item}`)] : [];
  const text = handinText(ctx, item);
  if (text === undefined)
    return {
      why:
        e?.found === true
          ? `"${item}" is a ${String(e.type)} file: its text cannot be read`
          : `nothing handed in for "${item}"`,
      evidence,
    };
  return { text, evidence };
}
