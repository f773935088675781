/**
 * The built `iotlab` binary as a process: SIGINT/SIGTERM stop the lab gracefully (sockets closed,
 * evidence flushed, exit 0). `npm test` builds dist/ first (pretest).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
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
          '--mqtts-port',
          '0',
          '--wss-port',
          '0',
          '--coap-port',
          '0',
          '--modbus-port',
          '0',
          '--serial-port',
          '0',
          '--gateway-port',
          '0',
          '--gateway-tls-port',
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

  it('iotlab check ends the whole process group of the program, within the grace period', async () => {
    // The program leaves a child behind and both ignore SIGTERM (an ignored signal is inherited
    // across exec): only the group's SIGKILL after the grace period ends them.
    const marker = `sleep 7${process.pid}`; // a duration no other process here is likely to use
    const script = `trap "" TERM; ${marker} & ${marker}`;
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        bin,
        'check',
        'l1-emb-analog',
        '--duration',
        '2',
        '--format',
        'json',
        '--',
        '/bin/sh',
        '-c',
        script,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const took = Date.now() - started;
    expect(code).toBe(1); // graded, not passed
    expect((JSON.parse(stdout) as { score: number }).score).toBe(0);
    // 2 s of task + 2 s of grace + start-up and grading, far from the 600 s the children wanted.
    expect(took).toBeLessThan(15_000);
    // Every process's command line, from /proc.
    const left = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((d) => {
        try {
          return readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return ''; // gone meanwhile
        }
      })
      .filter((args) => args.includes(marker));
    expect(left).toEqual([]);
  }, 30_000);
});
