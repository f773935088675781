/** The `board` section of the lab card: where the board listens and what is wired where. */
import type { BoardPlan } from './plan.js';
import type { DevicePlan } from '../field/plan.js';
import type { SerialDevicePlan } from '../serial/plan.js';
import type { LineSettings } from '../../protocols/serial/settings.js';
import { hex } from './scenario.js';

export interface BoardCard {
  id: string;
  name: string;
  title?: { zh: string; en: string };
  host: string;
  port: number;
  protocol: 'iotlab-board/1 (docs/board.md)';
  adc: { bits: 12; vref: number };
  pins: {
    pin: number;
    name: string;
    kind: string;
    active?: string;
    device?: string;
    deviceId?: string;
  }[];
  i2c: {
    clockHz: number;
    devices: {
      kind: string;
      address: number;
      addressHex: string;
      device?: string;
      deviceId?: string;
    }[];
  };
  spi: {
    clockHz: number;
    devices: { kind: string; cs: number; vref?: number; channels?: (string | null)[] }[];
  };
  uart: { port: number; device: string; deviceId: string; settings: LineSettings }[];
}

export function buildBoardCard(
  plan: BoardPlan,
  ep: { host: string; port: number },
  devices: readonly DevicePlan[],
  serial: readonly SerialDevicePlan[],
): BoardCard {
  const idOf = (n: string | undefined): { device?: string; deviceId?: string } => {
    if (n === undefined) return {};
    const id = devices.find((d) => d.name === n)?.id;
    return { device: n, ...(id ? { deviceId: id } : {}) };
  };
  const spec = plan.spec;
  return {
    id: plan.id,
    name: plan.name,
    ...(spec.title ? { title: spec.title } : {}),
    host: ep.host,
    port: ep.port,
    protocol: 'iotlab-board/1 (docs/board.md)',
    adc: { bits: 12, vref: spec.vref },
    pins: spec.pins.map((p) => ({
      pin: p.pin,
      name: p.name,
      kind: p.kind,
      ...('active' in p ? { active: p.active } : {}),
      ...idOf(p.device),
    })),
    i2c: {
      clockHz: spec.i2c.clockHz,
      devices: plan.i2c.map((d) => ({
        kind: d.kind,
        address: d.address,
        addressHex: hex(d.address),
        ...idOf('device' in d ? d.device : undefined),
      })),
    },
    spi: {
      clockHz: spec.spi.clockHz,
      devices: spec.spi.devices.map((d) =>
        d.kind === 'mcp3008'
          ? { kind: d.kind, cs: d.cs, vref: d.vref, channels: d.channels }
          : { kind: d.kind, cs: d.cs },
      ),
    },
    uart: spec.uart.map((u) => {
      const s = serial.find((p) => p.name === u.device)!;
      return { port: u.port, device: u.device, deviceId: s.id, settings: s.settings };
    }),
  };
}
