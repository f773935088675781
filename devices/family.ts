/**
 * What a device family gives a lab. The field devices (devices/field/) are the ground every lab
 * has: the other families read, drive or carry them. Every other family — serial devices, the
 * edge gateway, the MCU board, and the ones to come — is a folder under devices/ that exports one
 * `DeviceFamily`, and a line in the lab's registry (simulator/families.ts), which runs the steps
 * below for each family in its order:
 *
 *   scenario   its section of the scenario schema, merged into the lab's (simulator/scenario.ts)
 *   check      cross-references to the rest of the scenario, once every field is valid
 *   plan       its part of the plan, drawn from the seed (ids come from the lab's one namespace)
 *   instantiate  its models, when the lab is created: truth needs no sockets
 *   start      (on the instance) its runtime: listeners, clients, timers; its card section
 *
 * A family only sees what it declares it reads (`Needs`, `PlanNeeds`, `Deps`): the lab passes
 * its whole scenario, plan and options, and the compiler checks they carry what each family asks.
 */
import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { RecordFn } from '../core/evidence.js';
import type { FaultBook } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import type { PeerGuard } from '../protocols/listen.js';
import type { ModbusUnit } from '../protocols/modbus/types.js';
import type { SerialLine } from '../protocols/serial/line.js';
import type { Command, CommandOutcome, DeviceModel, Truth } from './field/model.js';
import type { SerialCardEntry } from './serial/card.js';

/** The field devices as other families reach them: by scenario name. */
export interface FieldAccess {
  model: (name: string) => DeviceModel;
  truthOf: (name: string, t: number) => Truth;
  /** Its Modbus data model; writes through it are applied and recorded like any command. */
  modbusUnitOf: (name: string) => { unitId: number; unit: ModbusUnit };
  /** Drives an actuator; the lab records and publishes the change. */
  command: (name: string, cmd: Command, source: string) => CommandOutcome;
}

/** What a family's models are built with (no sockets, no recorder). */
export interface FamilyModelContext {
  seed: number;
  faults: FaultBook;
  clock: Clock;
  field: FieldAccess;
}

/**
 * What families started earlier offer the ones after them. A family that offers something new
 * adds it here, so every dependency between families is written down in one place.
 */
export interface LabServices {
  /** From the serial family: the lines by device id (the board's UARTs attach to them). */
  serialLines?: ReadonlyMap<string, SerialLine>;
  /** From the serial family: the lines as the card gives them (a gateway's TCP endpoints). */
  serialCard?: readonly SerialCardEntry[];
}

export interface FamilyStartContext {
  clock: Clock;
  record: RecordFn;
  logger: Logger;
  /** The address to listen on. */
  host: string;
  /** Seat lock (exam sessions): which peers may use the family's endpoints. */
  guard?: PeerGuard;
  /**
   * The lab's TLS server certificate and key (PEM), when the lab has TLS: its own broker's, or in
   * an exam session the server's (same CA as the card's `mqtt.ca`). For a family's own TLS
   * listeners (a gateway's HTTPS API); the key goes to listeners only, never to evidence or card.
   */
  tls?: { cert: string; key: string };
  /**
   * How a client reaches the lab's MQTT broker (a gateway's northbound link): in a TLS-only lab
   * an `mqtts://` URL and the CA (PEM) to trust.
   */
  mqtt: { url: string; username?: string; password?: string; ca?: string };
  field: FieldAccess;
  services: LabServices;
}

export interface FamilyRuntime<Card extends object> {
  /** The family's section of the lab card (empty when it has nothing to show). */
  card: Card;
  provides?: LabServices;
  /** Closed before the lab's servers (a gateway's offline status must still reach the broker). */
  closeBeforeServers?: boolean;
  close(): Promise<void>;
}

export interface FamilyInstance<Card extends object> {
  /**
   * Its runtime module, loading since the lab was created (absent when it has nothing to run).
   * The lab waits for every family's before it starts any, so loading never delays one family's
   * start after another's (a serial device could speak before `lab.start`).
   */
  readonly loading?: Promise<unknown>;
  /** undefined: the family has nothing to run in this lab (no devices of its kind, or disabled). */
  start(ctx: FamilyStartContext): Promise<FamilyRuntime<Card> | undefined>;
}

export interface DeviceFamily<
  Name extends string,
  Shape extends z.ZodRawShape,
  Needs,
  PlanSection extends object,
  PlanNeeds,
  Deps,
  Instance extends FamilyInstance<object>,
> {
  readonly name: Name;
  readonly scenario: Shape;
  check?(s: Needs, ctx: z.RefinementCtx): void;
  /** Checks that need the plan (a scenario's seeded ids are unknown: planned with any seed). */
  checkPlanned?(s: Needs, ctx: z.RefinementCtx, planOf: () => PlanNeeds): void;
  plan(s: Needs, seed: number, usedIds: Set<string>): PlanSection;
  instantiate(plan: PlanNeeds, ctx: FamilyModelContext, deps: Deps): Instance;
}

/** Declares a family; only here so its types are inferred from the object. */
export function defineFamily<
  Name extends string,
  Shape extends z.ZodRawShape,
  Needs,
  PlanSection extends object,
  PlanNeeds,
  Deps,
  Instance extends FamilyInstance<object>,
>(
  family: DeviceFamily<Name, Shape, Needs, PlanSection, PlanNeeds, Deps, Instance>,
): DeviceFamily<Name, Shape, Needs, PlanSection, PlanNeeds, Deps, Instance> {
  return family;
}
