/**
 * Trainer routes: the labs running now (one per candidate attempting a task), a lab's devices
 * with their live values and active faults, a live stream of those values (SSE, once a second),
 * injecting and clearing faults, and resetting a lab (server/trainer-view.ts defines reset).
 *
 * A lab's access policy (docs/acl.md) is read and replaced here too: in force at once on the
 * candidate's live connections, recorded as `acl.change` evidence and in the audit log with the
 * policy before and after.
 *
 * Trainers and examiners may watch every lab. A trainer may change labs of practice and lab
 * sessions only: an exam's labs are the examiners'. Every change is in the audit log, and the lab
 * records each fault's start and end as `fault` evidence, so the grader sees what the candidate saw.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LabError } from '../core/errors.js';
import type { Lab } from '../simulator/lab.js';
import { FAULT_TYPES, TLS_FAULT_TYPES } from '../core/faults.js';
import {
  activeFaults,
  describeDevices,
  faultRequest,
  liveState,
  resetLab,
} from './trainer-view.js';
import type { WebSession } from './store.js';
import type { RouteContext } from './validate.js';
import { parse } from './validate.js';
import { apiDoc } from './openapi.js';
import { AclPolicySpec } from '../core/acl.js';

const LabParams = z
  .object({
    session: z.string().regex(/^[a-z0-9]{1,32}$/),
    candidate: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  })
  .strict();
const FaultParams = LabParams.extend({ fault: z.string().regex(/^[a-z][0-9]{1,9}$/) }).strict();
const InjectBody = z
  .object({
    /** Device id or scenario name. */
    device: z.string().min(1).max(64),
    type: z.enum(FAULT_TYPES),
    /** Seconds; absent = until cleared. */
    duration: z.number().positive().max(86_400).optional(),
    /** drift: units per minute. */
    rate: z.number().min(-1e6).max(1e6).optional(),
    /** noise: extra standard deviation, in units. */
    amplitude: z.number().min(0).max(1e6).optional(),
    /** spike: the value reported. */
    value: z.number().min(-1e9).max(1e9).optional(),
    /** slow: answer delay. */
    delayMs: z.number().int().min(1).max(60_000).optional(),
    /** password-changed: the new password or device secret (default: a random one, returned). */
    password: z.string().min(8).max(64).optional(),
  })
  .strict();
const LIVE_EVERY_MS = 1000;

