/**
 * Read an SHT3x temperature/humidity sensor over I2C with CRC check (iotlab board, TypeScript HAL).
 * Usage: IOTLAB_BOARD=host:port node dist/clients/ts/examples/sht3x.js [address, e.g. 0x44]
 * Single shot, high repeatability, no clock stretching (0x2400): wait 15 ms, then read 6 bytes.
 */
import { BoardClient } from '../board.js';

/** CRC-8, polynomial 0x31, init 0xFF (SHT3x datasheet, checksum calculation). */
function crc8(data: Uint8Array): number {
  let crc = 0xff;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

const address = Number(process.argv[2] ?? '0x44');
const b = await BoardClient.connect();
await b.i2cWrite(address, Uint8Array.of(0x24, 0x00));
await b.delay(20);
const d = await b.i2cRead(address, 6);
await b.close();
if (crc8(d.subarray(0, 2)) !== d[2] || crc8(d.subarray(3, 5)) !== d[5]) {
  console.error('CRC mismatch');
  process.exit(2);
}
const t = -45 + (175 * d.readUInt16BE(0)) / 65535;
const rh = (100 * d.readUInt16BE(3)) / 65535;
console.log(`temperature=${t.toFixed(2)} C humidity=${rh.toFixed(2)} %RH`);
