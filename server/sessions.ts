/**
 * Creating a session: paper + roster + mode + window → a session row and one candidate row each,
 * with the seed and MQTT password derived from a fresh session secret, a unique MQTT user and
 * topic prefix, and a block of ports from the configured range. All or nothing.
 */
import { randomBytes } from 'node:crypto';
import { LabError } from '../core/errors.js';
import { planTask } from '../tasks/task-plan.js';
import { getTask } from '../tasks/bank.js';
import { candidatePassword, candidateSeed, newSecret } from './derive.js';
import type { Paper } from './papers.js';
import { paperExamReady } from './papers.js';
import { hashPassword } from './passwords.js';
import type { RosterRow } from './roster.js';
import type { CandidateRow, SessionMode, Store } from './store.js';

export interface PortRange {
  from: number;
  to: number;
}

export const DEFAULT_PORT_RANGE: PortRange = { from: 20000, to: 29999 };

export function parsePortRange(text: string): PortRange {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1024 || to > 65535 || from > to)
    throw new LabError('USAGE', `port range "${text}": expected FROM-TO within 1024-65535`);
  return { from, to };
}

export interface CreateSessionInput {
  paper: Paper;
  roster: RosterRow[];
  mode: SessionMode;
  /** ISO time; default now. */
  startsAt?: string;
  /** Default: the paper's duration. */
  durationMin?: number;
  portRange?: PortRange;
  /** Candidates with a seat IP may use their lab only from it. Default false (flag only). */
  seatLock?: boolean;
  actor: string;
}

export interface CreatedSession {
  id: string;
  candidates: { id: string; username: string; password: string }[];
}

const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function newSessionId(): string {
  return [...randomBytes(6)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/**
 * Ports one candidate's lab needs: CoAP, Modbus TCP, one raw TCP port per serial device, then
 * the lab's own MQTT-over-TLS port (reserved even when the server runs no TLS), for the hungriest
 * task of the paper (a candidate's lab runs one task at a time).
 */
export function portsPerCandidate(paper: Paper): number {
  return Math.max(
    ...paper.tasks.map((t) => {
      return 3 + planTask(getTask(t.id), 1).plan.serial.length;
    }),
  );
}

export async function createSession(
  store: Store,
  input: CreateSessionInput,
): Promise<CreatedSession> {
  const starts = input.startsAt ? new Date(input.startsAt) : new Date();
  if (Number.isNaN(starts.getTime()))
    throw new LabError('API_BAD_REQUEST', `startsAt "${input.startsAt}" is not an ISO date-time`);
  if (input.paper.tasks.length === 0)
    throw new LabError(
      'API_BAD_REQUEST',
      `paper ${input.paper.id} has no task yet (${input.paper.gaps.map((g) => g.function).join('、')}): nothing to sit / 该试卷尚无任务，无法创建场次`,
    );
  const ready = paperExamReady(input.paper);
  if (input.mode === 'exam' && !ready.ready)
    throw new LabError(
      'API_BAD_REQUEST',
      `paper ${input.paper.id} cannot be used for an exam: ${ready.reason}; use practice or lab mode`,
    );
  const durationMin = input.durationMin ?? input.paper.durationMin;
  const range = input.portRange ?? DEFAULT_PORT_RANGE;
  const block = portsPerCandidate(input.paper);
  const first = store.nextPortBase(range.from);
  const last = first + block * input.roster.length - 1;
  if (last > range.to)
    throw new LabError(
      'PORT_RANGE',
      `${input.roster.length} candidates need ${block} ports each: ${first}-${last} exceeds the range ${range.from}-${range.to}`,
    );
  const id = newSessionId();
  const secret = newSecret();
  const creds: CreatedSession['candidates'] = [];
  const rows: CandidateRow[] = await Promise.all(
    input.roster.map(async (r, i) => {
      const password = candidatePassword(secret, r.id);
      const username = `${id}.${r.id}`;
      creds[i] = { id: r.id, username, password };
      return {
        sessionId: id,
        id: r.id,
        name: r.name,
        ...(r.seat ? { seat: r.seat } : {}),
        ...(r.ip ? { ip: r.ip } : {}),
        seed: candidateSeed(secret, r.id),
        username,
        passwordHash: await hashPassword(password),
        topicPrefix: `iotlab/${id}/${r.id}`,
        portBase: first + i * block,
        portCount: block,
        evidencePath: store.evidencePathFor(id, r.id),
      };
    }),
  );
  store.createSession(
    {
      id,
      secret,
      paper: input.paper,
      mode: input.mode,
      startsAt: starts.toISOString(),
      endsAt: new Date(starts.getTime() + durationMin * 60_000).toISOString(),
      seatLock: input.seatLock ?? false,
    },
    rows,
    input.actor,
  );
  return { id, candidates: creds };
}
