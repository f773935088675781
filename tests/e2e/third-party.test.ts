/**
 * The lab's simulated third-party services over real HTTP on the app host (docs/third-party/):
 * the card's keys; reverse and forward geocoding against the seeded gazetteer; speech as a real
 * WAV (fetched with Debian's curl too); the payment sandbox's signed orders, its notification
 * stream and polling; each service's coded errors (missing key or parameter, bad signature,
 * expired timestamp, replayed nonce, malformed JSON, a huge body, too many calls) — each bounded,
 * answered and recorded as `api.call` evidence with no secret in it; and the same seed giving the
 * same answers.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceFields, EvidenceKind } from '../../core/evidence.js';
import { silentLogger } from '../../core/logger.js';
import { createAppHost } from '../../protocols/http/app-host.js';
import type { AppHost } from '../../protocols/http/app-host.js';
import type { ThirdPartyCard } from '../../protocols/http/third-party.js';
import { gazetteer, isolatedPlace } from '../../protocols/third-party/gazetteer.js';
import { signParams, stringToSign } from '../../protocols/third-party/pay-sign.js';
import { Rng } from '../../core/rng.js';
import { requireTools } from '../support/debian.js';

type Call = EvidenceFields & { kind: EvidenceKind };
const qs = (entries: [string, string][]): string => new URLSearchParams(entries).toString();
const SEED = 11;
const hosts: AppHost[] = [];

async function start(seed: number, calls: Call[], payDelayMs = 150) {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-3p-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><p>app</p>');
  writeFileSync(join(dir, 'mqtt.min.js'), '/* mqtt */');
  const host = await createAppHost({
    host: '127.0.0.1',
    port: 0,
    root: dir,
    card: { lab: { seed, labId: `lab-${seed}` } },
    mqttLib: join(dir, 'mqtt.min.js'),
    connectOrigins: [],
    thirdParty: {
      seed,
      labId: `lab-${seed}`,
      record: (kind, fields) => calls.push({ kind, ...fields }),
      payDelayMs,
    },
    logger: silentLogger,
  });
  hosts.push(host);
  const card = (
    (await (await fetch(`${host.url}/card.json`)).json()) as { thirdParty: ThirdPartyCard }
  ).thirdParty;
  return { host, card };
}

let calls: Call[];
let card: ThirdPartyCard;
let host: AppHost;
beforeAll(async () => {
  calls = [];
  ({ host, card } = await start(SEED, calls));
});
afterAll(async () => {
  for (const h of hosts) await h.close();
});

