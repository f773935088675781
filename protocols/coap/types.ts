/**
 * Contracts between the CoAP server (protocols/coap/server.ts) and the lab: a device binding
 * offers `CoapResource`s; the server owns the socket, the protocol rules and the evidence.
 */
import type { PeerGuard } from '../listen.js';
import type { ObserveLimits } from './observe-policy.js';
import type { Clock } from '../../simulator/clock.js';
import type { RecordFn } from '../../simulator/evidence.js';
import type { Logger } from '../../simulator/logger.js';

export interface CoapResource {
  path: string; // e.g. '/sensors/air-temp-3f9a'
  rt: string; // resource type for link format, e.g. 'iotlab.temperature'
  if: 'sensor' | 'actuator'; // interface description for link format
  observable: boolean;
  /** Current representation in both formats. */
  read(): { json: unknown; text: string };
  /** Actuators only: apply a write; the payload decoded per its Content-Format. */
  write?(input: { json?: unknown; text?: string }): { ok: true } | { ok: false; message: string };
  /** Registers for notifications (the lab fires them on change and at the observe period). Returns unsubscribe. */
  onNotify(listener: () => void): () => void;
  /** Availability now: respond=false ⇒ drop silently (device offline / no response); delayMs ⇒ answer late. */
  availability(): { respond: boolean; delayMs: number };
}

export interface CoapServerOptions {
  host: string;
  port: number;
  resources: readonly CoapResource[];
  record: RecordFn;
  clock: Clock;
  logger: Logger;
  /** Answers requests from addresses other than the candidate's seat with 4.03 (exam sessions). */
  guard?: PeerGuard;
  /** What one peer may cost through Observe (default OBSERVE_LIMITS; tests shorten the times). */
  observeLimits?: Partial<ObserveLimits>;
}

export interface CoapServerHandle {
  host: string;
  port: number;
  /** Observe registrations in force (what the caps bound). */
  observations(): number;
  close(): Promise<void>;
}
