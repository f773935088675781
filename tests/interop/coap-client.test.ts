/**
 * Interop with libcoap's coap-client (libcoap3-bin 4.3, the no-TLS build) against the lab's CoAP
 * server: discovery, GET in both formats, Observe, PUT to an actuator, and 4.04.
 *
 * The lab runs 10× faster than real time so that an observation of 3 real seconds spans 30 lab
 * seconds, i.e. six observe periods (5 s each in the greenhouse): enough notifications without
 * a long test. Values are compared with truth at the exact lab time the evidence gives.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { RunningLab } from './harness/lab.js';
import { coapByTag, coapToken, payloadJson, payloadText, startLab } from './harness/lab.js';
import { parseLinkFormat, resolutionOf, splitJsonStream } from './harness/parse.js';
import { killTools, requireTools, runOk } from './harness/tools.js';

const SEED = 12;
const SPEED = 10;
let lab: RunningLab;
/** Token tags of every coap-client run, to find each one in the evidence at the end. */
const runs: { tag: string; method: string; path: string }[] = [];
let nextTag = 0;

/** Runs coap-client with a unique token and returns its output and its tag. */
async function coapClient(method: 'get' | 'put', path: string, extra: string[] = []) {
  const tag = `it${String(nextTag++).padStart(2, '0')}`;
  runs.push({ tag, method: method.toUpperCase(), path });
  const args = ['-m', method, '-T', coapToken(tag), ...extra, `${lab.coapBase}${path}`];
  const r = await runOk('coap-client-notls', args, { timeoutMs: 10_000 });
  return { ...r, tag };
}

/** The evidence of one coap-client run: its request(s) and the lab's response(s). */
function exchange(tag: string): Promise<{ request: EvidenceEvent; responses: EvidenceEvent[] }> {
  return lab.waitForEvidence(`coap-client run ${tag}`, (events) => {
    const mine = coapByTag(events, tag);
    const request = mine.find((e) => e.kind === 'coap.request');
    const responses = mine.filter((e) => e.kind === 'coap.response');
    return request && responses.length > 0 ? { request, responses } : undefined;
  });
}

beforeAll(async () => {
  lab = await startLab({ seed: SEED, speed: SPEED });
});
// In beforeEach, not beforeAll: a missing tool must fail every test, not skip them.
beforeEach(() => {
  requireTools('coap-client-notls');
});
afterEach(killTools);
afterAll(async () => {
  await lab?.stop();
});

