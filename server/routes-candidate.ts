/**
 * Candidate routes: who am I (session, paper, tasks and their state, the lab card while a task
 * runs), the instructions of a task in Chinese or English rendered with the candidate's own
 * parameters, starting and finishing a task, and the live stream (SSE) of the candidate's state;
 * in practice mode it carries the live checklist with hints (graded at most every 2 s), in exam
 * mode never. Answer keys, checks' expected values and the seed never reach the browser.
 */
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { grade } from '../grader/grade.js';
import { readEvidenceText } from '../grader/evidence-file.js';
import { LabError } from '../core/errors.js';
import { getTask, renderTask, taskHash } from '../tasks/bank.js';
import { runPolicy } from './papers.js';
import { handinSpec, saveHandin, storedHandin } from './handins.js';
import { APP_ZIP_MAX, saveApp, storedApp } from './app-upload.js';
import { receiveFile } from './receive.js';
import { handinLimit } from '../tasks/handin.js';
import type { RouteContext } from './validate.js';
import { parse } from './validate.js';
import { apiDoc } from './openapi.js';

const TaskParam = z.object({ task: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) }).strict();
const Lang = z.object({ lang: z.enum(['zh', 'en']).default('zh') }).strict();
const CHECKLIST_EVERY_MS = 2000;
/** The names tasks/app-run.ts gives screenshots: nothing else is ever read from a run's folder. */
const SHOT_FILE = /^ui-\d{2}-[A-Za-z0-9_-]{1,64}\.png$/;
const ShotParams = z
  .object({ task: TaskParam.shape.task, file: z.string().regex(SHOT_FILE) })
  .strict();

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
const FileParam = z
  .object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) })
  .strict();
const UPLOAD_MAX = 20 * 1024 * 1024;
const HandinParams = z
  .object({
    task: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    item: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .optional(),
  })
  .strict();
const HandinItemParams = HandinParams.required();
const HandinName = z.object({ name: z.string().max(300).optional() }).strict();
const tooLarge = () =>
  new LabError(
    'API_TOO_LARGE',
    `a file may be at most ${UPLOAD_MAX / 1024 / 1024} MiB / 文件最大 ${UPLOAD_MAX / 1024 / 1024} MiB`,
  );