export function registerTrainerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store, runtime, need, sessionOr404 } = ctx;

  const labOf = (params: unknown) => {
    const { session, candidate } = parse(LabParams, params, 'params');
    const s = sessionOr404(session);
    const lab = runtime.lab(session, candidate);
    const task = runtime.currentTask(session, candidate) ?? runtime.workstation(session, candidate);
    if (!lab || !task)
      throw new LabError(
        'API_NOT_FOUND',
        `no lab is running for candidate ${candidate} of session ${session} (the candidate starts a task)`,
      );
    return { s, candidate, task, lab };
  };
  /** Who may change this lab; returns the actor for the audit log. */
  const mayChange = (me: WebSession, mode: string): string => {
    if (me.role === 'trainer' && mode === 'exam')
      throw new LabError('API_FORBIDDEN', "an exam's labs are the examiners' to change");
    return me.subject;
  };
  const describe = (x: ReturnType<typeof labOf>) => ({
    session: { id: x.s.id, mode: x.s.mode },
    candidate: x.candidate,
    task: x.task,
    devices: describeDevices(x.lab),
    faultTypes: FAULT_TYPES,
    broker: {
      faultTypes: x.lab.tlsFaults ? [...TLS_FAULT_TYPES] : [],
      tls: x.lab.tlsFaults ? x.lab.tlsTruth() : null,
    },
    live: liveState(x.lab),
  });

  app.get(
    '/api/trainer/labs',
    apiDoc({ summary: 'The labs running now', tag: 'trainer', roles: ['examiner', 'trainer'] }),
    (req) => {
      need(req, 'examiner', 'trainer');
      return runtime.runningLabs().map((r) => {
        const s = store.getSession(r.sessionId);
        return {
          session: r.sessionId,
          mode: s?.mode ?? null,
          candidate: r.candidateId,
          name: store.candidate(r.sessionId, r.candidateId)?.name ?? null,
          task: r.taskId,
          t: r.lab.clock.now(),
          devices: r.lab.plan.devices.length + r.lab.plan.serial.length,
          faults: activeFaults(r.lab, r.lab.clock.now()).length,
        };
      });
    },
  );

  app.get(
    '/api/trainer/labs/:session/:candidate',
    apiDoc({
      summary: "A lab's devices: live values, actuator states, active faults",
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
    }),
    (req) => {
      need(req, 'examiner', 'trainer');
      return describe(labOf(req.params));
    },
  );

  app.post(
    '/api/trainer/labs/:session/:candidate/faults',
    apiDoc({
      summary: 'Inject a fault (recorded as evidence; exam labs: examiners only)',
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
      body: InjectBody,
    }),
    (req, reply) => {
      const me = need(req, 'examiner', 'trainer');
      const body = parse(InjectBody, req.body, 'body');
      const x = labOf(req.params);
      const actor = mayChange(me, x.s.mode);
      const fault = x.lab.injectFault(faultRequest(x.lab, body));
      store.audit(actor, 'trainer.fault.inject', x.s.id, {
        candidate: x.candidate,
        task: x.task,
        fault,
      });
      return reply.status(201).send(fault);
    },
  );

  app.delete(
    '/api/trainer/labs/:session/:candidate/faults/:fault',
    apiDoc({
      summary: 'Clear a fault',
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: FaultParams,
    }),
    (req) => {
      const me = need(req, 'examiner', 'trainer');
      const { fault: id, ...params } = parse(FaultParams, req.params, 'params');
      const x = labOf(params);
      const actor = mayChange(me, x.s.mode);
      const fault = x.lab.clearFault(id);
      store.audit(actor, 'trainer.fault.clear', x.s.id, {
        candidate: x.candidate,
        task: x.task,
        fault,
      });
      return fault;
    },
  );

  app.get(
    '/api/trainer/labs/:session/:candidate/acl',
    apiDoc({
      summary: "A lab's access policy in force, with its version",
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
    }),
    (req) => {
      need(req, 'examiner', 'trainer');
      return labOf(req.params).lab.access.current;
    },
  );

  app.put(
    '/api/trainer/labs/:session/:candidate/acl',
    apiDoc({
      summary:
        "Replace a lab's access policy (in force at once; audited with before and after; exam labs: examiners only)",
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
      body: AclPolicySpec,
    }),
    (req) => {
      const me = need(req, 'examiner', 'trainer');
      const x = labOf(req.params);
      const actor = mayChange(me, x.s.mode);
      const entry = x.lab.setAcl(req.body, `trainer ${actor}`);
      store.audit(actor, 'trainer.acl.change', x.s.id, {
        candidate: x.candidate,
        task: x.task,
        version: entry.version,
        before: entry.before,
        after: entry.after,
      });
      return { version: entry.version, policy: entry.after };
    },
  );

  app.post(
    '/api/trainer/labs/:session/:candidate/reset',
    apiDoc({
      summary: 'Reset a lab: end active faults, actuators to their initial state',
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
    }),
    (req) => {
      const me = need(req, 'examiner', 'trainer');
      const x = labOf(req.params);
      const actor = mayChange(me, x.s.mode);
      const outcome = resetLab(x.lab);
      store.audit(actor, 'trainer.lab.reset', x.s.id, {
        candidate: x.candidate,
        task: x.task,
        ...outcome,
      });
      return outcome;
    },
  );

  // Live values once a second until the client goes or the lab stops (`ended`, then close).
  app.get(
    '/api/trainer/labs/:session/:candidate/events',
    apiDoc({
      summary: 'Live values (SSE: live once a second, ended when the lab stops)',
      tag: 'trainer',
      roles: ['examiner', 'trainer'],
      params: LabParams,
    }),
    (req, reply) => {
      need(req, 'examiner', 'trainer');
      const x = labOf(req.params);
      const stream = ctx.sse.open(req, reply, () => clearInterval(timer));
      const send = stream.send;
      const current = (): Lab | undefined => runtime.lab(x.s.id, x.candidate);
      const tick = () => {
        const lab = current();
        if (lab !== x.lab || lab.state !== 'running') {
          send('ended', { task: x.task });
          stream.end();
          return;
        }
        try {
          send('live', liveState(lab));
        } catch (err) {
          ctx.logger.warn('trainer live view failed', { err: String(err) });
        }
      };
      const timer = setInterval(tick, LIVE_EVERY_MS);
      tick();
    },
  );
}
