/**
 * Device firmware (devices/field/firmware.ts, docs/firmware.md): version order, request parsing, the
 * model's answers (query, accepted upgrade, refusals), the restart window in truth, replay from
 * recorded installs, and the scenario, plan and card around it.
 */
import { describe, expect, it } from 'vitest';
import { createModel } from '../../devices/field/index.js';
import type { DeviceModel } from '../../devices/field/index.js';
import { compareVersions, parseFirmwareRequest } from '../../devices/field/firmware.js';
import { buildCard } from '../../simulator/card.js';
import { LabError } from '../../core/errors.js';
import { FaultBook } from '../../core/faults.js';
import { planLab } from '../../simulator/plan.js';
import { parseScenario } from '../../simulator/scenario.js';

const yaml = (release = '{ version: 2.10.1, size: 200000 }') => `
name: fleet
title: { zh: 机队, en: Fleet }
devices:
  - name: n1
    kind: digital
    channels:
      - { quantity: temperature, unit: '°C', range: [-40, 85], profile: { base: 20 } }
    mqtt: {}
    firmware: { version: 2.9.4, release: ${release}, rebootS: 6 }
  - name: fan
    kind: actuator
    actuatorType: fan
    mqtt: {}
    firmware: { version: 2.10.1, release: ${release} }
  - name: plain
    kind: switch
    switchType: door
    mqtt: {}
`;

function fleet(seed = 1, text = yaml()) {
  const plan = planLab(parseScenario(text), seed);
  const faults = new FaultBook();
  const models = new Map<string, DeviceModel>(
    plan.devices.map((p) => [p.name, createModel(p, { seed, faults })]),
  );
  return { plan, faults, models, n1: models.get('n1')!, fan: models.get('fan')! };
}

const sha = (m: DeviceModel) => m.plan.firmware!.release!.sha256;
const upgrade = (m: DeviceModel, sha256 = sha(m), version = '2.10.1') =>
  JSON.stringify({ op: 'upgrade', version, sha256 });

describe('versions', () => {
  it('compare part by part as numbers, not as text', () => {
    expect(compareVersions('1.10.0', '1.9.7')).toBe(1);
    expect(compareVersions('1.9.7', '1.10.0')).toBe(-1);
    expect(compareVersions('2.0.0', '10.0.0')).toBe(-1);
    expect(compareVersions('3.4.5', '3.4.5')).toBe(0);
    expect(compareVersions('3.4.10', '3.4.9')).toBe(1);
  });
});

describe('firmware requests', () => {
  it('parses a version query as text or JSON, and an upgrade with its req id', () => {
    expect(parseFirmwareRequest(' Version\n')).toEqual({ op: 'version' });
    expect(parseFirmwareRequest('{"op":"version","req":3}')).toEqual({ op: 'version', req: 3 });
    expect(
      parseFirmwareRequest('{"op":"UPGRADE","version":" 1.2.3 ","sha256":"ab","req":"x"}'),
    ).toEqual({ op: 'upgrade', version: '1.2.3', sha256: 'ab', req: 'x' });
  });

  it('names what is wrong with a bad request', () => {
    const why = (text: string) => {
      const r = parseFirmwareRequest(text);
      return 'error' in r ? r.error : 'parsed';
    };
    expect(why('upgrade')).toMatch(/^not JSON/);
    expect(why('[1]')).toMatch(/not a JSON object/);
    expect(why('{"op":"flash"}')).toMatch(/unknown op/);
    expect(why('{"op":"upgrade","version":"1.2.3"}')).toMatch(/"sha256"/);
  });
});

