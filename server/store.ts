/**
 * The exam server's data directory: `iotlab.db` (SQLite via better-sqlite3, WAL, synchronous
 * FULL so a committed row survives `kill -9` and power loss) and `evidence/<session>/<cand>.jsonl`.
 *
 * Tables: users (examiners/trainers, scrypt hashes), sessions (with the secret the seeds and
 * passwords derive from: it never leaves the server), candidates (seed, hashed password, topic
 * prefix, port block, evidence path), scores and adjustments (filled by the grader and examiners;
 * the grader is not merged yet), audit (append-only: triggers refuse UPDATE and DELETE), and
 * web_sessions (login cookies, stored as SHA-256 of the token).
 */
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../core/errors.js';
import type { Paper } from './papers.js';

export type SessionMode = 'exam' | 'practice' | 'lab';
export type SessionState = 'created' | 'running' | 'stopped';
export type Role = 'examiner' | 'trainer' | 'candidate';

export interface SessionRow {
  id: string;
  paper: Paper;
  mode: SessionMode;
  state: SessionState;
  startsAt: string;
  endsAt: string;
  createdAt: string;
  /** Candidates with a seat IP may use their lab only from it (others are refused). */
  seatLock: boolean;
}

export interface CandidateRow {
  sessionId: string;
  id: string;
  name: string;
  seat?: string;
  ip?: string;
  seed: number;
  username: string;
  passwordHash: string;
  topicPrefix: string;
  portBase: number;
  portCount: number;
  evidencePath: string;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  sessionId: string | null;
  detail: unknown;
}

export interface WebSession {
  role: Role;
  subject: string;
  sessionId: string | null;
  expiresAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('examiner','trainer')),
  password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, paper_json TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('exam','practice','lab')),
  state TEXT NOT NULL CHECK (state IN ('created','running','stopped')),
  secret TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, created_at TEXT NOT NULL,
  seat_lock INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS candidates (
  session_id TEXT NOT NULL REFERENCES sessions(id), id TEXT NOT NULL, name TEXT NOT NULL,
  seat TEXT, ip TEXT, seed INTEGER NOT NULL, username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL, topic_prefix TEXT NOT NULL UNIQUE, port_base INTEGER NOT NULL,
  port_count INTEGER NOT NULL, evidence_path TEXT NOT NULL, PRIMARY KEY (session_id, id));
CREATE TABLE IF NOT EXISTS scores (
  session_id TEXT NOT NULL, candidate_id TEXT NOT NULL, task_id TEXT NOT NULL,
  points REAL, max REAL NOT NULL, status TEXT NOT NULL, report_json TEXT,
  grader_version TEXT, graded_at TEXT, PRIMARY KEY (session_id, candidate_id, task_id));
