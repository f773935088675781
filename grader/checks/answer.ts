/**
 * Answers: what a candidate reports (a fault diagnosis, a decoded UID) arrives on the lab's
 * answers topic `<prefix>/answers/<key>` and is recorded as `answer` evidence; the last answer
 * for a key before the deadline counts.
 */
import type { CheckOutcome, GradeContext, I18n, TaskParams } from '../types.js';
import { ref } from './mqtt.js';

/** Case-insensitive, trimmed, surrounding quotes removed (a JSON string is accepted too). */
export function normaliseAnswer(value: string): string {
  let v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).trim();
  return v.toLowerCase();
}

export function answerCheck<P extends TaskParams>(opts: {
  key: string;
  expected: (ctx: GradeContext<P>) => string;
  /** Shown when the answer is wrong (never reveals the expected answer). */
  hint: I18n;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const expected = normaliseAnswer(opts.expected(ctx));
    const a = ctx.answers().get(opts.key);
    const topic = `${ctx.plan.topicPrefix}/answers/${opts.key}`;
    if (!a)
      return {
        score: 0,
        expected: `an answer on ${topic}`,
        seen: 'no answer',
        evidence: [],
        hint: {
          zh: `没有收到答案：请把答案发布到 ${topic}。`,
          en: `No answer: publish it to ${topic}.`,
        },
      };
    const right = normaliseAnswer(a.value) === expected;
    return {
      score: right ? 1 : 0,
      expected: `the right answer on ${topic}`,
      seen: `answered ${JSON.stringify(a.value)}${right ? ' (right)' : ' (wrong)'}`,
      evidence: [ref(a, `answer ${opts.key}`)],
      ...(right ? {} : { hint: opts.hint }),
    };
  };
}
