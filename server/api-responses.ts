/**
 * What the console's routes answer, as zod schemas: they go into the OpenAPI document (so the
 * console's API types, generated from it by openapi-typescript, are never hand-copied), and a
 * server built with `checkResponses` (the tests' servers) checks every JSON reply against them,
 * so the document cannot drift from what the handlers send. Objects are open: a handler may add
 * a field before the schema names it, but never drop or retype one.
 *
 * Keyed by `METHOD url` as fastify registers the route; openapi.ts attaches them (onRoute), so
 * the route files stay as they are. Server-sent events are named schemas too (`SSE_SCHEMAS`):
 * their payloads travel outside any response.
 */
import { z } from 'zod';
import { FAULT_TYPES } from '../core/faults.js';

/** A lab's access policy and its version (docs/acl.md). */
const AclView = z.object({
  version: z.number().int(),
  policy: z.object({
    default: z.enum(['allow', 'deny']),
    rules: z.array(
      z.object({
        id: z.string(),
        username: z.string().optional(),
        clientId: z.string().optional(),
        cn: z.string().optional(),
        action: z.enum(['publish', 'subscribe', 'all']),
        topic: z.string(),
        permission: z.enum(['allow', 'deny']),
      }),
    ),
  }),
});

const I18n = z.object({ zh: z.string(), en: z.string() });
const Mode = z.enum(['exam', 'practice', 'lab']);
const SessionState = z.enum(['created', 'running', 'stopped']);
const GradeStatus = z.enum(['final', 'pending-examiner', 'ungradable']);
const Ok = z.object({ ok: z.boolean() });

export const ErrorReply = z.object({
  error: z.object({
    /** The numeric code (5001…) or the HTTP status for errors outside the catalogue. */
    code: z.number(),
    /** The code's stable name (API_BAD_REQUEST…; `HTTP` outside the catalogue): the console maps it to zh/en. */
    name: z.string(),
    message: z.string(),
    problems: z
      .array(
        z.object({
          file: z.string().optional(),
          path: z.string().optional(),
          message: z.string(),
        }),
      )
      .optional(),
  }),
});

const Paper = z.object({
  id: z.string(),
  title: I18n,
  level: z.string(),
  direction: z.string(),
  durationMin: z.number(),
  passMark: z.number(),
  /** Graded runs per task and which counts (absent in sessions made before: one run). */
  gradedRuns: z.number().optional(),
  counts: z.enum(['best', 'last']).optional(),
  tasks: z.array(z.object({ id: z.string(), function: z.string(), points: z.number() })),
  gaps: z.array(z.object({ function: z.string(), points: z.number(), reason: I18n })),
});

const SessionSummary = z.object({
  id: z.string(),
  paper: z.string(),
  mode: Mode,
  state: SessionState,
  startsAt: z.string(),
  endsAt: z.string(),
  createdAt: z.string(),
  seatLock: z.boolean(),
  running: z.boolean(),
});

const SessionDetail = SessionSummary.extend({
  paper: Paper,
  candidates: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      seat: z.string().nullable(),
      ip: z.string().nullable(),
      username: z.string(),
      topicPrefix: z.string(),
      ports: z.object({
        coap: z.number(),
        modbus: z.number(),
        serialFrom: z.number(),
        count: z.number(),
      }),
    }),
  ),
});

const RegisterEntry = z.object({
  table: z.string(),
  address: z.number(),
  count: z.number(),
  type: z.string(),
  scale: z.number(),
  offset: z.number(),
  quantity: z.string(),
  unit: z.string(),
  access: z.string(),
  signal: z.string().optional(),
});

