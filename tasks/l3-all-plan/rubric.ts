/**
 * The rubrics of l3-all-plan, from L3.ALL.1.1.3 (能根据调研结果，编写需求分析说明书), L3.ALL.1.2.1
 * (能完成物联网系统的总体架构设计) and L3.ALL.1.4.1–1.4.4 (数据存储和传输的安全策略、访问控制策略、
 * 防伪与应对攻击策略、安全测试方案).
 */
import type { Rubric } from '../../grader/types.js';
import { criterion } from '../rubric.js';

export const REQUIREMENTS_RUBRIC: Rubric = {
  handIn: 'requirements',
  criteria: [
    criterion('functions', { zh: '业务与功能需求', en: 'Business and functional needs' }, [
      [
        10,
        '完整列出用户角色、业务场景和功能需求，与所给园区情况和规模一致',
        'Lists the user roles, business scenarios and functions completely, consistent with the site and scale given',
      ],
      [5, '有遗漏，或与所给情况不完全一致', 'Gaps, or not quite consistent with what was given'],
      [0, '没有需求分析', 'No requirements analysis'],
    ]),
    criterion('qualities', { zh: '非功能需求与政策标准', en: 'Qualities, policy and standards' }, [
      [
        10,
        '性能（设备规模、上报频率、时延）、可靠性、安全、可扩展性有量化指标，并分析相关国家政策与技术标准（如网络安全等级保护）',
        'Performance (devices, reporting rates, latency), reliability, security and scalability with measurable targets, and the national policy and standards that apply (e.g. graded cybersecurity protection)',
      ],
      [5, '有非功能需求但缺少量化指标或标准依据', 'Qualities stated without measures or standards'],
      [0, '没有', 'None'],
    ]),
    criterion('traceable', { zh: '可追溯、可验收', en: 'Traceable and testable' }, [
      [
        5,
        '需求有编号、优先级和验收标准',
        'Requirements are numbered, prioritised and have acceptance criteria',
      ],
      [2, '部分需求可追溯', 'Some requirements traceable'],
      [0, '不可追溯', 'Not traceable'],
    ]),
  ],
};

export const ARCHITECTURE_RUBRIC: Rubric = {
  handIn: 'architecture',
  criteria: [
    criterion('layers', { zh: '分层架构', en: 'Layered architecture' }, [
      [
        10,
        '感知、网络、平台、应用各层完整，组件与职责清楚，满足需求说明书',
        'Sensing, network, platform and application layers complete, components and duties clear, meeting the requirements',
      ],
      [5, '层次不全或职责不清', 'Layers missing or duties unclear'],
      [0, '没有架构设计', 'No architecture'],
    ]),
    criterion('interfaces', { zh: '接口与数据流', en: 'Interfaces and data flow' }, [
      [
        10,
        '写明各接口的协议、主题与数据格式（与本实验的主题一致）、数据存储与流向',
        'States each interface’s protocol, topics and data format (matching this lab’s topics), storage and data flow',
      ],
      [5, '接口或数据流描述不完整', 'Interfaces or data flow incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('runtime', { zh: '部署、可靠性与扩展', en: 'Deployment, reliability and growth' }, [
      [
        5,
        '说明运行环境与部署方式，以及冗余、容量扩展方案',
        'Runtime environment and deployment, redundancy and how capacity grows',
      ],
      [2, '只有简单说明', 'Only briefly'],
      [0, '没有', 'None'],
    ]),
  ],
};

export const SECURITY_RUBRIC: Rubric = {
  handIn: 'security',
  criteria: [
    criterion('data', { zh: '数据传输与存储安全', en: 'Data in transit and at rest' }, [
      [
        10,
        '传输加密（TLS）、证书与密钥管理、存储加密、备份与恢复，措施具体',
        'Encryption in transit (TLS), certificate and key management, encryption at rest, backup and recovery, all concrete',
      ],
      [5, '有措施但不完整', 'Measures, but incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('access', { zh: '访问控制策略', en: 'Access control' }, [
      [
        10,
        '设备身份认证（一机一密或证书）、最小权限、默认拒绝，与提交的 ACL 一致，包括平台和运维账号',
        'Device identity (a secret or certificate per device), least privilege, deny by default, consistent with the ACL handed in, covering platform and operator accounts',
      ],
      [5, '有策略但与 ACL 不一致或不全', 'A policy, but inconsistent with the ACL or incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('attacks', { zh: '防伪与攻击应对', en: 'Counterfeits and attacks' }, [
      [
        5,
        '针对仿冒设备、重放、拒绝服务、固件篡改给出防范和应急处置（审计、告警、隔离）',
        'Defences and responses (audit, alarms, isolation) for counterfeit devices, replay, denial of service and firmware tampering',
      ],
      [2, '只列出威胁或措施笼统', 'Threats listed, measures vague'],
      [0, '没有', 'None'],
    ]),
    criterion('testing', { zh: '安全测试方案', en: 'Security test plan' }, [
      [
        5,
        '有测试项、方法、工具和通过标准，以及实施规则（授权、时间窗、回退）',
        'Test items, methods, tools and pass criteria, with rules of engagement (authorisation, time window, rollback)',
      ],
      [2, '测试方案不完整', 'Test plan incomplete'],
      [0, '没有', 'None'],
    ]),
  ],
};
