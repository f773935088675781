/**
 * Exam integrity flags, for the examiner to look at (never a change of score):
 *
 * - **foreign access**: a candidate's endpoints (their MQTT login, CoAP, Modbus, serial-over-TCP
 *   and board ports) reached from an address that is not the candidate's. The candidate's
 *   addresses are the seat IP of the roster when there is one, else the addresses they logged in
 *   to the console from. With neither on file nothing can be judged and nothing is flagged (the
 *   summary says so). Connections the lab makes itself (an edge gateway's northbound client, whose
 *   local address the gateway records) are not the candidate's and are skipped.
 * - **copying**: identifiers of another candidate — their topic prefix, MQTT username, or the
 *   device ids their seed gives for the same task — in this candidate's traffic. Identifiers are
 *   derived per candidate (DESIGN.md), so they can only get there by someone passing them on
 *   (or by trying another candidate's topics, which the broker refuses and records).
 * - **limits**: the run reached one of the bounds on what a client may cost (README's "Limits
 *   under abuse"): the evidence quota, an MQTT publish rate or packet size, a serial overrun.
 *   The examiner sees what was cut and how much, so a flood that was contained is not mistaken
 *   for a lab that lost evidence.
 *
 * Pure over the evidence text and the identifiers handed in: the server gathers those
 * (roster, console logins, other candidates' seeds) and calls `integrityFlags`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Task } from '../grader/types.js';
import { planTask } from '../tasks/task-plan.js';
import { getTask } from '../tasks/bank.js';
import type { Grades } from './grades.js';
import type { CandidateRow, Store } from './store.js';
import { readEvidenceText } from '../grader/evidence-file.js';
import type { EvidenceEvent } from '../core/evidence.js';

export type FlagKind = 'foreign-access' | 'copying' | 'limits';

export interface IntegrityFlag {
  kind: FlagKind;
  task: string;
  /** The foreign address, or the candidate whose identifiers were seen. */
  subject: string;
  /** How many evidence events show it. */
  count: number;
  /** The first of them. */
  first: { seq: number; t: number; kind: string };
  /** What was seen, e.g. the identifier or the peer. */
  seen: string;
  message: { zh: string; en: string };
}

/** A candidate's identifiers for this task. */
export interface CandidateMarkers {
  id: string;
  /**
   * Distinctive identifiers: topic prefix (`iotlab/<session>/<candidate>`), MQTT username, device
   * ids. Each is a topic-like path of `[A-Za-z0-9_-]` segments joined by `/`.
   */
  markers: readonly string[];
}

export interface IntegrityInput {
  task: string;
  evidence: string;
  /** Addresses the candidate works from (seat IP, console logins); empty = unknown. */
  ownAddresses: readonly string[];
  /** The candidate's own identifiers: never flagged, even if another's happen to be equal. */
  own: readonly string[];
  others: readonly CandidateMarkers[];
}

/** The IP of a recorded peer (`1.2.3.4:5678`, `::1:5678`, `::ffff:1.2.3.4:5678`), or undefined. */
export function peerIp(peer: unknown): string | undefined {
  if (typeof peer !== 'string') return undefined;
  const cut = peer.lastIndexOf(':');
  if (cut <= 0) return undefined;
  const host = normaliseIp(peer.slice(0, cut).replace(/^\[|\]$/g, ''));
  return isIP(host) ? host : undefined;
}

export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Local addresses of the lab's own clients (gateway northbound), which the gateway recorded. */
function labOwnPeers(events: readonly EvidenceEvent[]): Set<string> {
  const own = new Set<string>();
  for (const e of events)
    if (e.kind === 'device.state' && typeof e['local'] === 'string') own.add(e['local']);
  return own;
}

