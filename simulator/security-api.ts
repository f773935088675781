/**
 * The lab's security API (HTTP/JSON, docs/acl.md), for the candidate and their programs:
 *   GET /acl                 the access policy in force and its version
 *   PUT /acl                 replace it (body: {default?, rules}); in force at once on live
 *                            connections; `If-Match: <version>` refuses a stale edit with 409
 *   GET /audit               every change: who, when, version, before and after
 *   GET /access-log          the broker's access records, JSONL (`?format=csv` for CSV)
 * Every route needs `Authorization: Bearer <token>` (the card's `security.token`); without it
 * 401; from outside the seat (exam sessions) 403. Built by `buildSecurityApi` without listening, so tests can call `app.inject()`.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { LabError, httpStatusOf } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { LabAccess } from './security.js';
import { accessCsv, accessJsonl } from './security.js';
import type { PeerGuard } from '../protocols/listen.js';
import { refusePeer } from '../protocols/listen.js';

export interface SecurityApiDeps {
  access: LabAccess;
  token: string;
  clock: Clock;
  logger: Logger;
  /** Seat lock (exam sessions): requests from elsewhere get 403 and `net.refused` evidence. */
  guard?: PeerGuard;
}

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function buildSecurityApi(deps: SecurityApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
  const { access, clock } = deps;

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (refusePeer(deps.guard, req.socket.remoteAddress, req.socket.remotePort, 'http')) {
      await reply.status(403).send({ error: 'not from the seat address', code: 'API_FORBIDDEN' });
      return;
    }
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !sameToken(m[1]!, deps.token)) {
      await reply.status(401).header('www-authenticate', 'Bearer realm="iotlab"').send({
        error: 'the security API needs the bearer token from the lab card',
        code: 'API_UNAUTHORIZED',
      });
    }
  });
  app.setErrorHandler((err: Error, _req, reply) => {
    if (err instanceof LabError)
      return reply
        .status(httpStatusOf(err))
        .send({ error: err.message, code: err.codeName, problems: err.problems });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) deps.logger.error('security API failed', { err: String(err) });
    return reply.status(status).send({ error: err.message, code: 'API_BAD_REQUEST', problems: [] });
  });

  app.get('/acl', () => access.current);
  app.put('/acl', (req) => {
    const want = req.headers['if-match'];
    if (typeof want === 'string' && want.replace(/"/g, '') !== String(access.current.version))
      throw new LabError(
        'ACL_STALE',
        `the policy is at version ${access.current.version}, not ${want}: read it again`,
      );
    const entry = access.set(req.body, `api ${req.ip}`, clock);
    return { version: entry.version, policy: entry.after };
  });
  app.get('/audit', () => access.audit());
  app.get('/access-log', (req, reply) => {
    const format = (req.query as { format?: string }).format ?? 'jsonl';
    const rows = access.log.records();
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(accessCsv(rows));
    if (format !== 'jsonl')
      return reply
        .status(400)
        .send({ error: 'format is jsonl or csv', code: 'API_BAD_REQUEST', problems: [] });
    return reply.type('application/x-ndjson; charset=utf-8').send(accessJsonl(rows));
  });
  return app;
}
