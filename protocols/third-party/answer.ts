/**
 * What the lab's third-party services answer (protocols/http/third-party.ts): the envelope, the
 * coded errors (core/errors.ts' 514x band, each message in English and Chinese), parameters
 * taken from a query or a flat JSON body, and what the evidence keeps of them. Pure.
 */
import type { ErrorCodeName } from '../../core/errors.js';
import { ErrorCodes, httpStatusOf, LabError } from '../../core/errors.js';

export type Params = Record<string, string | number | boolean>;

/** What an API answers with: a status code, a body and what the evidence says of it. */
export interface Answer {
  code: number;
  message: string;
  data?: unknown;
  /** A binary body in place of the JSON envelope (speech). */
  binary?: { type: string; body: Buffer; headers?: Record<string, string> };
  /** What the evidence records of the result (never a secret). */
  result?: Record<string, unknown>;
}

export const ok = (data: unknown, result?: Record<string, unknown>): Answer => ({
  code: 0,
  message: 'ok',
  data,
  ...(result ? { result } : {}),
});

/** An error answer; its message in English and Chinese, as the lab's errors are. */
export const fail = (name: ErrorCodeName, en: string, zh: string): Answer => ({
  code: ErrorCodes[name],
  message: `${en} / ${zh}`,
});

/** The HTTP status of an answer's code (0: 200). */
export function statusOf(code: number): number {
  if (code === 0) return 200;
  const name = (Object.keys(ErrorCodes) as ErrorCodeName[]).find((k) => ErrorCodes[k] === code);
  return name ? httpStatusOf(new LabError(name, '')) : 500;
}

/** A flat JSON object's fields as parameters, or the answer saying why it is not one. */
export function paramsOfJson(body: Buffer): { params: Params } | { error: Answer } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: fail('THIRD_PARTY_BAD_PARAM', 'the body is not JSON', '请求体不是 JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return {
      error: fail(
        'THIRD_PARTY_BAD_PARAM',
        'the body must be a JSON object',
        '请求体须为 JSON 对象',
      ),
    };
  const params: Params = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      return {
        error: fail(
          'THIRD_PARTY_BAD_PARAM',
          `parameter ${k.slice(0, 40)}: a string, number or boolean`,
          `参数 ${k.slice(0, 40)} 须为字符串、数字或布尔值`,
        ),
      };
    params[k] = v;
  }
  return { params };
}

/** A required text parameter, or the answer naming it missing. */
export function need(p: Params, name: string): string | Answer {
  const v = p[name];
  if (v === undefined || v === '')
    return fail('THIRD_PARTY_MISSING_PARAM', `missing parameter ${name}`, `缺少参数 ${name}`);
  return String(v);
}

/** What the evidence keeps of a call's parameters: no key, no signature, long texts cut. */
export function evidenceParams(p: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p).slice(0, 20)) {
    if (k === 'key' || k === 'sign' || k === 'app_key') continue;
    out[k.slice(0, 40)] = typeof v === 'string' ? v.slice(0, 100) : v;
  }
  if (typeof p.text === 'string') out.chars = [...p.text].length;
  if ('sign' in p) out.signed = true;
  return out;
}