describe('firmware model', () => {
  it('answers a version query with the version it starts on', () => {
    const { n1 } = fleet();
    const intent = n1.firmware!.handle(parseFirmwareRequest('{"op":"version","req":1}'), 500);
    expect(intent).toEqual({ reply: { op: 'version', version: '2.9.4', req: 1 } });
    expect(n1.truth(500).firmware).toEqual({ version: '2.9.4', rebooting: false });
  });

  it('accepts the release with its SHA-256 (any case), then restarts offline for rebootS', () => {
    const { n1 } = fleet();
    const intent = n1.firmware!.handle(
      parseFirmwareRequest(upgrade(n1, sha(n1).toUpperCase())),
      10_000,
    );
    expect(intent).toEqual({
      reply: { op: 'upgrade', ok: true, from: '2.9.4', to: '2.10.1', rebootS: 6 },
      install: { from: '2.9.4', to: '2.10.1', until: 16_000 },
    });
    expect(n1.truth(9_999)).toMatchObject({
      online: true,
      firmware: { version: '2.9.4', rebooting: false },
    });
    // The restart window: offline, answering nothing (the runtime asks rebootingAt).
    for (const t of [10_000, 13_000, 15_999]) {
      expect(n1.truth(t)).toMatchObject({ online: false, firmware: { rebooting: true } });
      expect(n1.firmware!.rebootingAt(t)).toBe(true);
    }
    expect(n1.truth(16_000)).toMatchObject({
      online: true,
      firmware: { version: '2.10.1', rebooting: false },
    });
    expect(n1.firmware!.handle({ op: 'version' }, 20_000).reply).toEqual({
      op: 'version',
      version: '2.10.1',
    });
  });

  it('refuses a wrong SHA-256 and keeps its firmware', () => {
    const { n1 } = fleet();
    const intent = n1.firmware!.handle(parseFirmwareRequest(upgrade(n1, 'ab'.repeat(32))), 1000);
    expect(intent.install).toBeUndefined();
    expect(intent.reply).toMatchObject({ op: 'upgrade', ok: false, error: 'checksum' });
    expect(n1.truth(2000)).toMatchObject({ online: true, firmware: { version: '2.9.4' } });
  });

  it('refuses another version, the version it runs, a downgrade, and a bad request', () => {
    const { n1, fan } = fleet();
    const refuse = (m: DeviceModel, text: string) =>
      m.firmware!.handle(parseFirmwareRequest(text), 0);
    expect(refuse(n1, upgrade(n1, sha(n1), '2.10.0')).reply).toMatchObject({
      ok: false,
      error: 'unknown-version',
    });
    expect(refuse(fan, upgrade(fan)).reply).toMatchObject({ ok: false, error: 'installed' });
    expect(refuse(n1, 'nonsense').reply).toMatchObject({ op: null, error: 'bad-request' });
    const older = fleet(1, yaml('{ version: 2.8.0, size: 200000 }')).n1;
    expect(refuse(older, upgrade(older, sha(older), '2.8.0')).reply).toMatchObject({
      error: 'downgrade',
    });
  });

  it('refuses actuator commands while restarting, and takes them again after', () => {
    const { fan, n1 } = fleet(1, yaml('{ version: 2.11.0, size: 200000 }'));
    expect(
      fan.firmware!.handle(parseFirmwareRequest(upgrade(fan, sha(fan), '2.11.0')), 0).install,
    ).toBeDefined();
    expect(fan.command({ on: true }, 1000)).toMatchObject({ ok: false });
    expect(fan.command({ on: true }, 5000)).toMatchObject({ ok: true, changed: true });
    expect(fan.truth(5000).values.on).toBe(true);
    expect(n1.truth(1000).online).toBe(true);
  });

  it('gives the same truth when installs are replayed from evidence (the grader)', () => {
    const live = fleet().n1;
    live.firmware!.handle(parseFirmwareRequest(upgrade(live)), 42_000);
    const replayed = fleet().n1;
    replayed.firmware!.install('2.10.1', 42_000);
    for (const t of [0, 42_000, 47_999, 48_000, 90_000])
      expect(replayed.truth(t)).toEqual(live.truth(t));
  });

  it('leaves devices without firmware as they were', () => {
    const { models } = fleet();
    const plain = models.get('plain')!;
    expect(plain.firmware).toBeUndefined();
    expect(plain.truth(0).firmware).toBeUndefined();
  });
});

