/**
 * L3 · ALL · consulting and service (L3.ALL.5): for a seeded client project, a feasibility study
 * that supports the decision and a training plan for the client's staff, both marked by
 * examiners (no fact in them the lab can check, so no automatic checks).
 *
 * Stated rules and the case planted for each: none the lab can check; both documents are marked
 * by the examiners against the stated rubric (nothing handed in is 0: tests/unit/manual-tasks).
 */
import { defineTask } from '../../grader/types.js';
import type { I18n } from '../../grader/types.js';
import { rubricRun } from '../../grader/checks/handin.js';
import { Rng } from '../../core/rng.js';
import { deskScenario } from '../desk-lab.js';
import { FEASIBILITY_RUBRIC, TRAINING_PLAN_RUBRIC } from './rubric.js';

const PROJECTS: { client: I18n; project: I18n; unit: I18n; staff: I18n }[] = [
  {
    client: { zh: '某市水务集团', en: 'a city water group' },
    project: {
      zh: '智能水表与管网漏损监测',
      en: 'smart water meters and leak monitoring of the mains',
    },
    unit: { zh: '户', en: 'households' },
    staff: {
      zh: '营业、管网运维和调度中心人员',
      en: 'billing, network maintenance and control-room staff',
    },
  },
  {
    client: { zh: '某工业园区管委会', en: 'an industrial park authority' },
    project: {
      zh: '园区企业能耗与排放在线监测',
      en: 'online energy and emissions monitoring of its firms',
    },
    unit: { zh: '个监测点', en: 'monitoring points' },
    staff: {
      zh: '管委会管理人员、企业能源管理员和运维人员',
      en: 'authority managers, firms’ energy officers and operations staff',
    },
  },
  {
    client: { zh: '某三甲医院', en: 'a large general hospital' },
    project: {
      zh: '医疗设备定位与冷链药品温度监测',
      en: 'medical equipment tracking and cold-chain medicine temperatures',
    },
    unit: { zh: '台设备', en: 'devices' },
    staff: {
      zh: '设备科、药剂科、护理和信息中心人员',
      en: 'equipment, pharmacy, nursing and IT staff',
    },
  },
];

/** `budget` in 万元 (CNY 10,000). */
export type ProjectParams = { project: number; scale: number; budget: number; months: number };

const FEASIBILITY: I18n = { zh: '可行性研究报告', en: 'Feasibility study' };
const TRAINING_PLAN: I18n = { zh: '培训计划', en: 'Training plan' };
const MIB = 1024 * 1024;

export const projectConsult = defineTask<ProjectParams>({
  id: 'l3-all-consult',
  title: { zh: '项目可行性研究与培训计划', en: 'A feasibility study and a training plan' },
  level: 'L3',
  direction: 'ALL',
  skills: ['L3.ALL.5.1.2', 'L3.ALL.5.2.1'],
  timeLimitS: 3600,
  solution: 'reference',
  handIn: [
    { id: 'feasibility', title: FEASIBILITY, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
    { id: 'training-plan', title: TRAINING_PLAN, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
  ],

  params(seed) {
    const rng = new Rng(seed, 'task', 'l3-all-consult');
    const project = rng.int(0, PROJECTS.length - 1);
    return {
      project,
      scale: rng.int(5, 60) * 100,
      budget: rng.int(30, 300) * 10,
      months: rng.pick([6, 9, 12, 18]),
    };
  },

  scenario: () =>
    deskScenario('task_l3_all_consult', { zh: '咨询与服务', en: 'Consulting and service' }),

  vars: (p) => {
    const x = PROJECTS[p.project]!;
    return {
      clientZh: x.client.zh,
      clientEn: x.client.en,
      projectZh: x.project.zh,
      projectEn: x.project.en,
      unitZh: x.unit.zh,
      unitEn: x.unit.en,
      staffZh: x.staff.zh,
      staffEn: x.staff.en,
      scale: p.scale,
      budgetZh: p.budget,
      budgetEn: (p.budget * 10_000).toLocaleString('en-US'),
      months: p.months,
    };
  },

  checks: [
    {
      id: 'feasibility',
      skill: 'L3.ALL.5.1.2',
      points: 60,
      title: FEASIBILITY,
      rubric: FEASIBILITY_RUBRIC,
      run: rubricRun(FEASIBILITY_RUBRIC, FEASIBILITY),
    },
    {
      id: 'training-plan',
      skill: 'L3.ALL.5.2.1',
      points: 40,
      title: TRAINING_PLAN,
      rubric: TRAINING_PLAN_RUBRIC,
      run: rubricRun(TRAINING_PLAN_RUBRIC, TRAINING_PLAN),
    },
  ],
});
