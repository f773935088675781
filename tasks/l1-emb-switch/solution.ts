/**
 * Reference solution: poll the discrete input (FC 02) every 100 ms of lab time, remember the last
 * state, and publish one JSON event per edge with the time it was seen. Uses only the card and
 * the instructions.
 *
 * Typical mistakes (`ctx.mistake`): `level` reports the level on every poll instead of the edges;
 * `ts-seconds` stamps events in seconds instead of milliseconds; `report-initial` reports the
 * state it finds at start as an event. The stated rules and the case
 * the lab plants for each: tasks/l1-emb-switch/task.ts.
 */
import mqtt from 'mqtt';
import modbusSerial from 'modbus-serial';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, quietly } from '../solution.js';
import { untilAborted } from '../solution.js';

const ModbusRTU = modbusSerial.default;

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const mb = new ModbusRTU();
  await mb.connectTCP(card.modbus.host, { port: card.modbus.port });
  mb.setID(Number(vars.unitId));
  mb.setTimeout(1000);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  let last: boolean | undefined;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const { data } = await mb.readDiscreteInputs(Number(vars.address), 1);
      const now = data[0] === true;
      // The typical mistake for the tests: the level on every poll instead of the edges.
      // `report-initial`: the state found at start reported as if it were a change.
      const report =
        ctx.mistake === 'level'
          ? last !== undefined
          : ctx.mistake === 'report-initial'
            ? last === undefined || now !== last
            : last !== undefined && now !== last;
      last = now;
      if (report) {
        const body = {
          device: vars.deviceId,
          event: now ? vars.onEvent : vars.offEvent,
          ts: ctx.mistake === 'ts-seconds' ? Math.floor(Date.now() / 1000) : Date.now(),
        };
        // Not awaited: sampling goes on while the broker acknowledges, so a short pulse is not
        // missed behind a slow PUBACK.
        quietly(client.publishAsync(String(vars.topic), JSON.stringify(body), { qos: 1 }));
      }
    } catch {
      // a missed poll is retried on the next tick
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), 100 / speed);
  await untilAborted(ctx.signal);
  clearInterval(timer);
  await client.endAsync(true);
  // A connection the lab already closed (its time was up) calls no close callback.
  if (mb.isOpen) await new Promise<void>((r) => mb.close(() => r()));
}
