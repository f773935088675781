/**
 * Scenario schema of an edge gateway: a virtual gateway that polls Modbus RTU slaves and
 * field controllers on the lab's serial lines by a poll table and publishes the values to the
 * lab's MQTT broker. The same schema validates a scenario's `gateways:` entries and the body of
 * the gateway's own `PUT /config`, and the types below are inferred from it (STYLE.md rule 4).
 *
 * Two layers of checks:
 *   - this schema, with `checkGatewayShape`: what a config says on its own (templates, duplicate
 *     points, fields that do not go together);
 *   - `resolveGateway` (gateway-config.ts): the config against the lab's lines, units and
 *     register maps. `gatewayScenarioProblems` runs it against a whole scenario.
 *
 * Templates. `topic` and `payload` are text with placeholders in braces:
 *   topic:   {prefix} the lab's topic prefix   {lab} the lab id   {name} the gateway's name
 *            {point} the point's name          {line} its serial line {quantity} its quantity
 *   payload: {ts} epoch ms of the reading (a JSON number)   {iso} the same as ISO 8601 text
 *            {value} the engineering value (a JSON number, or true/false for coils, discrete
 *            inputs, switches and actuators)   {raw} the raw register or channel value
 *            {unit} engineering unit text      {quantity} {point} {name} {line} as above
 *            {slave} the Modbus slave (unit) address or controller address
 * Text placeholders are inserted JSON-escaped (without quotes), so a payload template that is
 * JSON with its text placeholders inside quotes renders to valid JSON.
 */
import { z } from 'zod';
import { name, i18n } from '../../core/schema.js';
import type { Problem } from '../../core/errors.js';
import { gatewayScenarioProblemsOf } from './config.js';
import { PASSWORD_MASK, parseBrokerUrl } from './link.js';
import type { PlanView } from './world.js';

export const TOPIC_PLACEHOLDERS = ['prefix', 'lab', 'name', 'point', 'line', 'quantity'] as const;
export const PAYLOAD_PLACEHOLDERS = [
  'ts',
  'iso',
  'value',
  'raw',
  'unit',
  'quantity',
  'point',
  'name',
  'line',
  'slave',
] as const;
export const DEFAULT_TOPIC = '{prefix}/gw/{name}/{point}';
export const DEFAULT_PAYLOAD = '{"ts":{ts},"value":{value},"unit":"{unit}"}';

export const MODBUS_TABLES = ['coil', 'discrete', 'input', 'holding'] as const;
export const CONTROLLER_TABLES = ['sensor', 'actuator'] as const;
export const GATEWAY_TABLES = [...MODBUS_TABLES, ...CONTROLLER_TABLES] as const;
export type GatewayTable = (typeof GATEWAY_TABLES)[number];
/** Serial device kinds a gateway can poll. */
export const GATEWAY_LINE_KINDS = ['modbus_rtu', 'controller'] as const;

/** One row of the poll table. */
export const GatewayPoll = z
  .object({
    /** The point's name: the last level of its topic, the key of its status. */
    point: name,
    /** Name of the serial device to poll: a `modbus_rtu` line or a `controller`. */
    line: name,
    /** Modbus: slave address or the device's name; controller: its address (default: the card's). */
    unit: z.union([z.number().int().min(1).max(247), name]).optional(),
    /** Modbus register table; a controller has `sensor` (default) and `actuator` channels. */
    table: z.enum(GATEWAY_TABLES).optional(),
    /** Modbus: 0-based PDU address (default: the unit's register of `quantity`, or its first). */
    address: z.number().int().min(0).max(65535).optional(),
    /** Picks the unit's register by the quantity it holds (e.g. `humidity`). */
    quantity: z.string().min(1).max(32).optional(),
    /** Modbus register type (default: the register map's). */
    type: z.enum(['uint16', 'int16', 'bool']).optional(),
    /** Engineering value = raw × scale + offset (default: the register map's or channel's). */
    scale: z
      .number()
      .refine((s) => s !== 0, 'scale must not be 0')
      .optional(),
    offset: z.number().optional(),
    /** Controller: the sensor or actuator channel. */
    channel: z.number().int().min(0).max(254).optional(),
    periodS: z.number().min(0.1).max(86_400),
    /** Accept commands on `<topic>/set` (coils, holding registers, actuator channels). */
    writable: z.boolean().default(false),
  })
  .strict();

