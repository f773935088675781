/**
 * The lab's simulated third-party services (issue 16; skill L1.APP.3.2.4), served by the app host
 * under THIRD_PARTY_BASE on the app's own origin, so the browser's lab-only rule holds: a map /
 * geocoding API, a text-to-speech API and a payment sandbox (docs/third-party/). Each takes the
 * key the card gives; each answer is `{ code, message, request_id, data }` JSON (speech: the WAV
 * itself), with the codes of core/errors.ts' 514x band for what went wrong; every call is
 * `api.call` evidence (service, method, path, params without secrets, status, code, result).
 *
 * Bounded: bodies over THIRD_PARTY_MAX_BODY get 413 without being read further, each service
 * takes at most RATE.perS calls a second (bursts of RATE.burst), the sandbox keeps at most
 * PAY_LIMITS.orders orders; nothing a page sends can throw out of a handler.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordFn } from '../../core/evidence.js';
import {
  forwardGeocode,
  gazetteer,
  REVERSE_RADIUS_M,
  reverseGeocode,
} from '../third-party/gazetteer.js';
import type { Gazetteer, Place } from '../third-party/gazetteer.js';
import { synthesize, TTS_MAX_CHARS, TTS_VOICES } from '../third-party/speech.js';
import type { TtsVoice } from '../third-party/speech.js';
import type { Answer, Params } from '../third-party/answer.js';
import { evidenceParams, fail, need, ok, paramsOfJson, statusOf } from '../third-party/answer.js';
import { createPaySandbox } from './pay-sandbox.js';
import type { PaySandbox } from './pay-sandbox.js';

export const THIRD_PARTY_BASE = '/3p';
/** The largest request body a service reads (bytes). */
export const THIRD_PARTY_MAX_BODY = 16 * 1024;
/** Calls a second each service answers, and the burst it allows. */
export const RATE = { perS: 20, burst: 40 } as const;

export type Service = 'map' | 'tts' | 'pay';

/** The services' part of the app's card (`thirdParty`): where they are and their keys. */
export interface ThirdPartyCard {
  baseUrl: string;
  map: { url: string; key: string };
  tts: { url: string; key: string };
  pay: { url: string; appId: string; appKey: string };
}

export interface ThirdPartyOptions {
  /** The lab's seed (the gazetteer's) and id (the keys'). */
  seed: number;
  labId: string;
  record: RecordFn;
  /** Wall-clock ms, for the sandbox's timestamp window and the rate bound (tests replace it). */
  now?: () => number;
  /** How long after an order is created the sandbox's buyer pays it (real ms; default 2000). */
  payDelayMs?: number;
}

export interface ThirdParty {
  card(origin: string): ThirdPartyCard;
  /** Answers a request under THIRD_PARTY_BASE (`path` without the query). */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  close(): void;
}

/** The keys of a lab: derived from its id, so a lab's card is the same from run to run. */
export function thirdPartyKeys(labId: string): {
  map: string;
  tts: string;
  appId: string;
  appKey: string;
} {
  const h = (what: string) =>
    createHash('sha256').update(`iotlab-3p:${labId}:${what}`).digest('hex');
  return {
    map: h('map').slice(0, 32),
    tts: h('tts').slice(0, 32),
    appId: `app${h('app-id').slice(0, 13)}`,
    appKey: h('app-key').slice(0, 40),
  };
}

/** A number parameter in [min, max], or the answer saying why not. */
function numberParam(
  p: Params,
  name: string,
  min: number,
  max: number,
  dflt?: number,
): number | Answer {
  const v = p[name];
  if (v === undefined || v === '') {
    if (dflt !== undefined) return dflt;
    return fail('THIRD_PARTY_MISSING_PARAM', `missing parameter ${name}`, `缺少参数 ${name}`);
  }
  const n = typeof v === 'number' ? v : Number(v);
  if (typeof v === 'boolean' || !Number.isFinite(n) || n < min || n > max)
    return fail(
      'THIRD_PARTY_BAD_PARAM',
      `parameter ${name}: a number from ${min} to ${max}`,
      `参数 ${name} 须为 ${min} 到 ${max} 之间的数`,
    );
  return n;
}

function langParam(p: Params): 'zh' | 'en' | Answer {
  const v = p.lang ?? 'zh';
  return v === 'zh' || v === 'en'
    ? v
    : fail('THIRD_PARTY_BAD_PARAM', 'parameter lang: zh or en', '参数 lang 须为 zh 或 en');
}

function keyCheck(p: Params, key: string): Answer | undefined {
  if (p.key === undefined || p.key === '')
    return fail(
      'THIRD_PARTY_BAD_KEY',
      'missing parameter key (the API key)',
      '缺少参数 key（API 密钥）',
    );
  if (p.key !== key) return fail('THIRD_PARTY_BAD_KEY', 'unknown API key', 'API 密钥无效');
  return undefined;
}

