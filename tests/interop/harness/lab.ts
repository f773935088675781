/**
 * A lab started the way a person starts one — `iotlab start` through `runCli`, in this process,
 * every port ephemeral — plus what the interop tests need around it: the card, the evidence
 * file while it grows, and device truth recomputed from (scenario, seed) the way the grader will.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/program.js';
import { createModel } from '../../../devices/field/index.js';
import type { DeviceModel } from '../../../devices/field/index.js';
import type { CardDevice } from '../../../devices/field/card.js';
import type { LabCard } from '../../../simulator/card.js';
import type { ChainProblem, EvidenceEvent } from '../../../core/evidence.js';
import { readEvidence } from '../../../core/evidence.js';
import { FaultBook } from '../../../core/faults.js';
import { planLab } from '../../../simulator/plan.js';
import { loadScenario } from '../../../simulator/scenario.js';

export interface StoppedLab {
  code: number;
  events: EvidenceEvent[];
  problems: ChainProblem[];
}

export interface RunningLab {
  card: LabCard;
  cardPath: string;
  evidencePath: string;
  mqtt: { host: string; port: string };
  coapBase: string;
  modbus: { host: string; port: string };
  device(name: string): CardDevice;
  /** Stops the lab (idempotent), reads its evidence and removes its temporary folder. */
  stop(): Promise<StoppedLab>;
  /** The evidence flushed so far (the recorder flushes every 250 ms). */
  evidence(): EvidenceEvent[];
  /** Polls the evidence file until `pick` finds something. */
  waitForEvidence<T>(what: string, pick: (events: EvidenceEvent[]) => T | undefined): Promise<T>;
  /** Device models rebuilt from the plan: truth(t) as the grader will compute it. */
  model(deviceId: string): DeviceModel;
}

/**
 * `gateway: true` starts the scenario's edge gateways; by default they are off, because the
 * other interop tests count every request the lab's devices record and a gateway adds its own.
 */
