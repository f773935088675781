/**
 * The registry of device families beside the field devices (devices/family.ts says what a family
 * is). The lab plans, instantiates and starts them in this order, and composes its scenario schema,
 * plan, card and options from theirs: adding a family is a folder under devices/ and a line here.
 *
 * Order matters twice: ids are drawn in it (serial devices before the board, as always, so seeded
 * ids do not change), and a family may use what the ones before it provide (the gateway polls the
 * serial lines; the board's UARTs attach to them).
 */
import { boardFamily } from '../devices/board/family.js';
import { gatewayFamily } from '../devices/gateway/family.js';
import { serialFamily } from '../devices/serial/family.js';

export const FAMILIES = [serialFamily, gatewayFamily, boardFamily] as const;

type Family = (typeof FAMILIES)[number];
/** `A | B` → `A & B`: the sections of every family, side by side. */
type Merge<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type RuntimeOf<F extends Family> = NonNullable<
  Awaited<ReturnType<ReturnType<F['instantiate']>['start']>>
>;

/** Every family's section of the scenario schema (zod shapes). */
export type FamilyShapes = Merge<Family['scenario']>;
/** Every family's section of the plan. */
export type FamilyPlans = Merge<ReturnType<Family['plan']>>;
/** Every family's section of the card (absent when the family has nothing running). */
export type FamilyCards = Partial<Merge<RuntimeOf<Family>['card']>>;
/** The lab options families read (LabDeps carries them). */
export type FamilyDeps = Merge<Parameters<Family['instantiate']>[2]>;
/** The families' instances by name: their models (the lab's API reads them) and start(). */
export type FamilyInstances = { [F in Family as F['name']]: ReturnType<F['instantiate']> };

export const familyShapes = Object.assign(
  {},
  ...FAMILIES.map((f) => f.scenario),
) as unknown as FamilyShapes;
