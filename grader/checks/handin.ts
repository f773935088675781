/**
 * Hand-ins in grading (issue 15): a rubric check is marked by examiners, so its run only says what
 * there is to mark (the `handin` event of its item: name, kind, size, SHA-256) or that nothing was
 * handed in, a sure zero no examiner needs to see. Automatic checks of the same submission read its
 * text with `handinText`.
 */
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, I18n, Rubric, TaskParams } from '../types.js';
import { ref } from './mqtt.js';

/** The last `handin` event of an item (a later hand-in replaces an earlier one). */
export function handin(ctx: GradeContext, item: string): EvidenceEvent | undefined {
  return ctx.events.filter((e) => e.kind === 'handin' && e.item === item).at(-1);
}

/** The text of a handed-in item (Markdown, text, JSON, YAML, DOCX), or undefined. */
export function handinText(ctx: GradeContext, item: string): string | undefined {
  const e = handin(ctx, item);
  return e?.found === true && typeof e.text === 'string' ? e.text : undefined;
}

const describe = (e: EvidenceEvent): string =>
  `${String(e.name)} (${String(e.type)}, ${String(e.bytes)} bytes, sha256 ${String(e.sha256).slice(0, 12)})`;

/** The run of a rubric check: what the examiners will mark, or a sure zero. */
export function rubricRun<P extends TaskParams>(rubric: Rubric, title: I18n) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const expected = `marked by the examiners against the rubric (${rubric.criteria.length} criteria)`;
    if (rubric.handIn === undefined)
      return { score: 0, expected, seen: 'observed by the examiners', evidence: [] };
    const e = handin(ctx, rubric.handIn);
    if (!e || e.found !== true)
      return {
        score: 0,
        expected,
        seen:
          e && typeof e.refused === 'string'
            ? `not taken: ${e.refused}`
            : `nothing handed in for "${rubric.handIn}"`,
        evidence: e ? [ref(e, `handin ${rubric.handIn}`)] : [],
        markable: false,
        hint: {
          zh: `没有可评阅的提交：请为“${title.zh}”上传文件（${rubric.handIn}）。`,
          en: `Nothing to mark: hand in the file for “${title.en}” (${rubric.handIn}).`,
        },
      };
    return { score: 0, expected, seen: describe(e), evidence: [ref(e, `handin ${rubric.handIn}`)] };
  };
}