CREATE TABLE IF NOT EXISTS adjustments (
  id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, candidate_id TEXT NOT NULL,
  task_id TEXT NOT NULL, check_id TEXT NOT NULL, points REAL NOT NULL, reason TEXT NOT NULL,
  examiner TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, session_id TEXT, detail_json TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS web_sessions (
  token_hash TEXT PRIMARY KEY, role TEXT NOT NULL, subject TEXT NOT NULL, session_id TEXT,
  expires_at TEXT NOT NULL);
`;

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const nowIso = () => new Date().toISOString();

interface SessionDbRow {
  id: string;
  paper_json: string;
  mode: SessionMode;
  state: SessionState;
  secret: string;
  starts_at: string;
  ends_at: string;
  created_at: string;
  seat_lock: number;
}
interface CandidateDbRow {
  session_id: string;
  id: string;
  name: string;
  seat: string | null;
  ip: string | null;
  seed: number;
  username: string;
  password_hash: string;
  topic_prefix: string;
  port_base: number;
  port_count: number;
  evidence_path: string;
}

const toSession = (r: SessionDbRow): SessionRow => ({
  id: r.id,
  paper: JSON.parse(r.paper_json) as Paper,
  mode: r.mode,
  state: r.state,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdAt: r.created_at,
  seatLock: r.seat_lock === 1,
});
const toCandidate = (r: CandidateDbRow): CandidateRow => ({
  sessionId: r.session_id,
  id: r.id,
  name: r.name,
  ...(r.seat !== null ? { seat: r.seat } : {}),
  ...(r.ip !== null ? { ip: r.ip } : {}),
  seed: r.seed,
  username: r.username,
  passwordHash: r.password_hash,
  topicPrefix: r.topic_prefix,
  portBase: r.port_base,
  portCount: r.port_count,
  evidencePath: r.evidence_path,
});

export class Store {
  readonly dir: string;
  /** For the sibling tables of server/grades.ts; nothing outside server/ uses it. */
  readonly db: Database.Database;

  constructor(dir: string) {
    this.dir = dir;
    try {
      mkdirSync(join(dir, 'evidence'), { recursive: true });
      this.db = new Database(join(dir, 'iotlab.db'));
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
      // Data directories from before seat locks: add the column (default off).
      const cols = this.db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[];
      if (!cols.some((c) => c.name === 'seat_lock'))
        this.db.exec('ALTER TABLE sessions ADD COLUMN seat_lock INTEGER NOT NULL DEFAULT 0');
    } catch (err) {
      throw new LabError('STORE_IO', `cannot open the data directory ${dir}`, {
        cause: String(err),
      });
    }
  }

  close(): void {
    this.db.close();
  }

  evidencePathFor(sessionId: string, candidateId: string): string {
    return join(this.dir, 'evidence', sessionId, `${candidateId}.jsonl`);
  }

  getMeta(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return r?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /** The first port after every block handed out so far (ports are never reused). */
  nextPortBase(from: number): number {
    const r = this.db
      .prepare('SELECT MAX(port_base + port_count) AS next FROM candidates')
      .get() as { next: number | null };
    return Math.max(from, r.next ?? from);
  }

  addUser(username: string, role: 'examiner' | 'trainer', passwordHash: string): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(username, role, passwordHash, nowIso());
    this.audit('system', 'user.set', null, { username, role });
  }

  getUser(username: string): { role: 'examiner' | 'trainer'; passwordHash: string } | undefined {
    const r = this.db
      .prepare('SELECT role, password_hash FROM users WHERE username = ?')
      .get(username) as { role: 'examiner' | 'trainer'; password_hash: string } | undefined;
    return r && { role: r.role, passwordHash: r.password_hash };
  }

  /** Every staff account (never its password hash). */
  listUsers(): { username: string; role: 'examiner' | 'trainer'; createdAt: string }[] {
    return (
      this.db.prepare('SELECT username, role, created_at FROM users ORDER BY username').all() as {
        username: string;
        role: 'examiner' | 'trainer';
        created_at: string;
      }[]
    ).map((r) => ({ username: r.username, role: r.role, createdAt: r.created_at }));
  }

  countUsers(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  /** Creates a session and all its candidates in one transaction: all or nothing. */
  createSession(
    s: Omit<SessionRow, 'createdAt' | 'state'> & { secret: string },
    candidates: CandidateRow[],
    actor: string,
  ): void {
    const insertS = this.db.prepare(
      `INSERT INTO sessions (id, paper_json, mode, state, secret, starts_at, ends_at, created_at,
         seat_lock)
       VALUES (?, ?, ?, 'created', ?, ?, ?, ?, ?)`,
    );
    const insertC = this.db.prepare(
      `INSERT INTO candidates (session_id, id, name, seat, ip, seed, username, password_hash,
         topic_prefix, port_base, port_count, evidence_path)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      insertS.run(
        s.id,
        JSON.stringify(s.paper),
        s.mode,
        s.secret,
        s.startsAt,
        s.endsAt,
        nowIso(),
        s.seatLock ? 1 : 0,
      );
      for (const c of candidates)
        insertC.run(
          s.id,
          c.id,
          c.name,
          c.seat ?? null,
          c.ip ?? null,
          c.seed,
          c.username,
          c.passwordHash,
          c.topicPrefix,
          c.portBase,
          c.portCount,
          c.evidencePath,
        );
      this.audit(actor, 'session.create', s.id, {
        paper: s.paper.id,
        mode: s.mode,
        candidates: candidates.length,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        seatLock: s.seatLock,
      });
    })();
  }

  listSessions(): SessionRow[] {
    return (
      this.db.prepare('SELECT * FROM sessions ORDER BY created_at').all() as SessionDbRow[]
    ).map(toSession);
  }

  getSession(id: string): SessionRow | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as
      SessionDbRow | undefined;
    return r && toSession(r);
  }

  /** The session secret: only for deriving a candidate's seed and password on the server. */
  sessionSecret(id: string): string | undefined {
    const r = this.db.prepare('SELECT secret FROM sessions WHERE id = ?').get(id) as
      { secret: string } | undefined;
    return r?.secret;
  }

  setSessionState(id: string, state: SessionState, actor: string, detail: object = {}): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE sessions SET state = ? WHERE id = ?').run(state, id);
      this.audit(actor, `session.${state === 'running' ? 'start' : state}`, id, detail);
    })();
  }

  setSessionEnd(id: string, endsAt: string, actor: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE sessions SET ends_at = ? WHERE id = ?').run(endsAt, id);
      this.audit(actor, 'session.extend', id, { endsAt });
    })();
  }

  candidates(sessionId: string): CandidateRow[] {
    return (
      this.db
        .prepare('SELECT * FROM candidates WHERE session_id = ? ORDER BY rowid')
        .all(sessionId) as CandidateDbRow[]
    ).map(toCandidate);
  }

  /** The candidate with this MQTT username (unique across sessions), if any. */
  candidateByUsername(username: string): CandidateRow | undefined {
    const r = this.db.prepare('SELECT * FROM candidates WHERE username = ?').get(username) as
      CandidateDbRow | undefined;
    return r && toCandidate(r);
  }

  candidate(sessionId: string, id: string): CandidateRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM candidates WHERE session_id = ? AND id = ?')
      .get(sessionId, id) as CandidateDbRow | undefined;
    return r && toCandidate(r);
  }

  scores(
    sessionId: string,
  ): { candidateId: string; taskId: string; points: number | null; status: string }[] {
    return this.db
      .prepare(
        'SELECT candidate_id AS candidateId, task_id AS taskId, points, status FROM scores WHERE session_id = ?',
      )
      .all(sessionId) as {
      candidateId: string;
      taskId: string;
      points: number | null;
      status: string;
    }[];
  }

  audit(actor: string, action: string, sessionId: string | null, detail: unknown): void {
    this.db
      .prepare(
        'INSERT INTO audit (at, actor, action, session_id, detail_json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(nowIso(), actor, action, sessionId, JSON.stringify(detail ?? {}));
  }

  auditLog(sessionId?: string): AuditRow[] {
    const rows = (
      sessionId === undefined
        ? this.db.prepare('SELECT * FROM audit ORDER BY seq').all()
        : this.db.prepare('SELECT * FROM audit WHERE session_id = ? ORDER BY seq').all(sessionId)
    ) as {
      seq: number;
      at: string;
      actor: string;
      action: string;
      session_id: string | null;
      detail_json: string;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      sessionId: r.session_id,
      detail: JSON.parse(r.detail_json) as unknown,
    }));
  }

  /** A new login; returns the token for the cookie (only its hash is stored). */
  createWebSession(s: Omit<WebSession, 'expiresAt'>, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(
        'INSERT INTO web_sessions (token_hash, role, subject, session_id, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(sha(token), s.role, s.subject, s.sessionId, new Date(Date.now() + ttlMs).toISOString());
    return token;
  }

  getWebSession(token: string): WebSession | undefined {
    const r = this.db
      .prepare(
        'SELECT role, subject, session_id AS sessionId, expires_at AS expiresAt FROM web_sessions WHERE token_hash = ?',
      )
      .get(sha(token)) as WebSession | undefined;
    if (!r || r.expiresAt < nowIso()) return undefined;
    return r;
  }

  deleteWebSession(token: string): void {
    this.db.prepare('DELETE FROM web_sessions WHERE token_hash = ?').run(sha(token));
  }
}