describe('coap-client (libcoap 4.3) against the lab CoAP server', () => {
  it('GET /.well-known/core lists every CoAP device with rt, if, ct and obs', async () => {
    const r = await coapClient('get', '/.well-known/core');
    const links = parseLinkFormat(r.stdout);
    const devices = lab.card.devices.filter((d) => d.coap);
    expect(links.map((l) => l.href).sort()).toEqual(devices.map((d) => d.coap!.path).sort());
    for (const d of devices) {
      const link = links.find((l) => l.href === d.coap!.path)!;
      expect(link.attrs, d.coap!.path).toMatchObject({
        if: d.kind === 'actuator' ? 'actuator' : 'sensor',
        ct: '0 50',
        obs: true,
      });
      expect(link.attrs.rt, d.coap!.path).toMatch(/^iotlab\.[a-z0-9_]+$/);
    }
    const { responses } = await exchange(r.tag);
    expect(responses[0]).toMatchObject({ code: '2.05', contentFormat: 40 });

    // With -b 64 coap-client asks for 64-byte blocks (Block2, RFC 7959 §2.4) and reassembles
    // them: the same document, sent as several responses.
    const blocks = await coapClient('get', '/.well-known/core', ['-b', '64']);
    expect(blocks.stdout).toBe(r.stdout);
    const count = Math.ceil(Buffer.byteLength(r.stdout.trim()) / 64);
    expect(count).toBeGreaterThan(1);
    // libcoap gives each block request a token of its own (block number + the first token),
    // so the blocks are found by the client's UDP endpoint.
    const { request: first } = await exchange(blocks.tag);
    const parts = await lab.waitForEvidence(`${count} blocks`, (events) => {
      const found = events.filter((e) => e.kind === 'coap.response' && e.peer === first.peer);
      return found.length >= count ? found : undefined;
    });
    expect(parts.map((e) => e.code)).toEqual(Array<string>(count).fill('2.05'));
  });

  it('GET a sensor as JSON and, with -A 0, as text: both equal truth at the time of reading', async () => {
    const air = lab.device('air_th');
    const path = air.coap!.path;
    const json = await coapClient('get', path);
    const text = await coapClient('get', path, ['-A', '0']);

    const [body, ...more] = splitJsonStream(json.stdout) as Record<string, unknown>[];
    expect(more).toEqual([]);
    expect(body).toMatchObject({ id: air.id });
    const jsonReply = (await exchange(json.tag)).responses[0]!;
    expect(jsonReply).toMatchObject({ code: '2.05', contentFormat: 50 });
    expect(payloadJson(jsonReply)).toEqual(body);

    const pairs = Object.fromEntries(
      text.stdout
        .trim()
        .split(/\s+/)
        .map((kv) => kv.split('=')),
    ) as Record<string, string>;
    const textReply = (await exchange(text.tag)).responses[0]!;
    expect(textReply).toMatchObject({ code: '2.05', contentFormat: 0 });
    expect(payloadText(textReply)).toBe(text.stdout.trim());

    // The resource reads truth when it answers; the evidence stamps the reply microseconds
    // later, hence one resolution step of slack.
    for (const [reply, values] of [
      [jsonReply, body as Record<string, unknown>],
      [textReply, pairs],
    ] as const) {
      const truth = lab.model(air.id).truth(reply.t).values;
      for (const { quantity } of air.channels!) {
        const got = Number(values[quantity]);
        expect(Number.isFinite(got), `${quantity} in ${JSON.stringify(values)}`).toBe(true);
        expect(Math.abs(got - (truth[quantity] as number))).toBeLessThanOrEqual(
          resolutionOf(air, quantity) + 1e-9,
        );
      }
    }
  });

  it('observes a sensor with -s 3 and receives the registration and ≥2 notifications', async () => {
    const air = lab.device('air_th');
    const r = await coapClient('get', air.coap!.path, ['-s', '3']);
    const bodies = splitJsonStream(r.stdout) as { id: string; ts: number }[];
    expect(bodies.length, r.stdout).toBeGreaterThanOrEqual(3);
    for (const [i, b] of bodies.entries()) {
      expect(b.id).toBe(air.id);
      if (i > 0) expect(b.ts).toBeGreaterThan(bodies[i - 1]!.ts);
    }
    // On the wire (RFC 7641 §4.4): every notification of the observation carries the Observe
    // option, with a sequence number that increases.
    const events = lab.evidence();
    const notes = coapByTag(events, r.tag).filter(
      (e) => e.kind === 'coap.response' && e.observe !== undefined,
    );
    expect(notes.length).toBeGreaterThanOrEqual(3);
    const seqs = notes.map((e) => Number(e.observe));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const register = coapByTag(events, r.tag).find((e) => e.kind === 'coap.request');
    expect(register).toMatchObject({ method: 'GET', observe: 0 });
  });

  it('PUT -e on (text) and -t 50 JSON switch an actuator, and GET reads the new state', async () => {
    const fan = lab.device('fan');
    const path = fan.coap!.path;
    const on = await coapClient('put', path, ['-e', 'on']);
    expect(splitJsonStream(on.stdout)).toEqual([expect.objectContaining({ id: fan.id, on: true })]);
    expect((await exchange(on.tag)).responses[0]).toMatchObject({ code: '2.04' });
    expect((await coapClient('get', path, ['-A', '0'])).stdout.trim()).toBe('on');

    const off = await coapClient('put', path, ['-t', '50', '-e', '{"on":false}']);
    expect(splitJsonStream(off.stdout)).toEqual([
      expect.objectContaining({ id: fan.id, on: false }),
    ]);
    const offExchange = await exchange(off.tag);
    expect(offExchange.request).toMatchObject({ method: 'PUT', contentFormat: 50 });
    expect(payloadJson(offExchange.request)).toEqual({ on: false });
    expect(offExchange.responses[0]).toMatchObject({ code: '2.04' });
    expect((await coapClient('get', path, ['-A', '0'])).stdout.trim()).toBe('off');

    const changes = await lab.waitForEvidence('two fan state changes', (events) => {
      const found = events.filter((e) => e.kind === 'device.state' && e.device === fan.id);
      return found.length >= 2 ? found : undefined;
    });
    expect(changes.map((e) => [e.values, e.source])).toEqual([
      [{ on: true }, 'coap'],
      [{ on: false }, 'coap'],
    ]);
  });

  it('answers 4.04 for an unknown path and 4.05 for a PUT to a sensor', async () => {
    // libcoap 4.3's coap-client prints an error response as "<code> <diagnostic payload>" on
    // stderr, nothing on stdout, and still exits with 0. (The diagnostic text is the server's
    // to word; only the code is checked.)
    const missing = await coapClient('get', '/sensors/no-such-device');
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^4\.04(\s|$)/);
    expect((await exchange(missing.tag)).responses[0]).toMatchObject({ code: '4.04' });

    const sensor = lab.device('air_th').coap!.path;
    const put = await coapClient('put', sensor, ['-e', 'on']);
    expect(put.stdout).toBe('');
    expect(put.stderr).toMatch(/^4\.05(\s|$)/);
    expect((await exchange(put.tag)).responses[0]).toMatchObject({ code: '4.05' });
  });

  it('stops with an intact hash chain that holds every coap-client request', async () => {
    const { code, events, problems } = await lab.stop();
    expect(code).toBe(0);
    expect(problems).toEqual([]);
    expect(events.at(-1)?.kind).toBe('lab.stop');
    for (const run of runs) {
      const mine = coapByTag(events, run.tag);
      const request = mine.find((e) => e.kind === 'coap.request');
      expect(request, `coap.request of ${run.method} ${run.path}`).toMatchObject({
        method: run.method,
        path: run.path,
        type: 'CON',
      });
      expect(mine.some((e) => e.kind === 'coap.response')).toBe(true);
    }
    // Each coap-client run is its own UDP endpoint.
    const peers = runs.map((run) => coapByTag(events, run.tag)[0]?.peer);
    expect(new Set(peers).size).toBe(runs.length);
  });
});
