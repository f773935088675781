/**
 * The CoAP server's pure parts, without a socket: the RFC 7252 §3 format check on raw datagrams
 * and the RFC 6690 CoRE Link Format served at /.well-known/core. The same malformed datagrams
 * go over a real socket in tests/e2e/coap-server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkMessageFormat, parseDatagram } from '../../protocols/coap/message.js';
import { linkFormat } from '../../protocols/coap/reply.js';
import type { CoapResource } from '../../protocols/coap/types.js';
import { malformed } from '../fixtures/coap-malformed.js';

describe('CoAP message format (RFC 7252 §3)', () => {
  it.each(malformed)('checkMessageFormat: $name', ({ bytes, error }) => {
    expect(checkMessageFormat(Uint8Array.from(bytes))).toBe(error);
  });

  it.each(malformed)('parseDatagram rejects $name with the same reason', ({ bytes, error }) => {
    expect(parseDatagram(Buffer.from(bytes))).toEqual({ error });
  });

  it('parseDatagram accepts a well-formed request', () => {
    // CON GET, TKL 1 | 0.01 | MID 0x0001 | token ab | Uri-Path (delta 11, len 4) "temp"
    const bytes = Buffer.concat([
      Buffer.from([0x41, 0x01, 0x00, 0x01, 0xab, 0xb4]),
      Buffer.from('temp'),
    ]);
    expect(checkMessageFormat(bytes)).toBeUndefined();
    expect(parseDatagram(bytes)).toMatchObject({ packet: { code: '0.01', messageId: 1 } });
  });
});

describe('CoRE Link Format (RFC 6690)', () => {
  const resource = (
    path: string,
    rt: string,
    kind: 'sensor' | 'actuator',
    observable: boolean,
  ): CoapResource => ({
    path,
    rt,
    if: kind,
    observable,
    read: () => ({ json: null, text: '' }),
    onNotify: () => () => undefined,
    availability: () => ({ respond: true, delayMs: 0 }),
  });
  const resources = [
    resource('/sensors/temp', 'iotlab.temperature', 'sensor', true),
    resource('/actuators/relay', 'iotlab.relay', 'actuator', false),
  ];
  const temp = '</sensors/temp>;rt="iotlab.temperature";if="sensor";ct="0 50";obs';
  const relay = '</actuators/relay>;rt="iotlab.relay";if="actuator";ct="0 50"';

  it('lists every resource, ct naming both representations and obs the observable ones', () => {
    expect(linkFormat(resources)).toBe(`${temp},${relay}`);
    expect(linkFormat(resources, '')).toBe(`${temp},${relay}`);
  });

  it.each([
    ['rt=iotlab.t*', temp],
    ['if=actuator', relay],
    ['href=/actuators/*', relay],
    ['obs', temp],
    ['ct=50', `${temp},${relay}`],
    ['rt=iotlab.temperature&if=actuator', ''],
    ['sz=10', ''],
  ])('filters on the query %s (§4.1)', (query, expected) => {
    expect(linkFormat(resources, query)).toBe(expected);
  });
});