function placeJson(place: Place, lang: 'zh' | 'en') {
  return {
    formatted_address: place.formatted[lang],
    address: {
      province: place.province[lang],
      city: place.city[lang],
      district: place.district[lang],
      street: place.street[lang],
      number: String(place.number),
    },
    location: { lat: place.lat, lon: place.lon },
  };
}

/** GET/POST /3p/map/v1/reverse and /3p/map/v1/geocode (docs/third-party/map.md). */
export function mapApi(g: Gazetteer, key: string, route: string, p: Params): Answer {
  const bad = keyCheck(p, key);
  if (bad) return bad;
  const lang = langParam(p);
  if (typeof lang !== 'string') return lang;
  if (route === 'reverse') {
    const lat = numberParam(p, 'lat', -90, 90);
    if (typeof lat !== 'number') return lat;
    const lon = numberParam(p, 'lon', -180, 180);
    if (typeof lon !== 'number') return lon;
    const radius = numberParam(p, 'radius', 1, 3000, REVERSE_RADIUS_M);
    if (typeof radius !== 'number') return radius;
    const hit = reverseGeocode(g, { lat, lon }, radius);
    if (!hit)
      return fail(
        'THIRD_PARTY_NOT_FOUND',
        `no address within ${radius} m of ${lat},${lon}`,
        `${lat},${lon} 周围 ${radius} 米内没有地址`,
      );
    return ok(
      { ...placeJson(hit.place, lang), distance_m: hit.distanceM },
      { formatted_address: hit.place.formatted[lang], distance_m: hit.distanceM },
    );
  }
  if (route === 'geocode') {
    const address = need(p, 'address');
    if (typeof address !== 'string') return address;
    if (address.length > 200)
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        'parameter address: at most 200 characters',
        '参数 address 最多 200 个字符',
      );
    const found = forwardGeocode(g, address);
    return ok(
      { count: found.length, results: found.map((pl) => placeJson(pl, lang)) },
      { count: found.length },
    );
  }
  return fail('THIRD_PARTY_NOT_FOUND', `no endpoint map/v1/${route}`, `没有接口 map/v1/${route}`);
}

/** GET/POST /3p/tts/v1/synthesize (docs/third-party/tts.md): the WAV itself. */
export function ttsApi(key: string, route: string, p: Params): Answer {
  if (route !== 'synthesize')
    return fail('THIRD_PARTY_NOT_FOUND', `no endpoint tts/v1/${route}`, `没有接口 tts/v1/${route}`);
  const bad = keyCheck(p, key);
  if (bad) return bad;
  const text = need(p, 'text');
  if (typeof text !== 'string') return text;
  if ([...text].length > TTS_MAX_CHARS)
    return fail(
      'THIRD_PARTY_BAD_PARAM',
      `parameter text: at most ${TTS_MAX_CHARS} characters`,
      `参数 text 最多 ${TTS_MAX_CHARS} 个字符`,
    );
  const voice = p.voice ?? 'female';
  if (!(TTS_VOICES as readonly unknown[]).includes(voice))
    return fail(
      'THIRD_PARTY_BAD_PARAM',
      `parameter voice: ${TTS_VOICES.join(' or ')}`,
      `参数 voice 须为 ${TTS_VOICES.join(' 或 ')}`,
    );
  const speed = numberParam(p, 'speed', 0.5, 2, 1);
  if (typeof speed !== 'number') return speed;
  const s = synthesize(text, voice as TtsVoice, speed);
  const sha256 = createHash('sha256').update(s.wav).digest('hex');
  return {
    code: 0,
    message: 'ok',
    binary: {
      type: 'audio/wav',
      body: s.wav,
      headers: { 'x-audio-duration-ms': String(s.durationMs), 'x-audio-sha256': sha256 },
    },
    result: { bytes: s.wav.length, duration_ms: s.durationMs, sha256 },
  };
}