interface Envelope {
  code: number;
  message: string;
  request_id: string;
  data?: Record<string, unknown>;
}
async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Envelope }> {
  const r = await fetch(url, init);
  return { status: r.status, body: (await r.json()) as Envelope };
}
const post = (url: string, body: unknown) =>
  json(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('map / geocoding API', () => {
  const g = gazetteer(SEED);
  const place = isolatedPlace(g, new Rng(1, 'test'));

  it('answers reverse and forward geocoding from the seeded gazetteer, with its coded errors', async () => {
    // 30 m north-east of the place: the place is still the nearest.
    const at = { lat: place.lat + 0.0002, lon: place.lon + 0.0002 };
    const q = (extra: string) => `${card.map.url}/reverse?key=${card.map.key}&${extra}`;
    const zh = await json(q(`lat=${at.lat}&lon=${at.lon}`));
    expect(zh.status).toBe(200);
    expect(zh.body.code).toBe(0);
    expect(zh.body.data!.formatted_address).toBe(place.formatted.zh);
    expect(zh.body.data!.distance_m).toBeGreaterThan(20);
    expect(zh.body.data!.distance_m).toBeLessThan(40);
    const en = await post(`${card.map.url}/reverse`, {
      key: card.map.key,
      lat: at.lat,
      lon: at.lon,
      lang: 'en',
    });
    expect(en.body.data!.formatted_address).toBe(place.formatted.en);
    // Forward: the street and number find the place, in either language.
    const fwd = await json(
      `${card.map.url}/geocode?key=${card.map.key}&address=${encodeURIComponent(`${place.street.zh}${place.number}号`)}`,
    );
    expect(fwd.body.data!.count).toBe(1);
    expect((fwd.body.data!.results as { location: unknown }[])[0]!.location).toEqual({
      lat: place.lat,
      lon: place.lon,
    });

    const errors = await Promise.all([
      json(`${card.map.url}/reverse?lat=1&lon=1`),
      json(`${card.map.url}/reverse?key=wrong&lat=1&lon=1`),
      json(q(`lat=${at.lat}`)),
      json(q(`lat=north&lon=${at.lon}`)),
      json(q(`lat=91&lon=${at.lon}`)),
      // The middle of the sea: no address within the radius.
      json(q('lat=0&lon=0')),
      post(`${card.map.url}/reverse`, '{"key": "'),
      post(`${card.map.url}/reverse`, '[1,2]'),
      json(`${card.map.url}/nowhere?key=${card.map.key}`),
      json(`${host.url}/3p/weather/v1/now`),
    ]);
    expect(errors.map((e) => [e.status, e.body.code])).toEqual([
      [401, 5140],
      [401, 5140],
      [400, 5141],
      [400, 5142],
      [400, 5142],
      [404, 5146],
      [400, 5142],
      [400, 5142],
      [404, 5146],
      [404, 5146],
    ]);
    // Each message in both languages.
    for (const e of errors) expect(e.body.message).toMatch(/ \/ .*[\u4e00-\u9fff]/);
    const put = await fetch(`${card.map.url}/reverse`, { method: 'PUT', body: '{}' });
    expect([put.status, ((await put.json()) as Envelope).code]).toEqual([405, 5149]);

    // Every call is evidence: the answer's status and code, the query without the key.
    const map = calls.filter((c) => c.kind === 'api.call' && c.service === 'map');
    expect(map.length).toBeGreaterThanOrEqual(13);
    const first = map[0]!;
    expect(first).toMatchObject({
      method: 'GET',
      path: '/3p/map/v1/reverse',
      params: { lat: String(at.lat), lon: String(at.lon) },
      status: 200,
      code: 0,
      result: { formatted_address: place.formatted.zh },
    });
    expect(map.map((c) => c.code)).toContain(5142);
  });

  it('gives the same answers for the same seed, other answers for another', async () => {
    const other: Call[] = [];
    const [same, diff] = await Promise.all([start(SEED, other), start(SEED + 1, other)]);
    // The keys come from the lab, not the run (the URLs carry each host's own port).
    const keys = (c: ThirdPartyCard) => [c.map.key, c.tts.key, c.pay.appId, c.pay.appKey];
    expect(keys(same.card)).toEqual(keys(card));
    expect(diff.card.map.key).not.toBe(card.map.key);
    const ask = async (c: ThirdPartyCard) => {
      const b = (
        await json(
          `${c.map.url}/reverse?key=${c.map.key}&lat=${place.lat}&lon=${place.lon}&radius=3000`,
        )
      ).body;
      return { code: b.code, data: b.data };
    };
    const [a, b, d] = await Promise.all([ask(card), ask(same.card), ask(diff.card)]);
    expect(b).toEqual(a);
    expect(d).not.toEqual(a);
    expect(gazetteer(SEED)).toEqual(g);
  });
});

/** The fields of a WAV header (RIFF/WAVE, fmt, data). */
function wavInfo(b: Buffer) {
  return {
    riff: b.toString('ascii', 0, 4),
    size: b.readUInt32LE(4),
    wave: b.toString('ascii', 8, 12),
    format: b.readUInt16LE(20),
    channels: b.readUInt16LE(22),
    rate: b.readUInt32LE(24),
    bits: b.readUInt16LE(34),
    data: b.readUInt32LE(40),
  };
}

describe('text-to-speech API', () => {
  it('returns a real WAV, the same bytes for the same text, through fetch and curl', async () => {
    requireTools('curl');
    const text = '温度过高，请注意';
    const url = `${card.tts.url}/synthesize?key=${card.tts.key}&text=${encodeURIComponent(text)}`;
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await r.arrayBuffer());
    const info = wavInfo(wav);
    expect(info).toEqual({
      riff: 'RIFF',
      size: wav.length - 8,
      wave: 'WAVE',
      format: 1,
      channels: 1,
      rate: 16000,
      bits: 16,
      data: wav.length - 44,
    });
    // 7 characters of 0.25 s and one pause of 0.125 s; not silence.
    expect(Number(r.headers.get('x-audio-duration-ms'))).toBe(1875);
    expect(wav.subarray(44).some((x) => x !== 0)).toBe(true);

    // curl posts the same text as JSON and gets the same bytes; another text, other bytes.
    const out = join(mkdtempSync(join(tmpdir(), 'iotlab-3p-curl-')), 'a.wav');
    const status = await new Promise<string>((resolve, reject) =>
      execFile(
        'curl',
        [
          '-sS',
          '-o',
          out,
          '-w',
          '%{http_code} %{content_type}',
          '-H',
          'content-type: application/json',
          '--data-binary',
          JSON.stringify({ key: card.tts.key, text }),
          `${card.tts.url}/synthesize`,
        ],
        { timeout: 10_000 },
        (err, stdout) => (err ? reject(new Error(err.message)) : resolve(stdout)),
      ),
    );
    expect(status).toBe('200 audio/wav');
    expect(readFileSync(out).equals(wav)).toBe(true);
    const other = Buffer.from(
      await (
        await fetch(
          `${card.tts.url}/synthesize?key=${card.tts.key}&text=${encodeURIComponent('温度正常')}`,
        )
      ).arrayBuffer(),
    );
    expect(other.equals(wav)).toBe(false);

    const errors = await Promise.all([
      json(`${card.tts.url}/synthesize?text=hi`),
      json(`${card.tts.url}/synthesize?key=${card.tts.key}`),
      json(`${card.tts.url}/synthesize?key=${card.tts.key}&text=${'a'.repeat(501)}`),
      json(`${card.tts.url}/synthesize?key=${card.tts.key}&text=hi&voice=robot`),
      json(`${card.tts.url}/synthesize?key=${card.tts.key}&text=hi&speed=9`),
      post(`${card.tts.url}/synthesize`, { key: card.tts.key, text: { nested: true } }),
    ]);
    expect(errors.map((e) => [e.status, e.body.code])).toEqual([
      [401, 5140],
      [400, 5141],
      [400, 5142],
      [400, 5142],
      [400, 5142],
      [400, 5142],
    ]);
    const tts = calls.filter((c) => c.service === 'tts');
    expect(tts[0]).toMatchObject({ status: 200, code: 0, params: { text, chars: 8 } });
    expect((tts[0]!.result as { sha256: string }).sha256).toBe(r.headers.get('x-audio-sha256'));
    // curl's call is evidence too, from its own peer.
    expect(tts.filter((c) => c.method === 'POST' && c.code === 0)).toHaveLength(1);
  });
});

