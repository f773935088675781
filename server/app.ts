/**
 * The exam server's REST API (fastify), built by a factory apart from listen() so tests can use
 * `app.inject()`. Every body and parameter is checked with zod; a bad one gets 400 with every
 * problem listed. Logins set an httpOnly, SameSite=Strict cookie holding a random token whose
 * SHA-256 is in the store. State-changing requests must be JSON (or carry `x-iotlab-csrf`), which
 * a cross-site form cannot send: CSRF protection on top of SameSite.
 */
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { toSVG } from 'bwip-js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionRow } from './store.js';
import { z } from 'zod';
import { LabError, httpStatusOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { candidatePassword } from './derive.js';
import { parse } from './validate.js';
import { registerGradingRoutes } from './routes-grading.js';
import { registerMarkingRoutes } from './routes-marking.js';
import { hashPassword } from './passwords.js';
import { Marking, MarkingPlanInput, makePlan } from './marking.js';
import { registerCandidateRoutes } from './routes-candidate.js';
import { registerTrainerRoutes } from './routes-trainer.js';
import { registerConsole } from './console.js';
import { LoginLimiter } from '../core/login-limit.js';
import { apiDoc, registerOpenApi } from './openapi.js';
import { SseStreams } from './sse.js';
import { GRADER_VERSION } from '../grader/report.js';
import { Paper, appTasks, listPapers, loadPaper } from './papers.js';
import { verifyPassword } from './passwords.js';
import { parseRoster } from './roster.js';
import { checkRoster } from './roster-check.js';
import type { SessionRuntime } from './runtime.js';
import { createSession } from './sessions.js';
import type { PortRange } from './sessions.js';
import type { Role, Store, WebSession } from './store.js';

export interface ServerDeps {
  store: Store;
  runtime: SessionRuntime;
  logger: Logger;
  portRange?: PortRange;
  /** Set the cookie's Secure flag (behind HTTPS; always with `https`). */
  secureCookies?: boolean;
  /** Serve HTTPS with this certificate and key (PEM), TLS 1.2 and 1.3. */
  https?: { cert: string; key: string };
  /** Check every JSON reply against its documented schema (tests): drift is a 500. */
  checkResponses?: boolean;
}

const COOKIE = 'iotlab_session';
const STAFF = ['examiner', 'trainer'] as const;
const TTL_MS = 12 * 3600_000;

const Login = z
  .object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) })
  .strict();
const CandidateLogin = z
  .object({
    session: z.string().min(1).max(32),
    candidate: z.string().min(1).max(32),
    password: z.string().min(1).max(200),
  })
  .strict();
const CreateSession = z
  .object({
    paper: z.union([z.string().min(1).max(64), z.unknown()]),
    roster: z.string().min(1).max(1_000_000),
    mode: z.enum(['exam', 'practice', 'lab']),
    /** Candidates with a seat IP in the roster may use their lab only from it. */
    seatLock: z.boolean().optional(),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    durationMin: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    /** Graded runs per task and which counts, in place of the paper's (see papers.ts). */
    gradedRuns: z.number().int().min(1).max(5).optional(),
    counts: z.enum(['best', 'last']).optional(),
    /** The marking panel for manual checks (server/marking.ts): examiners, chief, rule. */
    marking: MarkingPlanInput.optional(),
  })
  .strict();
const UserBody = z
  .object({
    username: z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'a-z, 0-9, . _ - (2 to 32)'),
    role: z.enum(['examiner', 'trainer']),
    password: z.string().min(8).max(200),
  })
  .strict();