/** Reads a request body up to `max` bytes; undefined when it is longer (the rest unread). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (v: Buffer | undefined) => {
      req.removeAllListeners('data');
      resolve(v);
    };
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        done(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', () => done(undefined));
  });
}

export function createThirdParty(opts: ThirdPartyOptions): ThirdParty {
  const now = opts.now ?? Date.now;
  const keys = thirdPartyKeys(opts.labId);
  const g = gazetteer(opts.seed);
  const buckets = new Map<Service, { tokens: number; at: number }>();
  const counters = new Map<Service, number>();
  const pay: PaySandbox = createPaySandbox({
    appId: keys.appId,
    appKey: keys.appKey,
    now,
    payDelayMs: opts.payDelayMs ?? 2000,
    record: (fields) => opts.record('api.call', { service: 'pay', ...fields }),
  });

  const allowed = (service: Service): boolean => {
    const t = now();
    const b = buckets.get(service) ?? { tokens: RATE.burst, at: t };
    b.tokens = Math.min(RATE.burst, b.tokens + ((t - b.at) / 1000) * RATE.perS);
    b.at = t;
    buckets.set(service, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const send = (res: ServerResponse, service: Service, answer: Answer, close: boolean): void => {
    const n = (counters.get(service) ?? 0) + 1;
    counters.set(service, n);
    const requestId = `${service}-${String(n).padStart(6, '0')}`;
    const status = statusOf(answer.code);
    const common = {
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': requestId,
      ...(close ? { connection: 'close' } : {}),
    };
    if (answer.binary) {
      res
        .writeHead(status, {
          ...common,
          ...answer.binary.headers,
          'content-type': answer.binary.type,
          'content-length': answer.binary.body.length,
        })
        .end(answer.binary.body);
      return;
    }
    const body = Buffer.from(
      JSON.stringify({
        code: answer.code,
        message: answer.message,
        request_id: requestId,
        ...(answer.data !== undefined ? { data: answer.data } : {}),
      }),
    );
    res
      .writeHead(status, {
        ...common,
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
      })
      .end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const [, service, version, ...rest] = path.slice(THIRD_PARTY_BASE.length).split('/');
    const method = req.method ?? 'GET';
    const peer = `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`;
    const known = service === 'map' || service === 'tts' || service === 'pay';
    const svc: Service = known ? service : 'map';
    const record = (params: Record<string, unknown>, a: Answer) =>
      opts.record('api.call', {
        peer,
        service: known ? service : String(service).slice(0, 20),
        method,
        path: path.slice(0, 200),
        params,
        status: statusOf(a.code),
        code: a.code,
        ...(a.result ? { result: a.result } : {}),
      });
    const answer = (params: Record<string, unknown>, a: Answer, close = false) => {
      record(params, a);
      send(res, svc, a, close);
    };
    if (!known || version !== 'v1' || rest.length === 0)
      return answer(
        {},
        fail(
          'THIRD_PARTY_NOT_FOUND',
          `no service at ${path.slice(0, 100)}`,
          `没有此服务：${path.slice(0, 100)}`,
        ),
      );
    if (method !== 'GET' && method !== 'POST')
      return answer({}, fail('THIRD_PARTY_METHOD', 'GET or POST only', '只接受 GET 或 POST'), true);
    if (!allowed(svc))
      return answer(
        {},
        fail(
          'THIRD_PARTY_RATE_LIMITED',
          `over ${RATE.perS} calls a second`,
          `每秒调用超过 ${RATE.perS} 次`,
        ),
        method === 'POST',
      );
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    let params: Params = {};
    for (const [k, v] of query) if (Object.keys(params).length < 50) params[k] = v;
    if (method === 'POST') {
      const body = await readBody(req, THIRD_PARTY_MAX_BODY);
      if (!body)
        return answer(
          {},
          fail(
            'THIRD_PARTY_TOO_LARGE',
            `a body of at most ${THIRD_PARTY_MAX_BODY} bytes`,
            `请求体最多 ${THIRD_PARTY_MAX_BODY} 字节`,
          ),
          true,
        );
      if (body.length > 0) {
        const json = paramsOfJson(body);
        if ('error' in json) return answer({ bytes: body.length }, json.error);
        params = { ...params, ...json.params };
      }
    }
    const shown = evidenceParams(params);
    if (svc === 'map') return answer(shown, mapApi(g, keys.map, rest.join('/'), params));
    if (svc === 'tts') return answer(shown, ttsApi(keys.tts, rest.join('/'), params));
    if (rest[0] === 'notifications' && rest.length === 1 && method === 'GET') {
      const refused = pay.openStream(params, res, peer);
      if (refused) answer(shown, refused);
      else record(shown, ok(null, { stream: 'open' }));
      return;
    }
    return answer(shown, pay.call(method, rest, params));
  };

  return {
    card(origin) {
      const base = `${origin}${THIRD_PARTY_BASE}`;
      return {
        baseUrl: base,
        map: { url: `${base}/map/v1`, key: keys.map },
        tts: { url: `${base}/tts/v1`, key: keys.tts },
        pay: { url: `${base}/pay/v1`, appId: keys.appId, appKey: keys.appKey },
      };
    },
    handle(req, res, path) {
      handle(req, res, path).catch(() => res.destroy());
    },
    close() {
      pay.close();
    },
  };
}