describe('payment sandbox', () => {
  const signed = (p: Record<string, string | number>) => {
    const body = { app_id: card.pay.appId, timestamp: Math.floor(Date.now() / 1000), ...p };
    return { ...body, sign: signParams(body, card.pay.appKey) };
  };
  let n = 0;
  const nonce = () => `nonce-${Date.now()}-${++n}`;

  it('takes signed orders, pays them, notifies the app on its stream and answers its polls', async () => {
    // The signature is HMAC-SHA256 over the sorted fields, as the docs state it.
    expect(stringToSign({ b: 2, a: 'x', sign: 'z', c: '' })).toBe('a=x&b=2');
    expect(signParams({ a: 'x', b: 2 }, 'k')).toBe(
      createHmac('sha256', 'k').update('a=x&b=2').digest('hex'),
    );

    const stream = await fetch(
      `${card.pay.url}/notifications?${qs(
        Object.entries(signed({ nonce: nonce() })).map(([k, v]): [string, string] => [
          k,
          String(v),
        ]),
      )}`,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let sse = '';
    const events = async (count: number) => {
      const deadline = Date.now() + 5000;
      while ((sse.match(/^data: /gm) ?? []).length < count && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        sse += Buffer.from(value).toString('utf8');
      }
      return [...sse.matchAll(/^data: (.*)$/gm)].map(
        (m) => JSON.parse(m[1]!) as Record<string, string | number>,
      );
    };

    const created = await post(
      `${card.pay.url}/orders`,
      signed({ nonce: nonce(), out_trade_no: 'A1', amount: 1250, subject: '充电 1 小时' }),
    );
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ out_trade_no: 'A1', amount: 1250, status: 'NOTPAY' });
    const failing = await post(
      `${card.pay.url}/orders`,
      signed({ nonce: nonce(), out_trade_no: 'A2', amount: 199, subject: 'x' }),
    );
    expect(failing.body.code).toBe(0);

    const notes = await events(2);
    expect(notes.map((x) => [x.out_trade_no, x.status])).toEqual([
      ['A1', 'SUCCESS'],
      ['A2', 'PAYERROR'],
    ]);
    // The sandbox signs its notifications with the app key: the app can check them.
    for (const x of notes) expect(signParams(x, card.pay.appKey)).toBe(x.sign);
    await reader.cancel();

    const query = (no: string, p: Record<string, string | number> = {}) =>
      json(
        `${card.pay.url}/orders/${no}?${qs(
          Object.entries(signed({ nonce: nonce(), out_trade_no: no, ...p })).map(
            ([k, v]): [string, string] => [k, String(v)],
          ),
        )}`,
      );
    expect((await query('A1')).body.data).toMatchObject({ status: 'SUCCESS', amount: 1250 });
    expect((await query('A2')).body.data).toMatchObject({ status: 'PAYERROR' });
    expect((await query('NOPE')).body.code).toBe(5146);

    const pay = calls.filter((c) => c.service === 'pay');
    expect(pay.filter((c) => c.direction === 'notify')).toHaveLength(2);
    expect(pay.find((c) => c.method === 'POST')).toMatchObject({
      path: '/3p/pay/v1/orders',
      params: { out_trade_no: 'A1', amount: 1250, signed: true },
      status: 200,
      code: 0,
      result: { status: 'NOTPAY' },
    });
  });

  it('refuses bad signatures, stale timestamps, replays, reused order numbers, junk and huge bodies, and stays up', async () => {
    const url = `${card.pay.url}/orders`;
    const good = signed({ nonce: nonce(), out_trade_no: 'B1', amount: 100, subject: 's' });
    const replay = { ...good };
    const stale = {
      app_id: card.pay.appId,
      timestamp: Math.floor(Date.now() / 1000) - 400,
      nonce: nonce(),
      out_trade_no: 'B2',
      amount: 1,
      subject: 's',
    };
    const { sign: _s, ...unsigned } = signed({
      nonce: nonce(),
      out_trade_no: 'B3',
      amount: 1,
      subject: 's',
    });
    const results = [];
    for (const body of [
      good,
      replay,
      { ...signed({ nonce: nonce(), out_trade_no: 'B4', amount: 100, subject: 's' }), amount: 1 },
      {
        ...signed({ nonce: nonce(), out_trade_no: 'B5', amount: 1, subject: 's' }),
        sign: 'f'.repeat(64),
      },
      { ...stale, sign: signParams(stale, card.pay.appKey) },
      unsigned,
      {
        ...signed({ nonce: nonce(), out_trade_no: 'B6', amount: 1, subject: 's' }),
        app_id: 'someone-else',
      },
      signed({ nonce: nonce(), out_trade_no: 'B1', amount: 200, subject: 's' }),
      signed({ nonce: nonce(), out_trade_no: 'B7', amount: 1.5, subject: 's' }),
      signed({ nonce: 'short', out_trade_no: 'B8', amount: 1, subject: 's' }),
      '{"app_id":',
    ])
      results.push(await post(url, body));
    expect(results.map((r) => [r.status, r.body.code])).toEqual([
      [200, 0],
      [409, 5147], // the same nonce again
      [401, 5143], // a field changed after signing
      [401, 5143], // a made-up signature
      [401, 5144], // 400 s old
      [400, 5141], // no sign
      [401, 5140], // another app's id
      [409, 5147], // B1 again, another amount
      [400, 5142], // not whole fen
      [400, 5142], // nonce too short
      [400, 5142], // not JSON
    ]);

    // A 1 MiB body: 413 (or the connection cut while it is still being sent), never read whole.
    const huge = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(1 << 20) }),
    }).then(
      async (r) => [r.status, ((await r.json()) as Envelope).code],
      () => 'cut',
    );
    expect([[413, 5145], 'cut']).toContainEqual(huge);
    expect(calls.some((c) => c.service === 'pay' && c.code === 5145 && c.status === 413)).toBe(
      true,
    );
    // Too many calls a second: the bucket empties, the answers say so; the host still serves.
    const burst = await Promise.all(
      Array.from({ length: 60 }, () =>
        json(`${card.map.url}/reverse?key=${card.map.key}&lat=0&lon=0`),
      ),
    );
    expect(burst.filter((r) => r.status === 429 && r.body.code === 5148).length).toBeGreaterThan(0);
    expect((await fetch(`${host.url}/`)).status).toBe(200);

    // No secret reaches the evidence: not the keys, not a signature.
    const text = JSON.stringify(calls);
    for (const secret of [card.map.key, card.tts.key, card.pay.appKey, good.sign])
      expect(text).not.toContain(secret);
  });
});
