/**
 * The Modbus data model the lab implements, shared by every Modbus transport (TCP now, RTU
 * later). A unit only answers with values or exception codes; it never sees sockets or evidence
 * (STYLE.md rule 2).
 */
export type RegisterTable = 'coil' | 'discrete' | 'input' | 'holding';

/** One entry of a device's Modbus register map, as the lab card lists it. */
export interface RegisterEntry {
  table: RegisterTable;
  address: number;
  count: number;
  type: 'uint16' | 'int16' | 'bool';
  /** Engineering value = raw × scale + offset. */
  scale: number;
  offset: number;
  quantity: string;
  unit: string;
  access: 'r' | 'rw';
  /** For analog sensors: the raw representation (adc12 counts, 4–20 mA in µA, 0–10 V in mV). */
  signal?: string;
  rawUnit?: string;
}

export interface ModbusUnit {
  /**
   * Values (booleans for coil/discrete, uint16 numbers for input/holding) or an exception code.
   * Return `{ exception: 2 }` (ILLEGAL DATA ADDRESS, Modbus Application Protocol v1.1b3 §7) when
   * any address in `address .. address+count-1` does not exist.
   */
  read(
    table: RegisterTable,
    address: number,
    count: number,
  ): readonly (number | boolean)[] | { exception: number };
  /** Apply a write (coil or holding). undefined = success. */
  write(
    table: 'coil' | 'holding',
    address: number,
    values: readonly (number | boolean)[],
  ): { exception: number } | undefined;
}

export interface UnitBinding {
  unit: ModbusUnit;
  /** false ⇒ stay silent (device offline / no response) */
  respond: boolean;
  /** simulated response delay, ms (on the lab clock) */
  delayMs: number;
}

/**
 * Finds the unit a request is addressed to; called once per request, so fault state (offline,
 * delay) can change between requests.
 *
 * `undefined` ⇒ unknown unit: the server sends nothing, like a Modbus TCP gateway whose serial
 * slave times out. We stay silent rather than answer exception 0x0B (GATEWAY TARGET DEVICE FAILED
 * TO RESPOND, Modbus Application Protocol v1.1b3 §7) because a lab has no separate gateway to
 * blame, and a candidate who picks the wrong unit id should see what a real field bus shows
 * them: a timeout. The request is still recorded as evidence (`dropped: 'unknown-unit'`).
 *
 * Unit ids 0 (broadcast on serial lines) and 255 ("not significant" on TCP, Implementation Guide
 * v1.0b) get no special treatment here: the resolver decides what they mean.
 */
export type ResolveUnit = (unitId: number) => UnitBinding | undefined;
