/**
 * The scenario schema (YAML) and its loader. Zod is the one schema library (STYLE.md rule 4):
 * the TypeScript types below are inferred from the same schema that validates files, and every
 * problem is reported with the file, the path inside it, its line, and what was expected.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import type { Problem } from '../core/errors.js';
import { LabError } from '../core/errors.js';
import { checkScenario } from './scenario-checks.js';
import { serialDeviceSchemas } from '../devices/serial/scenario.js';
import { GatewaySpec, checkGateways } from '../devices/gateway/scenario.js';
import { BoardSpec, checkBoard } from '../devices/board/scenario.js';

const name = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}$/,
    'a name of lowercase letters, digits and _ (max 32), starting with a letter',
  );
const i18n = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
const seconds = z.number().positive();

/** A value trajectory: base ± seeded variation, a daily-like cycle, a trend, and noise. */
export const Profile = z
  .object({
    base: z.number(),
    /** The base moves by up to ± this much from seed to seed (per-candidate variants). */
    vary: z.number().min(0).default(0),
    amplitude: z.number().min(0).default(0),
    periodS: seconds.default(600),
    /** Linear trend, units per hour. */
    trend: z.number().default(0),
    /** Standard deviation of the measurement noise, in units (a new draw every second). */
    noise: z.number().min(0).default(0),
  })
  .strict();

export const Channel = z
  .object({
    quantity: name,
    unit: z.string().min(1),
    range: z.tuple([z.number(), z.number()]),
    /** Smallest step the device reports (e.g. 0.1 °C). */
    resolution: z.number().positive().default(0.01),
    profile: Profile,
  })
  .strict()
  .refine((c) => c.range[0] < c.range[1], {
    message: 'range must be [min, max] with min < max',
    path: ['range'],
  });

const MqttBinding = z
  .object({
    /** Telemetry period in seconds. */
    period: seconds.default(5),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    retain: z.boolean().default(false),
  })
  .strict();

const CoapBinding = z
  .object({
    /** Observe notifications at least this often, in seconds, besides on change. */
    observePeriod: seconds.default(5),
  })
  .strict();

const ModbusBinding = z
  .object({
    /** Unit id; drawn from the seed when absent. */
    unit: z.number().int().min(1).max(247).optional(),
    /** First register/coil address; drawn from the seed when absent. */
    address: z.number().int().min(0).max(65000).optional(),
    /** tcp: served by the lab's Modbus TCP server; rtu: only on a `modbus_rtu` serial line. */
    transport: z.enum(['tcp', 'rtu']).default('tcp'),
  })
  .strict();

/** A firmware version as devices report it: MAJOR.MINOR.PATCH, each part a decimal number. */
export const FirmwareVersion = z
  // YAML reads 1.2 as a number: say what is wanted rather than "expected string".
  .string({ error: 'a version MAJOR.MINOR.PATCH, e.g. 1.10.2 (quote it if YAML reads a number)' })
  .regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, 'a version MAJOR.MINOR.PATCH of numbers, e.g. 1.10.2');

/**
 * A device's firmware (docs/firmware.md): the version it runs at the start, and the release the
 * lab offers for it. Versions are queried and upgrades commanded over MQTT; an upgrade restarts
 * the device, offline for `rebootS`.
 */
export const FirmwareSpec = z
  .object({
    version: FirmwareVersion,
    release: z
      .object({
        version: FirmwareVersion,
        /** Size of the release image, bytes. */
        size: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024),
        /** SHA-256 of the image (lowercase hex); derived from the seed when absent. */
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
          .optional(),
      })
      .strict()
      .optional(),
    /** Seconds the device is offline while it restarts into a new firmware. */
    rebootS: seconds.max(300).default(5),
  })
  .strict();

const deviceBase = {
  name,
  title: i18n.optional(),
  mqtt: MqttBinding.optional(),
  coap: CoapBinding.optional(),
  modbus: ModbusBinding.optional(),
  firmware: FirmwareSpec.optional(),
};

export const SIGNALS = ['adc12', '4-20mA', '0-10V'] as const;

const AnalogDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('analog'),
    /** The raw representation real hardware gives, offered over Modbus. */
    signal: z.enum(SIGNALS).default('adc12'),
    channel: Channel,
  })
  .strict();

const DigitalDevice = z
  .object({ ...deviceBase, kind: z.literal('digital'), channels: z.array(Channel).min(1).max(8) })
  .strict();

export const SWITCH_TYPES = ['door', 'pir', 'button'] as const;
const SwitchDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('switch'),
    switchType: z.enum(SWITCH_TYPES),
    /** Mean time between events, seconds (events are a seeded Poisson process). */
    meanIntervalS: seconds.default(60),
    /** How long the contact stays active after an event, seconds. */
    holdS: seconds.max(600).default(5),
  })
  .strict();

export const ACTUATOR_TYPES = [
  'relay',
  'fan',
  'pump',
  'valve',
  'led',
  'buzzer',
  'alarm_light',
] as const;
const ActuatorDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('actuator'),
    actuatorType: z.enum(ACTUATOR_TYPES),
    initial: z.boolean().default(false),
  })
  .strict();

export const DeviceSpec = z.discriminatedUnion('kind', [
  AnalogDevice,
  DigitalDevice,
  SwitchDevice,
  ActuatorDevice,
]);

/** Byte-level devices reached over a serial line (raw TCP, PTY or a real port). */
export const SerialDeviceSpec = z.discriminatedUnion('kind', serialDeviceSchemas);

