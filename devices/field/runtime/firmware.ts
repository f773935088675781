/**
 * The firmware service of the lab's devices on MQTT (docs/firmware.md): a client's request on a
 * device's `fw/cmd` topic is answered on its `fw/reply` topic. An accepted upgrade is recorded as
 * `device.state` (`firmware.op: "upgrade"`) and restarts the device: its retained status turns
 * `offline`, and when the reboot time is over it turns `online` again, recorded as `device.state`
 * (`firmware.op: "boot"`, source `schedule`). Requests and replies are `mqtt.publish` evidence
 * like any other, so a refused upgrade (a wrong SHA-256) shows in the device's reply.
 */
import { parseFirmwareRequest } from '../index.js';
import type { DeviceModel, FirmwareReply } from '../index.js';
import type { InboundMessage, MqttBroker } from '../../../protocols/mqtt/broker.js';
import type { Clock, TimerHandle } from '../../../core/clock.js';
import { deviceResponsiveness } from './activity.js';
import type { RecordFn } from '../../../core/evidence.js';
import type { FaultBook } from '../../../core/faults.js';

export interface FirmwareActivityDeps {
  /** Socket devices by id. */
  models: ReadonlyMap<string, DeviceModel>;
  clock: Clock;
  record: RecordFn;
  faults: FaultBook;
  /** The lab's timers, cleared when it stops. */
  timers: TimerHandle[];
  broker: () => MqttBroker | undefined;
  /** Republishes a device's retained status from its truth. */
  publishStatus: (deviceId: string) => void;
  /** Tells a device's observers (CoAP) that it changed. */
  notify: (deviceId: string) => void;
}

export function createFirmwareActivity(deps: FirmwareActivityDeps): {
  onClientMessage: (msg: InboundMessage) => void;
} {
  const { clock, record, faults, timers } = deps;
  const byTopic = new Map<string, DeviceModel>();
  for (const m of deps.models.values())
    if (m.firmware) byTopic.set(m.firmware.plan.commandTopic, m);

  const reply = (m: DeviceModel, body: FirmwareReply): void => {
    const broker = deps.broker();
    if (!broker || !m.firmware) return;
    const payload = JSON.stringify({ id: m.plan.id, ts: clock.wall(), ...body });
    void broker.publish(m.firmware.plan.replyTopic, payload, {
      qos: 1,
      retain: false,
      device: m.plan.id,
    });
  };

  const handle = (m: DeviceModel, payload: Buffer): void => {
    const fw = m.firmware;
    if (!fw) return;
    const t = clock.now();
    // A request delayed by a slow fault may arrive once the device is restarting.
    if (fw.rebootingAt(t)) return;
    const intent = fw.handle(parseFirmwareRequest(payload.toString('utf8')), t);
    // The device acknowledges first, then restarts.
    reply(m, intent.reply);
    const install = intent.install;
    if (!install) return;
    const id = m.plan.id;
    record('device.state', {
      device: id,
      firmware: { op: 'upgrade', from: install.from, to: install.to },
      online: false,
      source: 'mqtt',
    });
    deps.publishStatus(id);
    deps.notify(id);
    timers.push(
      clock.setTimeout(
        () => {
          const truth = m.truth(clock.now());
          record('device.state', {
            device: id,
            firmware: { op: 'boot', version: truth.firmware?.version ?? install.to },
            online: truth.online,
            source: 'schedule',
          });
          deps.publishStatus(id);
          deps.notify(id);
        },
        Math.max(0, install.until - t),
      ),
    );
  };

  return {
    onClientMessage(msg) {
      const m = byTopic.get(msg.topic);
      if (!m) return;
      // Offline, not responding or restarting: the request goes unanswered; slow: answered late.
      const { respond, delayMs } = deviceResponsiveness(m, faults, clock.now());
      if (!respond) return;
      if (delayMs > 0) timers.push(clock.setTimeout(() => handle(m, msg.payload), delayMs));
      else handle(m, msg.payload);
    },
  };
}
