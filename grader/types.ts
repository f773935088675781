/**
 * The task and check contracts (DESIGN.md, "Task" and "Score"). A task is data plus pure
 * functions: params from the seed, a scenario from the params, instruction variables, and checks
 * that read evidence and truth. Nothing here touches sockets or the wall clock.
 */
import type { DevicePlan } from '../devices/field/plan.js';
import type { LabPlan } from '../simulator/plan.js';
import type { EvidenceEvent } from '../core/evidence.js';
import type { ScenarioInput } from '../simulator/scenario.js';
import type { Truth } from '../devices/field/index.js';

export interface I18n {
  zh: string;
  en: string;
}
export type Lang = keyof I18n;

/** Task parameters: JSON scalars only, so they print, hash and render the same everywhere. */
export type TaskParams = Record<string, string | number | boolean>;

export type CheckStatus = 'passed' | 'partial' | 'failed' | 'manual';

/** A pointer into the evidence file: its seq and lab time, and what it shows. */
export interface EvidenceRef {
  seq: number;
  t: number;
  note?: string;
}

/** What a check's run returns: a share of its points in [0, 1] and what it saw. */
export interface CheckOutcome {
  score: number;
  expected: string;
  seen: string;
  evidence: EvidenceRef[];
  hint?: I18n;
  /** For a rubric check: false when there is nothing to mark (nothing handed in), a sure zero. */
  markable?: boolean;
}

/** One scored line of a report (DESIGN.md: `{ id, skill, points, earned, status, evidence[], hint }`). */
export interface CheckResult {
  id: string;
  skill: string;
  title: I18n;
  points: number;
  earned: number;
  status: CheckStatus;
  expected: string;
  seen: string;
  evidence: EvidenceRef[];
  hint?: I18n;
  /** True when an examiner must confirm this line (catalogue item assessed `manual`). */
  manual: boolean;
  /** Set for a critical check: the share of its points it needs (see CheckSpec.critical). */
  critical?: number;
}

export interface MqttPublishEvent extends EvidenceEvent {
  kind: 'mqtt.publish';
  topic: string;
  qos: number;
  retain: boolean;
  origin: 'client' | 'device';
  clientId?: string;
  /** The broker refused it (outside the candidate's prefix): it never counts as done. */
  denied?: boolean;
  /** `elided` in place of the bytes once the evidence passed its quota (core/evidence.ts). */
  payload: {
    raw?: string;
    text?: string;
    json?: unknown;
    elided?: { bytes: number; sha256: string };
  };
}

export interface AnswerEvent extends EvidenceEvent {
  kind: 'answer';
  key: string;
  value: string;
}

/** What a check reads: the evidence of one run and the truth recomputed from the seed. */
export interface GradeContext<P extends TaskParams = TaskParams> {
  readonly params: P;
  readonly seed: number;
  readonly plan: LabPlan;
  readonly events: readonly EvidenceEvent[];
  /** Lab time (ms) of lab.start, and of the deadline (start + time limit, or lab.stop if sooner). */
  readonly start: number;
  readonly end: number;
  device(name: string): DevicePlan;
  truth(deviceName: string, t: number): Truth;
  /** Lab times in [start, end] at which a switch device's state changes (its edges). */
  changes(deviceName: string): number[];
  /** Publishes by clients (not by the lab's devices) within [start, end]. */
  clientPublishes(): readonly MqttPublishEvent[];
  /**
   * Subscriptions the broker granted, up to the deadline, with a filter that receives `topic`, in
   * order. A refused subscription (outside the candidate's prefix) never counts.
   */
  subscriptions(topic: string): readonly EvidenceEvent[];
  /** The last answer given for each key within [start, end]. */
  answers(): ReadonlyMap<string, AnswerEvent>;
}

export interface CheckSpec<P extends TaskParams = TaskParams> {
  id: string;
  skill: string;
  points: number;
  title: I18n;
  /**
   * A critical check (DESIGN.md, "Score"): a task whose critical check falls short scores at most
   * CRITICAL_CAP, below the pass mark, whatever its other checks earn — values are the point of
   * an acquisition task, so plumbing alone must not pass. `true` needs the check's full points; a
   * number in (0, 1] needs that share of them (for checks scored by share, such as "90 % of the
   * rows stored"). The instructions state every critical check (tasks/bank.ts renders the line).
   */
  critical?: true | number;
  /**
   * A check people mark (issue 15): examiners score it against this rubric, independently, and
   * the panel's rule makes the final mark (server/marking.ts). `run` still reads the evidence (what
   * was handed in, automatic checks of it); its score is not used, but a run that finds nothing to
   * mark (`markable: false`) is a sure zero that needs no examiner.
   */
  rubric?: Rubric;
  run(ctx: GradeContext<P>): CheckOutcome;
}

