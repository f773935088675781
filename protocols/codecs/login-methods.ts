/**
 * The ways an identity may log in to the lab's broker beside a plain password (scenario
 * `platform.devices[].logins`): its signed password (HMAC) or a token of one algorithm. Kept apart
 * from protocols/mqtt/token.ts (which verifies tokens) so that planning a lab loads no transport.
 */
export const TOKEN_ALGS = ['HS256', 'RS256'] as const;
export type TokenAlg = (typeof TOKEN_ALGS)[number];

export const LOGIN_METHODS = ['hmac', 'jwt-hs256', 'jwt-rs256'] as const;
export type LoginMethod = (typeof LOGIN_METHODS)[number];

export const methodOf = (alg: TokenAlg): LoginMethod =>
  alg === 'HS256' ? 'jwt-hs256' : 'jwt-rs256';
