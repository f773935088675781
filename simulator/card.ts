/**
 * The lab card (DESIGN.md, "Lab card"): what a candidate or their program needs to reach the lab.
 * Built from the plan plus the addresses the servers listen on, so that two labs with the same
 * seed have the same card but for ports and start time.
 */
import type { BoardCard } from '../devices/board/card.js';
import type { CardDevice } from '../devices/field/card.js';
import { cardDevice } from '../devices/field/card.js';
import type { GatewayCardEntry } from '../devices/gateway/card.js';
import type { SerialCardEntry } from '../devices/serial/card.js';
import { serialEnv } from '../devices/serial/card.js';
import type { LabPlan } from './plan.js';

export interface Endpoints {
  host: string;
  mqttPort: number;
  wsPort: number | undefined;
  coapPort: number;
  modbusPort: number;
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
