/**
 * The rubrics of l3-all-consult, from L3.ALL.5.1.2 (能提供项目可行性研究，支持项目论证; with 5.1.1's
 * decision consulting) and L3.ALL.5.2.1 (能根据客户需求，制订培训计划; with 5.2.3's internal trainers).
 */
import type { Rubric } from '../../grader/types.js';
import { criterion } from '../rubric.js';

export const FEASIBILITY_RUBRIC: Rubric = {
  handIn: 'feasibility',
  criteria: [
    criterion('background', { zh: '背景、需求与政策依据', en: 'Background, needs and policy' }, [
      [
        10,
        '说明项目背景、建设需求和目标，引用相关国家政策和行业标准',
        'States the background, needs and goals, citing the national policy and industry standards that apply',
      ],
      [5, '背景或依据不完整', 'Background or grounds incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('technical', { zh: '技术可行性', en: 'Technical feasibility' }, [
      [
        15,
        '比较至少两条技术路线（感知、通信、平台），说明成熟度、适用性和关键技术风险，给出推荐',
        'Compares at least two technical routes (sensing, communication, platform) for maturity, fit and key risks, and recommends one',
      ],
      [8, '只有一条路线或比较不充分', 'One route only, or a thin comparison'],
      [0, '没有技术分析', 'No technical analysis'],
    ]),
    criterion('economic', { zh: '经济可行性', en: 'Economic feasibility' }, [
      [
        15,
        '投资估算与预算对照，运营成本，量化收益，投资回收期或净现值',
        'An investment estimate against the budget, running costs, quantified returns, payback or net present value',
      ],
      [8, '有估算但缺少收益或回收分析', 'An estimate without returns or payback'],
      [0, '没有', 'None'],
    ]),
    criterion('delivery', { zh: '实施与运营可行性', en: 'Delivery and operation' }, [
      [
        10,
        '组织分工、里程碑进度与工期相符，运维模式和人员能力',
        'Organisation, milestones that fit the time allowed, how it is run and by whom',
      ],
      [5, '不完整', 'Incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('conclusion', { zh: '结论与决策建议', en: 'Conclusion and recommendation' }, [
      [
        10,
        '结论明确（可行/有条件可行/不可行），有依据，给出决策建议和前提条件',
        'A clear verdict (feasible, feasible on conditions, not feasible), grounded, with a recommendation and its conditions',
      ],
      [5, '结论含糊', 'A vague verdict'],
      [0, '没有结论', 'No verdict'],
    ]),
  ],
};

export const TRAINING_PLAN_RUBRIC: Rubric = {
  handIn: 'training-plan',
  criteria: [
    criterion('needs', { zh: '培训需求分析', en: 'Training needs' }, [
      [
        10,
        '按人员类别（管理、运维、操作）分析现有能力与岗位要求的差距',
        'Analyses the gap between current skills and the job for each group (managers, operations, operators)',
      ],
      [5, '分析笼统', 'A general analysis'],
      [0, '没有', 'None'],
    ]),
    criterion('plan', { zh: '分层分阶段的培训计划', en: 'A staged plan by group' }, [
      [
        15,
        '各类人员的课程、课时、方式（集中、线上、实操）、讲师和时间安排，与项目进度衔接',
        'Courses, hours, format (classroom, online, hands-on), trainers and dates for each group, tied to the project schedule',
      ],
      [8, '计划不完整或未与进度衔接', 'Incomplete, or not tied to the schedule'],
      [0, '没有', 'None'],
    ]),
    criterion('resources', { zh: '教材与内部讲师', en: 'Materials and in-house trainers' }, [
      [
        10,
        '教材和实训环境，以及内部讲师的选拔、培养和认证',
        'Materials and practice environments, and how in-house trainers are chosen, trained and certified',
      ],
      [5, '只有其一', 'Only one of them'],
      [0, '没有', 'None'],
    ]),
    criterion('evaluation', { zh: '效果评估', en: 'Evaluation' }, [
      [
        5,
        '分层评估培训效果（反应、学习、行为、结果）并有改进机制',
        'Evaluates at several levels (reaction, learning, behaviour, results) with a way to improve',
      ],
      [2, '只有考试或问卷', 'A test or a survey only'],
      [0, '没有', 'None'],
    ]),
  ],
};
