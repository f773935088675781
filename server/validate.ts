/** Input checking at the API's edge: zod, and a 400 listing every problem with its path. */
import type { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { LabError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Marking } from './marking.js';
import type { SessionRuntime } from './runtime.js';
import type { Role, SessionRow, Store, WebSession } from './store.js';
import type { SseStreams } from './sse.js';

export function parse<T>(schema: z.ZodType<T>, data: unknown, where: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new LabError(
    'API_BAD_REQUEST',
    `invalid ${where}`,
    {},
    r.error.issues.map((i) => ({
      path: [where, ...i.path.map(String)].join('.'),
      message: i.message,
    })),
  );
}

/** What route modules get from buildServer. */
export interface RouteContext {
  store: Store;
  runtime: SessionRuntime;
  logger: Logger;
  need: (req: FastifyRequest, ...roles: Role[]) => WebSession;
  sessionOr404: (id: string) => SessionRow;
  /** The marking panels of sessions (server/marking.ts). */
  marking: Marking;
  /** The console's SSE streams, ended when the server closes. */
  sse: SseStreams;
}
