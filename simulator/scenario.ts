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
import { name, i18n, seconds } from '../core/schema.js';
import type { Problem } from '../core/errors.js';
import { LabError } from '../core/errors.js';
import { describeIssue } from '../core/schema-issues.js';
import { checkScenario } from './scenario-checks.js';
import { planLab } from './plan.js';
import { FAULT_TYPES } from '../core/faults.js';
import { LOGIN_METHODS } from '../protocols/codecs/login-methods.js';
import { DeviceSpec } from '../devices/field/scenario.js';
import { FAMILIES, familyShapes } from './families.js';
import { SecuritySpec } from './security.js';

export const FaultSpec = z
  .object({
    /** A device's name; for password-changed and key-rotated a login (a platform deviceName or the MQTT username). */
    device: z.string().min(1).max(64),
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
    /** password-changed: the new password or device secret. */
    password: z.string().min(8).max(64).optional(),
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
                /** How it may log in (docs/protocols/token-login.md); default [hmac]. */
                logins: z.array(z.enum(LOGIN_METHODS)).min(1).optional(),
                /** HS256 key of its tokens (the device may sign its own); absent = the lab's. */
                tokenSecret: z.string().min(16).max(128).optional(),
                /** SPKI PEM its RS256 tokens verify with (the device holds the private key); absent = the lab's key pair. */
                publicKey: z.string().startsWith('-----BEGIN PUBLIC KEY-----').max(4096).optional(),
              })
              .strict(),
          )
          .min(1)
          .max(100),
        /** Token and timed signed logins (simulator/lab-auth.ts). */
        auth: z
          .object({
            /** Lifetime of the tokens the lab issues, lab seconds. */
            tokenTtlS: z.number().int().min(5).max(86_400).default(300),
            /** Clock skew allowed on exp, nbf and iat. */
            skewS: z.number().int().min(0).max(300).default(5),
            /** A signed login's timestamp must be within ±this of the lab clock; absent = not checked. */
            timestampWindowS: z.number().int().min(1).max(3600).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * TLS the lab needs whoever starts it (`iotlab check`, `practice`, tests): the broker's TLS
     * listeners run with the lab's own CA, and, with `impostor`, an impostor endpoint
     * (protocols/tls/impostor.ts) is announced at `at` s as a backup broker: the lab publishes
     * `{"backup": "<mqtts URL>", "reason": …}` retained on `<prefix>/<notice>` (docs/card.md).
     */
    tls: z
      .object({
        /**
         * MQTT over TLS (or secure WebSocket) is the only way in: a right login over plain MQTT
         * gets CONNACK 5 saying so (the card says `mqtt.tlsOnly`); the lab's own clients go in
         * over TLS too.
         */
        only: z.boolean().optional(),
        impostor: z
          .object({
            at: z.number().min(0),
            notice: z
              .string()
              .regex(
                /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
                'a topic under the prefix (no wildcards)',
              ),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** The field devices (devices/field/): every other family reads, drives or carries them. */
    devices: z.array(DeviceSpec).max(200),
    /** `serial:`, `gateways:`, `board:` — one section per family of the registry. */
    ...familyShapes,
    faults: z.array(FaultSpec).default([]),
    /** The broker's access policy and simulated clients (simulator/security.ts, docs/acl.md). */
    security: SecuritySpec.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    checkScenario(s, ctx);
    for (const f of FAMILIES) f.check?.(s, ctx);
  })
  // Once the rest holds: these checks plan the scenario (with any seed).
  .superRefine((s, ctx) => {
    for (const f of FAMILIES) f.checkPlanned?.(s, ctx, () => planLab(s, 1));
  });

export type Scenario = z.infer<typeof Scenario>;
export type FaultSpec = z.infer<typeof FaultSpec>;
export type ScenarioInput = z.input<typeof Scenario>;

/** Validates an already-parsed object (e.g. a task's scenario builder output). */
export function validateScenario(input: unknown, file = '<scenario>'): Scenario {
  const result = Scenario.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    file,
    path: formatPath(issue.path),
    message: describeIssue(issue as Parameters<typeof describeIssue>[0], Scenario, input),
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
    return {
      file,
      path: where,
      message: describeIssue(issue, Scenario, input),
    };
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
