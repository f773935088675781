/**
 * The rubrics of l2-sys-consult, from L2.SYS.5.2.1 (能根据培训方案，制作培训资源) and L2.SYS.5.3.3
 * (能与客户进行技术交流，完成定制化解决方案的编写及宣讲; with 5.3.1's configuration and quotation).
 */
import type { Rubric } from '../../grader/types.js';
import { criterion } from '../rubric.js';

export const TRAINING_RUBRIC: Rubric = {
  handIn: 'training',
  criteria: [
    criterion('objectives', { zh: '培训目标与对象', en: 'Objectives and trainees' }, [
      [
        10,
        '培训目标明确、可衡量，与受训对象的岗位和基础相符',
        'Clear, measurable objectives that fit the trainees’ jobs and background',
      ],
      [5, '目标笼统或与对象不够相符', 'Vague objectives, or a poor fit to the trainees'],
      [0, '没有目标', 'No objectives'],
    ]),
    criterion('content', { zh: '内容结构', en: 'Content and structure' }, [
      [
        15,
        '模块划分合理、由浅入深，覆盖设备、网络、平台操作和常见故障处理，理论与实操配比合适',
        'Sensible modules from simple to advanced, covering devices, network, platform use and common faults, with a fit balance of theory and practice',
      ],
      [8, '内容有缺漏或顺序不当', 'Gaps in content or a poor order'],
      [0, '内容与要求不符', 'Content does not fit the brief'],
    ]),
    criterion('timing', { zh: '课时与资源', en: 'Timing and resources' }, [
      [
        10,
        '各模块课时合计等于给定时长，列出讲义、演示、实训环境和练习',
        'Module times add up to the session’s length; handouts, demonstrations, practice environment and exercises listed',
      ],
      [5, '课时或资源不完整', 'Timing or resources incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('assessment', { zh: '考核与反馈', en: 'Assessment and feedback' }, [
      [
        5,
        '有考核方式（实操或测验）和培训效果反馈',
        'An assessment (practical or quiz) and feedback on the training',
      ],
      [2, '只有其一', 'Only one of them'],
      [0, '没有', 'None'],
    ]),
  ],
};

export const SOLUTION_RUBRIC: Rubric = {
  handIn: 'solution',
  criteria: [
    criterion('needs', { zh: '需求理解', en: 'Understanding the needs' }, [
      [
        15,
        '准确复述客户现状、痛点、需求与约束（预算、工期、现有系统）',
        'Restates the customer’s situation, pain points, needs and constraints (budget, time, existing systems) accurately',
      ],
      [8, '部分理解，有遗漏', 'Partly, with omissions'],
      [0, '没有需求分析或理解错误', 'No analysis, or a misunderstanding'],
    ]),
    criterion('design', { zh: '方案设计', en: 'The design' }, [
      [
        20,
        '架构、设备选型、网络和平台功能完整、可实施，逐条回应客户痛点',
        'Architecture, device choice, network and platform functions complete and buildable, answering each pain point',
      ],
      [10, '方案可行但不完整或针对性不强', 'Feasible, but incomplete or generic'],
      [0, '方案不可行', 'Not feasible'],
    ]),
    criterion(
      'quote',
      { zh: '配置清单、报价与实施计划', en: 'Bill of materials, quotation and schedule' },
      [
        [
          10,
          '软硬件配置清单（型号类型、数量）、估算报价在预算内，有实施进度',
          'A bill of hardware and software (kinds, quantities), an estimate within the budget, and a schedule',
        ],
        [5, '有清单或报价但不完整', 'A bill or an estimate, incomplete'],
        [0, '没有', 'None'],
      ],
    ),
    criterion('value', { zh: '效益与风险', en: 'Benefits and risks' }, [
      [10, '量化预期效益，列出风险与应对', 'Quantified benefits, with risks and responses'],
      [5, '效益或风险只定性描述', 'Benefits or risks only described'],
      [0, '没有', 'None'],
    ]),
    criterion('presentation', { zh: '表达（可用于宣讲）', en: 'Presentation' }, [
      [
        5,
        '结构清楚、重点突出，可直接用于向客户宣讲',
        'Clear structure and emphasis, ready to present to the customer',
      ],
      [2, '基本清楚', 'Mostly clear'],
      [0, '混乱', 'Confused'],
    ]),
  ],
};
