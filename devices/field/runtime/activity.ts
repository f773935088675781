/**
 * What the lab's socket devices do on their own and in answer to commands: MQTT status, state and
 * periodic telemetry, commands from MQTT (honouring faults), switch transitions as they happen,
 * and CoAP observe notifications. Every state change goes through `applyCommand`, so it is
 * recorded and published the same way whichever protocol caused it.
 */
import { parseCommand } from '../index.js';
import { open, seal, tamper } from '../../../protocols/codecs/cipher.js';
import type { Command, CommandOutcome, DeviceModel } from '../index.js';
import type { InboundMessage, MqttBroker } from '../../../protocols/mqtt/broker.js';
import type { CoapBridge } from './adapters.js';
import type { Clock, TimerHandle } from '../../../core/clock.js';
import type { RecordFn } from '../../../core/evidence.js';
import type { FaultBook } from '../../../core/faults.js';
import { responsiveness } from '../../../core/faults.js';
import type { Logger } from '../../../core/logger.js';
import type { DevicePlan } from '../plan.js';

export interface DeviceActivityDeps {
  plan: { devices: readonly DevicePlan[] };
  /** Socket devices by id. */
  models: ReadonlyMap<string, DeviceModel>;
  clock: Clock;
  record: RecordFn;
  faults: FaultBook;
  /** The lab's timers, cleared when it stops. */
  timers: TimerHandle[];
  /** CoAP bridges by device id (filled when the lab starts). */
  coapBridges: ReadonlyMap<string, CoapBridge>;
  /** The broker once the lab has started; before that nothing is published. */
  broker: () => MqttBroker | undefined;
  logger: Logger;
}

export interface DeviceActivity {
  /** Applies a command from any source; a change is recorded, published and notified. */
  applyCommand: (m: DeviceModel, cmd: Command, source: string) => CommandOutcome;
  /** A client's publish: applied as a command when its topic is a device's command topic. */
  onClientMessage: (msg: InboundMessage) => void;
  /** Publishes a device's retained online/offline status (no-op for devices without MQTT). */
  publishStatus: (deviceId: string) => void;
  /** Publishes status and state, and schedules telemetry, switch transitions and observe ticks. */
  start: () => void;
}

/**
 * How a device answers requests at t: its faults, and silence while it restarts after a firmware
 * upgrade (devices/field/firmware.ts).
 */
export function deviceResponsiveness(
  m: DeviceModel,
  faults: FaultBook,
  t: number,
): { respond: boolean; delayMs: number } {
  if (m.firmware?.rebootingAt(t)) return { respond: false, delayMs: 0 };
  return responsiveness(faults.activeAt(m.plan.id, t));
}

