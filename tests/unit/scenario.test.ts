import { describe, expect, it } from 'vitest';
import { LabError } from '../../core/errors.js';
import { listBuiltinScenarios, loadScenario, parseScenario } from '../../simulator/scenario.js';

const minimal = `
name: tiny
title: { zh: 小, en: Tiny }
devices:
  - name: t1
    kind: digital
    channels:
      - { quantity: temperature, unit: '°C', range: [-40, 85], profile: { base: 20 } }
    mqtt: {}
`;

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as LabError).problems.map((p) => `${p.path ?? ''}: ${p.message}`);
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario schema', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const s = parseScenario(minimal, 'tiny.yaml');
    expect(s.topicPrefix).toBe('iotlab/{lab}');
    const d = s.devices[0];
    expect(d?.kind).toBe('digital');
    expect(d?.mqtt).toEqual({ period: 5, qos: 0, retain: false });
    expect(s.faults).toEqual([]);
  });

  it('every built-in scenario validates, and greenhouse has what the issue asks', () => {
    const all = listBuiltinScenarios();
    expect(all.map((s) => s.name)).toContain('greenhouse');
    const { scenario } = loadScenario('greenhouse');
    expect(scenario.devices.length).toBeGreaterThanOrEqual(8);
    const kinds = new Set(scenario.devices.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['actuator', 'analog', 'digital', 'switch']);
    expect(scenario.devices.some((d) => d.mqtt)).toBe(true);
    expect(scenario.devices.some((d) => d.coap)).toBe(true);
    expect(scenario.devices.some((d) => d.modbus)).toBe(true);
  });

  it('reports one problem per mistake with its path and line', () => {
    const bad = `
name: Bad Name
title: { zh: 坏, en: Bad }
devices:
  - name: a
    kind: digital
    channels:
      - { quantity: temperature, unit: C, range: [10, 0], profile: { base: 20 } }
    mqtt: { qos: 3 }
  - name: a
    kind: actuator
    actuatorType: laser
    modbus: {}
  - name: b
    kind: switch
    switchType: door
faults:
  - { device: nope, type: offline, at: 1 }
  - { device: a, type: drift, at: 1 }
`;
    const problems = problemsOf(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name \(line 2\): .*lowercase/),
        expect.stringMatching(/^devices\[0\]\.channels\[0\]\.range.*min < max/),
        expect.stringMatching(/^devices\[0\]\.mqtt\.qos \(line 9\)/),
        expect.stringMatching(/^devices\[1\]\.actuatorType \(line 12\)/),
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('reports cross-reference problems: duplicates, bindings, fault targets and parameters', () => {
    const bad = `
name: x
title: { zh: 坏, en: Bad }
devices:
  - { name: a, kind: switch, switchType: door, mqtt: {} }
  - { name: a, kind: switch, switchType: pir, modbus: { unit: 5 } }
  - { name: c, kind: switch, switchType: pir }
  - { name: d, kind: actuator, actuatorType: fan, modbus: { unit: 5 } }
faults:
  - { device: nope, type: offline, at: 1 }
  - { device: c, type: drift, at: 1 }
  - { device: d, type: slow, at: 1 }
`;
    const problems = problemsOf(bad).join('\n');
    expect(problems).toMatch(/devices\[1\]\.name.*duplicate device name "a"/);
    expect(problems).toMatch(/devices\[2\].*at least one binding/);
    expect(problems).toMatch(/devices\[3\]\.modbus\.unit.*already used/);
    expect(problems).toMatch(/faults\[0\]\.device.*no device named "nope"/);
    expect(problems).toMatch(/faults\[1\]\.type.*not to a switch/);
    expect(problems).toMatch(/faults\[1\]\.rate.*needs rate/);
    expect(problems).toMatch(/faults\[2\]\.delayMs.*needs delayMs/);
  });

  it('reports YAML syntax errors with a line number', () => {
    const problems = problemsOf('name: x\ndevices: [\n  - a: b\n');
    expect(problems[0]).toMatch(/^line \d+: /);
  });

  it('names the built-ins when a scenario is not found', () => {
    expect(() => loadScenario('nosuch')).toThrow(/no scenario "nosuch" \(built-in: .*greenhouse/);
  });
});
