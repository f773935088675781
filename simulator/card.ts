/**
 * The lab card (DESIGN.md, "Lab card"): what a candidate or their program needs to reach the lab.
 * Built from the plan plus the addresses the servers listen on, so that two labs with the same
 * seed have the same card but for ports and start time.
 */
import type { CardDevice } from '../devices/field/card.js';
import { cardDevice } from '../devices/field/card.js';
import { serialEnv } from '../devices/serial/card.js';
import type { FamilyCards } from './families.js';
import type { LabPlan } from './plan.js';

export interface Endpoints {
  host: string;
  mqttPort: number;
  wsPort: number | undefined;
  /** MQTT over TLS and secure WebSocket, and the CA that signed the broker's certificate. */
  tls?: {
    port: number;
    wssPort?: number;
    caFile: { path: string; sha256: string; crl?: string };
    clientCert?: { cert: string; key: string; cn: string };
  };
  coapPort: number;
  modbusPort: number;
}

/** The lab's own part of the card; each family of the registry adds its section (FamilyCards). */
export interface LabCardBase {
  lab: {
    scenario: string;
    title: { zh: string; en: string };
    seed: number;
    labId: string;
    startedAt?: string;
  };
  mqtt: {
    url: string;
    wsUrl?: string;
    /** `mqtts://host:port` and `wss://host:port`, when the lab runs TLS. */
    tlsUrl?: string;
    wssUrl?: string;
    /** TLS is the only way in: `url` and `wsUrl` refuse a right login (CONNACK 5). */
    tlsOnly?: boolean;
    /**
     * The CA to trust for them: its PEM file and SHA-256 fingerprint (never a key), and the file
     * of its certificate revocation list, which the broker honours on mutual TLS.
     */
    ca?: { path: string; sha256: string; crl?: string };
    /**
     * A client certificate the CA issued (mutual TLS): its PEM file, its key file (mode 0600) and
     * its CN, the identity it logs in as.
     */
    clientCert?: { cert: string; key: string; cn: string };
    topicPrefix: string;
    username?: string;
    password?: string;
  };
  coap: { url: string };
  modbus: { host: string; port: number };
  evidence?: { path: string };
  devices: CardDevice[];
  /**
   * The security API (docs/acl.md), when the scenario has a `security:` section: its URL, the
   * bearer token it takes, and where the broker's access records are (JSONL; `?format=csv`).
   */
  security?: { api: string; token: string; accessLog: string };
}

/**
 * Beside the field devices: `serial` (TCP address, PTY path, real port, line settings, device
 * facts), `gateways` (configuration API, MQTT identity, lines held) and `board` (address, pin map,
 * bus map; docs/board.md) — each only when its family runs in the lab.
 */
export type LabCard = LabCardBase & FamilyCards;

export function buildCard(
  plan: LabPlan,
  ep: Endpoints,
  extra: {
    startedAt?: string;
    evidencePath?: string;
    sections?: FamilyCards;
    security?: { api: string; token: string; accessLog: string };
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
      ...(ep.tls ? { tlsUrl: `mqtts://${host}:${ep.tls.port}` } : {}),
      ...(ep.tls?.wssPort !== undefined ? { wssUrl: `wss://${host}:${ep.tls.wssPort}` } : {}),
      ...(ep.tls && s.tls?.only ? { tlsOnly: true } : {}),
      ...(ep.tls ? { ca: { ...ep.tls.caFile } } : {}),
      ...(ep.tls?.clientCert ? { clientCert: { ...ep.tls.clientCert } } : {}),
      topicPrefix: plan.topicPrefix,
      ...(s.mqtt ? { username: s.mqtt.username, password: s.mqtt.password } : {}),
    },
    coap: { url: `coap://${host}:${ep.coapPort}` },
    modbus: { host: ep.host, port: ep.modbusPort },
    ...(extra.evidencePath ? { evidence: { path: extra.evidencePath } } : {}),
    devices: plan.devices.map(cardDevice),
    ...(extra.security ? { security: extra.security } : {}),
    // In the registry's order; a family with nothing running has no section.
    ...extra.sections,
  };
}

/** The card without what changes from run to run (ports, start time, evidence path). */
export function stableCard(card: LabCard): unknown {
  const { lab, mqtt, devices } = card;
  const { startedAt: _s, ...labRest } = lab;
  const serial = card.serial?.map(({ tcp: _t, pty: _p, port: _r, files: _f, ...rest }) => rest);
  const gateways = card.gateways?.map(({ api: _a, apiTls: _t, ...rest }) => rest);
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

/** The variable naming a gateway's configuration API: `IOTLAB_GATEWAY_<NAME>_API`. */
export function gatewayEnvName(name: string): string {
  return `IOTLAB_GATEWAY_${name.toUpperCase()}_API`;
}

/** The variable naming a gateway's configuration API over HTTPS: `IOTLAB_GATEWAY_<NAME>_API_TLS`. */
export function gatewayTlsEnvName(name: string): string {
  return `${gatewayEnvName(name)}_TLS`;
}

/** Environment variables a submission gets (DESIGN.md; the contract is docs/card.md). */
export function cardEnv(card: LabCard, cardPath?: string): Record<string, string> {
  const env: Record<string, string> = {
    ...(cardPath ? { IOTLAB_CARD: cardPath } : {}),
    IOTLAB_MQTT_URL: card.mqtt.url,
    IOTLAB_TOPIC_PREFIX: card.mqtt.topicPrefix,
    IOTLAB_COAP_URL: card.coap.url,
    IOTLAB_MODBUS_HOST: card.modbus.host,
    IOTLAB_MODBUS_PORT: String(card.modbus.port),
  };
  if (card.mqtt.wsUrl) env.IOTLAB_MQTT_WS_URL = card.mqtt.wsUrl;
  if (card.mqtt.tlsUrl) env.IOTLAB_MQTT_TLS_URL = card.mqtt.tlsUrl;
  if (card.mqtt.wssUrl) env.IOTLAB_MQTT_WSS_URL = card.mqtt.wssUrl;
  if (card.mqtt.ca) env.IOTLAB_MQTT_CA = card.mqtt.ca.path;
  if (card.mqtt.clientCert) {
    env.IOTLAB_MQTT_CERT = card.mqtt.clientCert.cert;
    env.IOTLAB_MQTT_KEY = card.mqtt.clientCert.key;
  }
  if (card.mqtt.username) env.IOTLAB_MQTT_USERNAME = card.mqtt.username;
  if (card.mqtt.password) env.IOTLAB_MQTT_PASSWORD = card.mqtt.password;
  for (const g of card.gateways ?? []) {
    env[gatewayEnvName(g.name)] = g.api;
    if (g.apiTls) env[gatewayTlsEnvName(g.name)] = g.apiTls;
  }
  if (card.security) {
    env.IOTLAB_SECURITY_API = card.security.api;
    env.IOTLAB_SECURITY_TOKEN = card.security.token;
  }
  if (card.board) env.IOTLAB_BOARD = `${card.board.host}:${card.board.port}`;
  return card.serial ? { ...env, ...serialEnv(card.serial) } : env;
}
