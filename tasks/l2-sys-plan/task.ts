/**
 * L2 · SYS · planning and design (L2.SYS.1.1): a network topology plan and a deployment document
 * for a seeded site (its nodes, their distances to the gateway and power, an address block). The
 * design file (YAML/JSON) is checked against the site's numbers; the topology diagram and the
 * deployment document are marked by examiners.
 *
 * Stated rules and the case planted for each (tests/unit/manual-tasks.test.ts; no program):
 * - "every site node once, addresses unique in the given block": a design that does not fit the
 *   site loses by share of the nodes; "each link reaches its node and fits its power": likewise.
 *   No critical check: the design is mostly the examiners' to judge (80 of 100 points).
 */
import { defineTask } from '../../grader/types.js';
import type { I18n } from '../../grader/types.js';
import { rubricRun } from '../../grader/checks/handin.js';
import { deskScenario } from '../desk-lab.js';
import { designLinksCheck, designNodesCheck } from './checks.js';
import { DEPLOYMENT_RUBRIC, TOPOLOGY_RUBRIC } from './rubric.js';
import { LINKS, SITES, nodesOf, siteParams } from './site.js';
import type { SiteParams } from './site.js';

const TOPOLOGY: I18n = { zh: '网络拓扑图', en: 'Network topology diagram' };
const DEPLOYMENT: I18n = { zh: '网络环境部署文档', en: 'Network deployment document' };
const MIB = 1024 * 1024;

export const sitePlan = defineTask<SiteParams>({
  id: 'l2-sys-plan',
  title: {
    zh: '现场网络拓扑规划与部署文档',
    en: 'Network topology plan and deployment for a site',
  },
  level: 'L2',
  direction: 'SYS',
  skills: ['L2.SYS.1.1.1', 'L2.SYS.1.1.4'],
  timeLimitS: 3600,
  solution: 'reference',
  handIn: [
    {
      id: 'design',
      title: { zh: '设计文件（节点、地址、链路）', en: 'Design file (nodes, addresses, links)' },
      types: ['yaml', 'json'],
      maxBytes: MIB,
    },
    { id: 'topology', title: TOPOLOGY, types: ['png', 'jpeg', 'pdf'], maxBytes: 10 * MIB },
    { id: 'deployment', title: DEPLOYMENT, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
  ],

  params: siteParams,

  scenario: () => deskScenario('task_l2_sys_plan', { zh: '现场网络规划', en: 'Site network plan' }),

  vars: (p) => ({
    siteZh: SITES[p.site]!.name.zh,
    siteEn: SITES[p.site]!.name.en,
    code: p.code,
    count: nodesOf(p).length,
    addrFrom: p.addrFrom,
    addrTo: p.addrTo,
    nodeRows: nodesOf(p)
      .map((n) => `| \`${n.id}\` | ${n.distanceM} | ${n.power} |`)
      .join('\n'),
    linkRows: Object.entries(LINKS)
      .map(([k, v]) => `| \`${k}\` | ${v.reachM} | ${v.battery ? 'battery, mains' : 'mains'} |`)
      .join('\n'),
  }),

  checks: [
    {
      id: 'design-nodes',
      skill: 'L2.SYS.1.1.1',
      points: 10,
      title: { zh: '设计文件的节点与地址规划', en: 'Nodes and addressing in the design file' },
      run: designNodesCheck,
    },
    {
      id: 'design-links',
      skill: 'L2.SYS.1.1.1',
      points: 10,
      title: { zh: '设计文件的链路选择', en: 'Links in the design file' },
      run: designLinksCheck,
    },
    {
      id: 'topology',
      skill: 'L2.SYS.1.1.1',
      points: 35,
      title: TOPOLOGY,
      rubric: TOPOLOGY_RUBRIC,
      run: rubricRun(TOPOLOGY_RUBRIC, TOPOLOGY),
    },
    {
      id: 'deployment',
      skill: 'L2.SYS.1.1.4',
      points: 45,
      title: DEPLOYMENT,
      rubric: DEPLOYMENT_RUBRIC,
      run: rubricRun(DEPLOYMENT_RUBRIC, DEPLOYMENT),
    },
  ],
});
