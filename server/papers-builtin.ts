/**
 * Built-in papers for 初级 (L1), one per direction, with points per 职业功能 equal to the
 * standard's 专业能力要求权重表 (§4.2). Task ids are provisional names for the task bank of
 * issue 6; when it lands, each id must name a task there (a test will then check it).
 */
import type { PaperInput } from './papers.js';

type T = [id: string, fn: string, points: number, skills: string[]];
const tasks = (rows: T[]) =>
  rows.map(([id, fn, points, skills]) => ({ id, function: fn, points, skills }));

export const builtinPapers: PaperInput[] = [
  {
    id: 'L1-EMB',
    title: {
      zh: '初级 · 物联网嵌入式开发 实操考核',
      en: 'Level 1 · IoT embedded development, practical',
    },
    level: 'L1',
    direction: 'EMB',
    tasks: tasks([
      ['emb-analog-sampling', '感知控制开发', 15, ['L1.EMB.1.1.1']],
      ['emb-digital-sampling', '感知控制开发', 10, ['L1.EMB.1.1.2']],
      ['emb-switch-sampling', '感知控制开发', 10, ['L1.EMB.1.1.3']],
      ['emb-gnss-position', '感知控制开发', 10, ['L1.EMB.1.3.1']],
      ['emb-custom-protocol', '物联网应用协议开发', 10, ['L1.EMB.2.1.1', 'L1.EMB.2.1.2']],
      ['emb-mqtt-coap', '物联网应用协议开发', 10, ['L1.EMB.2.2.1', 'L1.EMB.2.2.2']],
      ['emb-modbus-master', '物联网组网通信开发', 20, ['L1.EMB.3.1.1', 'L1.EMB.3.1.2']],
      ['emb-packet-analysis', '物联网组网通信开发', 15, ['L1.EMB.3.1.3']],
    ]),
  },
  {
    id: 'L1-APP',
    title: {
      zh: '初级 · 物联网应用开发 实操考核',
      en: 'Level 1 · IoT application development, practical',
    },
    level: 'L1',
    direction: 'APP',
    tasks: tasks([
      ['app-timeseries-persist', '物联网平台应用开发', 15, ['L1.APP.1.2.1']],
      ['app-rule-chain', '物联网平台应用开发', 15, ['L1.APP.1.3.1', 'L1.APP.1.3.2']],
      ['app-edge-wired-access', '物联网边缘计算系统应用开发', 20, ['L1.APP.2.2.1']],
      ['app-third-party-mqtt', '物联网边缘计算系统应用开发', 20, ['L1.APP.2.3.1']],
      ['app-device-dashboard', '物联网移动应用开发', 15, ['L1.APP.3.2.3']],
      ['app-control-binding', '物联网移动应用开发', 15, ['L1.APP.3.2.1', 'L1.APP.3.2.2']],
    ]),
  },
  {
    id: 'L1-SYS',
    title: {
      zh: '初级 · 物联网系统集成与管理 实操考核',
      en: 'Level 1 · IoT system integration and management, practical',
    },
    level: 'L1',
    direction: 'SYS',
    tasks: tasks([
      ['sys-device-check', '物联网设备安装与调试', 10, ['L1.SYS.1.1.2']],
      ['sys-sensor-network', '物联网设备安装与调试', 15, ['L1.SYS.1.3.1']],
      ['sys-joint-debug', '物联网设备安装与调试', 10, ['L1.SYS.1.3.3']],
      ['sys-address-plan', '物联网系统部署', 10, ['L1.SYS.2.1.2']],
      ['sys-sql-scripts', '物联网系统部署', 10, ['L1.SYS.2.2.2']],
      ['sys-app-config', '物联网系统部署', 10, ['L1.SYS.2.3.1']],
      ['sys-fault-locate', '物联网系统运行与维护', 10, ['L1.SYS.3.1.2']],
      ['sys-anomaly-capture', '物联网系统运行与维护', 10, ['L1.SYS.3.1.3']],
      ['sys-tech-doc', '物联网技术咨询与服务', 15, ['L1.SYS.4.1.2']],
    ]),
  },
];
