/**
 * The northbound link's retry on a real socket and a manual clock: a broker port with nothing
 * behind it fails each attempt with ECONNREFUSED, and the next attempt waits 1 s, 2 s, 4 s of lab
 * time — advanced here, never slept. Readings taken meanwhile queue up to the configured bound,
 * the oldest dropped and counted.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { NorthboundLink, resolveNorthbound } from '../../devices/gateway/runtime/northbound.js';
import { silentLogger } from '../../core/logger.js';
import { GatewayNorthbound } from '../../devices/gateway/scenario.js';
import { waitFor } from '../support/net.js';

/** A port that was just free: connecting to it is refused. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

describe('northbound retry', () => {
  it('backs off 1 s, 2 s, 4 s on the lab clock and bounds the queue', async () => {
    const port = await closedPort();
    const clock = new ManualClock();
    const events: { kind: string; fields: Record<string, unknown> }[] = [];
    const settings = resolveNorthbound(
      GatewayNorthbound.parse({ url: `mqtt://127.0.0.1:${port}`, queue: 3 }),
      { url: 'mqtt://127.0.0.1:1', clientId: 'gw-test' },
      'p/gw/g/status',
    );
    const link = new NorthboundLink(settings, {
      gateway: 'g',
      device: 'gw:g',
      clock,
      logger: silentLogger,
      record: (kind, fields) => {
        events.push({ kind, fields: fields });
      },
      will: '{"online":false}',
      onConnect: () => undefined,
      onMessage: () => undefined,
    });
    link.start();
    const retries: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await waitFor(
        () => (link.report().failures === attempt ? link.report() : undefined),
        5000,
        `failure ${attempt}`,
      );
      expect(r.state).toBe('down');
      expect(r.lastError?.code).toBe('ECONNREFUSED');
      retries.push(r.retryInMs!);
      clock.advance(r.retryInMs! - 1);
      expect(link.report().attempts).toBe(attempt); // not yet
      clock.advance(1);
      expect(link.report().attempts).toBe(attempt + 1);
    }
    expect(retries).toEqual([1000, 2000, 4000]);
    for (let i = 0; i < 5; i++)
      link.publish({ topic: `t/${i}`, payload: `${i}`, qos: 0, retain: false }, true);
    link.publish({ topic: 'p/gw/g/status', payload: '{}', qos: 1, retain: true }, false);
    expect(link.report().queue).toEqual({ length: 3, max: 3, dropped: 2, forwarded: 0 });
    await link.close();
    expect(link.report().state).toBe('closed');
    const outcomes = events.map(
      (e) => (e.fields.values as { northbound: { event: string; attempt: number } }).northbound,
    );
    expect(outcomes.slice(0, 3)).toMatchObject([
      { event: 'failed', attempt: 1, retryInMs: 1000 },
      { event: 'failed', attempt: 2, retryInMs: 2000 },
      { event: 'failed', attempt: 3, retryInMs: 4000 },
    ]);
    expect(events.every((e) => e.kind === 'device.state' && e.fields.device === 'gw:g')).toBe(true);
  });
});
