/**
 * The capacity benchmark's lab: the greenhouse (12 devices, 9 of them on MQTT at 1 Hz) plus
 * extra digital sensors publishing at 1 Hz until 20 devices publish telemetry over MQTT every
 * second. The result goes through `validateScenario` like any scenario a task would build.
 */
import type { Scenario, ScenarioInput } from '../../simulator/scenario.js';
import { loadScenario, validateScenario } from '../../simulator/scenario.js';

export const MQTT_DEVICES_PER_LAB = 20;

type DeviceInput = ScenarioInput['devices'][number];

function extraSensor(i: number): DeviceInput {
  const n = String(i).padStart(2, '0');
  return {
    name: `bench_sensor_${n}`,
    kind: 'digital',
    title: { zh: `基准传感器 ${n}`, en: `Bench sensor ${n}` },
    channels: [
      {
        quantity: 'temperature',
        unit: '°C',
        range: [-40, 125],
        resolution: 0.1,
        profile: { base: 22, vary: 3, amplitude: 2, periodS: 600, noise: 0.05 },
      },
    ],
    mqtt: { period: 1 },
  };
}

export function capacityScenario(): Scenario {
  const { scenario: greenhouse } = loadScenario('greenhouse');
  const publishing = greenhouse.devices.filter((d) => d.mqtt?.period === 1).length;
  const extras = Array.from({ length: Math.max(0, MQTT_DEVICES_PER_LAB - publishing) }, (_, i) =>
    extraSensor(i + 1),
  );
  const scenario = validateScenario(
    { ...greenhouse, name: 'bench20', devices: [...greenhouse.devices, ...extras] },
    '<capacity scenario>',
  );
  const at1Hz = scenario.devices.filter((d) => d.mqtt?.period === 1).length;
  if (at1Hz !== MQTT_DEVICES_PER_LAB)
    throw new Error(`capacity scenario has ${at1Hz} devices at 1 Hz, not ${MQTT_DEVICES_PER_LAB}`);
  return scenario;
}
