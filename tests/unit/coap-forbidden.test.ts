/** The 4.03 answer a seat-locked lab gives a foreign CoAP request (RFC 7252 §5.2, §5.9.2.4). */
import fc from 'fast-check';
import { generate, parse } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { forbidden } from '../../protocols/coap/message.js';

const request = (confirmable: boolean) =>
  generate({
    code: '0.01',
    messageId: 4242,
    token: Buffer.from([1, 2, 3]),
    confirmable,
    options: [{ name: 'Uri-Path', value: Buffer.from('x') }],
  });

describe('forbidden', () => {
  it('piggybacks 4.03 on an ACK for a CON request, with its message id and token', () => {
    const p = parse(forbidden(request(true))!);
    expect([p.code, p.ack, p.confirmable, p.messageId, [...p.token]]).toEqual([
      '4.03',
      true,
      false,
      4242,
      [1, 2, 3],
    ]);
  });

  it('answers a NON request with a NON 4.03 and ignores what is not a request', () => {
    const p = parse(forbidden(request(false))!);
    expect([p.code, p.ack, p.confirmable]).toEqual(['4.03', false, false]);
    const ack = generate({ code: '2.05', messageId: 1, ack: true });
    expect(forbidden(ack)).toBeUndefined();
    const ping = generate({ code: '0.00', messageId: 1, confirmable: true });
    expect(forbidden(ping)).toBeUndefined();
  });

  it('never throws on arbitrary datagrams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const out = forbidden(Buffer.from(bytes));
        if (out) expect(parse(out).code).toBe('4.03');
      }),
    );
  });
});
