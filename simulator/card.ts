/**
 * The lab card (DESIGN.md, "Lab card"): what a candidate or their program needs to reach the lab.
 * Built from the plan plus the addresses the servers listen on, so that two labs with the same
 * seed have the same card but for ports and start time.
 */
import type { DevicePlan, LabPlan, RegisterEntry } from './plan.js';
import type { LineSettings } from '../devices/serial/scenario.js';
import type { BoardCard } from '../devices/board/card.js';
import type { FirmwareRelease } from '../devices/field/firmware-plan.js';

export interface Endpoints {
  host: string;
  mqttPort: number;
  wsPort: number | undefined;
  coapPort: number;
  modbusPort: number;
}

export interface CardDevice {
  id: string;
  name: string;
  kind: string;
  /** analog: signal; switch: switchType; actuator: actuatorType; digital: "digital". */
  type: string;
  title?: { zh: string; en: string };
  channels?: { quantity: string; unit: string; range: [number, number]; resolution: number }[];
  mqtt?: {
    telemetryTopic: string;
    statusTopic: string;
    commandTopic?: string;
    stateTopic?: string;
    period: number;
    qos: number;
    retain: boolean;
  };
  coap?: { path: string; observable: boolean; observePeriod: number };
  /** transport 'rtu': only on the modbus_rtu serial line that lists it, not on Modbus TCP. */
  modbus?: { unit: number; transport: 'tcp' | 'rtu'; registers: RegisterEntry[] };
  /**
   * Its firmware service (docs/firmware.md): where to ask, the release offered, the restart
   * time. Not the version it runs: that is what a version query is for.
   */
  firmware?: {
    commandTopic: string;
    replyTopic: string;
    release?: FirmwareRelease;
    rebootS: number;
  };
}

export interface SerialCardEntry {
  id: string;
  name: string;
  kind: string;
  title?: { zh: string; en: string };
  tcp: { host: string; port: number };
  /** Where the device's files are served: `baseUrl + info.codes[i].image` (barcode/QR images). */
  files?: { baseUrl: string };
  pty?: string;
  port?: string;
  settings: LineSettings;
  info: Record<string, unknown>;
}

/** An edge gateway (docs/gateway.md): its configuration API, MQTT identity and the lines it holds. */
export interface GatewayCardEntry {
  name: string;
  title?: { zh: string; en: string };
  /** Base URL of the configuration API (GET/PUT /config, GET /status, GET /points). */
  api: string;
  /** Retained JSON: online, line states, per-point ok/error. */
  statusTopic: string;
  clientId: string;
  /** Serial lines the gateway holds (their TCP ports refuse other hosts while it does). */
  lines: string[];
}

export interface LabCard {
  lab: {
    scenario: string;
    title: { zh: string; en: string };
    seed: number;
    labId: string;
    startedAt?: string;
  };
  mqtt: { url: string; wsUrl?: string; topicPrefix: string; username?: string; password?: string };
  coap: { url: string };
  modbus: { host: string; port: number };
  evidence?: { path: string };
  devices: CardDevice[];
  /** Byte-level devices: TCP address, PTY path, real port, line settings, device facts. */
  serial?: SerialCardEntry[];
  /** Edge gateways polling serial lines into MQTT. */
  gateways?: GatewayCardEntry[];
  /** The virtual MCU board: address, pin map, bus map (docs/board.md). */
  board?: BoardCard;
}

export function buildCard(
  plan: LabPlan,
  ep: Endpoints,
  extra: {
    startedAt?: string;
    evidencePath?: string;
    serial?: SerialCardEntry[];
    gateways?: GatewayCardEntry[];
    board?: BoardCard;
  } = {},
): LabCard {
  const s = plan.scenario;
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return {
    lab: {
      scenario: s.name,
      title: s.title,
      seed: plan.seed,
      labId: plan.labId,
      ...(extra.startedAt ? { startedAt: extra.startedAt } : {}),
    },
    mqtt: {
      url: `mqtt://${host}:${ep.mqttPort}`,
      ...(ep.wsPort !== undefined ? { wsUrl: `ws://${host}:${ep.wsPort}` } : {}),
      topicPrefix: plan.topicPrefix,
      ...(s.mqtt ? { username: s.mqtt.username, password: s.mqtt.password } : {}),
    },
    coap: { url: `coap://${host}:${ep.coapPort}` },
    modbus: { host: ep.host, port: ep.modbusPort },
    ...(extra.evidencePath ? { evidence: { path: extra.evidencePath } } : {}),
    devices: plan.devices.map(cardDevice),
    ...(extra.serial && extra.serial.length > 0 ? { serial: extra.serial } : {}),
    ...(extra.gateways && extra.gateways.length > 0 ? { gateways: extra.gateways } : {}),
    ...(extra.board ? { board: extra.board } : {}),
  };
}

