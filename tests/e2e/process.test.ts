/**
 * The built `iotlab` binary as a process: SIGINT/SIGTERM stop the lab gracefully (sockets closed,
 * evidence flushed, exit 0). `npm test` builds dist/ first (pretest).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LabCard } from '../../simulator/card.js';
import { readEvidence } from '../../core/evidence.js';
import { waitFor } from '../support/net.js';

const bin = join(import.meta.dirname, '../../dist/cli/main.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('iotlab process', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops gracefully on ${signal}: sockets closed, evidence flushed, exit 0`, async () => {
      expect(existsSync(bin), `${bin} is missing: run npm run build`).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'iotlab-proc-'));
      const cardFile = join(dir, 'card.json');
      const evidence = join(dir, 'ev.jsonl');
      const child = spawn(
        process.execPath,
        [
          bin,
          'start',
          '--mqtt-port',
          '0',
          '--ws-port',
          '0',
          '--coap-port',
          '0',
          '--modbus-port',
          '0',
          '--serial-port',
          '0',
          '--gateway-port',
          '0',
          '--board-port',
          '0',
          '--card',
          cardFile,
          '--evidence',
          evidence,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        await waitFor(() => existsSync(cardFile) || undefined, 10_000, 'the card file');
        const card = JSON.parse(readFileSync(cardFile, 'utf8')) as LabCard;
        const mqttPort = Number(new URL(card.mqtt.url).port);
        expect(await portOpen(mqttPort)).toBe(true);
        const exited = new Promise<number | null>((resolve) =>
          child.on('exit', (code) => resolve(code)),
        );
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(await portOpen(mqttPort)).toBe(false);
        expect(await portOpen(card.modbus.port)).toBe(false);
        const { events, problems } = readEvidence(evidence);
        expect(problems).toEqual([]);
        expect(events.at(-1)).toMatchObject({ kind: 'lab.stop', reason: signal });
        expect(stderr).toMatch(/lab stopped/);
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});
