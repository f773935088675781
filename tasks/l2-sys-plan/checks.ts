/**
 * The automatic checks of l2-sys-plan's design file: the node list and addressing plan against the
 * site's numbers, and each node's link against its distance and power (LINKS).
 */
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { handinData } from '../../grader/checks/handin-facts.js';
import { LINKS, nodesOf } from './site.js';
import type { Link, SiteParams } from './site.js';

type Ctx = GradeContext<SiteParams>;
interface DesignNode {
  id: string;
  address: unknown;
  link: unknown;
}

/** The design's nodes, or why they cannot be read. */
function designNodes(
  ctx: Ctx,
): { nodes: DesignNode[]; evidence: CheckOutcome['evidence'] } | CheckOutcome {
  const expected = 'design.nodes lists the site’s nodes';
  const d = handinData(ctx, 'design');
  if ('why' in d) return { score: 0, expected, seen: d.why, evidence: d.evidence };
  const nodes = (d.data as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes))
    return {
      score: 0,
      expected,
      seen: 'the design has no list "nodes"',
      evidence: d.evidence,
      hint: {
        zh: '设计文件须有 nodes 列表，每项含 id、address、link。',
        en: 'The design file needs a list "nodes", each with id, address and link.',
      },
    };
  return {
    nodes: nodes.map((n) => {
      const o = (n ?? {}) as Record<string, unknown>;
      return { id: typeof o.id === 'string' ? o.id : '', address: o.address, link: o.link };
    }),
    evidence: d.evidence,
  };
}

export function designNodesCheck(ctx: Ctx): CheckOutcome {
  const r = designNodes(ctx);
  if ('score' in r) return r;
  const site = nodesOf(ctx.params);
  const { addrFrom, addrTo } = ctx.params;
  const problems: string[] = [];
  const used = new Map<number, string>();
  let good = 0;
  for (const s of site) {
    const listed = r.nodes.filter((n) => n.id === s.id);
    if (listed.length !== 1) {
      problems.push(`${s.id} listed ${listed.length} times`);
      continue;
    }
    const a = listed[0]!.address;
    if (typeof a !== 'number' || !Number.isInteger(a) || a < addrFrom || a > addrTo) {
      problems.push(`${s.id}: address ${JSON.stringify(a)} not in ${addrFrom}–${addrTo}`);
      continue;
    }
    if (used.has(a)) {
      problems.push(`${s.id}: address ${a} is also ${used.get(a)}'s`);
      continue;
    }
    used.set(a, s.id);
    good++;
  }
  const unknown = r.nodes.filter((n) => !site.some((s) => s.id === n.id));
  for (const n of unknown) problems.push(`${n.id || '(no id)'} is not a node of the site`);
  const score = Math.max(0, good - unknown.length) / site.length;
  return {
    score,
    expected: `the ${site.length} site nodes, each once, with unique addresses in ${addrFrom}–${addrTo}, and no others`,
    seen:
      problems.length === 0 ? `${good} nodes, addresses right` : problems.slice(0, 6).join('; '),
    evidence: r.evidence,
    ...(score < 1
      ? {
          hint: {
            zh: '核对节点清单：现场每个节点列一次，地址在给定范围内且不重复，不要添加现场没有的节点。',
            en: 'Check the node list: every site node once, addresses unique and in the given block, no nodes the site does not have.',
          },
        }
      : {}),
  };
}

export function designLinksCheck(ctx: Ctx): CheckOutcome {
  const r = designNodes(ctx);
  if ('score' in r)
    return { ...r, expected: 'every node on a link that reaches it and fits its power' };
  const site = nodesOf(ctx.params);
  const problems: string[] = [];
  let good = 0;
  for (const s of site) {
    const link = r.nodes.find((n) => n.id === s.id)?.link;
    const spec = typeof link === 'string' && link in LINKS ? LINKS[link as Link] : undefined;
    if (!spec)
      problems.push(
        `${s.id}: link ${JSON.stringify(link)} is none of ${Object.keys(LINKS).join(', ')}`,
      );
    else if (spec.reachM < s.distanceM)
      problems.push(
        `${s.id}: ${String(link)} reaches ${spec.reachM} m, the node is ${s.distanceM} m away`,
      );
    else if (s.power === 'battery' && !spec.battery)
      problems.push(`${s.id}: battery-powered, ${String(link)} needs mains power`);
    else good++;
  }
  const score = good / site.length;
  return {
    score,
    expected: 'every node on a link that reaches its distance and fits its power',
    seen: problems.length === 0 ? `${good} links fit` : problems.slice(0, 6).join('; '),
    evidence: r.evidence,
    ...(score < 1
      ? {
          hint: {
            zh: '按链路表选择：覆盖距离不小于节点到网关的距离；电池供电节点只能用低功耗链路。',
            en: 'Choose from the link table: its reach must cover the node’s distance; battery nodes need a low-power link.',
          },
        }
      : {}),
  };
}