function cardDevice(d: DevicePlan): CardDevice {
  const spec = d.spec;
  const type =
    spec.kind === 'analog'
      ? spec.signal
      : spec.kind === 'switch'
        ? spec.switchType
        : spec.kind === 'actuator'
          ? spec.actuatorType
          : 'digital';
  const out: CardDevice = { id: d.id, name: d.name, kind: spec.kind, type };
  if (spec.title) out.title = spec.title;
  if (d.channels.length > 0)
    out.channels = d.channels.map((c) => ({
      quantity: c.channel.quantity,
      unit: c.channel.unit,
      range: c.channel.range,
      resolution: c.channel.resolution,
    }));
  if (d.mqtt) out.mqtt = { ...d.mqtt };
  if (d.coap)
    out.coap = { path: d.coap.path, observable: true, observePeriod: d.coap.observePeriod };
  if (d.modbus)
    out.modbus = {
      unit: d.modbus.unit,
      transport: d.modbus.transport,
      registers: d.modbus.registers,
    };
  const fw = d.firmware;
  if (fw)
    out.firmware = {
      commandTopic: fw.commandTopic,
      replyTopic: fw.replyTopic,
      ...(fw.release ? { release: { ...fw.release } } : {}),
      rebootS: fw.rebootMs / 1000,
    };
  return out;
}

/** The card without what changes from run to run (ports, start time, evidence path). */
export function stableCard(card: LabCard): unknown {
  const { lab, mqtt, devices } = card;
  const { startedAt: _s, ...labRest } = lab;
  const serial = card.serial?.map(({ tcp: _t, pty: _p, port: _r, files: _f, ...rest }) => rest);
  const gateways = card.gateways?.map(({ api: _a, ...rest }) => rest);
  const board = card.board ? (({ port: _p, host: _h, ...rest }) => rest)(card.board) : undefined;
  return {
    lab: labRest,
    topicPrefix: mqtt.topicPrefix,
    devices,
    ...(serial ? { serial } : {}),
    ...(gateways ? { gateways } : {}),
    ...(board ? { board } : {}),
  };
}

/** Environment variables a submission gets (DESIGN.md). */
export function cardEnv(card: LabCard, cardPath?: string): Record<string, string> {
  const env: Record<string, string> = {
    IOTLAB_MQTT_URL: card.mqtt.url,
    IOTLAB_TOPIC_PREFIX: card.mqtt.topicPrefix,
    IOTLAB_COAP_URL: card.coap.url,
    IOTLAB_MODBUS_HOST: card.modbus.host,
    IOTLAB_MODBUS_PORT: String(card.modbus.port),
  };
  if (cardPath) env.IOTLAB_CARD = cardPath;
  if (card.mqtt.wsUrl) env.IOTLAB_MQTT_WS_URL = card.mqtt.wsUrl;
  if (card.mqtt.username) env.IOTLAB_MQTT_USERNAME = card.mqtt.username;
  if (card.mqtt.password) env.IOTLAB_MQTT_PASSWORD = card.mqtt.password;
  for (const g of card.gateways ?? []) env[`IOTLAB_GATEWAY_${g.name.toUpperCase()}_API`] = g.api;
  if (card.board) env.IOTLAB_BOARD = `${card.board.host}:${card.board.port}`;
  return card.serial ? { ...env, ...serialEnv(card.serial) } : env;
}

/** `IOTLAB_SERIAL_<DEVICE_ID>` = host:port for every serial device (DESIGN.md). */
export function serialEnv(entries: readonly SerialCardEntry[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of entries)
    env[`IOTLAB_SERIAL_${e.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] =
      `${e.tcp.host}:${e.tcp.port}`;
  return env;
}
