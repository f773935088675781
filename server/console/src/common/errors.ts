/**
 * A failed call in the user's language: the server's code name picks the message (errors.* in
 * the message files); the server's own words and its problems (field paths) follow as detail.
 */
import type { Composer } from 'vue-i18n';
import { ApiError } from '../api/client.js';

export const KNOWN_CODES = [
  'API_BAD_REQUEST',
  'API_UNAUTHORIZED',
  'API_FORBIDDEN',
  'API_NOT_FOUND',
  'SESSION_STATE',
  'STORE_IO',
  'PORT_RANGE',
  'API_RATE_LIMITED',
  'API_TOO_LARGE',
  'SCORE_OUT_OF_RANGE',
  'REASON_REQUIRED',
  'CHECK_NOT_MANUAL',
  'MARK_NOT_FOUND',
  'LAB_START_FAILED',
  'HANDIN_REFUSED',
  'MARK_NOT_IN_PANEL',
  'MARK_FINAL',
  'ROSTER_INVALID',
  'PAPER_INVALID',
  'LAB_STATE',
  'DEVICE_UNKNOWN',
  'FAULT_UNKNOWN',
  'DEVICE_BAD_COMMAND',
  'ACL_INVALID',
  'ACL_STALE',
  'NETWORK',
  'HTTP',
] as const;

export interface ShownError {
  /** The message for the code, in the user's language. */
  title: string;
  /** The server's detail (its message and problems), as it wrote them. */
  detail: string;
  code: string;
}

export function describeError(err: unknown, t: Composer['t']): ShownError {
  if (!(err instanceof ApiError))
    return { title: t('errors.HTTP'), detail: String((err as Error)?.message ?? err), code: 'JS' };
  const code = (KNOWN_CODES as readonly string[]).includes(err.codeName) ? err.codeName : 'HTTP';
  const problems = err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  return {
    title: t(`errors.${code}`),
    detail: [err.message, ...problems].join('\n'),
    code: err.codeName,
  };
}
