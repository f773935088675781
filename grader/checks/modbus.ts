/** Modbus checks: a request observed (function, unit, address range) and answered. */
import type { EvidenceEvent } from '../../simulator/evidence.js';
import type { CheckOutcome, GradeContext, TaskParams } from '../types.js';
import { someRefs } from './mqtt.js';

interface ModbusRequestView {
  unit?: number;
  fc?: number;
  address?: number;
  quantity?: number;
}

function requestOf(e: EvidenceEvent): ModbusRequestView | undefined {
  const r = e.request as Record<string, unknown> | null | undefined;
  if (!r || typeof r !== 'object') return undefined;
  const num = (k: string) => (typeof r[k] === 'number' ? r[k] : undefined);
  const unit = typeof e.unit === 'number' ? e.unit : num('unit');
  return {
    ...(unit !== undefined ? { unit } : {}),
    ...(num('fc') !== undefined
      ? { fc: num('fc') }
      : num('function') !== undefined
        ? { fc: num('function') }
        : {}),
    ...(num('address') !== undefined ? { address: num('address') } : {}),
    ...(num('quantity') !== undefined
      ? { quantity: num('quantity') }
      : num('count') !== undefined
        ? { quantity: num('count') }
        : {}),
  };
}

/** At least `minCount` requests with function `fc` to `unit` that cover `address`. */
export function modbusReadCheck<P extends TaskParams>(opts: {
  unit: (ctx: GradeContext<P>) => number;
  fc: number;
  address: (ctx: GradeContext<P>) => number;
  minCount: number;
}) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const unit = opts.unit(ctx);
    const address = opts.address(ctx);
    const reqs = ctx.events.filter(
      (e) => e.kind === 'modbus.request' && e.t >= ctx.start && e.t <= ctx.end,
    );
    const views = reqs.map((e) => ({ e, r: requestOf(e) }));
    const good = views.filter(
      ({ r }) =>
        r !== undefined &&
        r.unit === unit &&
        r.fc === opts.fc &&
        r.address !== undefined &&
        r.address <= address &&
        address < r.address + (r.quantity ?? 1),
    );
    const near = views.find(({ r }) => r?.unit === unit);
    const fcName = opts.fc === 4 ? 'read input registers (FC 04)' : `function ${opts.fc}`;
    return {
      score: Math.min(1, good.length / opts.minCount),
      expected: `≥ ${opts.minCount} ${fcName} requests to unit ${unit} covering address ${address}`,
      seen: `${good.length} such request(s) among ${reqs.length} Modbus request(s)`,
      evidence: someRefs(good.length > 0 ? good.map((g) => g.e) : reqs),
      ...(good.length < opts.minCount
        ? {
            hint:
              reqs.length === 0
                ? {
                    zh: '没有看到任何 Modbus 请求：请连接实验卡上的 Modbus TCP 地址和端口。',
                    en: 'No Modbus requests: connect to the Modbus TCP host and port on the card.',
                  }
                : good.length > 0
                  ? {
                      // The reads were right, only too few: say so, not that they were wrong.
                      zh: `读取方式正确，但次数不够：要求至少 ${opts.minCount} 次，实际 ${good.length} 次。请按要求的周期持续读取直到结束。`,
                      en: `Right reads, too few of them: ${good.length} of the ${opts.minCount} required. Keep reading at the stated period until the end.`,
                    }
                  : near
                    ? {
                        zh: `单元号对了，但功能码或地址不对：应使用功能码 0${opts.fc}，地址 ${address}（从 0 开始）。`,
                        en: `Right unit, wrong function or address: use function 0${opts.fc} at address ${address} (0-based).`,
                      }
                    : {
                        zh: `请求的单元号不对：应为 ${unit}。`,
                        en: `Wrong unit id: it is ${unit}.`,
                      },
          }
        : {}),
    };
  };
}
