/**
 * The rubrics of l1-sys-consult, from the standard's items L1.SYS.4.1.2 (能总结项目服务案例，整理业务
 * 知识并编制技术文档) and L1.SYS.4.2.2 (能解决客户技术咨询问题，并提供技术解决方案), and the customers'
 * questions the task draws from.
 */
import type { I18n, Rubric } from '../../grader/types.js';
import { criterion } from '../rubric.js';

export const QUESTIONS: I18n[] = [
  {
    zh: '“为了省流量，我们想把所有传感器的上报周期从 1 秒改成 60 秒。这样会不会影响发现这类故障？告警该怎么设置？”',
    en: '“To save data, we want every sensor to report every 60 s instead of every second. Will we still notice a fault like this one? How should we set up the alarms?”',
  },
  {
    zh: '“传感器离线时数据会不会丢？网络恢复后能不能补传？我们需要做哪些配置？”',
    en: '“Do we lose data while a sensor is offline? Can it send the missed data when the network is back? What do we need to configure?”',
  },
  {
    zh: '“怎么判断传感器读数是否可信？多久需要校准或巡检一次？”',
    en: '“How can we tell whether a sensor’s readings can be trusted? How often should sensors be calibrated or inspected?”',
  },
];

export const CASE_RUBRIC: Rubric = {
  handIn: 'case',
  criteria: [
    criterion('facts', { zh: '事件事实与时间线', en: 'Facts and timeline' }, [
      [
        15,
        '准确写明现象、发生时间、受影响的设备和数据，时间线完整，与实验数据一致',
        'States the symptoms, when it began, the device and data affected; the timeline is complete and matches the lab’s data',
      ],
      [
        8,
        '事实基本正确，但时间或影响范围不完整',
        'Facts mostly right, but the time or the impact is incomplete',
      ],
      [0, '事实缺失或与实验数据不符', 'Facts missing or contradicted by the lab’s data'],
    ]),
    criterion('cause', { zh: '原因分析与处置', en: 'Cause and remedy' }, [
      [
        15,
        '以数据（状态主题、数值变化、量程）说明判断依据，给出合理的处置步骤（现场检查、重启/更换、校准）及恢复后的验证方法',
        'Explains the diagnosis from the data (status topic, how values moved, the range), gives sound remedial steps (site check, restart/replace, calibrate) and how recovery is verified',
      ],
      [
        8,
        '有判断或处置，但依据不足或步骤不完整',
        'A diagnosis or a remedy, but poorly supported or incomplete',
      ],
      [0, '没有分析，或处置错误', 'No analysis, or a wrong remedy'],
    ]),
    criterion(
      'form',
      { zh: '面向客户的文档结构与表达', en: 'Structure and wording for the customer' },
      [
        [
          10,
          '按服务案例格式组织（概述、现象、原因、处理、结论、建议），语言准确，客户能读懂，术语有解释',
          'Organised as a service case (summary, symptoms, cause, action, result, advice); accurate, readable by the customer, terms explained',
        ],
        [5, '结构不完整或表述不够清楚', 'Structure incomplete or wording unclear'],
        [0, '不能作为交付给客户的文档', 'Not fit to give to a customer'],
      ],
    ),
    criterion('follow-up', { zh: '预防与跟踪', en: 'Prevention and follow-up' }, [
      [
        5,
        '提出具体的预防措施（告警规则、巡检、备件）和后续跟踪安排',
        'Concrete prevention (alarm rules, inspections, spares) and a follow-up plan',
      ],
      [2, '只有笼统的建议', 'Only general advice'],
      [0, '没有', 'None'],
    ]),
  ],
};

export const ANSWER_RUBRIC: Rubric = {
  handIn: 'answer',
  criteria: [
    criterion('correct', { zh: '技术正确', en: 'Technically correct' }, [
      [
        15,
        '回答切中问题，技术内容正确（协议、周期、缓存、告警、校准等），与本实验的设备和数据相符',
        'Answers the question asked; the technical content (protocols, periods, buffering, alarms, calibration) is right and fits this lab’s devices and data',
      ],
      [8, '基本正确，但有遗漏或小错误', 'Mostly right, with gaps or small errors'],
      [0, '答非所问或有重大错误', 'Misses the question or is badly wrong'],
    ]),
    criterion('solution', { zh: '解决方案可操作', en: 'An actionable solution' }, [
      [
        10,
        '给出客户可执行的方案：步骤、参数或配置建议，并说明代价与风险',
        'Gives the customer steps they can follow, with settings or configuration, and says what it costs and risks',
      ],
      [5, '有方案但不够具体', 'A solution, but vague'],
      [0, '没有方案', 'No solution'],
    ]),
    criterion('manner', { zh: '表达与服务规范', en: 'Wording and service manner' }, [
      [
        5,
        '礼貌、清楚、条理分明，必要处引用产品文档或标准规范',
        'Courteous, clear and orderly; cites product documents or standards where they help',
      ],
      [2, '表达一般', 'Adequate wording'],
      [0, '表达混乱或不当', 'Confused or improper'],
    ]),
  ],
};
