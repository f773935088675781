/**
 * Part 7 (only when named: `npm run bench -- soak`, an hour by default, `IOTLAB_SOAK_MINUTES` to
 * change it): one `iotlab serve` (the real CLI, a child process) under abuse for a long time. A
 * practice session of 50 candidates, each with the CoAP task's workstation lab open; 1,000 MQTT
 * connections (20 per candidate, each subscribed to its own prefix); an Observe flood (fresh UDP
 * sockets registering distinct tokens, then closing, as a scanner or a spoofer would) against
 * every candidate's CoAP port; and a QoS 1 publish flood from one client per candidate, below
 * the per-client rate limit. We sample the server's RSS every 10 s and report its growth after
 * the warm-up (target under 10 %) as the medians of a window after the warm-up and of the last
 * (a twelfth of the run, 1 to 5 minutes: V8's heap swings by tens of MB under the floods), and
 * check no evidence is lost: every workstation's evidence file reads back with its hash chain
 * whole, and it holds at least as many of the flood's publishes as the broker acknowledged. Mosquitto, side by side, holds the same 1,000 connections and the
 * same publish flood, for its RSS.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate as coapPacket } from 'coap-packet';
import mqtt from 'mqtt';
import { readEvidenceText } from '../../grader/evidence-file.js';
import type { Card } from './room-api.js';
import { Created, Me, Ok, ServerStatus, Slips, api, startServe } from './room-api.js';
import type { Tracked } from './proc.js';
import { freePort, rssKb, sleep, spawnTracked, stopChild, waitForPort } from './proc.js';

export interface SoakOptions {
  bin: string;
  minutes: number;
  portRange: { from: number; to: number };
  log?: (line: string) => void;
}

export interface SoakResult {
  minutes: number;
  candidates: number;
  connections: number;
  /** RSS (MB) after the warm-up, the highest seen, and at the end. */
  rssWarmMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  growthPct: number;
  /** Minutes of the two windows whose medians are compared. */
  windowMin: number;
  /** Median RSS (MB) of the window after the warm-up and of the last window, and their growth. */
  rssWarmMedianMb: number;
  rssEndMedianMb: number;
  medianGrowthPct: number;
  /** The server's JS heap in use (MB, its own figure) at the same two points, and its growth. */
  heapWarmMb: number;
  heapEndMb: number;
  heapGrowthPct: number;
  /** The JS heap V8 holds (used or not, MB) at the same two points: most of RSS under a flood. */
  heapTotalWarmMb: number;
  heapTotalEndMb: number;
  observeDatagrams: number;
  floodAcked: number;
  floodInEvidence: number;
  /**
   * MQTT publishes counted but not kept past a file's hard quota (by kind, of any topic), and
   * files. They are the flood's only when no other publish is in the evidence (otherPublishes).
   */
  countedPastQuota: number;
  /** Kept publishes that are not the flood's: 0, or the count past the quota is not all flood. */
  otherPublishes: number;
  filesPastQuota: number;
  evidenceFiles: number;
  evidenceProblems: string[];
  mosquittoRssMb: number;
}

/** Candidates (each one lab and 20 connections); IOTLAB_SOAK_CANDIDATES for a smaller or larger run. */
const CANDIDATES = Number(process.env.IOTLAB_SOAK_CANDIDATES ?? 50);
const CLIENTS_PER_CANDIDATE = 20;
const TASK = 'l1-emb-coap';
const ADMIN_PASSWORD = 'soak-admin';
/** Observe registrations per candidate per second (each from a fresh UDP socket). */
const OBSERVE_PER_S = 20;
/** QoS 1 publishes per candidate per second: under the broker's 500/s per client. */
const FLOOD_PER_S = 50;
const SAMPLE_MS = 10_000;

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

