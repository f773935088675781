/** CoAP checks: a request observed (method, path, Observe registration) and answered 2.05. */
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { ref } from './mqtt.js';

export function coapRequestCheck<P extends TaskParams>(opts: {
  path: (ctx: GradeContext<P>) => string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** true: the request must register an observation (Observe option 0, RFC 7641 §3.1). */
  observe?: boolean;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const path = opts.path(ctx);
    const inWindow = ctx.events.filter((e) => e.t >= ctx.start && e.t <= ctx.end);
    const toPath = inWindow.filter((e) => e.kind === 'coap.request' && e.path === path);
    const good = toPath.filter(
      (e) => e.method === opts.method && (!opts.observe || e.observe === 0),
    );
    const answered = good.find((g) =>
      inWindow.some(
        (e) =>
          e.kind === 'coap.response' &&
          e.peer === g.peer &&
          e.path === path &&
          e.code === '2.05' &&
          e.t >= g.t,
      ),
    );
    const what = `${opts.method} ${path}${opts.observe ? ' with Observe: 0 (register)' : ''}`;
    return {
      score: answered ? 1 : 0,
      expected: `a CoAP ${what}, answered 2.05`,
      seen: answered
        ? `${what} at seq ${answered.seq}`
        : toPath.length > 0
          ? `${toPath.length} request(s) to ${path}, none ${opts.observe ? 'registering an observation' : `a ${opts.method}`}`
          : `no CoAP request to ${path}`,
      evidence: answered ? [ref(answered)] : toPath.slice(0, 3).map((e) => ref(e)),
      ...(answered
        ? {}
        : {
            hint:
              opts.observe && toPath.length > 0
                ? {
                    zh: '你在轮询 GET，而任务要求 Observe 订阅（GET 带 Observe: 0 选项）。',
                    en: 'You polled with GET; the task asks for an Observe registration (GET with Observe: 0).',
                  }
                : {
                    zh: `请向实验卡上的 CoAP 地址发送 ${what}。`,
                    en: `Send ${what} to the card's CoAP URL.`,
                  },
          }),
    };
  };
}