/** The lab card as a candidate gets it (no seed, no evidence path; their own MQTT login). */
const Card = z.object({
  lab: z.object({
    scenario: z.string(),
    title: I18n,
    labId: z.string(),
    startedAt: z.string().optional(),
  }),
  mqtt: z.object({
    url: z.string(),
    wsUrl: z.string().optional(),
    tlsUrl: z.string().optional(),
    wssUrl: z.string().optional(),
    /** TLS is the only way in: `url` refuses a right login (CONNACK 5). */
    tlsOnly: z.boolean().optional(),
    /** The CA to trust for TLS: `ca.pem` (GET /api/me/ca.pem) and its SHA-256 fingerprint. */
    ca: z.object({ path: z.string(), sha256: z.string() }).optional(),
    clientCert: z.object({ cert: z.string(), key: z.string(), cn: z.string() }).optional(),
    topicPrefix: z.string(),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
  coap: z.object({ url: z.string() }),
  modbus: z.object({ host: z.string(), port: z.number() }),
  devices: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string(),
      type: z.string(),
      title: I18n.optional(),
      channels: z
        .array(
          z.object({
            quantity: z.string(),
            unit: z.string(),
            range: z.array(z.number()),
            resolution: z.number(),
          }),
        )
        .optional(),
      mqtt: z
        .object({
          telemetryTopic: z.string(),
          statusTopic: z.string(),
          commandTopic: z.string().optional(),
          stateTopic: z.string().optional(),
          period: z.number(),
          qos: z.number(),
          retain: z.boolean(),
        })
        .optional(),
      coap: z
        .object({ path: z.string(), observable: z.boolean(), observePeriod: z.number() })
        .optional(),
      modbus: z
        .object({ unit: z.number(), transport: z.string(), registers: z.array(RegisterEntry) })
        .optional(),
    }),
  ),
  serial: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        title: I18n.optional(),
        tcp: z.object({ host: z.string(), port: z.number() }),
        pty: z.string().optional(),
        settings: z.object({
          baudRate: z.number(),
          dataBits: z.number(),
          parity: z.string(),
          stopBits: z.number(),
        }),
      }),
    )
    .optional(),
  gateways: z
    .array(
      z.object({
        name: z.string(),
        title: I18n.optional(),
        api: z.string(),
        apiTls: z.string().optional(),
      }),
    )
    .optional(),
  board: z.object({ host: z.string(), port: z.number() }).optional(),
});

const Me = z.object({
  candidate: z.object({ id: z.string(), name: z.string(), seat: z.string().nullable() }),
  session: z.object({
    id: z.string(),
    mode: Mode,
    state: SessionState,
    running: z.boolean(),
    startsAt: z.string(),
    endsAt: z.string(),
  }),
  paper: z.object({ id: z.string(), title: I18n }),
  tasks: z.array(
    z.object({
      id: z.string(),
      title: I18n,
      points: z.number(),
      timeLimitS: z.number(),
      state: z.enum(['not-started', 'running', 'done']),
      startedAt: z.string().nullable(),
      /** Graded runs started so far, and how many the paper allows. */
      runs: z.number(),
      runsAllowed: z.number(),
      kind: z.enum(['run', 'handin', 'app']),
      score: z.object({ final: z.number().nullable(), status: GradeStatus }).nullable(),
    }),
  ),
  currentTask: z.string().nullable(),
  /** The task whose workstation lab (ungraded, to develop against) is open. */
  workstation: z.string().nullable(),
  card: Card.nullable(),
});

const Files = z.object({
  task: z.string(),
  provided: z.array(z.object({ name: z.string(), size: z.number().nullable() })),
  upload: z.object({ name: z.string(), size: z.number().nullable() }).nullable(),
});

const ReportTest = z.object({
  id: z.string(),
  name: z.string(),
  title: I18n,
  score: z.number(),
  max_score: z.number(),
  outcome: z.enum(['passed', 'partial', 'failed', 'manual']),
  expected: z.string(),
  seen: z.string(),
  hint: I18n.optional(),
  tags: z.array(z.string()),
  manual: z.boolean(),
});

const Report = z.object({
  score: z.number(),
  max_score: z.number(),
  gradable: z.boolean(),
  passed: z.boolean(),
  run: z.object({ stopped: z.string() }),
  problems: z.array(z.object({ line: z.number().optional(), message: z.string() })),
  tests: z.array(ReportTest),
  task: z.object({ id: z.string(), title: I18n }),
});

const Progress = z.object({
  session: z.object({ id: z.string(), state: SessionState, mode: Mode, endsAt: z.string() }),
  /** The paper's pass mark and the points it can give (100, or less with gaps). */
  sheet: z.object({ passMark: z.number(), max: z.number() }),
  tasks: z.array(z.object({ id: z.string(), points: z.number() })),
  candidates: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      seat: z.string().nullable(),
      currentTask: z.string().nullable(),
      connected: z.number(),
      attempts: z.array(
        z.object({ task: z.string(), state: z.string(), evidenceBytes: z.number() }),
      ),
      grades: z.array(
        z.object({ task: z.string(), final: z.number().nullable(), status: GradeStatus }),
      ),
      total: z.number().nullable(),
      result: z.string(),
      flags: z.array(
        z.object({
          kind: z.string(),
          task: z.string(),
          subject: z.string(),
          count: z.number(),
          message: I18n,
        }),
      ),
    }),
  ),
});

