/**
 * Modbus slave dispatch: request PDU in, response PDU out, against a `ModbusUnit`. Pure and
 * transport-free so Modbus TCP and (later) Modbus RTU answer identically.
 *
 * Order of checks follows the state diagrams of Modbus Application Protocol v1.1b3 §6: function
 * (01) and value/length (03) in the codec, then address (02) here and in the unit, then execution
 * (04).
 */
import type { RegisterTable } from './types.js';
import { decodeRequest, encodeException, encodeResponse } from '../codecs/modbus.js';
import type { ModbusRequest, ModbusResponse, ReadRequest } from '../codecs/modbus.js';
import type { ModbusUnit } from './types.js';

export interface SlaveResult {
  /** The response PDU to send (a normal response or an exception response). */
  response: Buffer;
  /** The decoded request, when the PDU was well-formed. */
  request?: ModbusRequest;
  /** The exception code sent, if any. */
  exception?: number;
  /** Values read (FC1–4), as sent. */
  values?: readonly (number | boolean)[];
  /** Why an exception was sent, for evidence and logs. */
  reason?: string;
}

const READ_TABLE: Record<ReadRequest['fc'], RegisterTable> = {
  1: 'coil',
  2: 'discrete',
  3: 'holding',
  4: 'input',
};

/** Addresses are 16 bits; a range running past 0xFFFF can exist in no data model (§4.4). */
const ADDRESS_SPACE = 0x10000;

export function handleRequest(pdu: Uint8Array, unit: ModbusUnit): SlaveResult {
  const decoded = decodeRequest(pdu);
  if (!decoded.ok) return exception(decoded.fc, decoded.exception, decoded.reason);
  const request = decoded.request;
  const count = countOf(request);
  if (request.address + count > ADDRESS_SPACE) {
    const reason = `addresses ${request.address}+${count} run past 65535`;
    return { ...exception(request.fc, 2, reason), request };
  }
  try {
    return { ...execute(request, unit), request };
  } catch (err) {
    // A throwing data model is a bug in the lab, not the client's fault: §7 code 04.
    return { ...exception(request.fc, 4, `data model failed: ${String(err)}`), request };
  }
}

function execute(request: ModbusRequest, unit: ModbusUnit): SlaveResult {
  switch (request.fc) {
    case 1:
    case 2:
    case 3:
    case 4:
      return read(request, unit);
    case 5:
    case 6: {
      const table = request.fc === 5 ? 'coil' : 'holding';
      const refused = unit.write(table, request.address, [request.value]);
      if (refused) return unitException(request.fc, refused.exception);
      // §6.5, §6.6: the normal response echoes the request.
      return { response: encodeResponse(request) };
    }
    case 15:
    case 16: {
      const table = request.fc === 15 ? 'coil' : 'holding';
      const refused = unit.write(table, request.address, request.values);
      if (refused) return unitException(request.fc, refused.exception);
      const { fc, address } = request;
      return { response: encodeResponse({ fc, address, quantity: request.values.length }) };
    }
  }
}

function read(request: ReadRequest, unit: ModbusUnit): SlaveResult {
  const got = unit.read(READ_TABLE[request.fc], request.address, request.quantity);
  if ('exception' in got) return unitException(request.fc, got.exception);
  if (got.length !== request.quantity) {
    const reason = `data model returned ${got.length} values for ${request.quantity} requested`;
    return exception(request.fc, 4, reason);
  }
  // The unit's types are loose (number | boolean); the wire's are not. Registers keep their low
  // 16 bits so a model may hand back a signed int16 and still send its two's complement.
  let response: ModbusResponse;
  let values: readonly (number | boolean)[];
  if (request.fc === 1 || request.fc === 2) {
    const bits = got.map((v) => (typeof v === 'boolean' ? v : v !== 0));
    response = { fc: request.fc, values: bits };
    values = bits;
  } else {
    const regs = got.map((v) => (typeof v === 'boolean' ? Number(v) : Math.trunc(v) & 0xffff));
    response = { fc: request.fc, values: regs };
    values = regs;
  }
  return { response: encodeResponse(response), values };
}

function countOf(request: ModbusRequest): number {
  switch (request.fc) {
    case 5:
    case 6:
      return 1;
    case 15:
    case 16:
      return request.values.length;
    default:
      return request.quantity;
  }
}

/** An exception the unit chose; it must fit the one-byte field, else it is our failure (04). */
function unitException(fc: number, code: number): SlaveResult {
  if (!Number.isInteger(code) || code < 1 || code > 0xff) {
    return exception(fc, 4, `data model returned an invalid exception code ${code}`);
  }
  return exception(fc, code, `refused by the data model with exception ${code}`);
}

function exception(fc: number, code: number, reason: string): SlaveResult {
  return { response: encodeException(fc, code), exception: code, reason };
}
