/**
 * Instantiation of the serial devices: each gets a seeded id (from the lab's one namespace of ids)
 * and its line settings; everything else a byte device draws from the seed is drawn by its model.
 */
import { Rng } from '../../core/rng.js';
import type { LineSettings } from '../../protocols/serial/settings.js';
import type { SerialDeviceSpec } from './scenario.js';

/** A byte-level device: one serial line, reached as raw TCP, a PTY or a real port. */
export interface SerialDevicePlan {
  name: string;
  id: string;
  spec: SerialDeviceSpec;
  settings: LineSettings;
}

/** Plans `scenario.serial` after the field devices; ids taken here are added to `usedIds`. */
export function planSerial(
  scenario: { name: string; serial: readonly SerialDeviceSpec[] },
  seed: number,
  usedIds: Set<string>,
): SerialDevicePlan[] {
  return scenario.serial.map((spec): SerialDevicePlan => {
    const drng = new Rng(seed, scenario.name, 'device', spec.name);
    let id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    while (usedIds.has(id)) id = `${spec.name.replaceAll('_', '-')}-${drng.hex(4)}`;
    usedIds.add(id);
    return { name: spec.name, id, spec, settings: spec.serial };
  });
}
