/**
 * L3 · ALL · planning and design (L3.ALL.1): requirements analysis, overall architecture and
 * security strategy for a seeded smart-agriculture park, whose first four sensors run in the lab.
 * The security strategy's access-control list (YAML/JSON) is exercised against the lab's real
 * devices and topics (acl.ts); the three documents are marked by examiners.
 *
 * Stated rules and the case planted for each (tests/unit/manual-tasks.test.ts; no program):
 * - "default deny, each device only its own topics": an ACL that lets a device publish for others,
 *   or does not deny by default, loses acl-least or both ACL checks. No critical check: the plan
 *   is mostly the examiners' to judge (80 of 100 points).
 */
import { defineTask } from '../../grader/types.js';
import type { I18n } from '../../grader/types.js';
import { rubricRun } from '../../grader/checks/handin.js';
import { Rng } from '../../core/rng.js';
import { faultLocation } from '../l1-sys-fault/task.js';
import { aclLeastCheck, aclOwnCheck } from './acl.js';
import { ARCHITECTURE_RUBRIC, REQUIREMENTS_RUBRIC, SECURITY_RUBRIC } from './rubric.js';

const CUSTOMERS: I18n[] = [
  { zh: '某农业科技公司', en: 'an agricultural technology company' },
  { zh: '某县农业农村局', en: 'a county agriculture bureau' },
  { zh: '某蔬菜种植合作社', en: 'a vegetable growers’ cooperative' },
];

export type PlanParams = {
  customer: number;
  greenhouses: number;
  devices: number;
  retentionDays: number;
};

const REQUIREMENTS: I18n = { zh: '需求分析说明书', en: 'Requirements specification' };
const ARCHITECTURE: I18n = { zh: '总体架构设计', en: 'Overall architecture' };
const SECURITY: I18n = { zh: '安全策略设计', en: 'Security strategy' };
const MIB = 1024 * 1024;

export const systemPlan = defineTask<PlanParams>({
  id: 'l3-all-plan',
  title: {
    zh: '物联网系统需求分析、总体架构与安全策略设计',
    en: 'Requirements, architecture and security strategy of an IoT system',
  },
  level: 'L3',
  direction: 'ALL',
  skills: ['L3.ALL.1.1.3', 'L3.ALL.1.2.1', 'L3.ALL.1.4.1', 'L3.ALL.1.4.2'],
  timeLimitS: 3600,
  solution: 'reference',
  handIn: [
    { id: 'requirements', title: REQUIREMENTS, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
    {
      id: 'architecture',
      title: ARCHITECTURE,
      types: ['md', 'docx', 'pdf', 'png', 'jpeg'],
      maxBytes: 10 * MIB,
    },
    { id: 'security', title: SECURITY, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
    {
      id: 'acl',
      title: { zh: '访问控制列表（ACL）', en: 'Access-control list (ACL)' },
      types: ['yaml', 'json'],
      maxBytes: MIB,
    },
  ],

  params(seed) {
    const rng = new Rng(seed, 'task', 'l3-all-plan');
    const greenhouses = rng.int(4, 30);
    return {
      customer: rng.int(0, CUSTOMERS.length - 1),
      greenhouses,
      devices: greenhouses * rng.int(8, 20),
      retentionDays: rng.pick([90, 180, 365]),
    };
  },

  // The park's first greenhouse: the four sensors of the fault lab, without a fault.
  scenario: () => ({
    ...faultLocation.scenario({ device: 'air', type: 'offline', atS: 0 }),
    name: 'task_l3_all_plan',
    title: { zh: '智慧农业园区规划', en: 'Smart-agriculture park plan' },
    faults: [],
  }),

  vars: (p, plan) => ({
    customerZh: CUSTOMERS[p.customer]!.zh,
    customerEn: CUSTOMERS[p.customer]!.en,
    greenhouses: p.greenhouses,
    deviceCount: p.devices,
    retentionDays: p.retentionDays,
    prefix: plan.topicPrefix,
    devices: plan.devices.map((d) => `\`${d.id}\``).join(', '),
    firstDevice: plan.devices[0]!.id,
  }),

  checks: [
    {
      id: 'acl-own',
      skill: 'L3.ALL.1.4.2',
      points: 10,
      title: {
        zh: 'ACL 允许每个设备上报自己的数据',
        en: 'The ACL lets every device report its data',
      },
      run: aclOwnCheck,
    },
    {
      id: 'acl-least',
      skill: 'L3.ALL.1.4.2',
      points: 10,
      title: { zh: 'ACL 默认拒绝、最小权限', en: 'The ACL denies by default, least privilege' },
      run: aclLeastCheck,
    },
    {
      id: 'requirements',
      skill: 'L3.ALL.1.1.3',
      points: 25,
      title: REQUIREMENTS,
      rubric: REQUIREMENTS_RUBRIC,
      run: rubricRun(REQUIREMENTS_RUBRIC, REQUIREMENTS),
    },
    {
      id: 'architecture',
      skill: 'L3.ALL.1.2.1',
      points: 25,
      title: ARCHITECTURE,
      rubric: ARCHITECTURE_RUBRIC,
      run: rubricRun(ARCHITECTURE_RUBRIC, ARCHITECTURE),
    },
    {
      id: 'security',
      skill: 'L3.ALL.1.4.1',
      points: 30,
      title: SECURITY,
      rubric: SECURITY_RUBRIC,
      run: rubricRun(SECURITY_RUBRIC, SECURITY),
    },
  ],
});
