/**
 * Reference solution: read both input registers (FC 04) in one request, take them as signed
 * 16-bit counts of the resolution, round to one decimal and publish JSON with units on a
 * fixed-rate timer. Uses only the card and the instructions.
 *
 * Typical mistake (`ctx.mistake`): `unsigned` takes the registers as unsigned. The stated rules
 * and the case the lab plants for each: tasks/l1-emb-digital/task.ts.
 */
import mqtt from 'mqtt';
import modbusSerial from 'modbus-serial';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

const ModbusRTU = modbusSerial.default;

/** A 16-bit register as two's complement. */
const int16 = (raw: number) => (raw >= 0x8000 ? raw - 0x10000 : raw);

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const mb = new ModbusRTU();
  await mb.connectTCP(card.modbus.host, { port: card.modbus.port });
  mb.setID(Number(vars.unitId));
  mb.setTimeout(1000);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const step = Number(vars.resolution);
  const tAddr = Number(vars.tempAddress);
  const hAddr = Number(vars.humAddress);
  const first = Math.min(tAddr, hAddr);
  // A typical mistake for the tests: the register taken as unsigned.
  const decode = ctx.mistake === 'unsigned' ? (raw: number) => raw : int16;
  const scaled = (raw: number) => Math.round(decode(raw)) / Math.round(1 / step);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const { data } = await mb.readInputRegisters(first, Math.abs(tAddr - hAddr) + 1);
      const body = {
        temperature: scaled(data[tAddr - first]!),
        humidity: scaled(data[hAddr - first]!),
        units: { temperature: '°C', humidity: '%RH' },
      };
      await client.publishAsync(String(vars.topic), JSON.stringify(body), { qos: 1 });
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
