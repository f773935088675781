/**
 * The edge gateway's own configuration API (HTTP/JSON), as real gateways have:
 *   GET  /config               the config in force
 *   PUT  /config[?force=true]  replace it; the poll table changes live. 400 with
 *                              {error, code, problems: [{path, message}]} when the body does not
 *                              fit the schema or the lab (force=true accepts a config that only
 *                              mismatches the lab's inventory, as "save anyway" does, and returns
 *                              the mismatches as warnings)
 *   GET  /status               northbound link (state, last error, queue); line states; per
 *                              point: status, last value, last error, counts
 *   GET  /points               the resolved poll table (slave, table, address/channel, scaling)
 * The same routes are served over HTTPS too when the lab has TLS (`https`: a second instance).
 * Built by `buildGatewayApi` without listening, so tests call `app.inject()`. Every route has a
 * JSON Schema (fastify style); the body of PUT /config is validated by the zod schema it is
 * generated from, so the API and scenario files report problems the same way.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Problem } from '../../../core/errors.js';
import { LabError, httpStatusOf } from '../../../core/errors.js';
import type { GatewayPoint } from '../config.js';
import type { NorthboundReport } from './northbound.js';
import type { Logger } from '../../../core/logger.js';
import type { PeerGuard } from '../../../protocols/listen.js';
import { refusePeer } from '../../../protocols/listen.js';
import type { GatewaySpec } from '../scenario.js';
import { GatewaySpec as GatewaySpecSchema, asProblem } from '../scenario.js';
import type { PointReport } from '../points.js';

export type ReplaceResult =
  { ok: true; config: GatewaySpec; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface GatewayStatusReport {
  gateway: string;
  mqtt: { connected: boolean; clientId: string };
  /** The northbound (platform) link: state, last error in words, store-and-forward queue. */
  northbound: NorthboundReport;
  lines: Record<string, { up: boolean; reason?: string }>;
  points: PointReport[];
}

/** What the API needs from a running gateway. */
export interface GatewayControl {
  config(): GatewaySpec;
  /** `tls`: the request came over the HTTPS API (recorded with the change). */
  replace(spec: GatewaySpec, opts: { force: boolean; peer?: string; tls?: boolean }): ReplaceResult;
  status(): GatewayStatusReport;
  points(): readonly GatewayPoint[];
}

export interface GatewayApiDeps {
  control: GatewayControl;
  logger: Logger;
  /**
   * Serve over HTTPS with this certificate and key (the lab's server certificate, from the CA
   * the card names in `mqtt.ca`); absent = plain HTTP. The key is for the listener only.
   */
  https?: { cert: string; key: string };
  /**
   * Seat lock (exam sessions): a request from elsewhere gets 403 and `net.refused` evidence, as
   * on the lab's other endpoints.
   */
  guard?: PeerGuard;
}

const problemsSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    code: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
        required: ['path', 'message'],
      },
    },
  },
  required: ['error', 'code', 'problems'],
} as const;

const specOut = z.toJSONSchema(GatewaySpecSchema, { target: 'draft-7', io: 'output' });
const specIn = z.toJSONSchema(GatewaySpecSchema, { target: 'draft-7', io: 'input' });
delete specOut.$schema;
delete specIn.$schema;

const value = { type: ['number', 'boolean'] };
const pointReportSchema = {
  type: 'object',
  properties: {
    point: { type: 'string' },
    line: { type: 'string' },
    device: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'ok', 'error'] },
    value,
    raw: { type: 'number' },
    at: { type: 'number' },
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'number' } },
    },
    lastWrite: {
      type: 'object',
      properties: {
        value,
        ok: { type: 'boolean' },
        message: { type: 'string' },
        at: { type: 'number' },
      },
    },
    counts: {
      type: 'object',
      properties: Object.fromEntries(
        ['polls', 'writes', 'ok', 'errors', 'timeouts', 'rejected'].map((k) => [
          k,
          { type: 'integer' },
        ]),
      ),
    },
  },
  required: ['point', 'line', 'status', 'counts'],
};

const northboundSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['connecting', 'connected', 'down', 'closed'] },
    url: { type: 'string' },
    clientId: { type: 'string' },
    username: { type: 'string' },
    labBroker: { type: 'boolean' },
    since: { type: 'number' },
    attempts: { type: 'integer' },
    failures: { type: 'integer' },
    lastError: {
      type: 'object',
      properties: { message: { type: 'string' }, code: { type: 'string' }, at: { type: 'number' } },
    },
    retryInMs: { type: 'number' },
    queue: {
      type: 'object',
      properties: Object.fromEntries(
        ['length', 'max', 'dropped', 'forwarded'].map((k) => [k, { type: 'integer' }]),
      ),
    },
  },
};

