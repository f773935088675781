/**
 * Built-in papers for every level and direction of the standard's 专业能力要求权重表 (§4.2):
 * L1-EMB, L1-APP, L1-SYS, L2-EMB, L2-APP, L2-SYS and L3, with points per 职业功能 equal to it. Every task is a real task of the bank (tasks/bank.ts);
 * where the bank has no task yet for a 职业功能, the paper says so in `gaps` instead of naming a
 * task that does not exist. A paper with gaps can be used for practice and class labs, not for
 * an exam (its total is below 100): see papers.ts `paperComplete`. A task counts towards a
 * function only if some of its checks assess a skill of that function (validated in papers.ts).
 *
 * L1-EMB, L1-APP and L1-SYS are complete (exam-ready; L1-APP's 物联网移动应用开发 is l1-app-mobile,
 * a web app graded in a headless phone browser, and its 可视化 is l1-app-dashboard, a desktop
 * dashboard graded the same way; L1-SYS's consulting task is marked by examiners,
 * issue 15). L2-EMB has its encrypted-telemetry, secure-access (TLS) and token-login tasks
 * (物联网应用协议开发, 7 + 7 + 6 points) and gaps for the rest;
 * L2-APP has its 物联网移动应用开发 tasks (encrypted storage, L2.APP.3.3.1; a two-screen app with
 * scenes, L2.APP.3.2.x, graded in a headless phone browser), an edge-computing task (the gateway
 * to a third-party platform over mutual TLS, L2.APP.2.3.1), a 可视化 task (a custom visual
 * component on an overview and a detail level, L2.APP.1.4.x, in a desktop browser) and gaps for
 * the rest. L2-SYS has its monitoring-script and security-audit tasks (运行与维护) and, like L3, its planning and
 * consulting tasks (documents marked by examiners), with gaps for the rest.
 */
import type { PaperInput } from './papers.js';

type T = [id: string, fn: string, points: number];
const tasks = (rows: T[]) => rows.map(([id, fn, points]) => ({ id, function: fn, points }));
const gap = (fn: string, points: number) => ({
  function: fn,
  points,
  reason: {
    zh: `任务库暂无“${fn}”的任务`,
    en: `the task bank has no task for “${fn}” yet`,
  },
});

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
      ['l1-emb-analog', '感知控制开发', 25],
      ['l1-emb-m2m', '感知控制开发', 20],
      ['l1-emb-coap', '物联网应用协议开发', 20],
      ['l1-emb-rtu', '物联网组网通信开发', 35],
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
      ['l1-app-forward', '物联网平台应用开发', 10],
      ['l1-app-alarm', '物联网平台应用开发', 10],
      ['l1-app-dashboard', '物联网平台应用开发', 10],
      ['l1-app-gateway', '物联网边缘计算系统应用开发', 25],
      ['l1-app-platform-hmac', '物联网边缘计算系统应用开发', 15],
      ['l1-app-mobile', '物联网移动应用开发', 30],
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
      ['l1-sys-firmware', '物联网设备安装与调试', 35],
      ['l1-sys-sql', '物联网系统部署', 30],
      ['l1-sys-fault', '物联网系统运行与维护', 20],
      ['l1-sys-consult', '物联网技术咨询与服务', 15],
    ]),
  },
  {
    id: 'L2-EMB',
    title: {
      zh: '中级 · 物联网嵌入式开发 实操考核',
      en: 'Level 2 · IoT embedded development, practical',
    },
    level: 'L2',
    direction: 'EMB',
    tasks: tasks([
      ['l2-emb-cipher', '物联网应用协议开发', 7],
      ['l2-emb-tls', '物联网应用协议开发', 7],
      ['l2-emb-token', '物联网应用协议开发', 6],
    ]),
    gaps: [gap('感知控制开发', 40), gap('物联网组网通信开发', 40)],
  },
  {
    id: 'L2-APP',
    title: {
      zh: '中级 · 物联网应用开发 实操考核',
      en: 'Level 2 · IoT application development, practical',
    },
    level: 'L2',
    direction: 'APP',
    tasks: tasks([
      ['l2-app-secure-store', '物联网移动应用开发', 15],
      ['l2-app-scenes', '物联网移动应用开发', 15],
      ['l2-app-gateway-tls', '物联网边缘计算系统应用开发', 15],
      ['l2-app-gauge', '物联网平台应用开发', 15],
    ]),
    gaps: [gap('物联网平台应用开发', 20), gap('物联网边缘计算系统应用开发', 20)],
  },
  {
    id: 'L2-SYS',
    title: {
      zh: '中级 · 物联网系统集成与管理 实操考核',
      en: 'Level 2 · IoT system integration and management, practical',
    },
    level: 'L2',
    direction: 'SYS',
    tasks: tasks([
      ['l2-sys-plan', '物联网系统规划与设计', 10],
      ['l2-sys-monitor', '物联网系统运行与维护', 15],
      ['l2-sys-audit', '物联网系统运行与维护', 15],
      ['l2-sys-consult', '物联网技术咨询与服务', 20],
    ]),
    gaps: [gap('物联网设备安装与调试', 10), gap('物联网系统部署', 30)],
  },
  {
    id: 'L3',
    title: {
      zh: '高级 · 物联网工程技术 实操考核',
      en: 'Level 3 · IoT engineering, practical',
    },
    level: 'L3',
    direction: 'ALL',
    tasks: tasks([
      ['l3-all-plan', '物联网系统规划与设计', 30],
      ['l3-all-consult', '物联网技术咨询与服务', 10],
    ]),
    gaps: [
      gap('感知控制开发', 20),
      gap('物联网平台应用开发', 20),
      gap('物联网边缘计算系统应用开发', 20),
    ],
  },
];
