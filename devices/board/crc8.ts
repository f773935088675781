/**
 * CRC-8 of Sensirion SHT3x (datasheet SHT3x-DIS §4.12): polynomial x⁸+x⁵+x⁴+1 (0x31), init 0xFF,
 * no reflection, no final XOR. Check value: crc8([0xBE, 0xEF]) = 0x92. Table-less: two bytes per
 * word make a table pointless.
 */
export function crc8Sensirion(bytes: Uint8Array): number {
  let crc = 0xff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
