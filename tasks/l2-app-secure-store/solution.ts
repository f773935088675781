/**
 * Reference solution: subscribe to the meter's telemetry, create the stated table in the work
 * folder's SQLite file, and insert one row per quantity of every message as it arrives, its
 * value sealed with AES-256-GCM under the data key: a fresh random 12-byte IV per row, the AAD
 * `device|ts|quantity`, stored as base64(IV ‖ ciphertext ‖ tag).
 *
 * Typical mistakes (`ctx.mistake`): `no-aad` seals without the AAD; `fixed-iv` uses one IV for
 * every row; `plain-copy` keeps a plain `value` column beside the sealed one. The stated rules
 * and the case the lab plants for each: tasks/l2-app-secure-store/task.ts.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, untilAborted } from '../solution.js';

export function seal(key: Buffer, iv: Buffer, aad: string | undefined, value: number): string {
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(String(value), 'utf8'), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64');
}

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const dir = ctx.workdir ?? process.env.IOTLAB_WORKDIR ?? '.';
  const table = String(vars.table);
  const key = Buffer.from(String(vars.key), 'hex');
  const plain = ctx.mistake === 'plain-copy';
  const db = new Database(join(dir, String(vars.file)));
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    ts INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    value_enc TEXT NOT NULL,${plain ? '\n    value REAL,' : ''}
    UNIQUE (device, ts, quantity)
  )`);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ${table} (device, ts, quantity, value_enc${plain ? ', value' : ''}) VALUES (?, ?, ?, ?${plain ? ', ?' : ''})`,
  );
  const fixedIv = randomBytes(12);
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  client.on('message', (_topic, payload) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.id !== 'string' || typeof msg.ts !== 'number') return;
    for (const q of ['power', 'voltage']) {
      const v = msg[q];
      if (typeof v !== 'number') continue;
      const iv = ctx.mistake === 'fixed-iv' ? fixedIv : randomBytes(12);
      const aad = ctx.mistake === 'no-aad' ? undefined : `${msg.id}|${msg.ts}|${q}`;
      const sealed = seal(key, iv, aad, v);
      if (plain) insert.run(msg.id, msg.ts, q, sealed, v);
      else insert.run(msg.id, msg.ts, q, sealed);
    }
  });
  await client.subscribeAsync(String(vars.topic), { qos: 1 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
  db.close();
}
