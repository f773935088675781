/**
 * Reference firmware (TypeScript HAL, clients/ts): every period, single-shot measure on the
 * SHT3x, wait 20 ms of board time, read 6 bytes, check both CRCs, publish °C/%RH as JSON and set
 * the LED by the threshold. Uses only the card and the instructions.
 *
 * Typical mistakes (`ctx.mistake`): `no-wait` reads at once (NACKed); `no-crc` publishes every
 * reading, whatever its CRCs. The stated rules and the case the lab plants for each:
 * tasks/l1-emb-mcu/task.ts.
 */
import mqtt from 'mqtt';
import { BoardClient } from '../../clients/ts/board.js';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';

/** CRC-8, polynomial 0x31, init 0xFF (SHT3x datasheet). */
function crc8(data: Uint8Array): number {
  let crc = 0xff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars, signal } = ctx;
  const board = card.board!;
  const address = Number(vars.address);
  const pin = Number(vars.ledPin);
  const threshold = Number(vars.threshold);
  const periodMs = Number(vars.periodS) * 1000;
  const b = await BoardClient.connect(board.host, board.port);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  await b.pinMode(pin, 'output');
  while (!signal.aborted) {
    const started = await b.millis();
    try {
      await b.i2cWrite(address, Uint8Array.of(0x24, 0x00));
      // The typical mistake: read at once, while the sensor is still measuring (NACK).
      if (ctx.mistake !== 'no-wait') await b.delay(20);
      const d = await b.i2cRead(address, 6);
      const crcOk = crc8(d.subarray(0, 2)) === d[2] && crc8(d.subarray(3, 5)) === d[5];
      if (crcOk || ctx.mistake === 'no-crc') {
        const t = -45 + (175 * d.readUInt16BE(0)) / 65535;
        const rh = (100 * d.readUInt16BE(3)) / 65535;
        await client.publishAsync(
          String(vars.topic),
          JSON.stringify({
            temperature: Math.round(t * 100) / 100,
            humidity: Math.round(rh * 10) / 10,
          }),
        );
        await b.pinWrite(pin, t > threshold ? 1 : 0);
      }
    } catch {
      // a NACKed or failed reading is skipped; the next period tries again
    }
    const spent = (await b.millis()) - started;
    if (!signal.aborted) await b.delay(Math.max(0, periodMs - spent));
  }
  await client.endAsync(true);
  await b.close();
}
