/**
 * The rubrics of l2-sys-plan, from L2.SYS.1.1.1 (能根据系统功能，完成网络拓扑结构的规划与设计) and
 * L2.SYS.1.1.4 (能根据项目实施方案，编写网络环境部署文档).
 */
import type { Rubric } from '../../grader/types.js';
import { criterion } from '../rubric.js';

export const TOPOLOGY_RUBRIC: Rubric = {
  handIn: 'topology',
  criteria: [
    criterion('structure', { zh: '拓扑结构合理', en: 'A sound structure' }, [
      [
        15,
        '分层清楚（感知层、网络层、平台/应用层），网关位置和每个节点的接入方式与距离、供电相符，上行链路明确',
        'Clear layers (sensing, network, platform/application); the gateway’s place and each node’s link fit its distance and power; the uplink is shown',
      ],
      [
        8,
        '结构基本合理，但有链路选择不当或层次不清',
        'Mostly sound, but some links are ill-chosen or the layers are unclear',
      ],
      [0, '结构错误或无法实施', 'Wrong or not buildable'],
    ]),
    criterion(
      'complete',
      { zh: '要素完整、与设计文件一致', en: 'Complete and consistent with the design file' },
      [
        [
          10,
          '所有节点、网关、上行链路、供电方式和地址都已标注，与设计文件一致',
          'Every node, the gateway, the uplink, power and addresses are marked, as in the design file',
        ],
        [5, '有遗漏或与设计文件不一致之处', 'Some omissions or differences from the design file'],
        [0, '大量遗漏', 'Much is missing'],
      ],
    ),
    criterion('drawing', { zh: '图面规范', en: 'Drawing conventions' }, [
      [
        10,
        '有图例、标题和编号，链路类型可区分，清晰易读',
        'Legend, title and numbering; link types told apart; clear and legible',
      ],
      [5, '基本可读，但缺图例或标注混乱', 'Legible, but no legend or muddled labels'],
      [0, '无法辨认', 'Illegible'],
    ]),
  ],
};

export const DEPLOYMENT_RUBRIC: Rubric = {
  handIn: 'deployment',
  criteria: [
    criterion('network', { zh: '网络环境部署', en: 'Network environment' }, [
      [
        15,
        '写明地址规划、无线信道/频点与组网参数、网关与上行配置、覆盖与冗余考虑，参数具体可执行',
        'States the addressing plan, radio channels/frequencies and network parameters, gateway and uplink configuration, coverage and redundancy, with concrete values',
      ],
      [8, '有部署内容但参数不全或不具体', 'Deployment stated, but parameters incomplete or vague'],
      [0, '没有可执行的部署内容', 'Nothing one could deploy from'],
    ]),
    criterion('install', { zh: '现场实施步骤', en: 'Installation steps' }, [
      [
        10,
        '安装位置、布线与供电、设备调试顺序和分工明确',
        'Mounting places, cabling and power, the order of commissioning and who does what are clear',
      ],
      [5, '步骤不完整', 'Steps incomplete'],
      [0, '没有', 'None'],
    ]),
    criterion('acceptance', { zh: '测试与验收', en: 'Tests and acceptance' }, [
      [
        10,
        '有信号强度、丢包率、端到端联调等测试项和量化的验收标准',
        'Tests of signal strength, packet loss and end-to-end operation with measurable acceptance criteria',
      ],
      [5, '有测试但无量化标准', 'Tests without measurable criteria'],
      [0, '没有', 'None'],
    ]),
    criterion('risk', { zh: '安全与风险', en: 'Safety and risks' }, [
      [
        10,
        '包含施工安全（登高、用电）、风险清单与应对、回退方案',
        'Covers site safety (working at height, electrical), a risk list with responses, and a fallback',
      ],
      [5, '只有笼统的安全说明', 'Only general safety notes'],
      [0, '没有', 'None'],
    ]),
  ],
};
