/**
 * What one MQTT client may cost the broker. Without bounds, 200 publishes of 256 KiB added 70 MB
 * of evidence in 2.9 s, and one client's flood took CPU from a whole room. Two limits, the same in
 * both brokers:
 *  - the largest packet a client may send (its remaining length, MQTT 3.1.1 §2.2.3 / 5.0
 *    §2.1.4): a bigger one ends the connection as soon as its fixed header arrives, before its body
 *    is buffered — the way MQTT 5's Maximum Packet Size is enforced (§3.1.2.11.4);
 *  - publishes per second per client (a token bucket): a client over it is disconnected.
 * Both are recorded as the client's `mqtt.disconnect` with the reason.
 */

export interface MqttLimits {
  /** Largest remaining length (bytes) of a packet a client may send. */
  maxPacketBytes: number;
  /** Publishes per second a client may sustain, and the burst it may send at once. */
  publishRate: number;
  publishBurst: number;
}

export const MQTT_LIMITS: MqttLimits = {
  maxPacketBytes: 256 * 1024,
  publishRate: 500,
  publishBurst: 1000,
};

/**
 * Follows the packets of one client's byte stream by their fixed headers (type byte, then the
 * remaining length as a variable byte integer, §2.2.3) without parsing them. `push` returns the
 * remaining length of the first packet over the limit, or undefined.
 */
export class PacketSizeWatch {
  /** Bytes of the current packet's body still to skip; -1 while reading a fixed header. */
  private skip = -1;
  private headerByte = false;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.skip = -1;
        continue;
      }
      if (!this.headerByte) {
        this.headerByte = true; // the packet type and flags
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        i += 1;
        continue;
      }
      const b = chunk[i]!;
      i += 1;
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes += 1;
      if (this.length > this.max) return this.length;
      if ((b & 0x80) !== 0 && this.lengthBytes < 4) continue;
      // A fifth length byte is malformed (§1.5.5); aedes' parser refuses it, we only measure.
      this.headerByte = false;
      this.skip = this.length > 0 ? this.length : -1;
    }
    return undefined;
  }
}

/** A client's publish budget. */
export class PublishBudget {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limits: MqttLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits.publishBurst;
    this.at = this.now();
  }

  /** Takes one publish; false when the client is over its rate. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.limits.publishBurst,
      this.tokens + ((now - this.at) / 1000) * this.limits.publishRate,
    );
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Watches the packets a client sends on its socket and calls `tooLarge` (once) with the first
 * remaining length over the limit. The listener sees each chunk as aedes reads it ('readable'
 * keeps control of the flow, so aedes' backpressure is unchanged).
 */
export function watchPacketSize(
  socket: { on(event: 'data', listener: (chunk: Buffer) => void): unknown },
  max: number,
  tooLarge: (length: number) => void,
): void {
  const watch = new PacketSizeWatch(max);
  let fired = false;
  socket.on('data', (chunk: Buffer) => {
    if (fired) return;
    const n = watch.push(chunk);
    if (n === undefined) return;
    fired = true;
    tooLarge(n);
  });
}

/** The disconnect cause recorded for a packet over the limit. */
export function tooLargeCause(length: number, max: number): { reason: string; error: string } {
  return {
    reason: 'packet-too-large',
    error: `a packet of ${length} bytes or more, over the limit of ${max}`,
  };
}

/** The disconnect cause recorded for a client over its publish rate. */
export function rateCause(limits: MqttLimits): { reason: string; error: string } {
  return {
    reason: 'publish-rate',
    error: `more than ${limits.publishRate} publishes a second (bursts of ${limits.publishBurst})`,
  };
}

/** One budget per client: `allows(client)` takes a publish from it, false when over the rate. */
export function publishGate(limits: MqttLimits): { allows(client: object): boolean } {
  const budgets = new WeakMap<object, PublishBudget>();
  return {
    allows(client) {
      let b = budgets.get(client);
      if (!b) budgets.set(client, (b = new PublishBudget(limits)));
      return b.take();
    },
  };
}
