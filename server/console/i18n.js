// Chinese by default; the choice is remembered in localStorage. Elements with data-i18n get text.
const DICT = {
  zh: {
    title: 'iotlab 考试控制台',
    candidate: '考生',
    examiner: '考评员',
    lang: 'English',
    session: '场次',
    candidateId: '考生编号',
    password: '密码',
    username: '用户名',
    login: '登录',
    logout: '退出',
    tasks: '任务',
    instructions: '任务说明',
    start: '开始',
    finish: '完成本任务',
    card: '实验卡',
    checklist: '实时检查清单',
    remaining: '剩余时间',
    notStarted: '未开始',
    running: '进行中',
    done: '已完成',
    points: '分值',
    score: '得分',
    pending: '待评分',
    'pending-examiner': '待考评员评分',
    ungradable: '无法评分',
    final: '已评分',
    roster: '考生名单',
    connected: '连接',
    current: '当前任务',
    total: '总分',
    result: '结果',
    report: '报告',
    stop: '结束场次',
    extend: '延长 10 分钟',
    regrade: '重新评分（预览）',
    publish: '发布重新评分',
    export: '导出',
    exportWide: '成绩表 CSV',
    exportLong: '评分明细 CSV',
    exportXlsx: 'Excel',
    exportJson: '全部报告 JSON',
    manual: '人工评分',
    check: '检查项',
    reason: '理由',
    save: '保存',
    audit: '审计日志',
    before: '原分',
    after: '新分',
    noChange: '无变化',
    pass: '合格',
    fail: '不合格',
    provisional: '暂定',
    loginFailed: '登录失败',
    sessions: '场次列表',
  },
  en: {
    title: 'iotlab exam console',
    candidate: 'Candidate',
    examiner: 'Examiner',
    lang: '中文',
    session: 'Session',
    candidateId: 'Candidate id',
    password: 'Password',
    username: 'Username',
    login: 'Log in',
    logout: 'Log out',
    tasks: 'Tasks',
    instructions: 'Instructions',
    start: 'Start',
    finish: 'Finish this task',
    card: 'Lab card',
    checklist: 'Live checklist',
    remaining: 'Time left',
    notStarted: 'not started',
    running: 'running',
    done: 'done',
    points: 'Points',
    score: 'Score',
    pending: 'pending',
    'pending-examiner': 'pending examiner',
    ungradable: 'not gradable',
    final: 'graded',
    roster: 'Roster',
    connected: 'Connected',
    current: 'Current task',
    total: 'Total',
    result: 'Result',
    report: 'Report',
    stop: 'Stop session',
    extend: 'Extend 10 min',
    regrade: 'Regrade (preview)',
    publish: 'Publish regrade',
    export: 'Export',
    exportWide: 'Score sheet CSV',
    exportLong: 'Checks CSV',
    exportXlsx: 'Excel',
    exportJson: 'All reports JSON',
    manual: 'Manual score',
    check: 'Check',
    reason: 'Reason',
    save: 'Save',
    audit: 'Audit log',
    before: 'Before',
    after: 'After',
    noChange: 'no change',
    pass: 'pass',
    fail: 'fail',
    provisional: 'provisional',
    loginFailed: 'Login failed',
    sessions: 'Sessions',
  },
};

export let lang = localStorage.getItem('iotlab.lang') === 'en' ? 'en' : 'zh';

export function t(key) {
  return DICT[lang][key] ?? key;
}

export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

export function setupToggle(onChange) {
  const btn = document.getElementById('lang');
  btn.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('iotlab.lang', lang);
    applyI18n();
    onChange();
  });
  applyI18n();
}
