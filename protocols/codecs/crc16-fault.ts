/**
 * The `crc-error` fault on the wire: a frame whose trailing CRC-16 (low byte first, as Modbus RTU
 * [MODBUS over Serial Line v1.02 §2.5.1.2], the FC200 controller and the RFID reader send it) no
 * longer matches its body, as line noise or a broken driver would deliver it. Both CRC bytes are
 * inverted, so the received CRC always differs from the computed one and the body stays readable
 * for whoever inspects the bytes. Pure.
 */
export function invertTrailingCrc16(frame: Uint8Array): Buffer {
  const out = Buffer.from(frame);
  if (out.length < 3) return out; // no body and CRC: nothing to corrupt
  out[out.length - 2] = out[out.length - 2]! ^ 0xff;
  out[out.length - 1] = out[out.length - 1]! ^ 0xff;
  return out;
}