export const FAULT_TYPES = [
  'offline',
  'stuck',
  'drift',
  'noise',
  'spike',
  'slow',
  'no-response',
  /** Serial devices with CRC-framed protocols (CRC_FRAMED_KINDS): every frame sent has a bad CRC. */
  'crc-error',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const FaultSpec = z
  .object({
    device: name,
    type: z.enum(FAULT_TYPES),
    /** Seconds after lab start. */
    at: z.number().min(0),
    /** Seconds; absent = until the lab stops. */
    duration: seconds.optional(),
    /** drift: units per minute. */
    rate: z.number().optional(),
    /** noise: extra standard deviation, in units. */
    amplitude: z.number().min(0).optional(),
    /** spike: the value reported (default: 10% of the span beyond the range's max). */
    value: z.number().optional(),
    /** slow: response delay in ms. */
    delayMs: z.number().int().min(1).max(60_000).optional(),
  })
  .strict();

export const Scenario = z
  .object({
    name,
    title: i18n,
    description: i18n.optional(),
    /** `{lab}` is replaced by the seeded lab id. */
    topicPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_{}\-/]+$/, 'topic characters (letters, digits, _ - /) and {lab}')
      .default('iotlab/{lab}'),
    mqtt: z
      .object({ username: z.string().min(1), password: z.string().min(1) })
      .strict()
      .optional(),
    /**
     * A simulated IoT platform on the lab's broker: these devices log in with signed
     * credentials (Alibaba Cloud IoT style, protocols/codecs/platform-sign.ts).
     */
    platform: z
      .object({
        devices: z
          .array(
            z
              .object({
                productKey: z.string().regex(/^[A-Za-z0-9]{4,32}$/, 'letters and digits'),
                deviceName: z.string().regex(/^[A-Za-z0-9_\-.@:]{4,32}$/, 'a device name'),
                deviceSecret: z.string().min(8).max(64),
              })
              .strict(),
          )
          .min(1)
          .max(100),
      })
      .strict()
      .optional(),
    devices: z.array(DeviceSpec).max(200),
    serial: z.array(SerialDeviceSpec).max(64).default([]),
    faults: z.array(FaultSpec).default([]),
    /** Edge gateways polling the serial lines into MQTT (docs/gateway.md). */
    gateways: z.array(GatewaySpec).max(8).default([]),
    /** The virtual MCU board (docs/board.md); at most one per lab. */
    board: BoardSpec.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    checkScenario(s, ctx);
    checkBoard(s.board, s.devices, s.serial, ctx);
  })
  .superRefine((s, ctx) => checkGateways(s, ctx));

export type Scenario = z.infer<typeof Scenario>;
export type DeviceSpec = z.infer<typeof DeviceSpec>;
export type SerialDeviceSpec = z.infer<typeof SerialDeviceSpec>;
export type FaultSpec = z.infer<typeof FaultSpec>;
export type Channel = z.infer<typeof Channel>;
export type Profile = z.infer<typeof Profile>;
export type FirmwareSpec = z.infer<typeof FirmwareSpec>;
export type ScenarioInput = z.input<typeof Scenario>;

/** Validates an already-parsed object (e.g. a task's scenario builder output). */
export function validateScenario(input: unknown, file = '<scenario>'): Scenario {
  const result = Scenario.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    file,
    path: formatPath(issue.path),
    message: issue.message,
  }));
  throw new LabError(
    'SCENARIO_INVALID',
    `${file}: ${problems.length} problem(s) in the scenario`,
    { file },
    problems,
  );
}

/** Parses YAML text; problems carry the line number beside the path. */
export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => ({
      file,
      path: `line ${lineCounter.linePos(e.pos[0]).line}`,
      message: e.message.split('\n')[0] ?? e.message,
    }));
    throw new LabError('SCENARIO_PARSE', `${file}: not valid YAML`, { file }, problems);
  }
  const input: unknown = doc.toJS();
  const result = Scenario.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const node: unknown = doc.getIn(issue.path as (string | number)[], true);
    let where = formatPath(issue.path);
    if (isNode(node) && node.range) where += ` (line ${lineCounter.linePos(node.range[0]).line})`;
    return { file, path: where, message: issue.message };
  });
  throw new LabError(
    'SCENARIO_INVALID',
    `${file}: ${problems.length} problem(s) in the scenario`,
    { file },
    problems,
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** The folder holding the built-in scenarios, found from this module in src or dist. */
export function builtinScenarioDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios')))
      return join(dir, 'scenarios');
    dir = dirname(dir);
  }
  throw new LabError('SCENARIO_NOT_FOUND', 'cannot find the built-in scenarios folder');
}

export function listBuiltinScenarios(): { name: string; file: string; scenario: Scenario }[] {
  const dir = builtinScenarioDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      return { name: f.replace(/\.yaml$/, ''), file, scenario: loadScenarioFile(file) };
    });
}

/** Loads a scenario by built-in name (`greenhouse`) or by file path. */
export function loadScenario(nameOrFile: string): { scenario: Scenario; file: string } {
  const looksLikePath =
    nameOrFile.includes('/') || nameOrFile.endsWith('.yaml') || nameOrFile.endsWith('.yml');
  const file = looksLikePath
    ? resolve(nameOrFile)
    : join(builtinScenarioDir(), `${nameOrFile}.yaml`);
  if (!existsSync(file)) {
    const known = looksLikePath
      ? ''
      : ` (built-in: ${readdirSync(builtinScenarioDir())
          .map((f) => f.replace(/\.yaml$/, ''))
          .join(', ')})`;
    throw new LabError('SCENARIO_NOT_FOUND', `no scenario "${nameOrFile}"${known}`, { file });
  }
  return { scenario: loadScenarioFile(file), file };
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabError('SCENARIO_NOT_FOUND', `cannot read scenario file ${file}`, {
      cause: String(err),
    });
  }
  return parseScenario(text, file);
}