/** Connects `n` clients with a login, each subscribed to `filter`; resolves once all are in. */
async function connectMany(
  url: string,
  n: number,
  login: { username?: string; password?: string },
  filter: string,
  idPrefix: string,
): Promise<mqtt.MqttClient[]> {
  const out: mqtt.MqttClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await mqtt.connectAsync(url, {
      ...login,
      clientId: `${idPrefix}-${i}`,
      reconnectPeriod: 0,
      keepalive: 60,
    });
    await c.subscribeAsync(filter, { qos: 0 });
    out.push(c);
  }
  return out;
}

/** One CoAP GET /… with Observe=0 and a fresh token from a fresh socket, which then closes. */
function observeOnce(host: string, port: number, path: string, seq: number): void {
  const s = createSocket('udp4');
  const token = Buffer.alloc(4);
  token.writeUInt32BE(seq >>> 0);
  const packet = coapPacket({
    messageId: seq & 0xffff,
    token,
    confirmable: false,
    code: '0.01',
    options: [
      { name: 'Observe', value: Buffer.alloc(0) },
      ...path
        .split('/')
        .filter(Boolean)
        .map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })),
    ],
  });
  s.send(packet, port, host, () => s.close());
}

/** Mosquitto with the same 1,000 connections and publish flood, for its RSS (MB). */
async function mosquittoRss(minutes: number, log: (l: string) => void): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-soak-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const t: Tracked = spawnTracked('/usr/sbin/mosquitto', ['-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const clients: mqtt.MqttClient[] = [];
  let flooding = true;
  try {
    await waitForPort(port, 5000, t);
    const url = `mqtt://127.0.0.1:${port}`;
    for (let c = 0; c < CANDIDATES; c++)
      clients.push(...(await connectMany(url, CLIENTS_PER_CANDIDATE, {}, `m/${c}/#`, `m${c}`)));
    const floods = clients.filter((_, i) => i % CLIENTS_PER_CANDIDATE === 0);
    const loops = floods.map(async (c, i) => {
      while (flooding) {
        await c.publishAsync(`m/${i}/flood`, 'x'.repeat(100), { qos: 1 }).catch(() => undefined);
        await sleep(1000 / FLOOD_PER_S);
      }
    });
    // A tenth of the soak's time (at least 30 s) is enough for mosquitto to settle.
    await sleep(Math.max(30_000, (minutes * 60_000) / 10));
    const rss = rssKb(t.pid);
    flooding = false;
    await Promise.all(loops);
    log(`mosquitto: ${clients.length} connections and the flood, RSS ${mb(rss)} MB`);
    return mb(rss);
  } finally {
    flooding = false;
    for (const c of clients) c.end(true);
    await stopChild(t);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? ((): void => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-soak-'));
  const clients: mqtt.MqttClient[] = [];
  let running = true;
  // IOTLAB_SOAK_EVIDENCE_QUOTA_MB: a small quota, so a short run shows evidence past it counted.
  const quota = process.env.IOTLAB_SOAK_EVIDENCE_QUOTA_MB;
  const server = await startServe(
    o.bin,
    dir,
    o.portRange,
    ADMIN_PASSWORD,
    30_000,
    quota ? ['--evidence-quota', quota] : [],
  );
  try {
    const { url, t } = server;
    const admin = (
      await api(url, 'POST', '/api/login', Ok, {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      })
    ).cookie;
    const ids = Array.from({ length: CANDIDATES }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
    const roster = 'id,name\n' + ids.map((id) => `${id},Candidate ${id}\n`).join('');
    const { id: sid } = (
      await api(url, 'POST', '/api/sessions', Created, {
        body: { paper: 'L1-EMB', mode: 'practice', roster },
        cookie: admin,
      })
    ).data;
    await api(url, 'POST', `/api/sessions/${sid}/start`, Ok, { body: {}, cookie: admin });
    const slips = (await api(url, 'GET', `/api/sessions/${sid}/slips`, Slips, { cookie: admin }))
      .data;

    // Every candidate opens the task's workstation and connects 20 clients with their login.
    const labs: { card: Card; coapPath: string }[] = [];
    for (const s of slips) {
      const cookie = (
        await api(url, 'POST', '/api/candidate/login', Ok, {
          body: { session: sid, candidate: s.candidate, password: s.password },
        })
      ).cookie;
      const me = (
        await api(url, 'POST', `/api/me/tasks/${TASK}/workstation`, Me, { body: {}, cookie })
      ).data;
      const card = me.card;
      if (!card) throw new Error(`${s.candidate}: no card with the workstation open`);
      const login = { username: card.mqtt.username, password: card.mqtt.password };
      clients.push(
        ...(await connectMany(
          card.mqtt.url,
          CLIENTS_PER_CANDIDATE,
          login,
          `${card.mqtt.topicPrefix}/#`,
          `${s.candidate}-soak`,
        )),
      );
      const device = card.devices.find((d) => d.coap?.path) ?? card.devices[0];
      labs.push({ card, coapPath: device?.coap?.path ?? '/' });
    }
    log(`${clients.length} MQTT connections to ${labs.length} workstation labs`);

    // The floods (IOTLAB_SOAK_FLOODS=observe or =publish runs one alone, to tell which costs what).
    const floodsWanted = (process.env.IOTLAB_SOAK_FLOODS ?? 'observe,publish').split(',');
    let observeDatagrams = 0;
    let floodAcked = 0;
    const observe = setInterval(() => {
      if (!floodsWanted.includes('observe')) return;
      for (const lab of labs) {
        const u = new URL(lab.card.coap.url);
        for (let i = 0; i < OBSERVE_PER_S; i++)
          observeOnce(u.hostname, Number(u.port), lab.coapPath, observeDatagrams++);
      }
    }, 1000);
    const floods = labs.map(async (lab, i) => {
      const c = clients[i * CLIENTS_PER_CANDIDATE]!;
      while (running && floodsWanted.includes('publish')) {
        try {
          await c.publishAsync(`${lab.card.mqtt.topicPrefix}/flood`, 'x'.repeat(100), { qos: 1 });
          floodAcked++;
        } catch {
          // a refused or dropped publish is not counted as acknowledged
        }
        await sleep(1000 / FLOOD_PER_S);
      }
    });

    // RSS samples; the warm-up is the first tenth (at least a minute).
    const totalMs = o.minutes * 60_000;
    const warmMs = Math.max(60_000, totalMs / 10);
    const t0 = Date.now();
    let rssWarm = 0;
    let rssMax = 0;
    let rss = 0;
    /** Samples after the warm-up: ms since t0, RSS kB, JS heap in use MB. */
    const samples: { at: number; rssKb: number; heapMb: number; heapTotalMb: number }[] = [];
    while (Date.now() - t0 < totalMs) {
      await sleep(Math.min(SAMPLE_MS, totalMs - (Date.now() - t0)));
      rss = rssKb(t.pid);
      const memory = (
        await api(url, 'GET', '/api/server/status', ServerStatus, { cookie: admin }).catch(
          () => undefined,
        )
      )?.data.memory;
      const at = Date.now() - t0;
      if (at >= warmMs) {
        if (rssWarm === 0) rssWarm = rss;
        rssMax = Math.max(rssMax, rss);
        if (memory)
          samples.push({
            at,
            rssKb: rss,
            heapMb: memory.heapUsedMb,
            heapTotalMb: memory.heapTotalMb,
          });
      }
      log(
        `${(at / 60_000).toFixed(1)} min: RSS ${mb(rss)} MB${memory ? `, JS heap ${memory.heapUsedMb} of ${memory.heapTotalMb} MB, external ${memory.externalMb} MB (array buffers ${memory.arrayBuffersMb})` : ''}, ${observeDatagrams} observe datagrams, ${floodAcked} publishes acknowledged`,
      );
    }
    if (rssWarm === 0) rssWarm = rss;
    running = false;
    clearInterval(observe);
    await Promise.all(floods);
    for (const c of clients) c.end(true);
    clients.length = 0;
    // Closing the session closes every workstation, so their evidence files end.
    await api(url, 'POST', `/api/sessions/${sid}/stop`, Ok, { body: {}, cookie: admin });

    const evDir = join(dir, 'evidence', sid);
    const problems: string[] = [];
    let files = 0;
    let floodInEvidence = 0;
    let countedPastQuota = 0;
    let filesPastQuota = 0;
    let otherPublishes = 0;
    for (const cand of readdirSync(evDir)) {
      for (const f of readdirSync(join(evDir, cand))) {
        if (!f.includes('.workstation-')) continue;
        files++;
        const ev = readEvidenceText(readFileSync(join(evDir, cand, f), 'utf8'));
        problems.push(...ev.problems.map((p) => `${cand}/${f}:${p.line}: ${p.message}`));
        for (const e of ev.events)
          if (e.kind === 'mqtt.publish')
            if (String(e.topic).endsWith('/flood')) floodInEvidence++;
            else otherPublishes++;
        // Past the evidence file's hard quota publishes are counted, not kept (lab.stop says).
        for (const e of ev.events)
          if (e.kind === 'lab.stop') {
            const d = e['droppedPastQuota'] as Record<string, number> | undefined;
            countedPastQuota += d?.['mqtt.publish'] ?? 0;
            if (d) filesPastQuota++;
          }
      }
    }
    const mosquittoRssMb = await mosquittoRss(o.minutes, log);
    // One sample is at the mercy of garbage collection: under the floods V8's heap swings by
    // ±70 MB over a minute or two, so growth is the median of a window (a twelfth of the run,
    // 1 to 5 minutes) after the warm-up against that of the last window.
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length === 0 ? 0 : v[Math.floor(v.length / 2)]!;
    };
    const windowMs = Math.min(300_000, Math.max(60_000, totalMs / 12));
    const first = samples.filter((x) => x.at < warmMs + windowMs);
    const last = samples.filter((x) => x.at >= totalMs - windowMs);
    const pct = (a: number, b: number) => (a > 0 ? Math.round(((b - a) / a) * 1000) / 10 : 0);
    const rssWarmMedianMb = mb(median(first.map((x) => x.rssKb)));
    const rssEndMedianMb = mb(median(last.map((x) => x.rssKb)));
    const heapWarmMb = median(first.map((x) => x.heapMb));
    const heapEndMb = median(last.map((x) => x.heapMb));
    const heapTotalWarmMb = median(first.map((x) => x.heapTotalMb));
    const heapTotalEndMb = median(last.map((x) => x.heapTotalMb));
    return {
      minutes: o.minutes,
      windowMin: Math.round((windowMs / 60_000) * 10) / 10,
      candidates: CANDIDATES,
      connections: CANDIDATES * CLIENTS_PER_CANDIDATE,
      rssWarmMb: mb(rssWarm),
      rssMaxMb: mb(rssMax),
      rssEndMb: mb(rss),
      growthPct: Math.round(((rss - rssWarm) / rssWarm) * 1000) / 10,
      rssWarmMedianMb,
      rssEndMedianMb,
      medianGrowthPct: pct(rssWarmMedianMb, rssEndMedianMb),
      heapWarmMb,
      heapEndMb,
      heapGrowthPct: pct(heapWarmMb, heapEndMb),
      heapTotalWarmMb,
      heapTotalEndMb,
      observeDatagrams,
      floodAcked,
      floodInEvidence,
      countedPastQuota,
      filesPastQuota,
      otherPublishes,
      evidenceFiles: files,
      evidenceProblems: problems.slice(0, 10),
      mosquittoRssMb,
    };
  } finally {
    running = false;
    for (const c of clients) c.end(true);
    await stopChild(server.t);
    rmSync(dir, { recursive: true, force: true });
  }
}