export const NORTHBOUND_TOPIC_PLACEHOLDERS = ['prefix', 'lab', 'name'] as const;
export const DEFAULT_STATUS_TOPIC = '{prefix}/gw/{name}/status';

/**
 * The northbound (platform) connection: which MQTT broker the gateway publishes to and as
 * whom. Absent, or without url, it is the lab's broker with the scenario's credentials.
 */
/** A certificate chain or key in PEM is a few KiB; this bounds what one PUT can make us hold. */
const PEM_MAX = 32_768;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY =
  /-----BEGIN ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----[\s\S]+?-----END ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----/;

export const GatewayNorthbound = z
  .object({
    /**
     * Broker URL, mqtt://host:port (port default 1883) or mqtts://host:port over TLS (port
     * default 8883); default: the lab's broker.
     */
    url: z.string().min(1).max(300).optional(),
    /** mqtts: the CA certificate(s) the broker's certificate must chain to (PEM). */
    ca: z.string().min(1).max(PEM_MAX).optional(),
    /** mqtts: the gateway's client certificate (PEM), for a broker that asks for one (mutual TLS). */
    cert: z.string().min(1).max(PEM_MAX).optional(),
    /** The client certificate's private key (PEM); never shown back, like the password. */
    key: z.string().min(1).max(PEM_MAX).optional(),
    /** MQTT client id (default `iotlab-gw-<name>-<lab id>`). */
    clientId: z.string().min(1).max(64).optional(),
    username: z.string().min(1).max(128).optional(),
    /** Never shown back: GET /config and the evidence show ********. */
    password: z.string().max(128).optional(),
    /** MQTT keep alive in seconds (0 = off). */
    keepaliveS: z.number().int().min(0).max(65_535).default(60),
    /** MQTT clean session: false keeps the broker's session (subscriptions, QoS 1) across drops. */
    cleanSession: z.boolean().default(true),
    /** Status topic, also the last will's (retained, QoS 1); placeholders {prefix} {lab} {name}. */
    statusTopic: z.string().min(1).max(200).default(DEFAULT_STATUS_TOPIC),
    /** Readings kept while the link is down, sent in order when it is back (0 = none; oldest dropped). */
    queue: z.number().int().min(0).max(10_000).default(1000),
  })
  .strict();
export type GatewayNorthbound = z.infer<typeof GatewayNorthbound>;

export const GatewaySpec = z
  .object({
    name,
    title: i18n.optional(),
    /** Topic template of point values (placeholders in the header of this file). */
    topic: z.string().min(1).max(200).default(DEFAULT_TOPIC),
    /** Payload template of point values. */
    payload: z.string().min(1).max(1000).default(DEFAULT_PAYLOAD),
    qos: z.union([z.literal(0), z.literal(1)]).default(0),
    retain: z.boolean().default(false),
    /** Port of the configuration API (HTTP/JSON); 0 or absent = any free port. */
    apiPort: z.number().int().min(0).max(65535).optional(),
    /** How long to wait for an answer before the point is in error. */
    timeoutMs: z.number().int().min(20).max(10_000).default(500),
    poll: z.array(GatewayPoll).min(1).max(64),
    northbound: GatewayNorthbound.optional(),
  })
  .strict()
  .superRefine(checkGatewayShape);

export type GatewaySpec = z.infer<typeof GatewaySpec>;
export type GatewaySpecInput = z.input<typeof GatewaySpec>;
export type GatewayPoll = z.infer<typeof GatewayPoll>;

/** A problem with a path inside the gateway config (`poll[2].address`) and its kind. */
export interface GatewayProblem {
  path: (string | number)[];
  message: string;
  /**
   * error: the config cannot work as written. inventory: it does not match what is on the lab's
   * lines (no such unit or register); a real gateway would poll and time out.
   */
  severity: 'error' | 'inventory';
}

