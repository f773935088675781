/**
 * One error type for iotlab (STYLE.md rule 5). Codes live in bands so that a code alone tells
 * which layer failed; `exitCodeOf` and `httpStatusOf` are the one place that maps them out.
 *
 *   1xxx scenario and input files   2xxx protocol   3xxx device   4xxx grader   5xxx api
 *   9xxx usage (bad command line)
 */
export const ErrorCodes = {
  SCENARIO_NOT_FOUND: 1001,
  SCENARIO_PARSE: 1002,
  SCENARIO_INVALID: 1003,
  PAPER_INVALID: 1004,
  ROSTER_INVALID: 1005,
  PROTOCOL_MALFORMED: 2001,
  PROTOCOL_LISTEN: 2002,
  TOOL_MISSING: 2003,
  SERIAL_PORT: 2004,
  DEVICE_UNKNOWN: 3001,
  DEVICE_BAD_COMMAND: 3002,
  FAULT_UNKNOWN: 3003,
  LAB_STATE: 3004,
  EVIDENCE_IO: 3005,
  TASK_UNKNOWN: 4001,
  TASK_INVALID: 4002,
  CATALOGUE_INVALID: 4003,
  EVIDENCE_UNREADABLE: 4004,
  GRADER_UNAVAILABLE: 4005,
  API_BAD_REQUEST: 5001,
  API_UNAUTHORIZED: 5002,
  API_FORBIDDEN: 5003,
  API_NOT_FOUND: 5004,
  SESSION_STATE: 5005,
  STORE_IO: 5006,
  PORT_RANGE: 5007,
  API_RATE_LIMITED: 5008,
  API_TOO_LARGE: 5009,
  /** An examiner's points outside 0..the check's maximum. */
  SCORE_OUT_OF_RANGE: 5010,
  /** An examiner's mark (or its withdrawal) without a reason. */
  REASON_REQUIRED: 5011,
  /** The manual-score route for an automatic check (overrides take any check). */
  CHECK_NOT_MANUAL: 5012,
  /** No examiner mark in force for the check (nothing to withdraw). */
  MARK_NOT_FOUND: 5013,
  /** A task's lab could not start (e.g. its ports were taken): no attempt was used. */
  LAB_START_FAILED: 5014,
  /** A hand-in refused: its content is not a kind the item takes, it is empty or too large. */
  HANDIN_REFUSED: 5015,
  /** An examiner marking a candidate outside their panel, or a chief-only action by another. */
  MARK_NOT_IN_PANEL: 5016,
  /** The panel's mark is final: only the chief examiner changes it, with a reason. */
  MARK_FINAL: 5017,
  /**
   * The lab's simulated third-party services (docs/third-party/): the codes their answers carry,
   * as a vendor's API documents its own.
   */
  THIRD_PARTY_BAD_KEY: 5140,
  THIRD_PARTY_MISSING_PARAM: 5141,
  THIRD_PARTY_BAD_PARAM: 5142,
  THIRD_PARTY_BAD_SIGNATURE: 5143,
  THIRD_PARTY_EXPIRED: 5144,
  THIRD_PARTY_TOO_LARGE: 5145,
  THIRD_PARTY_NOT_FOUND: 5146,
  THIRD_PARTY_CONFLICT: 5147,
  THIRD_PARTY_RATE_LIMITED: 5148,
  THIRD_PARTY_METHOD: 5149,
  /** A TLS security fault on a lab without its own TLS listener (no TLS, or a shared broker). */
  TLS_FAULT_UNAVAILABLE: 5130,
  /** `serve --https` without a certificate to serve, or a --tls-cert/--tls-key that cannot be used. */
  HTTPS_CERT_INVALID: 5131,
  /** An access policy (core/acl.ts) that does not fit its schema, or repeats a rule id. */
  ACL_INVALID: 5120,
  /** An access policy edit made against an older version than the one in force (If-Match). */
  ACL_STALE: 5121,
  USAGE: 9001,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

/** Where a problem is: a file and a path inside it (e.g. `devices[2].mqtt.qos`). */
export interface ProblemLocation {
  file?: string;
  path?: string;
}

export interface Problem extends ProblemLocation {
  message: string;
}

export class LabError extends Error {
  readonly code: number;
  readonly codeName: ErrorCodeName;
  readonly context: Record<string, unknown>;
  /** Individual problems, when one error gathers several (e.g. a scenario with many mistakes). */
  readonly problems: readonly Problem[];

  constructor(
    codeName: ErrorCodeName,
    message: string,
    context: Record<string, unknown> = {},
    problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = 'LabError';
    this.codeName = codeName;
    this.code = ErrorCodes[codeName];
    this.context = context;
    this.problems = problems;
  }

  /** Every problem on its own line, as `file:path: message`. */
  describe(): string {
    if (this.problems.length === 0) return `${this.message} [E${this.code}]`;
    return [
      `${this.message} [E${this.code}]`,
      ...this.problems.map((p) => `  ${formatLocation(p)}${p.message}`),
    ].join('\n');
  }
}

export function formatLocation(loc: ProblemLocation): string {
  const parts = [loc.file, loc.path].filter((p): p is string => p !== undefined && p !== '');
  return parts.length > 0 ? `${parts.join(': ')}: ` : '';
}

/** CLI exit code: 2 for anything the user can fix in their input, 1 for runtime failures. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof LabError) {
    const band = Math.floor(err.code / 1000);
    // Bad input, whichever layer noticed it (a session's paper refused for an exam, say).
    if (
      err.codeName === 'TASK_UNKNOWN' ||
      err.codeName === 'EVIDENCE_UNREADABLE' ||
      err.codeName === 'API_BAD_REQUEST'
    )
      return 2;
    return band === 1 || band === 9 ? 2 : 1;
  }
  return 1;
}

/** HTTP status for the API (server/, a later issue). */
export function httpStatusOf(err: unknown): number {
  if (!(err instanceof LabError)) return 500;
  switch (Math.floor(err.code / 1000)) {
    case 1:
    case 9:
      return 400;
    case 3:
      return err.codeName === 'DEVICE_UNKNOWN' || err.codeName === 'FAULT_UNKNOWN' ? 404 : 409;
    case 5:
      return apiStatus[err.codeName] ?? 500;
    default:
      return 500;
  }
}

const apiStatus: Partial<Record<ErrorCodeName, number>> = {
  API_BAD_REQUEST: 400,
  API_UNAUTHORIZED: 401,
  API_FORBIDDEN: 403,
  API_NOT_FOUND: 404,
  SESSION_STATE: 409,
  PORT_RANGE: 409,
  API_RATE_LIMITED: 429,
  API_TOO_LARGE: 413,
  SCORE_OUT_OF_RANGE: 400,
  HANDIN_REFUSED: 400,
  MARK_NOT_IN_PANEL: 403,
  MARK_FINAL: 409,
  ACL_INVALID: 400,
  ACL_STALE: 409,
  REASON_REQUIRED: 400,
  CHECK_NOT_MANUAL: 400,
  MARK_NOT_FOUND: 404,
  LAB_START_FAILED: 503,
  THIRD_PARTY_BAD_KEY: 401,
  THIRD_PARTY_MISSING_PARAM: 400,
  THIRD_PARTY_BAD_PARAM: 400,
  THIRD_PARTY_BAD_SIGNATURE: 401,
  THIRD_PARTY_EXPIRED: 401,
  THIRD_PARTY_TOO_LARGE: 413,
  THIRD_PARTY_NOT_FOUND: 404,
  THIRD_PARTY_CONFLICT: 409,
  THIRD_PARTY_RATE_LIMITED: 429,
  THIRD_PARTY_METHOD: 405,
  TLS_FAULT_UNAVAILABLE: 409,
  HTTPS_CERT_INVALID: 400,
};