export function createDeviceActivity(deps: DeviceActivityDeps): DeviceActivity {
  const { plan, models, clock, record, faults, timers, coapBridges, logger } = deps;

  const publishJson = (
    p: DevicePlan,
    topic: string,
    body: Record<string, unknown>,
    retain: boolean,
  ): void => {
    const broker = deps.broker();
    if (!broker || !p.mqtt) return;
    const text = JSON.stringify(body);
    const c = p.mqtt.cipher;
    const payload = c ? seal(c.alg, Buffer.from(c.key, 'hex'), Buffer.from(text)) : text;
    void broker.publish(topic, payload, { qos: p.mqtt.qos, retain, device: p.id });
  };

  /** Each device's last telemetry body, for `resendAt`. */
  const lastTelemetry = new Map<string, Record<string, unknown>>();

  const publishTelemetry = (m: DeviceModel, seq: { n: number }): void => {
    const p = m.plan;
    if (!p.mqtt) return;
    const truth = m.truth(clock.now());
    if (!truth.online) return;
    const body = { id: p.id, ts: clock.wall(), seq: seq.n++, ...truth.values };
    lastTelemetry.set(p.id, body);
    publishJson(p, p.mqtt.telemetryTopic, body, p.mqtt.retain);
    const every = p.spec.mqtt?.tamperEvery;
    const c = p.mqtt.cipher;
    if (c && every && body.seq % every === every - 1) {
      const broker = deps.broker();
      const tampered = tamper(c.alg, Buffer.from(c.key, 'hex'), JSON.stringify(body));
      if (broker)
        void broker.publish(p.mqtt.telemetryTopic, tampered, {
          qos: p.mqtt.qos,
          retain: false,
          device: p.id,
        });
    }
  };

  /** `resendAt`: the last telemetry message again, unchanged, while the device is online. */
  const resendTelemetry = (m: DeviceModel): void => {
    const p = m.plan;
    const body = lastTelemetry.get(p.id);
    if (!p.mqtt || !body || !m.truth(clock.now()).online) return;
    publishJson(p, p.mqtt.telemetryTopic, body, p.mqtt.retain);
  };

  const publishStatus = (m: DeviceModel): void => {
    const p = m.plan;
    const broker = deps.broker();
    if (!broker || !p.mqtt) return;
    // Truth's online: no offline fault, and not restarting after a firmware upgrade.
    const online = m.truth(clock.now()).online;
    void broker.publish(p.mqtt.statusTopic, online ? 'online' : 'offline', {
      qos: 1,
      retain: true,
      device: p.id,
    });
  };

  const applyCommand = (m: DeviceModel, cmd: Command, source: string): CommandOutcome => {
    const t = clock.now();
    const outcome = m.command(cmd, t);
    if (outcome.ok && outcome.changed) {
      record('device.state', { device: m.plan.id, values: outcome.state, source });
      const p = m.plan;
      if (p.mqtt?.stateTopic)
        publishJson(p, p.mqtt.stateTopic, { id: p.id, ts: clock.wall(), ...outcome.state }, true);
      coapBridges.get(p.id)?.notify();
    }
    return outcome;
  };

  const commandTopics = new Map<string, DeviceModel>();
  for (const m of models.values())
    if (m.plan.mqtt?.commandTopic) commandTopics.set(m.plan.mqtt.commandTopic, m);

  /** Commands over MQTT: honour faults (offline/no response: ignored; slow: applied late). */
  const onMqttCommand = (m: DeviceModel, payload: Buffer): void => {
    const { respond, delayMs } = deviceResponsiveness(m, faults, clock.now());
    if (!respond) return;
    // A device that encrypts takes only commands sealed with its key: plain text is ignored.
    const c = m.plan.mqtt?.cipher;
    const text = c
      ? open(c.alg, Buffer.from(c.key, 'hex'), payload.toString('utf8'))?.toString('utf8')
      : payload.toString('utf8');
    if (text === undefined) {
      logger.warn('ignored an MQTT command not sealed with the device key', { device: m.plan.id });
      return;
    }
    const cmd = parseCommand(text);
    if (!cmd) {
      logger.warn('ignored an MQTT command that is not on/off', { device: m.plan.id });
      return;
    }
    if (delayMs > 0) timers.push(clock.setTimeout(() => applyCommand(m, cmd, 'mqtt'), delayMs));
    else applyCommand(m, cmd, 'mqtt');
  };

  /** Switch sensors: record each transition and publish/notify at once (event-driven devices). */
  const watchSwitch = (m: DeviceModel, publish: () => void): void => {
    // Events overlap (a door opened again while still open): only a real change is one, so the
    // device publishes "at once whenever it opens or closes" and not again while it stays so.
    let last = JSON.stringify(m.truth(clock.now()).values);
    const arm = (): void => {
      const next = m.nextChange(clock.now());
      if (next === undefined) return;
      timers.push(
        clock.setTimeout(
          () => {
            const truth = m.truth(clock.now());
            const now = JSON.stringify(truth.values);
            if (now === last) {
              arm();
              return;
            }
            last = now;
            record('device.state', { device: m.plan.id, values: truth.values, source: 'schedule' });
            if (truth.online) publish();
            coapBridges.get(m.plan.id)?.notify();
            arm();
          },
          Math.max(0, next - clock.now()),
        ),
      );
    };
    arm();
  };

  const start = (): void => {
    plan.devices.forEach((p, i) => {
      const m = models.get(p.id)!;
      if (p.mqtt) {
        const seq = { n: 0 };
        publishStatus(m);
        if (p.mqtt.stateTopic)
          publishJson(
            p,
            p.mqtt.stateTopic,
            { id: p.id, ts: clock.wall(), ...m.truth(0).values },
            true,
          );
        const period = p.mqtt.period * 1000;
        // Stagger first publishes across the period so a lab's devices do not fire in one burst.
        const offset = Math.round((period * i) / plan.devices.length);
        timers.push(
          clock.setTimeout(() => {
            publishTelemetry(m, seq);
            timers.push(clock.setInterval(() => publishTelemetry(m, seq), period));
          }, offset),
        );
        for (const at of p.spec.mqtt?.resendAt ?? [])
          timers.push(clock.setTimeout(() => resendTelemetry(m), Math.round(at * 1000)));
        if (p.spec.kind === 'switch') watchSwitch(m, () => publishTelemetry(m, seq));
      } else if (p.spec.kind === 'switch') watchSwitch(m, () => undefined);
      const bridge = coapBridges.get(p.id);
      if (bridge && p.coap)
        timers.push(clock.setInterval(() => bridge.notify(), p.coap.observePeriod * 1000));
    });
  };

  return {
    applyCommand,
    onClientMessage(msg) {
      const m = commandTopics.get(msg.topic);
      if (m) onMqttCommand(m, msg.payload);
    },
    publishStatus(deviceId) {
      const m = models.get(deviceId);
      if (m) publishStatus(m);
    },
    start,
  };
}
