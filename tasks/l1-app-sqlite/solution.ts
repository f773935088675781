/**
 * Reference solution: subscribe to the sensor's telemetry, create the stated table in the work
 * folder's SQLite file, and insert one row per quantity of every message as it arrives (a UNIQUE
 * constraint with INSERT OR IGNORE keeps a redelivered message from adding rows).
 *
 * Typical mistakes (`ctx.mistake`): `temperature-only` stores only the first quantity;
 * `no-dedup` creates the table without the UNIQUE constraint and inserts every message it
 * receives, twice when it arrives twice; `swap-values` stores each quantity's row with the other
 * quantity's number. The stated rules and the case the lab plants for each:
 * tasks/l1-app-sqlite/task.ts.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const dir = ctx.workdir ?? process.env.IOTLAB_WORKDIR ?? '.';
  const table = String(vars.table);
  const db = new Database(join(dir, String(vars.file)));
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    ts INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    value REAL NOT NULL${ctx.mistake === 'no-dedup' ? '' : ',\n    UNIQUE (device, ts, quantity)'}
  )`);
  const insert = db.prepare(
    `INSERT ${ctx.mistake === 'no-dedup' ? '' : 'OR IGNORE '}INTO ${table} (device, ts, quantity, value) VALUES (?, ?, ?, ?)`,
  );
  const quantities =
    ctx.mistake === 'temperature-only' ? ['temperature'] : ['temperature', 'humidity'];
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  client.on('message', (_topic, payload) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.id !== 'string' || typeof msg.ts !== 'number') return;
    for (const q of quantities) {
      const v =
        msg[ctx.mistake === 'swap-values' ? (q === 'temperature' ? 'humidity' : 'temperature') : q];
      if (typeof v === 'number') insert.run(msg.id, msg.ts, q, v);
    }
  });
  await client.subscribeAsync(String(vars.topic), { qos: 1 });
  await untilAborted(ctx.signal);
  await client.endAsync(true);
  db.close();
}
