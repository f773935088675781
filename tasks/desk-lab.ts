/**
 * The lab of a task done on paper (a plan, a consultation: issue 15). A scenario needs a device,
 * so the lab serves one: the control room's temperature sensor, which the task does not use.
 */
import type { I18n } from '../grader/types.js';
import type { ScenarioInput } from '../simulator/scenario.js';

export function deskScenario(name: string, title: I18n): ScenarioInput {
  return {
    name,
    title,
    devices: [
      {
        name: 'room',
        kind: 'digital',
        title: { zh: '控制室温度传感器', en: 'Control-room temperature sensor' },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-20, 60],
            resolution: 0.1,
            profile: { base: 22, vary: 2, amplitude: 0.4, periodS: 900, noise: 0.2 },
          },
        ],
        mqtt: { period: 10 },
      },
    ],
  };
}