/**
 * An examiner's mark in force for a check: the grader's figure when it was made and now, the
 * points, who, when, why; `disagrees` when a regrade moved the grader's figure since.
 */
const CheckMark = z.object({
  check: z.string(),
  kind: z.enum(['manual', 'override']),
  autoAtMark: z.number().nullable(),
  autoNow: z.number().nullable(),
  max: z.number().nullable(),
  points: z.number(),
  examiner: z.string(),
  at: z.string(),
  reason: z.string(),
  disagrees: z.boolean(),
});

/** A task's score after an examiner's mark (or its withdrawal), with the marks in force. */
const MarkReply = z.object({
  task: z.string(),
  final: z.number().nullable(),
  status: GradeStatus.optional(),
  marks: z.array(CheckMark),
});

const Diff = z.object({
  candidate: z.string(),
  task: z.string(),
  before: z.number().nullable(),
  after: z.number().nullable(),
  beforeStatus: GradeStatus,
  afterStatus: GradeStatus,
  changed: z.boolean(),
  /** Marks the regrade keeps although the grader's figure they were made against moved. */
  disagrees: z.array(
    z.object({
      check: z.string(),
      kind: z.enum(['manual', 'override']),
      autoAtMark: z.number().nullable(),
      autoNow: z.number().nullable(),
      points: z.number(),
      examiner: z.string(),
    }),
  ),
});

const Fault = z.object({
  id: z.string(),
  deviceId: z.string(),
  type: z.enum(FAULT_TYPES),
  start: z.number(),
  end: z.number().optional(),
  rate: z.number().optional(),
  amplitude: z.number().optional(),
  value: z.number().optional(),
  delayMs: z.number().optional(),
});

const Live = z.object({
  t: z.number(),
  devices: z.array(
    z.object({
      id: z.string(),
      online: z.boolean(),
      faults: z.array(z.string()),
      values: z.record(z.string(), z.union([z.number(), z.boolean()])).optional(),
      state: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  faults: z.array(Fault.extend({ device: z.string() })),
});

const LabView = z.object({
  session: z.object({ id: z.string(), mode: Mode }),
  candidate: z.string(),
  task: z.string(),
  devices: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string(),
      title: I18n.optional(),
      bindings: z.array(z.string()),
      channels: z.array(
        z.object({ quantity: z.string(), unit: z.string(), range: z.array(z.number()) }),
      ),
      actuator: z.boolean(),
      faultTypes: z.array(z.enum(FAULT_TYPES)),
    }),
  ),
  faultTypes: z.array(z.enum(FAULT_TYPES)),
  /**
   * The broker's TLS as this lab serves it (its own TLS port): the faults that may be injected
   * on it (`device: "broker"`; none without TLS) and what a correct client sees now.
   */
  broker: z.object({
    faultTypes: z.array(z.enum(FAULT_TYPES)),
    tls: z
      .object({
        serverCert: z.enum(['valid', 'expired', 'wrong-host', 'untrusted-ca']),
        clientCertRevoked: z.boolean(),
      })
      .nullable(),
  }),
  live: Live,
});

/** One roster line as the check endpoint reads it, with what is wrong with it. */
const RosterCheck = z.object({
  ok: z.boolean(),
  header: z.array(z.string()),
  rows: z.array(
    z.object({
      line: z.number(),
      cells: z.record(z.string(), z.string()),
      /** `code` is stable (idEmpty, idFormat, nameEmpty, ipInvalid, idDuplicate, ipDuplicate, other). */
      problems: z.array(
        z.object({
          code: z.string(),
          params: z.record(z.string(), z.string()),
          message: z.string(),
        }),
      ),
    }),
  ),
  /** Problems of the whole file (no header, not CSV): no row to mark. */
  problems: z.array(z.string()),
});

const Whoami = z.object({
  role: z.enum(['examiner', 'trainer', 'candidate']),
  /** The user name, or the candidate id. */
  subject: z.string(),
  session: z.string().nullable(),
});