const RosterBody = z.object({ roster: z.string().max(1_000_000) }).strict();
const SessionParams = z.object({ id: z.string().regex(/^[a-z0-9]{1,32}$/) }).strict();
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { store, runtime } = deps;
  const marking = new Marking(store);
  // An HTTPS instance takes the same routes; only its raw server's type differs.
  const app: FastifyInstance = deps.https
    ? Fastify({
        logger: false,
        bodyLimit: 2_000_000,
        https: { ...deps.https, minVersion: 'TLSv1.2' as const },
      })
    : Fastify({ logger: false, bodyLimit: 2_000_000 });
  await app.register(cookie);
  await registerOpenApi(app, GRADER_VERSION, { checkResponses: deps.checkResponses ?? false });
  const limiter = new LoginLimiter();

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof LabError) {
      const status = httpStatusOf(err);
      if (status >= 500) deps.logger.error('api error', { err: err.message });
      const retry = err.context.retryAfterS;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
      return reply.status(status).send({
        error: { code: err.code, name: err.codeName, message: err.message, problems: err.problems },
      });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) deps.logger.error('api failure', { err: String(err) });
    return reply.status(status).send({
      error: {
        code: status,
        name: 'HTTP',
        message: status >= 500 ? 'internal error' : String((err as Error).message),
      },
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: { code: 404, name: 'HTTP', message: `no route ${req.method} ${req.url}` } }),
  );

  app.addHook('onRequest', (req, _reply, done) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return done();
    const json = (req.headers['content-type'] ?? '').startsWith('application/json');
    if (!json && req.headers['x-iotlab-csrf'] === undefined)
      return done(
        new LabError('API_FORBIDDEN', 'state-changing requests must be JSON or send x-iotlab-csrf'),
      );
    done();
  });

  const who = (req: FastifyRequest): WebSession | undefined => {
    const token = req.cookies[COOKIE];
    return token ? store.getWebSession(token) : undefined;
  };
  const need = (req: FastifyRequest, ...roles: Role[]): WebSession => {
    const s = who(req);
    if (!s) throw new LabError('API_UNAUTHORIZED', 'log in first');
    if (!roles.includes(s.role))
      throw new LabError('API_FORBIDDEN', `needs role ${roles.join(' or ')}`);
    return s;
  };
  const setCookie = (
    reply: { setCookie: (n: string, v: string, o: object) => unknown },
    token: string,
  ) =>
    reply.setCookie(COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: deps.secureCookies ?? deps.https !== undefined,
      maxAge: TTL_MS / 1000,
    });
  const sessionOr404 = (id: string): SessionRow => {
    const s = store.getSession(id);
    if (!s) throw new LabError('API_NOT_FOUND', `no session ${id}`);
    return s;
  };

  app.get('/api/health', apiDoc({ summary: 'Liveness and the MQTT port', tag: 'auth' }), () => ({
    ok: true,
    mqttPort: runtime.mqttPort,
  }));

  app.get(
    '/api/server/status',
    apiDoc({
      summary: "The server's own figures: memory (RSS and the JS heap), labs running, uptime",
      tag: 'auth',
      roles: STAFF,
    }),
    (req) => {
      need(req, 'examiner', 'trainer');
      const m = process.memoryUsage();
      const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
      return {
        uptimeS: Math.round(process.uptime()),
        memory: {
          rssMb: mb(m.rss),
          heapUsedMb: mb(m.heapUsed),
          heapTotalMb: mb(m.heapTotal),
          externalMb: mb(m.external),
          arrayBuffersMb: mb(m.arrayBuffers),
        },
        labs: runtime.runningLabs().length,
      };
    },
  );

  app.post(
    '/api/login',
    apiDoc({
      summary: 'Examiner or trainer login (sets the session cookie)',
      tag: 'auth',
      body: Login,
    }),
    async (req, reply) => {
      const body = parse(Login, req.body, 'body');
      limiter.check(body.username, req.ip);
      const user = store.getUser(body.username);
      if (!user || !(await verifyPassword(body.password, user.passwordHash))) {
        limiter.fail(body.username, req.ip);
        throw new LabError('API_UNAUTHORIZED', 'wrong username or password');
      }
      limiter.succeed(body.username, req.ip);
      setCookie(
        reply,
        store.createWebSession(
          { role: user.role, subject: body.username, sessionId: null },
          TTL_MS,
        ),
      );
      store.audit(body.username, 'login', null, { ip: req.ip });
      return { role: user.role, username: body.username };
    },
  );

  app.post(
    '/api/candidate/login',
    apiDoc({
      summary: 'Candidate login with the exam credentials (sets the session cookie)',
      tag: 'auth',
      body: CandidateLogin,
    }),
    async (req, reply) => {
      const body = parse(CandidateLogin, req.body, 'body');
      const account = `${body.session}/${body.candidate}`;
      limiter.check(account, req.ip);
      const c = store.candidate(body.session, body.candidate);
      if (!c || !(await verifyPassword(body.password, c.passwordHash))) {
        limiter.fail(account, req.ip);
        throw new LabError('API_UNAUTHORIZED', 'wrong session, candidate id or password');
      }
      limiter.succeed(account, req.ip);
      setCookie(
        reply,
        store.createWebSession(
          { role: 'candidate', subject: c.id, sessionId: c.sessionId },
          TTL_MS,
        ),
      );
      // Where the candidate works from: foreign-access flags compare their lab's peers with it.
      store.audit(c.id, 'candidate.login', c.sessionId, { ip: req.ip });
      return { role: 'candidate', candidate: c.id, session: c.sessionId };
    },
  );

  app.get(
    '/api/whoami',
    apiDoc({ summary: 'Who is logged in (role, user or candidate id, session)', tag: 'auth' }),
    (req) => {
      const s = who(req);
      if (!s) throw new LabError('API_UNAUTHORIZED', 'log in first');
      return { role: s.role, subject: s.subject, session: s.sessionId };
    },
  );

  app.post('/api/logout', apiDoc({ summary: 'Log out', tag: 'auth' }), (req, reply) => {
    const token = req.cookies[COOKIE];
    if (token) store.deleteWebSession(token);
    reply.clearCookie(COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get(
    '/api/papers',
    apiDoc({ summary: 'The built-in papers', tag: 'papers', roles: STAFF }),
    (req) => {
      need(req, 'examiner', 'trainer');
      return listPapers();
    },
  );

  app.get(
    '/api/users',
    apiDoc({ summary: 'Staff accounts (examiners, trainers)', tag: 'auth', roles: ['examiner'] }),
    (req) => {
      need(req, 'examiner');
      return store.listUsers();
    },
  );

  app.post(
    '/api/users',
    apiDoc({
      summary: 'Create or reset a staff account (the admin account only; audited)',
      tag: 'auth',
      roles: ['examiner'],
      body: UserBody,
    }),
    async (req, reply) => {
      const me = need(req, 'examiner');
      if (me.subject !== 'admin')
        throw new LabError('API_FORBIDDEN', 'only admin manages accounts / 仅 admin 可管理账号');
      const body = parse(UserBody, req.body, 'body');
      store.addUser(body.username, body.role, await hashPassword(body.password));
      return reply.status(201).send({ username: body.username, role: body.role });
    },
  );

  app.post(
    '/api/rosters/check',
    apiDoc({
      summary: 'Check a roster (CSV text) before creating a session: every line and its problems',
      tag: 'sessions',
      roles: ['examiner'],
      body: RosterBody,
    }),
    (req) => {
      need(req, 'examiner');
      return checkRoster(parse(RosterBody, req.body, 'body').roster);
    },
  );

  app.get(
    '/api/sessions',
    apiDoc({ summary: 'All sessions', tag: 'sessions', roles: STAFF }),
    (req) => {
      need(req, 'examiner', 'trainer');
      return store
        .listSessions()
        .map((s) => ({ ...s, paper: s.paper.id, running: runtime.isRunning(s.id) }));
    },
  );

  app.post(
    '/api/sessions',
    apiDoc({
      summary: 'Create a session from a paper and a roster (CSV text)',
      tag: 'sessions',
      roles: ['examiner'],
      body: CreateSession,
    }),
    async (req, reply) => {
      const me = need(req, 'examiner');
      const body = parse(CreateSession, req.body, 'body');
      const given =
        typeof body.paper === 'string'
          ? loadBuiltinPaper(body.paper)
          : parse(Paper, body.paper, 'paper');
      const paper = {
        ...given,
        ...(body.gradedRuns !== undefined ? { gradedRuns: body.gradedRuns } : {}),
        ...(body.counts !== undefined ? { counts: body.counts } : {}),
      };
      const apps = appTasks(paper);
      if (apps.length > 0 && !runtime.webSocket)
        throw new LabError(
          'API_BAD_REQUEST',
          `paper ${paper.id} has web app tasks (${apps.join(', ')}), which need this server's MQTT over WebSocket (iotlab serve --ws-port) / 试卷含网页应用题，服务器需开启 --ws-port`,
        );
      const roster = parseRoster(body.roster, 'roster');
      // The panel is checked before anything is created: a bad plan leaves no session behind.
      const planned =
        body.marking &&
        makePlan(
          body.marking,
          roster.map((r) => r.id),
          (u) => store.getUser(u)?.role === 'examiner',
        );
      const created = await createSession(store, {
        paper,
        roster,
        mode: body.mode,
        ...(body.startsAt ? { startsAt: body.startsAt } : {}),
        ...(body.durationMin ? { durationMin: body.durationMin } : {}),
        ...(deps.portRange ? { portRange: deps.portRange } : {}),
        ...(body.seatLock ? { seatLock: true } : {}),
        actor: me.subject,
      });
      if (planned) marking.setPlan(created.id, planned.plan, me.subject);
      return reply.status(201).send({ ...created, warnings: planned?.warnings ?? [] });
    },
  );

  app.get(
    '/api/sessions/:id',
    apiDoc({
      summary: 'A session with its candidates and their ports',
      tag: 'sessions',
      roles: STAFF,
      params: SessionParams,
    }),
    (req) => {
      need(req, 'examiner', 'trainer');
      const { id } = parse(SessionParams, req.params, 'params');
      const s = sessionOr404(id);
      return {
        ...s,
        running: runtime.isRunning(id),
        candidates: store.candidates(id).map((c) => ({
          id: c.id,
          name: c.name,
          seat: c.seat ?? null,
          ip: c.ip ?? null,
          username: c.username,
          topicPrefix: c.topicPrefix,
          ports: {
            coap: c.portBase,
            modbus: c.portBase + 1,
            serialFrom: c.portBase + 2,
            count: c.portCount,
          },
        })),
      };
    },
  );

  app.post(
    '/api/sessions/:id/start',
    apiDoc({ summary: 'Start a session', tag: 'sessions', roles: STAFF, params: SessionParams }),
    async (req) => {
      const me = need(req, 'examiner', 'trainer');
      const { id } = parse(SessionParams, req.params, 'params');
      const s = sessionOr404(id);
      if (s.state === 'stopped') throw new LabError('SESSION_STATE', `session ${id} is stopped`);
      await runtime.startLabs(id);
      if (s.state !== 'running') store.setSessionState(id, 'running', me.subject);
      return { id, state: 'running' };
    },
  );

  app.post(
    '/api/sessions/:id/stop',
    apiDoc({
      summary: 'Stop a session (running attempts are graded)',
      tag: 'sessions',
      roles: STAFF,
      params: SessionParams,
    }),
    async (req) => {
      const me = need(req, 'examiner', 'trainer');
      const { id } = parse(SessionParams, req.params, 'params');
      sessionOr404(id);
      await runtime.stopLabs(id);
      store.setSessionState(id, 'stopped', me.subject);
      return { id, state: 'stopped' };
    },
  );

  // Login slips: the only place a candidate's password leaves the server (derived, not stored).
  app.get(
    '/api/sessions/:id/slips',
    apiDoc({
      summary: "Login slips: each candidate's credentials (audited)",
      tag: 'sessions',
      roles: ['examiner'],
      params: SessionParams,
    }),
    (req) => {
      const me = need(req, 'examiner');
      const { id } = parse(SessionParams, req.params, 'params');
      const s = sessionOr404(id);
      const secret = store.sessionSecret(id) ?? '';
      store.audit(me.subject, 'session.slips', id, {});
      const origin = `${req.protocol}://${req.host}`;
      return store.candidates(id).map((c) => {
        const loginUrl = `${origin}/candidate?session=${s.id}&candidate=${encodeURIComponent(c.id)}`;
        return {
          session: s.id,
          candidate: c.id,
          name: c.name,
          seat: c.seat ?? null,
          mqttUsername: c.username,
          password: candidatePassword(secret, c.id),
          loginUrl,
          // The login link as a QR code (SVG): session and candidate id, never the password.
          qrSvg: toSVG({ bcid: 'qrcode', text: loginUrl, scale: 2 }),
        };
      });
    },
  );

  app.get(
    '/api/sessions/:id/audit',
    apiDoc({
      summary: "The session's append-only audit log",
      tag: 'sessions',
      roles: ['examiner'],
      params: SessionParams,
    }),
    (req) => {
      need(req, 'examiner');
      const { id } = parse(SessionParams, req.params, 'params');
      sessionOr404(id);
      return store.auditLog(id);
    },
  );

  const ctx = {
    store,
    runtime,
    need,
    sessionOr404,
    marking,
    logger: deps.logger,
    sse: new SseStreams(app),
  };
  registerGradingRoutes(app, ctx);
  registerMarkingRoutes(app, ctx);
  registerCandidateRoutes(app, ctx);
  registerTrainerRoutes(app, ctx);
  registerConsole(app);

  return app;
}

function loadBuiltinPaper(id: string) {
  if (/[/.]/.test(id))
    throw new LabError('API_BAD_REQUEST', 'paper: a built-in id or a paper object, not a path');
  return loadPaper(id);
}