const lineSchema = {
  type: 'object',
  properties: { up: { type: 'boolean' }, reason: { type: 'string' } },
};

const pointSchema = {
  type: 'object',
  properties: {
    point: { type: 'string' },
    line: { type: 'string' },
    lineKind: { type: 'string', enum: ['modbus_rtu', 'controller'] },
    slave: { type: 'integer' },
    device: { type: 'string' },
    table: { type: 'string' },
    address: { type: 'integer' },
    channel: { type: 'integer' },
    type: { type: 'string' },
    scale: { type: 'number' },
    offset: { type: 'number' },
    unit: { type: 'string' },
    quantity: { type: 'string' },
    periodS: { type: 'number' },
    writable: { type: 'boolean' },
    topic: { type: 'string' },
  },
};

const Query = z.object({ force: z.enum(['true', 'false', '1', '0']).optional() }).strict();

export function buildGatewayApi(deps: GatewayApiDeps): FastifyInstance {
  const { control, logger } = deps;
  // An HTTPS instance takes the same routes; only its raw server's type differs.
  const app: FastifyInstance = deps.https
    ? Fastify({ logger: false, https: { ...deps.https, minVersion: 'TLSv1.2' as const } })
    : Fastify({ logger: false });

  app.addHook('onRequest', async (req, reply) => {
    const { remoteAddress, remotePort } = req.socket;
    if (refusePeer(deps.guard, remoteAddress, remotePort, deps.https ? 'https' : 'http')) {
      const message = 'not from your seat address / 请求不是来自你的座位地址';
      await reply
        .code(403)
        .send({ error: message, code: 'API_FORBIDDEN', problems: [{ path: '(peer)', message }] });
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof LabError)
      return reply
        .code(httpStatusOf(err))
        .send({ error: err.message, code: err.codeName, problems: err.problems });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) logger.error('gateway api failed', { err: String(err) });
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: string }).code ?? 'ERROR';
    return reply
      .code(status)
      .send({ error: message, code, problems: [{ path: '(request)', message }] });
  });

  app.get('/config', { schema: { response: { 200: specOut } } }, () => control.config());

  app.put(
    '/config',
    {
      schema: {
        body: specIn,
        querystring: {
          type: 'object',
          properties: { force: { type: 'string', enum: ['true', 'false', '1', '0'] } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              config: specOut,
              warnings: problemsSchema.properties.problems,
            },
          },
          400: problemsSchema,
        },
      },
      // zod is the validator (STYLE.md rule 4): the JSON Schema above is generated from it.
      validatorCompiler:
        ({ httpPart }) =>
        (data: unknown) => {
          const result = (httpPart === 'body' ? GatewaySpecSchema : Query).safeParse(data);
          if (result.success) return { value: result.data };
          const problems = result.error.issues.map(asProblem);
          const what = httpPart === 'body' ? 'gateway config' : 'query string';
          return {
            error: new LabError(
              'SCENARIO_INVALID',
              `${what}: ${problems.length} problem(s)`,
              { part: httpPart },
              problems,
            ),
          };
        },
    },
    (req, reply) => {
      const { force } = req.query as z.infer<typeof Query>;
      const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const result = control.replace(req.body as GatewaySpec, {
        force: force === 'true' || force === '1',
        peer,
        ...(deps.https ? { tls: true } : {}),
      });
      if (!result.ok)
        return reply.code(400).send({
          error: `gateway config: ${result.problems.length} problem(s)`,
          code: 'SCENARIO_INVALID',
          problems: result.problems,
        });
      return { config: result.config, warnings: result.warnings };
    },
  );

  app.get(
    '/status',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              gateway: { type: 'string' },
              mqtt: {
                type: 'object',
                properties: { connected: { type: 'boolean' }, clientId: { type: 'string' } },
              },
              northbound: northboundSchema,
              lines: { type: 'object', additionalProperties: lineSchema },
              points: { type: 'array', items: pointReportSchema },
            },
          },
        },
      },
    },
    () => control.status(),
  );

  app.get(
    '/points',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { points: { type: 'array', items: pointSchema } },
          },
        },
      },
    },
    () => ({ points: control.points() }),
  );

  return app;
}
