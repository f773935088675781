/**
 * The card contract (docs/card.md) through the built `iotlab` binary: `iotlab check` prints the
 * card, its file (IOTLAB_CARD) and the program's variables before running it, and the examples
 * of docs/card.md — Python with paho-mqtt, Node with mqtt.js, shell with mosquitto_pub, C with
 * getenv — reach the lab from those alone (on ports `check` picks afresh each time). `npm test`
 * builds dist/ first (pretest); alone, run `npx tsc -p tsconfig.build.json` first.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import { readEvidence } from '../../core/evidence.js';
import { cardEnvText, cardVariables } from '../../server/console/src/candidate/card-env.js';
import type { LabCard } from '../../simulator/card.js';
import { cardEnv } from '../../simulator/card.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask } from '../../tasks/bank.js';
import { runCli } from '../../cli/program.js';
import { PYTHON, requirePython, requireTools } from '../support/debian.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'dist/cli/main.js');

/** The examples of docs/card.md by file name (`<!-- example: NAME -->` before each block). */
function examples(): Map<string, string> {
  const doc = readFileSync(join(root, 'docs/card.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/<!-- example: (\S+) -->\s*```\w*\n([\s\S]*?)```/g))
    out.set(m[1]!, m[2]!);
  return out;
}

interface Checked {
  code: number | null;
  err: string;
  card: LabCard;
  cardPath: string;
  answers: { key: string; value: string }[];
}

/** `iotlab check TASK -- CMD…` as a process, in `cwd`; the card and the answers it recorded. */
async function check(task: string, cwd: string, command: string[]): Promise<Checked> {
  const child = spawn(
    process.execPath,
    [bin, 'check', task, '--duration', '4', '--format', 'json', '--lang', 'en', '--', ...command],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stdout.resume();
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const cardPath = /card file \(IOTLAB_CARD\): (\S+)/.exec(err)?.[1];
  const evidence = /^evidence: (\S+)$/m.exec(err)?.[1];
  expect(cardPath, err).toBeDefined();
  expect(evidence, err).toBeDefined();
  const card = JSON.parse(readFileSync(cardPath!, 'utf8')) as LabCard;
  const answers = readEvidence(evidence!)
    .events.filter((e) => e.kind === 'answer')
    .map((e) => ({ key: String(e.key), value: String(e.value) }));
  return { code, err, card, cardPath: cardPath!, answers };
}

describe('the card contract under iotlab check', () => {
  it('prints the card, its file and the variables before the program runs', async () => {
    expect(existsSync(bin), `${bin} is missing: run npx tsc -p tsconfig.build.json`).toBe(true);
    const r = await check('l1-emb-gnss', tmpdir(), [
      '/bin/sh',
      '-c',
      'echo "ran with $IOTLAB_CARD"',
    ]);
    const before = r.err.slice(0, r.err.indexOf('ran with'));
    expect(before).toContain(`MQTT 3.1.1 ${r.card.mqtt.url}`);
    expect(before).toContain(`export IOTLAB_CARD=${r.cardPath}\n`);
    expect(before).toContain(`export IOTLAB_MQTT_URL=${r.card.mqtt.url}\n`);
    expect(before).toContain(`export IOTLAB_TOPIC_PREFIX=${r.card.mqtt.topicPrefix}\n`);
    const serial = r.card.serial![0]!;
    expect(before).toContain(
      `export IOTLAB_SERIAL_${serial.id.toUpperCase().replaceAll('-', '_')}=${serial.tcp.host}:${serial.tcp.port}\n`,
    );
    // The program got the same file the output names.
    expect(r.err).toContain(`ran with ${r.cardPath}`);
    expect(r.card.mqtt.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(r.card.mqtt.url).not.toBe('mqtt://127.0.0.1:1883');
  }, 30_000);

  it("docs/card.md's Python, Node and shell examples reach the lab from the variables alone", async () => {
    requireTools('mosquitto_pub');
    await requirePython('paho');
    const ex = examples();
    expect([...ex.keys()].sort()).toEqual([
      'card_example.c',
      'card_example.mjs',
      'card_example.py',
      'card_example.sh',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-card-examples-'));
    for (const [name, text] of ex) writeFileSync(join(dir, name), text);
    // mqtt.js from this project, as a candidate's own `npm install mqtt` would give it.
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    // The shell example three times: mosquitto_pub exits as soon as its QoS 1 publish is acked,
    // which aedes does before it publishes, so a lab stopped at once lost it about half the time.
    const [py, js, ...sh] = await Promise.all([
      check('l1-sys-fault', dir, [PYTHON, 'card_example.py']),
      check('l1-sys-fault', dir, [process.execPath, 'card_example.mjs']),
      ...[1, 2, 3].map(() => check('l1-sys-fault', dir, ['/bin/sh', 'card_example.sh'])),
    ]);
    for (const r of [py, js])
      expect(r.answers, r.err).toEqual([{ key: 'card_example', value: r.card.devices[0]!.id }]);
    for (const r of sh) expect(r.answers, r.err).toEqual([{ key: 'card_example', value: 'hello' }]);
  }, 40_000);

  it("docs/card.md's C example reads a serial device from its variable", async () => {
    requireTools('gcc');
    const dir = mkdtempSync(join(tmpdir(), 'iotlab-card-c-'));
    writeFileSync(join(dir, 'card_example.c'), examples().get('card_example.c')!);
    execFileSync('gcc', ['-Wall', '-Werror', '-o', 'reach', 'card_example.c'], { cwd: dir });
    // The variable's name is seeded: the shell finds it among the program's environment.
    const pick = `exec ./reach "$(env | sed -n 's/^\\(IOTLAB_SERIAL_[A-Z0-9_]*\\)=.*/\\1/p' | head -n 1)"`;
    const r = await check('l1-emb-gnss', dir, ['/bin/sh', '-c', pick]);
    const [, host, port] = /^mqtt:\/\/(.+):(\d+)$/.exec(r.card.mqtt.url)!;
    expect(r.err).toContain(`MQTT broker ${host} port ${port}\n`);
    const name = `IOTLAB_SERIAL_${r.card.serial![0]!.id.toUpperCase().replaceAll('-', '_')}`;
    // A line of NMEA off the simulated receiver (a sentence, or the tail of one).
    expect(r.err).toMatch(new RegExp(`${name}: \\S*(\\$G[NP][A-Z]{3},|\\*[0-9A-F]{2})`));
  }, 30_000);
});

describe("the candidate page's variables", () => {
  it('are those iotlab check gives, for labs with serial lines, a gateway and a board', async () => {
    const seen = new Set<string>();
    for (const id of ['l1-app-gateway', 'l1-emb-mcu', 'l1-emb-analog']) {
      const task = getTask(id);
      const scenario = validateScenario(task.scenario(task.params(2)), id);
      const lab = createLab(scenario, {
        seed: 2,
        clock: new RealClock(),
        ports: { mqtt: 0, ws: 0, coap: 0, modbus: 0, gateway: 0, board: 0 },
        serial: { basePort: 0 },
      });
      const card = await lab.start();
      try {
        const exam: LabCard = { ...card, mqtt: { ...card.mqtt, username: 'u', password: "p'w" } };
        expect(Object.fromEntries(cardVariables(exam))).toEqual(cardEnv(exam));
        const text = cardEnvText(exam);
        expect(text).toContain('export IOTLAB_CARD="$PWD/card.json"\n');
        expect(text).toContain(`export IOTLAB_MQTT_PASSWORD='p'\\''w'`);
        // What the lines set in a shell is the card's own values.
        const set = execFileSync('/bin/sh', ['-c', `${text}\nenv`], { cwd: tmpdir(), env: {} })
          .toString()
          .split('\n');
        for (const [k, v] of Object.entries(cardEnv(exam))) {
          expect(set).toContain(`${k}=${v}`);
          seen.add(k.replace(/^(IOTLAB_SERIAL|IOTLAB_GATEWAY)_.*/, '$1'));
        }
      } finally {
        await lab.stop();
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'IOTLAB_SERIAL',
        'IOTLAB_GATEWAY',
        'IOTLAB_BOARD',
        'IOTLAB_MODBUS_PORT',
      ]),
    );
  }, 30_000);
});

describe('iotlab practice', () => {
  it('prints the same variables and writes card.json and card.env to source', async () => {
    let out = '';
    const abort = new AbortController();
    let started: (c: LabCard) => void = () => undefined;
    const up = new Promise<LabCard>((r) => (started = r));
    const done = runCli(['practice', 'l1-emb-gnss', '--mqtt-port', '0', '--lang', 'en'], {
      stdout: (t) => (out += t),
      stderr: () => undefined,
      signal: abort.signal,
      onStarted: started,
    });
    const card = await up;
    abort.abort();
    await done;
    const cardPath = /card file \(IOTLAB_CARD\): (\S+)/.exec(out)?.[1];
    expect(cardPath, out).toBeDefined();
    expect(JSON.parse(readFileSync(cardPath!, 'utf8'))).toEqual(card);
    const envFile = join(cardPath!, '..', 'card.env');
    expect(out).toContain(`. ${envFile}`);
    const expected = cardEnv(card, cardPath);
    for (const [k, v] of Object.entries(expected)) expect(out).toContain(`export ${k}=${v}\n`);
    // Sourced in a shell, the file gives the program exactly these.
    const set = execFileSync('/bin/sh', ['-c', `. '${envFile}' && env`], { env: {} })
      .toString()
      .split('\n');
    for (const [k, v] of Object.entries(expected)) expect(set).toContain(`${k}=${v}`);
    // And the instructions that follow end with the same variable names.
    expect(out).toContain(
      `\`IOTLAB_SERIAL_${card.serial![0]!.id.toUpperCase().replaceAll('-', '_')}\``,
    );
  }, 20_000);
});