export async function startLab(opts: {
  seed: number;
  speed?: number;
  gateway?: boolean;
}): Promise<RunningLab> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-interop-'));
  const cardPath = join(dir, 'card.json');
  const evidencePath = join(dir, 'evidence.jsonl');
  const controller = new AbortController();
  let output = '';
  let started: (card: LabCard) => void = () => undefined;
  const startedCard = new Promise<LabCard>((resolve) => (started = resolve));
  const argv = [
    'start',
    ...[
      '--mqtt-port',
      '0',
      '--ws-port',
      '0',
      '--mqtts-port',
      '0',
      '--wss-port',
      '0',
      '--coap-port',
      '0',
      '--modbus-port',
      '0',
      '--serial-port',
      '0',
      '--gateway-port',
      '0',
      '--gateway-tls-port',
      '0',
      ...(opts.gateway ? [] : ['--no-gateway']),
      '--board-port',
      '0',
    ],
    ...['--evidence', evidencePath, '--card', cardPath, '--seed', String(opts.seed)],
    ...['--speed', String(opts.speed ?? 1), '--log-level', 'warn'],
  ];
  const exit = runCli(argv, {
    stdout: (s) => (output += s),
    stderr: (s) => (output += s),
    signal: controller.signal,
    onStarted: started,
  });
  const card = await Promise.race([
    startedCard,
    exit.then((code): never => {
      throw new Error(`iotlab ${argv.join(' ')} exited with ${code} before listening:\n${output}`);
    }),
  ]);
  // The card a candidate's program would read must be the one the lab reported.
  const written = JSON.parse(readFileSync(cardPath, 'utf8')) as LabCard;
  if (JSON.stringify(written) !== JSON.stringify(card))
    throw new Error(`${cardPath} differs from the card the lab reported`);

  const { scenario } = loadScenario(card.lab.scenario);
  const plan = planLab(scenario, card.lab.seed);
  const faults = new FaultBook(); // the greenhouse schedules none and these tests inject none
  const models = new Map(
    plan.devices.map((p) => [p.id, createModel(p, { seed: card.lab.seed, faults })]),
  );
  const mqttUrl = new URL(card.mqtt.url);
  let stopped: Promise<StoppedLab> | undefined;

  const lab: RunningLab = {
    card,
    cardPath,
    evidencePath,
    mqtt: { host: mqttUrl.hostname, port: mqttUrl.port },
    coapBase: card.coap.url,
    modbus: { host: card.modbus.host, port: String(card.modbus.port) },
    device(name) {
      const d = card.devices.find((x) => x.name === name);
      if (!d) throw new Error(`no device ${name} on the card`);
      return d;
    },
    stop() {
      stopped ??= (async () => {
        controller.abort('interop test done');
        const code = await exit;
        const evidence = readEvidence(evidencePath);
        // Kept on request, for looking at what a failing run left.
        if (!process.env.IOTLAB_KEEP_EVIDENCE) rmSync(dir, { recursive: true, force: true });
        return { code, ...evidence };
      })();
      return stopped;
    },
    evidence: () => readEvidence(evidencePath).events,
    async waitForEvidence(what, pick) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = pick(lab.evidence());
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no evidence of ${what} in ${evidencePath} (IOTLAB_KEEP_EVIDENCE=1 keeps the file)`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    model(deviceId) {
      const m = models.get(deviceId);
      if (!m) throw new Error(`the plan has no device ${deviceId}`);
      return m;
    },
  };
  return lab;
}

/* Typed views of evidence fields (events carry `unknown` beyond the common header). */

export function payloadJson(e: EvidenceEvent): unknown {
  const p = e.payload as { json?: unknown } | undefined;
  return p?.json;
}

/** The exact text of a recorded payload, from its raw bytes (JSON objects keep no text copy). */
export function payloadText(e: EvidenceEvent): string | undefined {
  const p = e.payload as { raw?: string } | undefined;
  return p?.raw === undefined ? undefined : Buffer.from(p.raw, 'base64').toString('utf8');
}

/** The device's own publish of a telemetry message (origin "device"), by topic and seq. */
export function telemetryPublish(
  events: EvidenceEvent[],
  topic: string,
  seq: number,
): EvidenceEvent | undefined {
  return events.find(
    (e) =>
      e.kind === 'mqtt.publish' &&
      e.origin === 'device' &&
      e.topic === topic &&
      (payloadJson(e) as { seq?: number } | undefined)?.seq === seq,
  );
}

export interface ModbusExchange {
  request: EvidenceEvent;
  response: EvidenceEvent | undefined;
}

/** Modbus requests to (unit, fc, address), each with its response (same peer and tid). */
export function modbusExchanges(
  events: EvidenceEvent[],
  q: { unit: number; fc: number; address: number },
): ModbusExchange[] {
  return events
    .filter((e) => {
      const req = e.request as { fc?: number; address?: number } | null | undefined;
      return (
        e.kind === 'modbus.request' &&
        e.unit === q.unit &&
        req?.fc === q.fc &&
        req.address === q.address
      );
    })
    .map((request) => ({
      request,
      response: events.find(
        (e) =>
          e.kind === 'modbus.response' &&
          e.seq > request.seq &&
          e.peer === request.peer &&
          e.tid === request.tid,
      ),
    }));
}

/**
 * coap-client's `-T` sets the *starting* token and libcoap 4.3 increments it before the first
 * request ("abc0" goes out as "abc1"). Tests pass `${tag}0` and find the exchange by the tag.
 */
export function coapToken(tag: string): string {
  if (tag.length > 7) throw new Error(`CoAP token tag ${tag} is longer than 7 bytes`);
  return `${tag}0`;
}

/** CoAP messages of one coap-client run, found by the tag of its token (see coapToken). */
export function coapByTag(events: EvidenceEvent[], tag: string): EvidenceEvent[] {
  const prefix = Buffer.from(tag, 'utf8').toString('hex');
  return events.filter(
    (e) =>
      (e.kind === 'coap.request' || e.kind === 'coap.response') &&
      typeof e.token === 'string' &&
      e.token.length === prefix.length + 2 &&
      e.token.startsWith(prefix),
  );
}