/** A level descriptor of a rubric criterion: what earns `points`. */
export interface RubricLevel {
  points: number;
  text: I18n;
}

/** One criterion of a rubric: its points and what each level of work looks like. */
export interface RubricCriterion {
  id: string;
  title: I18n;
  points: number;
  /** From best to worst; the best level's points are the criterion's points, the worst is 0. */
  levels: RubricLevel[];
}

/** What examiners mark a manual check by; its criteria's points sum to the check's points. */
export interface Rubric {
  /** The hand-in item (TaskDefinition.handIn) it marks, or none for an observed performance. */
  handIn?: string;
  criteria: RubricCriterion[];
}

/** Kinds of file a candidate may hand in, told apart by their content, never their name. */
export const HANDIN_TYPES = ['pdf', 'docx', 'md', 'txt', 'png', 'jpeg', 'json', 'yaml'] as const;
export type HandinType = (typeof HANDIN_TYPES)[number];

/** Something the candidate hands in for a task: a document, a design or configuration file. */
export interface HandInSpec {
  id: string;
  title: I18n;
  types: HandinType[];
  /** Bytes at most (default and ceiling HANDIN_MAX_BYTES, tasks/handin.ts). */
  maxBytes?: number;
}

export interface TaskDefinition<P extends TaskParams = TaskParams> {
  id: string;
  title: I18n;
  level: 'L1' | 'L2' | 'L3';
  direction: 'EMB' | 'APP' | 'SYS' | 'ALL';
  /** Skill ids this task assesses; every check's skill is one of them. */
  skills: string[];
  /** Lab seconds the candidate has; evidence after the deadline is not graded. */
  timeLimitS: number;
  params(seed: number): P;
  scenario(params: P): ScenarioInput;
  /** Values the instruction templates use (`{{name}}`), from the params and the lab plan. */
  vars(params: P, plan: LabPlan): Record<string, string | number>;
  checks: CheckSpec<P>[];
  /** The reference solution's file, relative to the task's folder. */
  solution: string;
  /**
   * Files the candidate's program leaves in its work folder (IOTLAB_WORKDIR), which the task
   * runner reads when the time is up and records as one `capture` evidence event (tasks/capture.ts),
   * so grading still reads evidence only.
   */
  capture?(params: P, plan: LabPlan): CaptureRequest;
  /**
   * What the candidate hands in (issue 15): documents and design files that examiners mark by a
   * rubric (CheckSpec.rubric) and automatic checks may read. The runner records each as one
   * `handin` evidence event (tasks/handin.ts) with its type, size, SHA-256 and text.
   */
  handIn?: HandInSpec[];
  /**
   * A web app task (the candidate hands in a folder of static files): the browser profile and the
   * script the task runner plays against the app while the lab runs (tasks/app-run.ts), each step
   * recorded as `ui.*` evidence that the checks read. Pure data from the params.
   */
  app?(params: P, plan: LabPlan): AppScript;
  /**
   * Files the lab provides: the task runner writes them into the work folder before the
   * candidate's program starts (`iotlab check`, `iotlab practice`; tasks/prepare.ts). They are
   * data, a pure function of the params, so the grader can recompute what they held.
   */
  prepare?(params: P, plan: LabPlan): PreparedFile[];
}

/**
 * One step of an app task's script, at a lab time (ms after lab start): read the elements with
 * these `data-testid`s (one `ui.read` each, with the `attrs` attributes of each when given, e.g. a
 * chart's `data-series`), tap the element with this test id (a mouse click in the desktop
 * profile), or take a screenshot.
 */
export type UiStep =
  | { at: number; read: string[]; attrs?: string[] }
  | { at: number; tap: string }
  | { at: number; screenshot: string };

export interface AppScript {
  /** phone: 390×844, touch, zh-CN; desktop: 1366×768. */
  profile: 'phone' | 'desktop';
  steps: UiStep[];
}

/**
 * What the runner captures from a SQLite file in the work folder: the schema of every table,
 * index, view and trigger, the rows of `table`, and the rows of each of `tables` (tables or views).
 */
export interface CaptureRequest {
  sqlite: { file: string; table?: string; tables?: string[] };
}

/**
 * A file the runner writes into the work folder before the program starts: a SQLite database
 * made by running `sqliteScript` (SQL) on a new, empty database, or a text file. `file` is a
 * plain name, no folders.
 */
export type PreparedFile = { file: string; sqliteScript: string } | { file: string; text: string };

/** A task of the bank, its params type erased (checks get the params their task made). */
export type Task = TaskDefinition<TaskParams>;

export function defineTask<P extends TaskParams>(def: TaskDefinition<P>): Task {
  // Checks are methods (bivariant), so a typed task is a bank Task; the bank only ever passes
  // a task's checks the params that same task's generator made.
  return def;
}
