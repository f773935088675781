/**
 * Scenario problems say what the place allows: a misspelt key or kind gets a did-you-mean and the
 * list of fields or kinds, a missing field is called missing (Zod's own "Invalid input" and
 * "expected object, received undefined" did not say what to write).
 */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../core/errors.js';
import { closest, distance } from '../../core/schema-issues.js';
import { parseScenario } from '../../simulator/scenario.js';

const YAML = `name: t
title: { zh: 测试, en: test }
devices:
  - name: a
    kind: anolog
    signal: adc12
    channel: { quantity: temperature, unit: C, range: [0, 50] }
    modbus: {}
  - name: b
    kind: analog
    sigal: adc12
    channel: { quantity: temperature, unit: C, range: [0, 50] }
    mqtt: { periodS: 2 }
serial:
  - name: g
    kind: gnss
    serail: { baudRate: 9600 }
`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as LabError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('the scenario was accepted');
}

describe('scenario problems', () => {
  it('suggest the kind or field meant, list what is allowed, and call a missing field missing', () => {
    const p = problems(YAML);
    expect(p).toContain(
      'devices[0].kind (line 5): "anolog" is not a kind here; did you mean "analog"? (one of analog, digital, switch, actuator)',
    );
    expect(p.find((x) => x.startsWith('devices[1] (line 9)'))).toMatch(
      /"sigal" is not a field here; did you mean "signal"\? \(fields: .*signal.*\)/,
    );
    expect(p.find((x) => x.startsWith('devices[1].mqtt'))).toMatch(
      /"periodS" is not a field here; did you mean "period"\? \(fields: period, qos, retain, resendAt, cipher, tamperEvery\)/,
    );
    expect(p.find((x) => x.startsWith('serial[0]'))).toMatch(/did you mean "serial"\?/);
    expect(p).toContain('devices[1].channel.profile: missing: this field is required (object)');
    expect(p.join('\n')).not.toMatch(/Invalid input|Unrecognized key|Invalid discriminator/);
  });

  it('offers no guess for a word that is nothing like the choices', () => {
    expect(closest('zzzzzz', ['analog', 'digital'])).toBeUndefined();
    expect(closest('Analog', ['analog', 'digital'])).toBe('analog');
    expect(distance('kitten', 'sitting')).toBe(3);
  });
});
