/**
 * The site of l2-sys-plan, a pure function of the seed: its nodes (id, distance to the gateway,
 * power), the address block, and the links a design may choose with their reach and power needs.
 */
import { Rng } from '../../core/rng.js';
import type { I18n } from '../../grader/types.js';

export const SITES: { name: I18n; code: string; kinds: readonly string[] }[] = [
  {
    name: { zh: '连栋温室大棚', en: 'a multi-span greenhouse' },
    code: 'GH',
    kinds: ['temp', 'hum', 'co2', 'light', 'soil', 'valve'],
  },
  {
    name: { zh: '冷链仓储园区', en: 'a cold-chain storage park' },
    code: 'CS',
    kinds: ['temp', 'hum', 'door', 'meter', 'co2'],
  },
  {
    name: { zh: '机加工车间', en: 'a machining workshop' },
    code: 'WS',
    kinds: ['temp', 'vib', 'current', 'meter', 'smoke'],
  },
];

/** Links a design may use: reach from the gateway in metres, and whether a battery node may use it. */
export const LINKS = {
  wifi: { reachM: 50, battery: false },
  zigbee: { reachM: 100, battery: true },
  rs485: { reachM: 1200, battery: false },
  lora: { reachM: 2000, battery: true },
} as const;
export type Link = keyof typeof LINKS;

export interface SiteNode {
  id: string;
  distanceM: number;
  power: 'battery' | 'mains';
}

/** Params are flat values: the nodes are `id:distance:power` joined by commas (nodesOf). */
export type SiteParams = {
  site: number;
  code: string;
  addrFrom: number;
  addrTo: number;
  nodes: string;
};

export function nodesOf(p: SiteParams): SiteNode[] {
  return p.nodes.split(',').map((s) => {
    const [id = '', d = '0', power] = s.split(':');
    return { id, distanceM: Number(d), power: power === 'mains' ? 'mains' : 'battery' };
  });
}

export function siteParams(seed: number): SiteParams {
  const rng = new Rng(seed, 'task', 'l2-sys-plan');
  const site = rng.int(0, SITES.length - 1);
  const n = rng.int(6, 10);
  const nodes: SiteNode[] = [];
  const count = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const kind = rng.pick(SITES[site]!.kinds);
    const k = (count.get(kind) ?? 0) + 1;
    count.set(kind, k);
    nodes.push({
      id: `${kind}-${String(k).padStart(2, '0')}`,
      // A mix of near and far nodes, so no one link fits them all.
      distanceM: i % 3 === 0 ? rng.int(15, 45) : i % 3 === 1 ? rng.int(60, 95) : rng.int(150, 1800),
      power: rng.int(0, 1) === 0 ? 'battery' : 'mains',
    });
  }
  const addrFrom = rng.int(2, 150);
  return {
    site,
    code: `${SITES[site]!.code}-${rng.hex(4).toUpperCase()}`,
    addrFrom,
    addrTo: addrFrom + n + rng.int(4, 20),
    nodes: nodes.map((x) => `${x.id}:${x.distanceM}:${x.power}`).join(','),
  };
}
