/**
 * L2 · SYS · consulting and service (L2.SYS.5): for a seeded customer, a training outline for
 * their staff and a customised solution write-up, both marked by examiners. Nothing in them is a
 * fact the lab can check, so the task has no automatic checks.
 *
 * Stated rules and the case planted for each: none the lab can check; both documents are marked
 * by the examiners against the stated rubric (nothing handed in is 0: tests/unit/manual-tasks).
 */
import { defineTask } from '../../grader/types.js';
import type { I18n } from '../../grader/types.js';
import { rubricRun } from '../../grader/checks/handin.js';
import { Rng } from '../../core/rng.js';
import { deskScenario } from '../desk-lab.js';
import { SOLUTION_RUBRIC, TRAINING_RUBRIC } from './rubric.js';

const CUSTOMERS: { who: I18n; pain: I18n }[] = [
  {
    who: {
      zh: '一家有 12 座冷库的冷链物流公司',
      en: 'a cold-chain logistics firm with 12 cold stores',
    },
    pain: {
      zh: '温度靠人工每 2 小时巡检记录，夜间断电或开门过久不能及时发现，曾造成货损',
      en: 'temperatures are logged by hand every 2 hours; power cuts or doors left open at night go unnoticed and have spoiled goods',
    },
  },
  {
    who: { zh: '一所有 40 间教室的中学', en: 'a secondary school with 40 classrooms' },
    pain: {
      zh: '空调和照明常在无人时开启，电费高，设备故障报修慢',
      en: 'air conditioning and lights run in empty rooms, the power bill is high and faults are reported slowly',
    },
  },
  {
    who: {
      zh: '一个有 30 公里管网的县城供水公司',
      en: 'a county water company with 30 km of mains',
    },
    pain: {
      zh: '漏损率高，爆管靠群众报告，泵站压力无法远程监测',
      en: 'leakage is high, burst pipes are reported by the public, and pump-station pressure cannot be watched remotely',
    },
  },
];
const AUDIENCES: I18n[] = [
  { zh: '一线操作人员', en: 'front-line operators' },
  { zh: '设备维护工程师', en: 'maintenance engineers' },
  { zh: '部门管理人员', en: 'department managers' },
];

export type ConsultParams = {
  customer: number;
  audience: number;
  trainees: number;
  minutes: number;
  budget: number;
};

const TRAINING: I18n = { zh: '培训资源大纲', en: 'Training outline' };
const SOLUTION: I18n = { zh: '定制化解决方案', en: 'Customised solution' };
const MIB = 1024 * 1024;

export const solutionConsult = defineTask<ConsultParams>({
  id: 'l2-sys-consult',
  title: { zh: '培训大纲与定制化解决方案', en: 'A training outline and a customised solution' },
  level: 'L2',
  direction: 'SYS',
  skills: ['L2.SYS.5.2.1', 'L2.SYS.5.3.3'],
  timeLimitS: 3600,
  solution: 'reference',
  handIn: [
    { id: 'training', title: TRAINING, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
    { id: 'solution', title: SOLUTION, types: ['md', 'docx', 'pdf'], maxBytes: 10 * MIB },
  ],

  params(seed) {
    const rng = new Rng(seed, 'task', 'l2-sys-consult');
    return {
      customer: rng.int(0, CUSTOMERS.length - 1),
      audience: rng.int(0, AUDIENCES.length - 1),
      trainees: rng.int(8, 30),
      minutes: rng.pick([90, 120, 180]),
      budget: rng.int(20, 80) * 10_000,
    };
  },

  scenario: () =>
    deskScenario('task_l2_sys_consult', { zh: '技术咨询与服务', en: 'Consulting and service' }),

  vars: (p) => ({
    customerZh: CUSTOMERS[p.customer]!.who.zh,
    customerEn: CUSTOMERS[p.customer]!.who.en,
    painZh: CUSTOMERS[p.customer]!.pain.zh,
    painEn: CUSTOMERS[p.customer]!.pain.en,
    audienceZh: AUDIENCES[p.audience]!.zh,
    audienceEn: AUDIENCES[p.audience]!.en,
    trainees: p.trainees,
    minutes: p.minutes,
    budgetZh: p.budget / 10_000,
    budgetEn: p.budget.toLocaleString('en-US'),
  }),

  checks: [
    {
      id: 'training',
      skill: 'L2.SYS.5.2.1',
      points: 40,
      title: TRAINING,
      rubric: TRAINING_RUBRIC,
      run: rubricRun(TRAINING_RUBRIC, TRAINING),
    },
    {
      id: 'solution',
      skill: 'L2.SYS.5.3.3',
      points: 60,
      title: SOLUTION,
      rubric: SOLUTION_RUBRIC,
      run: rubricRun(SOLUTION_RUBRIC, SOLUTION),
    },
  ],
});
