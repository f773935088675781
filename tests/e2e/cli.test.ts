import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import type { LabCard } from '../../simulator/card.js';
import { readEvidence } from '../../core/evidence.js';
import { waitFor } from '../support/net.js';

async function run(
  argv: string[],
  extra: { signal?: AbortSignal; onStarted?: (card: LabCard) => void } = {},
) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    ...extra,
  });
  return { code, out, err };
}

describe('iotlab CLI', () => {
  it('prints help for every command', async () => {
    for (const argv of [
      ['--help'],
      ['start', '--help'],
      ['scenarios', '--help'],
      ['validate', '--help'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: iotlab/);
    }
  });

  it('rejects bad arguments with exit 2', async () => {
    expect((await run(['start', '--seed', 'abc'])).code).toBe(2);
    expect((await run(['start', '--mqtt-port', '70000'])).err).toMatch(
      /--mqtt-port must be a whole number from 0 to 65535/,
    );
    expect((await run(['nosuch'])).code).toBe(2);
  });

  it('lists built-in scenarios', async () => {
    const r = await run(['scenarios', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { name: string }[]).map((s) => s.name)).toContain('greenhouse');
  });

  it('validates a good scenario and reports every problem of a bad one with exit 2', async () => {
    const ok = await run(['validate', 'scenarios/greenhouse.yaml']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/OK — 14 devices/);
    const bad = await run(['validate', 'tests/fixtures/bad-scenario.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad-scenario\.yaml: devices\[0\]\.mqtt\.period \(line 8\): /);
    expect(bad.err).toMatch(/devices\[1\] \(line 9\): a device needs at least one binding/);
    expect(bad.err).toMatch(/faults\[0\]\.device \(line 13\): no device named "ghost"/);
    expect((await run(['start', '--scenario', 'tests/fixtures/bad-scenario.yaml'])).code).toBe(2);
    expect((await run(['start', '--scenario', 'nosuch'])).err).toMatch(/no scenario "nosuch"/);
  });

  it('validate --seed shows what the seed fixes: every device with its topics and registers', async () => {
    const r = await run(['validate', 'scenarios/greenhouse.yaml', '--seed', '3']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out.slice(r.out.indexOf('{'))) as {
      topicPrefix: string;
      devices: { id: string; mqtt?: { telemetryTopic?: string } }[];
    };
    expect(plan.devices).toHaveLength(14);
    const air = plan.devices.find((d) => d.id.startsWith('air-th-'))!;
    expect(air.mqtt?.telemetryTopic).toBe(`${plan.topicPrefix}/${air.id}/telemetry`);
  });

  it('starts a lab, writes the card and evidence, and stops on abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const controller = new AbortController();
    const cardFile = join(dir, 'card.json');
    const evidence = join(dir, 'ev.jsonl');
    let card: LabCard | undefined;
    const r = await run(
      [
        'start',
        '--seed',
        '9',
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
        '--log-level',
        'warn',
      ],
      {
        signal: controller.signal,
        onStarted: (c) => {
          card = c;
          controller.abort('test');
        },
      },
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Modbus TCP 127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/value = raw × /);
    const written = JSON.parse(readFileSync(cardFile, 'utf8')) as LabCard;
    expect(written).toEqual(card);
    expect(written.lab).toMatchObject({ scenario: 'greenhouse', seed: 9 });
    expect(written.mqtt.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(written.mqtt.wsUrl).toMatch(/^ws:\/\//);
    expect(written.coap.url).toMatch(/^coap:\/\//);
    const { events, problems } = readEvidence(evidence);
    expect(problems).toEqual([]);
    expect(events.at(-1)).toMatchObject({ kind: 'lab.stop', reason: 'test' });
    // One run per file: a second start on the same path is refused and the first run kept.
    const kept = readFileSync(evidence, 'utf8');
    const again = await run(['start', '--seed', '9', '--evidence', evidence, '--duration', '0.1']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a run/);
    expect(readFileSync(evidence, 'utf8')).toBe(kept);
  });

  it('stops by itself after --duration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const r = await run([
      'start',
      '--duration',
      '0.3',
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
      '--board-port',
      '0',
      '--gateway-port',
      '0',
      '--gateway-tls-port',
      '0',
      '--evidence',
      join(dir, 'e.jsonl'),
      '--json',
      '--log-level',
      'silent',
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as LabCard).devices).toHaveLength(14);
  });

  it('runs a real port at the line settings given with --serial, and rejects impossible ones', async () => {
    const bad = await run(['start', '--serial', 'gnss=/dev/null@1234', '--serial-port', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/serial\[\d+\]\.serial\.baudRate: one of 1200, 2400/);
    expect((await run(['start', '--serial', 'gnss'])).err).toMatch(/--serial takes DEVICE=PATH/);
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-cli-'));
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const pair = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: 'ignore',
    });
    try {
      await waitFor(() => (existsSync(a) && existsSync(b)) || undefined, 5000, 'socat PTY pair');
      const controller = new AbortController();
      let card: LabCard | undefined;
      const r = await run(
        [
          'start',
          ...[
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
            '--board-port',
            '0',
            '--gateway-port',
            '0',
            '--gateway-tls-port',
            '0',
          ],
          ...[
            '--serial',
            `gnss=${a}@4800,7E2`,
            '--evidence',
            join(dir, 'e.jsonl'),
            '--log-level',
            'silent',
          ],
        ],
        {
          signal: controller.signal,
          onStarted: (c) => {
            card = c;
            controller.abort('test');
          },
        },
      );
      expect(r.code).toBe(0);
      const gnss = card!.serial!.find((s) => s.name === 'gnss')!;
      expect(gnss).toMatchObject({
        port: a,
        settings: { baudRate: 4800, dataBits: 7, parity: 'even', stopBits: 2 },
      });
    } finally {
      pair.kill();
    }
  });
});