/** Responses by `METHOD url`: the status code, then the schema. */
const StoredHandin = z.object({
  item: z.string(),
  name: z.string(),
  type: z.string(),
  mime: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  at: z.string(),
});
const StoredApp = z.object({
  files: z.number(),
  bytes: z.number(),
  sha256: z.string(),
  hasIndex: z.boolean(),
  at: z.string(),
});
const HandinList = z.object({
  task: z.string(),
  items: z.array(
    z.object({
      id: z.string(),
      title: I18n,
      types: z.array(z.string()),
      maxBytes: z.number(),
      file: StoredHandin.nullable(),
    }),
  ),
  handedIn: z.object({ at: z.string(), times: z.number() }).nullable(),
});
const PanelMark = z.object({
  candidateId: z.string(),
  taskId: z.string(),
  checkId: z.string(),
  examiner: z.string(),
  criteria: z.record(z.string(), z.number()),
  points: z.number(),
  comment: z.string(),
  handinSha256: z.string().nullable(),
  at: z.string(),
});
const MarkItem = z.object({
  anon: z.string(),
  candidate: z.object({ id: z.string(), name: z.string() }).nullable(),
  task: z.string(),
  check: z.string(),
  title: I18n,
  max: z.number(),
  handIn: z
    .object({
      item: z.string(),
      name: z.string(),
      type: z.string(),
      bytes: z.number(),
      sha256: z.string(),
    })
    .nullable(),
  state: z.enum(['open', 'reconcile', 'final']),
  spread: z.number().nullable(),
  marked: z.number(),
  panelSize: z.number(),
  mine: PanelMark.nullable(),
  final: z
    .object({ points: z.number(), by: z.string(), reason: z.string(), at: z.string() })
    .nullable(),
});
const Rubric = z.object({
  handIn: z.string().optional(),
  criteria: z.array(
    z.object({
      id: z.string(),
      title: I18n,
      points: z.number(),
      levels: z.array(z.object({ points: z.number(), text: I18n })),
    }),
  ),
});
const MarkDetail = MarkItem.extend({ rubric: Rubric, marks: z.array(PanelMark).nullable() });

