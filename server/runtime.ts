/**
 * The labs of running sessions, all on one shared MQTT broker (protocols/mqtt/tenant-broker.ts):
 * each candidate's lab has its own seed, topic prefix, evidence file and block of CoAP, Modbus
 * and serial ports, so a restarted server brings back exactly the same labs.
 */
import { RealClock } from '../simulator/clock.js';
import type { LabCard } from '../simulator/card.js';
import { LabError } from '../simulator/errors.js';
import { EvidenceRecorder } from '../simulator/evidence.js';
import type { Lab } from '../simulator/lab.js';
import { createLab } from '../simulator/lab.js';
import type { Logger } from '../simulator/logger.js';
import { loadScenario } from '../simulator/scenario.js';
import type { TenantBroker } from '../protocols/mqtt/tenant-broker.js';
import { createTenantBroker } from '../protocols/mqtt/tenant-broker.js';
import { candidatePassword } from './derive.js';
import { verifyPassword } from './passwords.js';
import type { CandidateRow, Store } from './store.js';
import { join } from 'node:path';

export type CandidateCard = Omit<LabCard, 'lab' | 'evidence'> & {
  lab: Omit<LabCard['lab'], 'seed'>;
};

export interface RuntimeOptions {
  host: string;
  mqttPort: number;
  /** undefined = no MQTT over WebSocket. */
  wsPort?: number;
  logger: Logger;
}

export class SessionRuntime {
  private broker: TenantBroker | undefined;
  private unrouted: EvidenceRecorder | undefined;
  private readonly labs = new Map<string, Map<string, Lab>>();

  constructor(
    private readonly store: Store,
    private readonly opts: RuntimeOptions,
  ) {}

  get mqttPort(): number | undefined {
    return this.broker?.port;
  }

  async start(): Promise<void> {
    // Failed logins and protocol errors before CONNECT belong to no candidate.
    this.unrouted = new EvidenceRecorder({
      clock: new RealClock(),
      path: join(this.store.dir, 'evidence', 'broker-unrouted.jsonl'),
      resume: true,
      logger: this.opts.logger,
    });
    this.broker = await createTenantBroker({
      host: this.opts.host,
      port: this.opts.mqttPort,
      ...(this.opts.wsPort !== undefined ? { wsPort: this.opts.wsPort } : {}),
      logger: this.opts.logger,
      recordUnrouted: this.unrouted.record,
    });
    // Resume every session that was running when the server stopped (or crashed).
    for (const s of this.store.listSessions())
      if (s.state === 'running') await this.startLabs(s.id);
  }

  isRunning(sessionId: string): boolean {
    return this.labs.has(sessionId);
  }

  async startLabs(sessionId: string): Promise<void> {
    const broker = this.broker;
    if (!broker) throw new LabError('SESSION_STATE', 'the runtime is not started');
    if (this.labs.has(sessionId)) return;
    const session = this.store.getSession(sessionId);
    if (!session) throw new LabError('API_NOT_FOUND', `no session ${sessionId}`);
    const { scenario } = loadScenario(session.paper.scenario);
    const labs = new Map<string, Lab>();
    this.labs.set(sessionId, labs);
    try {
      for (const c of this.store.candidates(sessionId)) {
        const lab = createLab(scenario, {
          seed: c.seed,
          candidate: c.id,
          logger: this.opts.logger,
          host: this.opts.host,
          evidencePath: c.evidencePath,
          resumeEvidence: true,
          topicPrefix: c.topicPrefix,
          ports: { coap: c.portBase, modbus: c.portBase + 1, ws: null },
          serial: { basePort: c.portBase + 2 },
          broker: ({ record, topicPrefix }) =>
            Promise.resolve(
              broker.addTenant({
                id: c.id,
                username: c.username,
                topicPrefix,
                record,
                checkPassword: (pw) => verifyPassword(pw, c.passwordHash),
              }),
            ),
        });
        labs.set(c.id, lab);
        await lab.start();
      }
    } catch (err) {
      await this.stopLabs(sessionId);
      throw err;
    }
  }

  async stopLabs(sessionId: string): Promise<void> {
    const labs = this.labs.get(sessionId);
    if (!labs) return;
    this.labs.delete(sessionId);
    await Promise.all([...labs.values()].map((l) => l.stop('session stopped')));
  }

  /**
   * The candidate's lab card with their MQTT login; undefined while the session is not running.
   * The seed and the evidence path stay on the server: with the seed and the open-source
   * simulator a candidate could compute hidden truth (fault times, values) instead of measuring.
   */
  card(sessionId: string, c: CandidateRow): CandidateCard | undefined {
    const card = this.labs.get(sessionId)?.get(c.id)?.card;
    const secret = this.store.sessionSecret(sessionId);
    if (!card || !secret) return undefined;
    const { evidence: _e, lab, ...rest } = card;
    const { seed: _s, ...labInfo } = lab;
    return {
      ...rest,
      lab: labInfo,
      mqtt: { ...card.mqtt, username: c.username, password: candidatePassword(secret, c.id) },
    };
  }

  lab(sessionId: string, candidateId: string): Lab | undefined {
    return this.labs.get(sessionId)?.get(candidateId);
  }

  async close(): Promise<void> {
    for (const id of [...this.labs.keys()]) await this.stopLabs(id);
    await this.broker?.close();
    this.unrouted?.close();
  }
}
