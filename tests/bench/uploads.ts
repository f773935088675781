/**
 * Uploads in a room (issue 14.3): 20 candidates each hand in a 15 MiB file at the same moment to
 * one `iotlab serve` (the result database of l1-sys-sql, uploaded to each candidate's open
 * workstation of the task). The server streams bodies to disk, so its RSS should
 * grow by far less than the 300 MiB in flight (before streaming: 239 → 425 MB). Reports RSS
 * before, the highest while uploading (sampled every 50 ms) and after, and the time the uploads
 * took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Created, Ok, Slips, api, startServe } from './room-api.js';
import type { ServeChild } from './room-api.js';
import { rssKb, sleep, stopChild } from './proc.js';

const ADMIN_PASSWORD = 'bench-uploads-admin';

export interface UploadsResult {
  candidates: number;
  mib: number;
  ok: number;
  seconds: number;
  rssBeforeMb: number;
  rssMaxMb: number;
  rssAfterMb: number;
}

export async function benchUploads(o: {
  bin: string;
  candidates: number;
  mib: number;
  portRange: { from: number; to: number };
  log?: (line: string) => void;
}): Promise<UploadsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlab-bench-uploads-'));
  let server: ServeChild | undefined;
  try {
    server = await startServe(o.bin, dir, o.portRange, ADMIN_PASSWORD);
    const { url, t } = server;
    const admin = (
      await api(url, 'POST', '/api/login', Ok, {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      })
    ).cookie;
    const ids = Array.from(
      { length: o.candidates },
      (_, i) => `u${String(i + 1).padStart(3, '0')}`,
    );
    const { id: sid } = (
      await api(url, 'POST', '/api/sessions', Created, {
        body: {
          paper: 'L1-SYS',
          mode: 'practice',
          roster: 'id,name\n' + ids.map((x) => `${x},${x}\n`).join(''),
        },
        cookie: admin,
      })
    ).data;
    await api(url, 'POST', `/api/sessions/${sid}/start`, Ok, { body: {}, cookie: admin });
    const slips = (await api(url, 'GET', `/api/sessions/${sid}/slips`, Slips, { cookie: admin }))
      .data;
    const cookies: string[] = [];
    for (const s of slips) {
      const me = (
        await api(url, 'POST', '/api/candidate/login', Ok, {
          body: { session: sid, candidate: s.candidate, password: s.password },
        })
      ).cookie;
      cookies.push(me);
    }
    // The SQL task's workstation, so each candidate has a file to hand in.
    const task = 'l1-sys-sql';
    const files = uploadName(url);
    const body = Buffer.alloc(o.mib * 1024 * 1024, 0x61);
    const names: string[] = [];
    for (const c of cookies) {
      await api(url, 'POST', `/api/me/tasks/${task}/workstation`, Ok, { body: {}, cookie: c });
      names.push(await files(c));
    }
    o.log?.(`${cookies.length} workstations open; uploading ${o.mib} MiB each at once`);
    await sleep(1000);
    const rss = () => {
      try {
        return rssKb(t.pid) / 1024;
      } catch {
        return NaN;
      }
    };
    const rssBeforeMb = rss();
    let rssMaxMb = rssBeforeMb;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        rssMaxMb = Math.max(rssMaxMb, rss());
        await sleep(50);
      }
    })();
    const t0 = performance.now();
    const results = await Promise.all(
      cookies.map((c, i) =>
        fetch(`${url}/api/me/files/${names[i]}`, {
          method: 'PUT',
          headers: { cookie: c, 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
          body,
        }).then(async (r) => {
          await r.text();
          return r.status;
        }),
      ),
    );
    const seconds = (performance.now() - t0) / 1000;
    await sleep(1000);
    sampling = false;
    await sampler;
    const rssAfterMb = rss();
    return {
      candidates: cookies.length,
      mib: o.mib,
      ok: results.filter((s) => s === 200).length,
      seconds: Math.round(seconds * 10) / 10,
      rssBeforeMb: Math.round(rssBeforeMb),
      rssMaxMb: Math.round(rssMaxMb),
      rssAfterMb: Math.round(rssAfterMb),
    };
  } finally {
    if (server) await stopChild(server.t);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The name of the file the running task takes (GET /api/me/files). */
function uploadName(url: string) {
  return async (cookie: string): Promise<string> => {
    const r = await fetch(`${url}/api/me/files`, { headers: { cookie } });
    const j = (await r.json()) as { upload?: { name: string } | null };
    if (!j.upload) throw new Error('the task takes no file');
    return j.upload.name;
  };
}