describe('firmware in the scenario, plan and card', () => {
  it('derives the release SHA-256 from the seed unless the scenario gives it', () => {
    const a = fleet(1).plan.devices[0]!.firmware!;
    expect(a.release!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fleet(1).plan.devices[0]!.firmware).toEqual(a);
    expect(fleet(2).plan.devices[0]!.firmware!.release!.sha256).not.toBe(a.release!.sha256);
    // Devices offered the same release in one lab share its digest.
    expect(fleet(1).plan.devices[1]!.firmware!.release!.sha256).toBe(a.release!.sha256);
    const given = 'c'.repeat(64);
    const b = fleet(1, yaml(`{ version: 2.10.1, size: 200000, sha256: ${given} }`)).plan;
    expect(b.devices[0]!.firmware!.release!.sha256).toBe(given);
    expect(a).toMatchObject({ version: '2.9.4', rebootMs: 6000 });
    expect(a.commandTopic).toMatch(/^iotlab\/[0-9a-f]{6}\/n1-[0-9a-f]{4}\/fw\/cmd$/);
    expect(a.replyTopic).toBe(a.commandTopic.replace(/cmd$/, 'reply'));
  });

  it('puts the service and the release on the card, not the version a device runs', () => {
    const { plan } = fleet();
    const card = buildCard(plan, {
      host: '127.0.0.1',
      mqttPort: 1883,
      wsPort: undefined,
      coapPort: 5683,
      modbusPort: 5020,
    });
    const n1 = card.devices.find((d) => d.name === 'n1')!;
    expect(n1.firmware).toEqual({
      commandTopic: plan.devices[0]!.firmware!.commandTopic,
      replyTopic: plan.devices[0]!.firmware!.replyTopic,
      release: plan.devices[0]!.firmware!.release,
      rebootS: 6,
    });
    expect(JSON.stringify(card)).not.toContain('2.9.4');
    expect(card.devices.find((d) => d.name === 'plain')!.firmware).toBeUndefined();
  });

  it('rejects a firmware section without MQTT and a malformed version, with their paths', () => {
    const bad = `
name: x
title: { zh: 坏, en: Bad }
devices:
  - name: a
    kind: digital
    channels:
      - { quantity: t, unit: C, range: [0, 1], profile: { base: 0 } }
    modbus: {}
    firmware: { version: 1.2 }
  - name: b
    kind: switch
    switchType: door
    coap: {}
    firmware: { version: 1.0.0, release: { version: 1.1.0, size: 10, sha256: XYZ } }
`;
    let problems = '';
    try {
      parseScenario(bad, 'bad.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      problems = (err as LabError).problems.map((p) => `${p.path ?? ''}: ${p.message}`).join('\n');
    }
    expect(problems).toMatch(/devices\[0\]\.firmware\.version \(line 10\): a version MAJOR/);
    expect(problems).toMatch(/devices\[1\]\.firmware\.release\.size .*1024/);
    expect(problems).toMatch(/devices\[1\]\.firmware\.release\.sha256 .*hex/);
    const noMqtt = bad
      .replace('version: 1.2 }', 'version: 1.2.0 }')
      .replace(/size: 10, sha256: XYZ/, 'size: 2048');
    let again = '';
    try {
      parseScenario(noMqtt, 'bad.yaml');
    } catch (err) {
      again = (err as LabError).problems.map((p) => `${p.path ?? ''}: ${p.message}`).join('\n');
    }
    expect(again).toMatch(/devices\[0\]\.firmware.*needs an mqtt binding/);
    expect(again).toMatch(/devices\[1\]\.firmware.*needs an mqtt binding/);
  });
});