const PATH = /[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*/g;

/**
 * Identifiers in a text: every whole segment of a topic-like path and every leading run of its
 * segments (`a/b/c` gives a, b, c, a/b, a/b/c). Linear in the text.
 */
function* identifiers(text: string): Generator<string> {
  for (const m of text.matchAll(PATH)) {
    const segs = m[0].split('/');
    yield* segs;
    for (let k = 2; k <= Math.min(segs.length, 8); k++) yield segs.slice(0, k).join('/');
  }
}

function bump(
  flags: Map<string, IntegrityFlag>,
  key: string,
  e: EvidenceEvent,
  make: () => Omit<IntegrityFlag, 'count' | 'first'>,
): void {
  const f = flags.get(key);
  if (f) f.count += 1;
  else flags.set(key, { ...make(), count: 1, first: { seq: e.seq, t: e.t, kind: e.kind } });
}

/** The bound an event shows was reached, if any, worded for the examiner. */
const text = (v: unknown, fallback = '?'): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : fallback;

function limitHit(
  e: EvidenceEvent,
): { key: string; flag: Pick<IntegrityFlag, 'subject' | 'seen' | 'message'> } | undefined {
  if (e.kind === 'quota') {
    const hard = e['stage'] === 'hard';
    const mib = (Number(e['bytes']) / 1024 / 1024).toFixed(1);
    return {
      key: `quota ${hard ? 'hard' : 'soft'}`,
      flag: {
        subject: 'evidence',
        seen: `${String(e['bytes'])} bytes`,
        message: hard
          ? {
              zh: `证据达到上限（${mib} MiB）：此后只记录决定评分的事件`,
              en: `evidence reached its hard quota (${mib} MiB): only the events that decide a run were kept after it`,
            }
          : {
              zh: `证据达到配额（${mib} MiB）：此后报文只记录长度和 SHA-256`,
              en: `evidence reached its quota (${mib} MiB): payloads after it were kept by size and SHA-256`,
            },
      },
    };
  }
  if (
    e.kind === 'mqtt.disconnect' &&
    (e['reason'] === 'publish-rate' || e['reason'] === 'packet-too-large')
  ) {
    const rate = e['reason'] === 'publish-rate';
    const who = text(e['clientId']);
    return {
      key: `${String(e['reason'])} ${who}`,
      flag: {
        subject: who,
        seen: text(e['error'], text(e['reason'])),
        message: rate
          ? {
              zh: `MQTT 客户端 ${who} 发布过快，被断开`,
              en: `MQTT client ${who} published too fast and was disconnected`,
            }
          : {
              zh: `MQTT 客户端 ${who} 发送的报文过大，被断开`,
              en: `MQTT client ${who} sent a packet over the size limit and was disconnected`,
            },
      },
    };
  }
  if (e.kind === 'serial.rx' && text(e['reason'], '').startsWith('overrun')) {
    const dev = text(e['device']);
    return {
      key: `overrun ${dev}`,
      flag: {
        subject: dev,
        seen: String(e['reason']),
        message: {
          zh: `串口 ${dev} 输入超过波特率，超出部分被丢弃（按长度和 SHA-256 记录）`,
          en: `the host sent serial line ${dev} more than its baud rate carries; the excess was dropped (recorded by size and SHA-256)`,
        },
      },
    };
  }
  return undefined;
}

export function integrityFlags(input: IntegrityInput): IntegrityFlag[] {
  const { events } = readEvidenceText(input.evidence);
  const own = new Set(input.ownAddresses.map(normaliseIp));
  const labPeers = labOwnPeers(events);
  const flags = new Map<string, IntegrityFlag>();
  const ownIds = new Set(input.own);
  const owner = new Map<string, string>();
  for (const o of input.others)
    for (const m of o.markers) if (m.length >= 6 && !ownIds.has(m)) owner.set(m, o.id);
  for (const e of events) {
    const ip = peerIp(e.peer);
    if (ip && own.size > 0 && !own.has(ip) && !labPeers.has(String(e.peer)))
      bump(flags, `foreign ${ip}`, e, () => ({
        kind: 'foreign-access',
        task: input.task,
        subject: ip,
        seen: String(e.peer),
        message: {
          zh: `考生的实验端点被非本人地址 ${ip} 访问（本人：${[...own].join('、')}）`,
          en: `the candidate's lab was reached from ${ip}, not the candidate's address (${[...own].join(', ')})`,
        },
      }));
    const limit = limitHit(e);
    if (limit)
      bump(flags, `limits ${limit.key}`, e, () => ({
        kind: 'limits',
        task: input.task,
        ...limit.flag,
      }));
    if (owner.size === 0) continue;
    const seenHere = new Set<string>();
    for (const id of identifiers(JSON.stringify(e))) {
      const who = owner.get(id);
      if (who === undefined || seenHere.has(who)) continue;
      seenHere.add(who);
      bump(flags, `copy ${who}`, e, () => ({
        kind: 'copying',
        task: input.task,
        subject: who,
        seen: id,
        message: {
          zh: `考生的通信中出现了考生 ${who} 的标识 ${id}（可能抄袭或试图访问其主题）`,
          en: `candidate ${who}'s identifier ${id} appears in this candidate's traffic (copying, or trying their topics)`,
        },
      }));
    }
  }
  return [...flags.values()].sort((a, b) => a.first.seq - b.first.seq);
}

/** A candidate's identifiers for a task: topic prefix, MQTT username, and their devices' ids. */
export function markersFor(
  task: Task,
  c: Pick<CandidateRow, 'id' | 'seed' | 'topicPrefix' | 'username'>,
): string[] {
  const { plan } = planTask(task, c.seed, c.topicPrefix);
  return [
    c.topicPrefix,
    c.username,
    ...plan.devices.map((d) => d.id),
    ...plan.serial.map((d) => d.id),
  ];
}

/**
 * Integrity flags of a session's finished attempts, per candidate. Identifiers are computed once
 * per (task, candidate) and each evidence file is scanned once per size/mtime (a running attempt
 * is not scanned: its file is still growing).
 */
export class SessionIntegrity {
  private readonly markers = new Map<string, string[]>();
  private readonly scanned = new Map<string, { stamp: string; flags: IntegrityFlag[] }>();

  constructor(
    private readonly store: Store,
    private readonly grades: Grades,
  ) {}

  private markersOf(taskId: string, c: CandidateRow): string[] {
    const key = `${taskId} ${c.sessionId}/${c.id}`;
    let m = this.markers.get(key);
    if (!m) {
      m = markersFor(getTask(taskId), c);
      this.markers.set(key, m);
    }
    return m;
  }

  /** Addresses the candidate works from: the roster's seat IP, else their console logins. */
  private loginAddresses(sessionId: string): Map<string, Set<string>> {
    const byCandidate = new Map<string, Set<string>>();
    for (const a of this.store.auditLog(sessionId)) {
      const ip = (a.detail as { ip?: unknown } | null)?.ip;
      if (a.action !== 'candidate.login' || typeof ip !== 'string') continue;
      const set = byCandidate.get(a.actor) ?? new Set<string>();
      set.add(ip);
      byCandidate.set(a.actor, set);
    }
    return byCandidate;
  }

  flags(sessionId: string): Map<string, IntegrityFlag[]> {
    const candidates = this.store.candidates(sessionId);
    const out = new Map<string, IntegrityFlag[]>();
    // Where each candidate works from: the seat IP, else their console logins (audit log, read
    // once per call).
    const logins = this.loginAddresses(sessionId);
    const addresses = (c: CandidateRow) => (c.ip ? [c.ip] : [...(logins.get(c.id) ?? [])]);
    for (const c of candidates) {
      const list: IntegrityFlag[] = [];
      for (const a of this.grades.attempts(sessionId, c.id)) {
        if (a.state !== 'done' || !existsSync(a.evidencePath)) continue;
        const st = statSync(a.evidencePath);
        const ownAddresses = addresses(c);
        const stamp = `${st.size}/${st.mtimeMs}/${ownAddresses.join(',')}`;
        let hit = this.scanned.get(a.evidencePath);
        if (hit?.stamp !== stamp) {
          hit = {
            stamp,
            flags: integrityFlags({
              task: a.taskId,
              evidence: readFileSync(a.evidencePath, 'utf8'),
              ownAddresses,
              own: this.markersOf(a.taskId, c),
              others: candidates
                .filter((o) => o.id !== c.id)
                .map((o) => ({ id: o.id, markers: this.markersOf(a.taskId, o) })),
            }),
          };
          this.scanned.set(a.evidencePath, hit);
        }
        list.push(...hit.flags);
      }
      out.set(c.id, list);
    }
    return out;
  }
}
