/**
 * Reference solution: poll the input register (FC 04) over Modbus TCP, scale it, publish JSON with
 * QoS 1 on a fixed-rate timer. Uses only the card and the instructions.
 */
import mqtt from 'mqtt';
import modbusSerial from 'modbus-serial';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
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
  const scale = Number(vars.scale);
  const offset = Number(vars.offset);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const { data } = await mb.readInputRegisters(Number(vars.address), 1);
      const raw = data[0]!;
      const value = ctx.mistake === 'raw' ? raw : Math.round((raw * scale + offset) * 100) / 100;
      await client.publishAsync(String(vars.topic), JSON.stringify({ value, unit: vars.unit }), {
        qos: ctx.mistake === 'qos0' ? 0 : 1,
      });
    } catch {
      // a missed poll is retried on the next tick
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), (Number(vars.periodS) * 1000) / speed);
  await untilAborted(ctx.signal);
  clearInterval(timer);
  await client.endAsync(true);
  // A connection the lab already closed (its time was up) calls no close callback.
  if (mb.isOpen) await new Promise<void>((r) => mb.close(() => r()));
}