const READ_ONLY: Partial<Record<GatewayTable, string>> = {
  input: 'input registers are read-only',
  discrete: 'discrete inputs are read-only',
  sensor: 'sensor channels are read-only',
};
const WRITABLE_HINT =
  'a writable point is a coil or holding register (Modbus) or an actuator channel (controller)';

/** What a gateway config says on its own; superRefine-style, for the schema above. */
export function checkGatewayShape(
  g: Pick<GatewaySpec, 'topic' | 'payload' | 'poll' | 'northbound'>,
  ctx: z.RefinementCtx,
): void {
  for (const p of shapeProblems(g))
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}

export function shapeProblems(
  g: Pick<GatewaySpec, 'topic' | 'payload' | 'poll' | 'northbound'>,
): GatewayProblem[] {
  const out: GatewayProblem[] = [];
  const issue = (path: (string | number)[], message: string): void => {
    out.push({ path, message, severity: 'error' });
  };
  for (const bad of unknownPlaceholders(g.topic, TOPIC_PLACEHOLDERS))
    issue(['topic'], `unknown placeholder {${bad}} (known: ${known(TOPIC_PLACEHOLDERS)})`);
  for (const bad of unknownPlaceholders(g.payload, PAYLOAD_PLACEHOLDERS))
    issue(['payload'], `unknown placeholder {${bad}} (known: ${known(PAYLOAD_PLACEHOLDERS)})`);
  if (!g.topic.includes('{point}'))
    issue(['topic'], 'needs {point}, or every point would publish on the same topic');
  if (/[+#]/.test(g.topic))
    issue(['topic'], 'MQTT wildcards + and # cannot be in a topic to publish on');
  if (/^\/|\/\/|\/$/.test(g.topic))
    issue(['topic'], 'topic levels must not be empty (no leading, trailing or double /)');

  if (g.northbound) out.push(...northboundProblems(g.northbound));

  const first = new Map<string, number>();
  g.poll.forEach((p, i) => {
    const at = first.get(p.point);
    if (at !== undefined)
      issue(['poll', i, 'point'], `duplicate point "${p.point}" (first at poll[${at}])`);
    else first.set(p.point, i);
    if (p.table !== undefined) {
      const isBits = p.table === 'coil' || p.table === 'discrete';
      if (p.type === 'bool' && (p.table === 'input' || p.table === 'holding'))
        issue(
          ['poll', i, 'type'],
          `${p.table} registers are uint16 or int16; bool is for coil and discrete tables`,
        );
      if ((p.type === 'uint16' || p.type === 'int16') && isBits)
        issue(
          ['poll', i, 'type'],
          `${p.table} values are bool; uint16 and int16 are for input and holding registers`,
        );
      const ro = READ_ONLY[p.table];
      if (p.writable && ro) issue(['poll', i, 'writable'], `${ro}; ${WRITABLE_HINT}`);
    }
    if (p.channel !== undefined && p.address !== undefined)
      issue(
        ['poll', i, 'channel'],
        'give address (Modbus register) or channel (controller), not both',
      );
  });
  return out;
}

function northboundProblems(n: GatewayNorthbound): GatewayProblem[] {
  const out: GatewayProblem[] = [];
  const issue = (field: string, message: string): void => {
    out.push({ path: ['northbound', field], message, severity: 'error' });
  };
  const parsed = n.url !== undefined ? parseBrokerUrl(n.url) : undefined;
  if (parsed && !parsed.ok) issue('url', parsed.message);
  const tls = parsed?.ok === true && parsed.tls;
  for (const f of ['ca', 'cert', 'key'] as const) {
    const v = n[f];
    if (v === undefined) continue;
    if (!tls)
      issue(f, `${f} is for a TLS link: the url must be mqtts://host:port (or leave ${f} out)`);
    else if (v !== PASSWORD_MASK && !(f === 'key' ? PEM_KEY : PEM_CERT).test(v))
      issue(
        f,
        f === 'key'
          ? 'not a private key in PEM (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)'
          : 'not a certificate in PEM (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
      );
  }
  if ((n.cert === undefined) !== (n.key === undefined))
    issue(
      n.cert === undefined ? 'cert' : 'key',
      'a client certificate needs its key: give both cert and key',
    );
  if (n.password !== undefined && n.username === undefined)
    issue('password', 'a password needs a username (MQTT 3.1.1 §3.1.2.9): set username too');
  if (n.clientId !== undefined && /[^\x21-\x7e]/.test(n.clientId))
    issue('clientId', 'use printable ASCII without spaces (brokers may refuse others)');
  for (const bad of unknownPlaceholders(n.statusTopic, NORTHBOUND_TOPIC_PLACEHOLDERS))
    issue(
      'statusTopic',
      `unknown placeholder {${bad}} (known: ${known(NORTHBOUND_TOPIC_PLACEHOLDERS)})`,
    );
  if (/[+#]/.test(n.statusTopic))
    issue('statusTopic', 'MQTT wildcards + and # cannot be in a topic to publish on');
  if (/^\/|\/\/|\/$/.test(n.statusTopic))
    issue('statusTopic', 'topic levels must not be empty (no leading, trailing or double /)');
  return out;
}

function unknownPlaceholders(template: string, allowed: readonly string[]): string[] {
  const bad = new Set<string>();
  for (const m of template.matchAll(/\{([a-z]+)\}/g)) if (!allowed.includes(m[1]!)) bad.add(m[1]!);
  return [...bad];
}

function known(list: readonly string[]): string {
  return list.map((p) => `{${p}}`).join(', ');
}

/** What the gateway checks read from the rest of a scenario: the names already taken. */
interface ScenarioView {
  devices: readonly { name: string }[];
  serial: readonly { name: string }[];
}

/**
 * The gateways of a scenario against its lines and devices (superRefine-style: call it from
 * the scenario schema's refinement). Unit ids and register addresses a scenario leaves to the
 * seed are unknown here, so a config that names them by number is refused with a hint.
 */
export function checkGateways(
  s: ScenarioView & { gateways?: readonly GatewaySpec[] },
  ctx: z.RefinementCtx,
  planOf: () => PlanView,
): void {
  for (const p of gatewayScenarioProblems(s, s.gateways ?? [], planOf))
    ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}

/** The same checks, as problems with paths from the scenario's top (`gateways[0].poll[2]…`). */
export function gatewayScenarioProblems(
  scenario: ScenarioView,
  gateways: readonly GatewaySpec[],
  planOf: () => PlanView,
): GatewayProblem[] {
  const out: GatewayProblem[] = [];
  const names = new Map<string, number>();
  const ports = new Map<number, number>();
  const deviceNames = new Set([...scenario.devices, ...scenario.serial].map((d) => d.name));
  gateways.forEach((g, i) => {
    const path = (...rest: (string | number)[]): (string | number)[] => ['gateways', i, ...rest];
    const err = (p: (string | number)[], message: string): void => {
      out.push({ path: p, message, severity: 'error' });
    };
    const first = names.get(g.name);
    if (first !== undefined)
      err(path('name'), `duplicate gateway name "${g.name}" (first at gateways[${first}])`);
    else names.set(g.name, i);
    if (deviceNames.has(g.name))
      err(path('name'), `"${g.name}" is already the name of a device of the scenario`);
    if (g.apiPort) {
      const other = ports.get(g.apiPort);
      if (other !== undefined)
        err(path('apiPort'), `port ${g.apiPort} is already used by gateways[${other}]`);
      else ports.set(g.apiPort, i);
    }
  });
  for (const p of gatewayScenarioProblemsOf(planOf, gateways)) out.push(p);
  return out;
}

/** `['poll', 2, 'address']` → `poll[2].address`. */
export function formatGatewayPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** A problem as the API and error messages show it. */
export function asProblem(p: { path: readonly PropertyKey[]; message: string }): Problem {
  return { path: formatGatewayPath(p.path), message: p.message };
}