export const RESPONSES: Record<string, Record<number, z.ZodType>> = {
  'GET /api/whoami': { 200: Whoami },
  'POST /api/login': {
    200: z.object({ role: z.enum(['examiner', 'trainer']), username: z.string() }),
  },
  'POST /api/candidate/login': {
    200: z.object({ role: z.literal('candidate'), candidate: z.string(), session: z.string() }),
  },
  'POST /api/logout': { 200: Ok },
  'GET /api/server/status': {
    200: z.object({
      uptimeS: z.number(),
      memory: z.object({
        rssMb: z.number(),
        heapUsedMb: z.number(),
        heapTotalMb: z.number(),
        externalMb: z.number(),
        arrayBuffersMb: z.number(),
      }),
      labs: z.number().int(),
    }),
  },
  'GET /api/papers': { 200: z.array(Paper) },
  'POST /api/rosters/check': { 200: RosterCheck },
  'GET /api/sessions': { 200: z.array(SessionSummary) },
  'POST /api/sessions': {
    201: z.object({
      id: z.string(),
      candidates: z.array(z.object({ id: z.string(), username: z.string(), password: z.string() })),
      /** Where the marking panel is worse than the standard asks (bilingual). */
      warnings: z.array(z.string()),
    }),
  },
  'GET /api/sessions/:id': { 200: SessionDetail },
  'POST /api/sessions/:id/start': { 200: z.object({ id: z.string(), state: SessionState }) },
  'POST /api/sessions/:id/stop': { 200: z.object({ id: z.string(), state: SessionState }) },
  'POST /api/sessions/:id/extend': { 200: z.object({ id: z.string(), endsAt: z.string() }) },
  'GET /api/sessions/:id/slips': {
    200: z.array(
      z.object({
        session: z.string(),
        candidate: z.string(),
        name: z.string(),
        seat: z.string().nullable(),
        mqttUsername: z.string(),
        password: z.string(),
        loginUrl: z.string(),
        qrSvg: z.string(),
      }),
    ),
  },
  'GET /api/sessions/:id/audit': {
    200: z.array(
      z.object({
        seq: z.number(),
        at: z.string(),
        actor: z.string(),
        action: z.string(),
        sessionId: z.string().nullable(),
        detail: z.unknown(),
      }),
    ),
  },
  'GET /api/sessions/:id/progress': { 200: Progress },
  'GET /api/sessions/:id/regrade': { 200: z.array(Diff) },
  'POST /api/sessions/:id/regrade': {
    200: z.object({
      graded: z.number(),
      changed: z.array(Diff),
      disagreeing: z.array(Diff),
    }),
  },
  'POST /api/sessions/:id/candidates/:cid/manual': { 200: MarkReply },
  'POST /api/sessions/:id/candidates/:cid/overrides': { 200: MarkReply },
  'DELETE /api/sessions/:id/candidates/:cid/overrides': { 200: MarkReply },
  'GET /api/sessions/:id/reports': {
    200: z.array(
      z.object({
        candidate: z.string(),
        task: z.string(),
        final: z.number().nullable(),
        status: GradeStatus,
        report: Report,
        marks: z.array(CheckMark),
        panel: z.array(PanelMark),
      }),
    ),
  },
  'GET /api/users': {
    200: z.array(
      z.object({
        username: z.string(),
        role: z.enum(['examiner', 'trainer']),
        createdAt: z.string(),
      }),
    ),
  },
  'POST /api/users': {
    201: z.object({ username: z.string(), role: z.enum(['examiner', 'trainer']) }),
  },
  'GET /api/sessions/:id/marking': {
    200: z.object({
      session: z.string(),
      examiner: z.string(),
      chief: z.boolean(),
      blind: z.boolean(),
      aggregate: z.enum(['median', 'mean']),
      spread: z.number(),
      panels: z.array(z.object({ examiners: z.array(z.string()), candidates: z.number() })),
      items: z.array(MarkItem),
    }),
  },
  'GET /api/sessions/:id/marking/:anon/:task/:check': { 200: MarkDetail },
  'PUT /api/sessions/:id/marking/:anon/:task/:check': { 200: MarkDetail },
  'POST /api/sessions/:id/marking/:anon/:task/:check/reconcile': { 200: MarkDetail },
  'GET /api/sessions/:id/marking/:anon/:task/handins/:item': {
    200: z.object({ html: z.string() }).describe('DOCX as HTML (view=html); else the file itself'),
  },
  'GET /api/me/tasks/:task/handins': { 200: HandinList },
  'GET /api/me/tasks/:task/app': { 200: z.object({ app: StoredApp.nullable() }) },
  'PUT /api/me/tasks/:task/app': { 200: z.object({ app: StoredApp }) },
  'PUT /api/me/tasks/:task/handins/:item': { 200: StoredHandin },
  'POST /api/me/tasks/:task/handins': { 200: HandinList },
  'GET /api/me': { 200: Me },
  'GET /api/me/tasks/:task/instructions': {
    200: z.object({
      task: z.string(),
      lang: z.enum(['zh', 'en']),
      title: z.string(),
      text: z.string(),
    }),
  },
  'POST /api/me/tasks/:task/start': { 200: Me },
  'POST /api/me/tasks/:task/workstation': { 200: Me },
  'POST /api/me/finish': { 200: Me },
  'GET /api/me/files': { 200: Files },
  'PUT /api/me/files/:name': { 200: z.object({ name: z.string(), size: z.number() }) },
  'GET /api/trainer/labs': {
    200: z.array(
      z.object({
        session: z.string(),
        mode: Mode.nullable(),
        candidate: z.string(),
        name: z.string().nullable(),
        task: z.string(),
        t: z.number(),
        devices: z.number(),
        faults: z.number(),
      }),
    ),
  },
  'GET /api/trainer/labs/:session/:candidate': { 200: LabView },
  'POST /api/trainer/labs/:session/:candidate/faults': { 201: Fault },
  'DELETE /api/trainer/labs/:session/:candidate/faults/:fault': { 200: Fault },
  'GET /api/trainer/labs/:session/:candidate/acl': { 200: AclView },
  'PUT /api/trainer/labs/:session/:candidate/acl': { 200: AclView },
  'POST /api/trainer/labs/:session/:candidate/reset': {
    200: z.object({
      cleared: z.array(z.string()),
      actuators: z.array(z.object({ id: z.string(), on: z.boolean() })),
    }),
  },
};

/** Payloads of the server-sent events (named schemas in the OpenAPI document's components). */
export const SSE_SCHEMAS: Record<string, z.ZodType> = {
  ChecklistEvent: z.object({
    task: z.string(),
    checks: z.array(
      z.object({
        id: z.string(),
        title: I18n,
        status: z.enum(['passed', 'partial', 'failed', 'manual']),
        hint: I18n.optional(),
      }),
    ),
    /** A web app task: the screenshots the grader's browser took so far (practice only). */
    screenshots: z
      .array(z.object({ step: z.number(), name: z.string(), file: z.string() }))
      .optional(),
  }),
  StateEvent: z.object({ what: z.string() }),
  LiveEvent: Live,
  EndedEvent: z.object({ task: z.string() }),
};
