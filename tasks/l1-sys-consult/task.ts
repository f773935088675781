/**
 * L1 · SYS · technical consulting and service (L1.SYS.4): one sensor of the lab develops a seeded
 * fault (the l1-sys-fault lab, later and over a longer watch). The candidate hands in a service
 * case for the customer and answers a customer's technical question; examiners mark both by the
 * rubric, and the case's stated facts (device, fault) are checked against the seeded incident.
 *
 * Stated rules and the case planted for each (tests/unit/manual-tasks.test.ts; a hand-in task has
 * no program, so its mistakes are documents, not a solution.ts):
 * - "Device: / Fault: lines naming the incident": a case naming another device loses the device
 *   check (15, critical: a service case about the wrong device fails the task); the wrong fault
 *   loses 10. A PDF case is refused (no text to read); a DOCX is read like Markdown.
 * - "nothing handed in is 0": no file, no examiner marks, a sure 0.
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext, I18n } from '../../grader/types.js';
import { rubricRun } from '../../grader/checks/handin.js';
import { handinTextOf, statedFact } from '../../grader/checks/handin-facts.js';
import { Rng } from '../../core/rng.js';
import { faultLocation } from '../l1-sys-fault/task.js';
import type { FaultParams } from '../l1-sys-fault/task.js';
import { CASE_RUBRIC, ANSWER_RUBRIC, QUESTIONS } from './rubric.js';

const DEVICES = ['air', 'co2', 'light', 'soil'] as const;
const TYPES = ['offline', 'stuck', 'drift', 'spike'] as const;
type FaultType = (typeof TYPES)[number];

/** Words a case may use for each fault, besides its English name. */
const TYPE_WORDS: Record<FaultType, string[]> = {
  offline: ['offline', '离线', '掉线'],
  stuck: ['stuck', '卡死', '冻结', '数值不变', '停滞'],
  drift: ['drift', '漂移'],
  spike: ['spike', '突变', '尖峰', '超量程', '跳变'],
};
export const DEVICE_LABELS = ['device', 'faulty device', '故障设备', '设备'];
export const FAULT_LABELS = ['fault', 'fault type', '故障类型', '故障'];

export type ConsultParams = FaultParams & { question: number };
type Ctx = GradeContext<ConsultParams>;

const CASE_TITLE: I18n = { zh: '服务案例文档', en: 'Service case document' };
const ANSWER_TITLE: I18n = { zh: '客户技术咨询答复', en: 'Answer to the customer' };

function caseDevice(ctx: Ctx): CheckOutcome {
  const want = ctx.device(ctx.params.device).id;
  const expected = `the case states "Device: ${want}"`;
  const t = handinTextOf(ctx, 'case');
  if ('why' in t)
    return {
      score: 0,
      expected,
      seen: t.why,
      evidence: t.evidence,
      hint: {
        zh: '服务案例须为 md 或 docx，并单独一行写明“故障设备：<设备 id>”。',
        en: 'Hand in the case as md or docx with a line of its own "Device: <device id>".',
      },
    };
  const stated = statedFact(t.text, DEVICE_LABELS);
  const id = stated
    ?.replace(/[`*]/g, '')
    .trim()
    .split(/[\s,，;；(（]/)[0]
    ?.toLowerCase();
  const ok = id === want;
  return {
    score: ok ? 1 : 0,
    expected,
    seen: stated === undefined ? 'no "Device:" line' : `Device: ${stated}`,
    evidence: t.evidence,
    ...(ok
      ? {}
      : {
          hint: {
            zh: '案例中写明的故障设备与实验中的故障设备不符：核对各设备的状态和数据。',
            en: 'The device the case names is not the one that failed: check every device’s status and data.',
          },
        }),
  };
}

function caseFault(ctx: Ctx): CheckOutcome {
  const want = ctx.params.type;
  const expected = `the case states "Fault: ${want}"`;
  const t = handinTextOf(ctx, 'case');
  if ('why' in t) return { score: 0, expected, seen: t.why, evidence: t.evidence };
  const stated = statedFact(t.text, FAULT_LABELS);
  const says = (type: FaultType) =>
    stated !== undefined && TYPE_WORDS[type].some((w) => stated.toLowerCase().includes(w));
  // Naming every kind of fault at once is no diagnosis.
  const ok = says(want) && TYPES.filter(says).length === 1;
  return {
    score: ok ? 1 : 0,
    expected,
    seen: stated === undefined ? 'no "Fault:" line' : `Fault: ${stated}`,
    evidence: t.evidence,
    ...(ok
      ? {}
      : {
          hint: {
            zh: '故障类型不对：offline=离线无数据，stuck=数值冻结，drift=单向漂移，spike=超量程突变。',
            en: 'Wrong fault: offline = no data, stuck = frozen values, drift = steady one-way change, spike = beyond the range.',
          },
        }),
  };
}

export const consultService = defineTask<ConsultParams>({
  id: 'l1-sys-consult',
  title: {
    zh: '故障服务案例与客户技术咨询',
    en: 'A service case from a lab incident, and a customer’s question',
  },
  level: 'L1',
  direction: 'SYS',
  skills: ['L1.SYS.4.1.2', 'L1.SYS.4.2.2'],
  timeLimitS: 2400,
  solution: 'reference',
  handIn: [
    { id: 'case', title: CASE_TITLE, types: ['md', 'docx'], maxBytes: 5 * 1024 * 1024 },
    {
      id: 'answer',
      title: ANSWER_TITLE,
      types: ['md', 'docx', 'pdf', 'txt'],
      maxBytes: 5 * 1024 * 1024,
    },
  ],

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-sys-consult');
    return {
      device: rng.pick(DEVICES),
      type: rng.pick(TYPES),
      atS: rng.int(60, 300),
      question: rng.int(0, QUESTIONS.length - 1),
    };
  },

  scenario: (p) => ({
    ...faultLocation.scenario(p),
    name: 'task_l1_sys_consult',
    title: { zh: '设备故障服务案例', en: 'Device fault service case' },
  }),

  vars: (p, plan) => {
    const q = QUESTIONS[p.question]!;
    return {
      prefix: plan.topicPrefix,
      devices: plan.devices.map((d) => `\`${d.id}\``).join(', '),
      questionZh: q.zh,
      questionEn: q.en,
    };
  },

  checks: [
    {
      id: 'case-device',
      skill: 'L1.SYS.4.1.2',
      points: 15,
      critical: true,
      title: { zh: '案例写明故障设备', en: 'The case names the faulty device' },
      run: caseDevice,
    },
    {
      id: 'case-fault',
      skill: 'L1.SYS.4.1.2',
      points: 10,
      title: { zh: '案例写明故障类型', en: 'The case names the kind of fault' },
      run: caseFault,
    },
    {
      id: 'case',
      skill: 'L1.SYS.4.1.2',
      points: 45,
      title: CASE_TITLE,
      rubric: CASE_RUBRIC,
      run: rubricRun(CASE_RUBRIC, CASE_TITLE),
    },
    {
      id: 'answer',
      skill: 'L1.SYS.4.2.2',
      points: 30,
      title: ANSWER_TITLE,
      rubric: ANSWER_RUBRIC,
      run: rubricRun(ANSWER_RUBRIC, ANSWER_TITLE),
    },
  ],
});
