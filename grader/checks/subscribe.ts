/** A client subscription, before the deadline, whose filter receives a given topic. */
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref } from './mqtt.js';

export function subscribedCheck<P extends TaskParams>(opts: {
  topic: (ctx: GradeContext<P>) => string;
  what: { zh: string; en: string };
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = opts.topic(ctx);
    const subs = ctx.subscriptions(topic);
    return {
      score: subs.length > 0 ? 1 : 0,
      expected: `a subscription that receives ${topic}`,
      seen: subs.length > 0 ? `subscribed (seq ${subs[0]!.seq})` : 'no such subscription',
      evidence: subs.slice(0, 1).map((e) => ref(e)),
      ...(subs.length === 0
        ? {
            hint: {
              zh: `请订阅${opts.what.zh}的主题 ${topic}。`,
              en: `Subscribe to the ${opts.what.en} topic ${topic}.`,
            },
          }
        : {}),
    };
  };
}
