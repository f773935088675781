/**
 * What a bus part offers the board. Parts are pure models: the board hands them the bytes the
 * master clocks out at lab time t and gets back what the part drives on the bus. A part never
 * knows about sockets, the recorder or the clock (STYLE.md rule 2).
 */

export type I2cStatus = 'ok' | 'addr_nack' | 'data_nack';

export interface I2cResult {
  status: I2cStatus;
  /** Bytes read (length = requested when status is ok). */
  in: Buffer;
  /** Clock stretching: extra bus time the part holds SCL low before answering, ms. */
  stretchMs?: number;
}

export interface I2cPart {
  readonly kind: string;
  readonly address: number;
  /** START, address+W, out…, (repeated START, address+R, inLen bytes,) STOP. */
  transfer(out: Buffer, inLen: number, t: number): I2cResult;
}

export interface SpiPart {
  readonly kind: string;
  readonly cs: number;
  /** One CS-low…CS-high transaction: MISO bytes, one per MOSI byte. */
  transfer(out: Buffer, t: number): Buffer;
}

/** A sensor's reading as the lab's truth gives it (faults applied); offline = no answer. */
export type Reading = (t: number) => { values: Record<string, number | boolean>; online: boolean };

export const nack = (status: 'addr_nack' | 'data_nack'): I2cResult => ({
  status,
  in: Buffer.alloc(0),
});