export function registerCandidateRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store, runtime, need, sessionOr404 } = ctx;
  const grades = runtime.grades;

  const me = (req: FastifyRequest) => {
    const w = need(req, 'candidate');
    const s = sessionOr404(w.sessionId ?? '');
    const c = store.candidate(s.id, w.subject);
    if (!c) throw new LabError('API_NOT_FOUND', 'candidate not found');
    return { s, c };
  };
  const inPaper = (s: ReturnType<typeof me>['s'], task: string) => {
    const t = s.paper.tasks.find((x) => x.id === task);
    if (!t) throw new LabError('API_NOT_FOUND', `task ${task} is not in this paper`);
    return t;
  };

  const state = (req: FastifyRequest) => {
    const { s, c } = me(req);
    const attempts = grades.attempts(s.id, c.id);
    const own = grades.grades(s.id, c.id);
    return {
      candidate: { id: c.id, name: c.name, seat: c.seat ?? null },
      session: {
        id: s.id,
        mode: s.mode,
        state: s.state,
        running: runtime.isRunning(s.id),
        startsAt: s.startsAt,
        endsAt: s.endsAt,
      },
      paper: { id: s.paper.id, title: s.paper.title },
      tasks: s.paper.tasks.map((t) => {
        const task = getTask(t.id);
        const a = attempts.find((x) => x.taskId === t.id);
        const g = own.find((x) => x.taskId === t.id);
        return {
          id: t.id,
          title: task.title,
          points: t.points,
          timeLimitS: task.timeLimitS,
          state: a ? a.state : 'not-started',
          startedAt: a?.startedAt ?? null,
          runs: a?.runs ?? 0,
          runsAllowed: runPolicy(s.paper).runs,
          // `handin`: the candidate hands in files (no graded run); `run`: a graded lab run.
          kind: task.handIn?.length
            ? ('handin' as const)
            : task.app
              ? ('app' as const)
              : ('run' as const),
          // Practice shows the score at once; an exam's scores are the examiners' to publish.
          score: s.mode === 'practice' && g ? { final: g.final, status: g.status } : null,
        };
      }),
      currentTask: runtime.currentTask(s.id, c.id) ?? null,
      workstation: runtime.workstation(s.id, c.id) ?? null,
      card: runtime.card(s.id, c) ?? null,
    };
  };

  app.get(
    '/api/me',
    apiDoc({
      summary: 'Who am I: session, tasks and their state, the lab card while a task runs',
      tag: 'candidate',
      roles: ['candidate'],
    }),
    (req) => state(req),
  );

  app.get(
    '/api/me/tasks/:task/instructions',
    apiDoc({
      summary: "A task's instructions rendered with my parameters",
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
      querystring: Lang,
    }),
    (req) => {
      const { s, c } = me(req);
      const { task } = parse(TaskParam, req.params, 'params');
      const { lang } = parse(Lang, req.query, 'query');
      inPaper(s, task);
      const t = getTask(task);
      return {
        task,
        lang,
        title: t.title[lang],
        text: renderTask(t, c.seed, lang, c.topicPrefix).text,
      };
    },
  );

  app.post(
    '/api/me/tasks/:task/start',
    apiDoc({
      summary: "Start a graded run of a task (the paper's gradedRuns each): its lab starts",
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
    }),
    async (req) => {
      const { s, c } = me(req);
      const { task } = parse(TaskParam, req.params, 'params');
      inPaper(s, task);
      await runtime.startTask(s.id, c, task);
      return state(req);
    },
  );

  app.post(
    '/api/me/tasks/:task/workstation',
    apiDoc({
      summary:
        "Open a task's workstation: its lab (the graded run's seed and card) to develop against, ungraded",
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
    }),
    async (req) => {
      const { s, c } = me(req);
      const { task } = parse(TaskParam, req.params, 'params');
      inPaper(s, task);
      await runtime.openWorkstation(s.id, c, task);
      return state(req);
    },
  );

  app.post(
    '/api/me/finish',
    apiDoc({
      summary: 'Finish the running task (it is graded), or close the open workstation',
      tag: 'candidate',
      roles: ['candidate'],
    }),
    async (req) => {
      const { s, c } = me(req);
      await runtime.finishTask(s.id, c.id, 'the candidate finished the task');
      return state(req);
    },
  );

  // Files of the running attempt: what the task provides (e.g. a seeded database to work on) and
  // the one file the candidate hands in, captured when the attempt ends (tasks/capture.ts).
  // The body stays a stream, written to disk as it arrives: a room of candidates uploading at
  // once costs the server a pipe's buffer each, not the files (20 parallel 15 MiB uploads held in
  // memory took RSS from 239 to 425 MB).
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
    done(null, payload),
  );
  const filesOf = (req: FastifyRequest) => {
    const { s, c } = me(req);
    const files = runtime.files(s.id, c);
    if (!files) throw new LabError('SESSION_STATE', 'no task is running');
    return { s, c, files };
  };

  app.get(
    '/api/me/files',
    apiDoc({
      summary: "The running task's files: provided ones to download, the one to hand in",
      tag: 'candidate',
      roles: ['candidate'],
    }),
    (req) => filesOf(req).files,
  );

  app.get(
    '/api/me/files/:name',
    apiDoc({
      summary: 'Download a file of the running task (provided, or the one handed in)',
      tag: 'candidate',
      roles: ['candidate'],
      params: FileParam,
    }),
    (req, reply) => {
      const { s, c, files } = filesOf(req);
      const { name } = parse(FileParam, req.params, 'params');
      const known = [...files.provided.map((f) => f.name), files.upload?.name];
      if (!known.includes(name))
        throw new LabError('API_NOT_FOUND', `task ${files.task} has no file ${name}`);
      let body: Buffer;
      try {
        body = readFileSync(join(runtime.workdir(s.id, c.id, files.task), name));
      } catch {
        throw new LabError('API_NOT_FOUND', `${name} is not there (yet)`);
      }
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );

  app.get(
    '/api/me/ca.pem',
    apiDoc({
      summary: "The exam server's CA certificate (PEM), to trust its MQTT over TLS",
      description:
        'The card names it `ca.pem` (mqtt.ca.path) with its SHA-256 fingerprint (mqtt.ca.sha256).',
      tag: 'candidate',
      roles: ['candidate'],
    }),
    (req, reply) => {
      me(req);
      const pem = runtime.caPem;
      if (pem === undefined)
        throw new LabError(
          'API_NOT_FOUND',
          'this exam server runs no MQTT over TLS / 本考试服务器未开启 MQTT over TLS',
        );
      return reply
        .header('content-type', 'application/x-pem-file')
        .header('content-disposition', 'attachment; filename="ca.pem"')
        .send(pem);
    },
  );

  for (const [file, part] of [
    ['client.pem', 'certPem'],
    ['client.key', 'keyPem'],
  ] as const)
    app.get(
      `/api/me/${file}`,
      apiDoc({
        summary:
          file === 'client.pem'
            ? 'Your client certificate (PEM) for mutual TLS: its CN is your MQTT login'
            : 'The private key of your client certificate (PEM, PKCS#8): keep it to yourself',
        description:
          "Issued by the exam server's CA for this candidate only; the card names the pair `client.pem` and `client.key` (mqtt.clientCert). Presented over TLS, the certificate logs in as its CN without a password.",
        tag: 'candidate',
        roles: ['candidate'],
      }),
      async (req, reply) => {
        const { s, c } = me(req);
        const pair = await runtime.clientCertificate(s.id, c);
        if (pair === undefined)
          throw new LabError(
            'API_NOT_FOUND',
            'this exam server runs no MQTT over TLS / 本考试服务器未开启 MQTT over TLS',
          );
        return reply
          .header('content-type', 'application/x-pem-file')
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${file}"`)
          .send(pair[part]);
      },
    );

  app.put(
    '/api/me/files/:name',
    {
      ...apiDoc({
        summary: 'Hand in the file the running task captures (raw bytes, at most 20 MB)',
        tag: 'candidate',
        roles: ['candidate'],
        params: FileParam,
        description: 'Content-Type application/octet-stream, with the x-iotlab-csrf header.',
      }),
      bodyLimit: UPLOAD_MAX,
    },
    async (req, reply) => {
      const { s, c, files } = filesOf(req);
      const { name } = parse(FileParam, req.params, 'params');
      if (files.upload?.name !== name)
        throw new LabError(
          'API_BAD_REQUEST',
          files.upload
            ? `task ${files.task} takes ${files.upload.name}, not ${name}`
            : `task ${files.task} takes no file`,
        );
      if (!(req.body instanceof Readable))
        throw new LabError('API_BAD_REQUEST', 'send the file as application/octet-stream');
      // Refused mid-body, the rest of the request is still on its way: the connection closes
      // after the answer, so the client's next request is not read from the middle of this one.
      const refuse = (err: LabError) => {
        void reply.header('connection', 'close');
        return err;
      };
      if (Number(req.headers['content-length'] ?? 0) > UPLOAD_MAX) throw refuse(tooLarge());
      const dir = runtime.workdir(s.id, c.id, files.task);
      const tmp = join(dir, `.${name}.upload`);
      let received: { bytes: number; sha256: string };
      try {
        received = await receiveFile(req.body, tmp, UPLOAD_MAX);
      } catch (err) {
        throw err instanceof LabError ? refuse(err) : err;
      }
      const { bytes, sha256 } = received;
      if (bytes === 0) {
        rmSync(tmp, { force: true });
        throw new LabError('API_BAD_REQUEST', 'the file is empty / 文件为空');
      }
      for (const suffix of ['-journal', '-wal', '-shm'])
        rmSync(join(dir, name + suffix), { force: true });
      renameSync(tmp, join(dir, name));
      store.audit(c.id, 'candidate.upload', s.id, { task: files.task, name, bytes, sha256 });
      return { name, size: bytes };
    },
  );

  // Hand-ins (issue 15): documents and design files for examiners, one per item, uploaded any
  // time the session is open (each replaces the last), then handed in: a graded run of the files.
  const handins = (req: FastifyRequest) => {
    const { s, c } = me(req);
    const { task } = parse(HandinParams, req.params, 'params');
    inPaper(s, task);
    const t = getTask(task);
    if (!t.handIn?.length)
      throw new LabError('API_BAD_REQUEST', `task ${task} takes no hand-ins / 本题不需要提交文件`);
    return { s, c, t, dir: runtime.handinDir(s.id, c.id, task) };
  };
  const handinList = (req: FastifyRequest) => {
    const { s, c, t, dir } = handins(req);
    const a = grades.attempts(s.id, c.id).find((x) => x.taskId === t.id);
    return {
      task: t.id,
      items: (t.handIn ?? []).map((h) => ({
        id: h.id,
        title: h.title,
        types: h.types,
        maxBytes: handinLimit(h),
        file: storedHandin(dir, h.id) ?? null,
      })),
      handedIn: a?.state === 'done' ? { at: a.endedAt ?? a.startedAt, times: a.runs } : null,
    };
  };

  app.get(
    '/api/me/tasks/:task/handins',
    apiDoc({
      summary: "A task's hand-in items and the file stored for each",
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
    }),
    (req) => handinList(req),
  );

  app.put(
    '/api/me/tasks/:task/handins/:item',
    {
      ...apiDoc({
        summary: 'Upload the file of a hand-in item (raw bytes; kind told by content)',
        tag: 'candidate',
        roles: ['candidate'],
        params: HandinItemParams,
        querystring: HandinName,
        description:
          'Content-Type application/octet-stream, with the x-iotlab-csrf header; ?name= the file name to show.',
      }),
      bodyLimit: UPLOAD_MAX,
    },
    async (req, reply) => {
      const { s, c, t, dir } = handins(req);
      const { item = '' } = parse(HandinParams, req.params, 'params');
      const { name } = parse(HandinName, req.query, 'query');
      const spec = handinSpec(t, item);
      if (s.mode === 'exam' && Date.now() >= Date.parse(s.endsAt))
        throw new LabError('SESSION_STATE', `the exam closed at ${s.endsAt} / 考试已结束`);
      if (!(req.body instanceof Readable))
        throw new LabError('API_BAD_REQUEST', 'send the file as application/octet-stream');
      if (Number(req.headers['content-length'] ?? 0) > handinLimit(spec)) {
        void reply.header('connection', 'close');
        throw new LabError(
          'API_TOO_LARGE',
          `文件超过 ${handinLimit(spec)} 字节 / the file is larger than ${handinLimit(spec)} bytes`,
        );
      }
      let stored;
      try {
        stored = await saveHandin(dir, spec, req.body, name ?? item);
      } catch (err) {
        void reply.header('connection', 'close');
        throw err;
      }
      store.audit(c.id, 'candidate.handin.upload', s.id, {
        task: t.id,
        item: spec.id,
        name: stored.name,
        type: stored.type,
        bytes: stored.bytes,
        sha256: stored.sha256,
      });
      return stored;
    },
  );

  app.post(
    '/api/me/tasks/:task/handins',
    apiDoc({
      summary:
        "Hand in the task's files: graded at once; may be repeated while the session is open",
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
    }),
    async (req) => {
      const { s, c, t } = handins(req);
      await runtime.handIn(s.id, c, t.id);
      return handinList(req);
    },
  );

  // A web app task (issue 16): the app is handed in as one ZIP of its static files, unpacked for
  // the graded run to serve and drive in a browser (server/app-upload.ts).
  const appTask = (req: FastifyRequest) => {
    const { s, c } = me(req);
    const { task } = parse(TaskParam, req.params, 'params');
    inPaper(s, task);
    if (!getTask(task).app)
      throw new LabError(
        'API_BAD_REQUEST',
        `task ${task} is not a web app task / 本题不是网页应用题`,
      );
    return { s, c, task, dir: runtime.workdir(s.id, c.id, task) };
  };

  app.get(
    '/api/me/tasks/:task/app',
    apiDoc({
      summary: 'The web app handed in for a task (files, bytes, SHA-256), or null',
      tag: 'candidate',
      roles: ['candidate'],
      params: TaskParam,
    }),
    (req) => ({ app: storedApp(appTask(req).dir) ?? null }),
  );

  app.put(
    '/api/me/tasks/:task/app',
    {
      ...apiDoc({
        summary: 'Hand in a web app: a ZIP of its static files (index.html at the top)',
        tag: 'candidate',
        roles: ['candidate'],
        params: TaskParam,
        description: 'Content-Type application/octet-stream, with the x-iotlab-csrf header.',
      }),
      bodyLimit: APP_ZIP_MAX,
    },
    async (req, reply) => {
      const { s, c, task, dir } = appTask(req);
      if (s.mode === 'exam' && Date.now() >= Date.parse(s.endsAt))
        throw new LabError('SESSION_STATE', `the exam closed at ${s.endsAt} / 考试已结束`);
      if (runtime.currentTask(s.id, c.id) === task)
        throw new LabError(
          'SESSION_STATE',
          'the graded run of this task is going on / 计分运行进行中，不能更换应用',
        );
      if (!(req.body instanceof Readable))
        throw new LabError('API_BAD_REQUEST', 'send the ZIP as application/octet-stream');
      if (Number(req.headers['content-length'] ?? 0) > APP_ZIP_MAX) {
        void reply.header('connection', 'close');
        throw tooLarge();
      }
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, '.app.zip.upload');
      try {
        await receiveFile(req.body, tmp, APP_ZIP_MAX);
      } catch (err) {
        if (err instanceof LabError) void reply.header('connection', 'close');
        throw err;
      }
      const zip = readFileSync(tmp);
      rmSync(tmp, { force: true });
      const stored = await saveApp(dir, zip);
      store.audit(c.id, 'candidate.app.upload', s.id, { task, ...stored });
      return { app: stored };
    },
  );

  app.get(
    '/api/me/tasks/:task/screenshots/:file',
    apiDoc({
      summary: 'A screenshot the grader took of your app in the latest run (practice only)',
      tag: 'candidate',
      roles: ['candidate'],
      params: ShotParams,
      description: 'image/png. An exam shows no screenshots, as it shows no checklist.',
    }),
    (req, reply) => {
      const { s, c } = me(req);
      const { task, file } = parse(ShotParams, req.params, 'params');
      inPaper(s, task);
      if (s.mode !== 'practice')
        throw new LabError(
          'API_FORBIDDEN',
          'screenshots are shown in practice only / 截图仅在练习模式中提供',
        );
      const attempt = runtime.latestAttempt(s.id, c.id, task);
      const png = attempt && readIfThere(join(attempt.replace(/\.jsonl$/, '.ui'), file));
      if (!png) throw new LabError('API_NOT_FOUND', `no screenshot ${file} / 没有这张截图`);
      return reply.type('image/png').header('cache-control', 'no-store').send(png);
    },
  );

  app.get(
    '/api/me/events',
    apiDoc({
      summary: 'Live state (SSE); in practice mode with the checklist',
      tag: 'candidate',
      roles: ['candidate'],
    }),
    (req, reply) => {
      const { s, c } = me(req);
      const stream = ctx.sse.open(req, reply, () => {
        off();
        clearInterval(timer);
      });
      const send = stream.send;
      const checklist = () => {
        // Practice shows the checklist on the workstation too; an exam never shows it.
        const taskId = runtime.currentTask(s.id, c.id) ?? runtime.workstation(s.id, c.id);
        const lab = runtime.lab(s.id, c.id);
        const path = lab?.recorder.path;
        if (s.mode !== 'practice' || !taskId || !path) return;
        const task = getTask(taskId);
        let text = '';
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          return;
        }
        // The last line may be half-written: grade whole lines only, of a run still going.
        const evidence = readEvidenceText(text.slice(0, text.lastIndexOf('\n') + 1), {
          live: true,
        });
        const r = grade(task, c.seed, {
          evidence,
          taskHash: taskHash(task),
          topicPrefix: c.topicPrefix,
        });
        // A web app task: the screenshots the grader's browser took so far (issue 16).
        const shots = evidence.events.flatMap((e) =>
          e.kind === 'ui.screenshot' && typeof e.file === 'string' && SHOT_FILE.test(e.file)
            ? [{ step: Number(e.step), name: String(e.name), file: e.file }]
            : [],
        );
        send('checklist', {
          task: taskId,
          checks: r.tests.map((t) => ({
            id: t.id,
            title: t.title,
            status: t.outcome,
            ...(t.hint ? { hint: t.hint } : {}),
          })),
          ...(shots.length > 0 ? { screenshots: shots } : {}),
        });
      };
      const off = runtime.onEvent((e) => {
        if (e.sessionId === s.id && e.candidateId === c.id) send('state', { what: e.what });
      });
      const timer = setInterval(() => {
        try {
          checklist();
        } catch (err) {
          ctx.logger.warn('live checklist failed', { err: String(err) });
        }
      }, CHECKLIST_EVERY_MS);
      send('hello', { mode: s.mode });
    },
  );
}
