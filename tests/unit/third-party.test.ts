/**
 * The third-party services' pure parts: the payment signature against a vector computed with
 * openssl (docs/third-party/pay.md's example), the WAV header byte by byte, the gazetteer's
 * lookups both ways for every place of several seeds, and the answers' parameter parsing, which
 * turns any body into parameters or a coded error, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../core/errors.js';
import { paramsOfJson, statusOf } from '../../protocols/third-party/answer.js';
import {
  forwardGeocode,
  gazetteer,
  GAZETTEER_SIZE,
  reverseGeocode,
} from '../../protocols/third-party/gazetteer.js';
import { signParams, stringToSign, verifySign } from '../../protocols/third-party/pay-sign.js';
import { synthesize, wavFile } from '../../protocols/third-party/speech.js';

describe('payment signature', () => {
  const params = {
    app_id: 'app1',
    timestamp: 1764000000,
    nonce: 'n-0001-abcd',
    out_trade_no: 'A1',
    amount: 1250,
    subject: '充电',
    empty: '',
  };
  it('signs the sorted non-empty fields with HMAC-SHA256 (the docs example, checked with openssl)', () => {
    expect(stringToSign(params)).toBe(
      'amount=1250&app_id=app1&nonce=n-0001-abcd&out_trade_no=A1&subject=充电&timestamp=1764000000',
    );
    // printf '%s' "$STRING" | openssl dgst -sha256 -hmac k
    const sign = '6ac5657dff22632553495e2c551aa88b449adf83aa6de02ae422e69da7c12e25';
    expect(signParams(params, 'k')).toBe(sign);
    expect(verifySign({ ...params, sign }, 'k')).toBe(true);
    expect(verifySign({ ...params, sign: sign.toUpperCase() }, 'k')).toBe(true);
    expect(verifySign({ ...params, amount: 1251, sign }, 'k')).toBe(false);
    expect(verifySign({ ...params, sign }, 'other')).toBe(false);
    expect(verifySign({ ...params, sign: 'xyz' }, 'k')).toBe(false);
  });
});

describe('speech', () => {
  it('writes the canonical 44-byte WAV header', () => {
    const wav = wavFile(Buffer.alloc(8), 16000);
    expect(wav.subarray(0, 44).toString('hex')).toBe(
      [
        '52494646', // "RIFF"
        '2c000000', // 44: the rest of the file (36 + 8 bytes of PCM)
        '57415645', // "WAVE"
        '666d7420', // "fmt "
        '10000000', // 16: the fmt chunk of PCM
        '0100', // format 1: PCM
        '0100', // one channel
        '803e0000', // 16000 Hz
        '007d0000', // 32000 bytes a second
        '0200', // 2 bytes a frame
        '1000', // 16 bits a sample
        '64617461', // "data"
        '08000000', // 8 bytes of PCM
      ].join(''),
    );
  });

  it('is the same for the same text, and times characters and pauses as stated', () => {
    const a = synthesize('温度过高！', 'female', 1);
    expect(synthesize('温度过高！', 'female', 1).wav.equals(a.wav)).toBe(true);
    expect(synthesize('温度过高！', 'male', 1).wav.equals(a.wav)).toBe(false);
    expect(a.durationMs).toBe(4 * 250 + 125);
    expect(synthesize('温度过高！', 'female', 2).durationMs).toBe(2 * 250 + 63);
    expect(a.wav.length).toBe(44 + (a.durationMs / 1000) * 16000 * 2);
  });
});

describe('gazetteer', () => {
  it('finds every place from its coordinates and from its address, for several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const g = gazetteer(seed);
      expect(g.places).toHaveLength(GAZETTEER_SIZE);
      for (const p of g.places) {
        expect(reverseGeocode(g, p)).toEqual({ place: p, distanceM: 0 });
        expect(forwardGeocode(g, p.formatted.zh)).toEqual([p]);
        expect(forwardGeocode(g, p.formatted.en)).toEqual([p]);
        expect(forwardGeocode(g, `${p.street.zh} ${p.number} 号`)).toEqual([p]);
      }
      expect(reverseGeocode(g, { lat: 0, lon: 0 })).toBeUndefined();
    }
    expect(gazetteer(1)).toEqual(gazetteer(1));
    expect(gazetteer(1)).not.toEqual(gazetteer(2));
  });
});

describe('answers', () => {
  it('turn any body into parameters or a 5142, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 200 })), (x) => {
        const out = paramsOfJson(Buffer.from(x));
        if ('error' in out) expect(out.error.code).toBe(ErrorCodes.THIRD_PARTY_BAD_PARAM);
        else for (const v of Object.values(out.params)) expect(typeof v).not.toBe('object');
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(paramsOfJson(Buffer.from('{"a":1,"b":"x","c":true}'))).toEqual({
      params: { a: 1, b: 'x', c: true },
    });
    expect([0, 5140, 5145, 5148, 5149, 1].map(statusOf)).toEqual([200, 401, 413, 429, 405, 500]);
  });
});
