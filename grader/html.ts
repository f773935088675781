/**
 * A self-contained HTML page an examiner can read: the verdict, then per check the points,
 * expected, seen, the hint, and the evidence lines behind it (quoted from the evidence file), in
 * Chinese and English. No scripts, no external resources; the same report gives the same bytes.
 */
import type { EvidenceEvent } from '../core/evidence.js';
import type { GradeReport, ReportTest } from './report.js';
import { CRITICAL_CAP } from './report.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `body{font:14px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
.passed{background:#e9f7ef}.partial{background:#fff8e1}.failed{background:#fdecea}.manual{background:#eef}
pre{white-space:pre-wrap;word-break:break-all;font-size:12px;background:#f6f6f6;padding:.4em;margin:.2em 0}
.verdict{font-size:1.2em;font-weight:bold}.muted{color:#666}`;

/** The quoted text of an evidence line: the event without its hash, payloads decoded. */
function quote(e: EvidenceEvent): string {
  const { prev: _prev, wall: _wall, ...rest } = e;
  const text = JSON.stringify(rest);
  return text.length > 400 ? text.slice(0, 400) + '…' : text;
}

function testRow(
  t: ReportTest,
  bySeq: ReadonlyMap<number, EvidenceEvent>,
  mark: ExaminerMark | undefined,
): string {
  const lines = t.evidence
    .map((r) => {
      const e = bySeq.get(r.seq);
      const head = `#${r.seq} @ ${(r.t / 1000).toFixed(3)} s${r.note ? ` — ${r.note}` : ''}`;
      return `<pre>${esc(head)}${e ? '\n' + esc(quote(e)) : ''}</pre>`;
    })
    .join('');
  const hint = t.hint ? `<p>提示：${esc(t.hint.zh)}<br>Hint: ${esc(t.hint.en)}</p>` : '';
  return `<tr class="${t.outcome}"><td>${esc(t.id)}<br><span class="muted">${esc(t.tags.join(' '))}</span></td>
<td>${esc(t.title.zh)}<br>${esc(t.title.en)}${t.critical ? `<br><b>关键 critical</b>${t.critical.met ? '' : ' — 未达到 not met'}` : ''}</td><td>${mark ? `<b>${mark.points} / ${t.max_score}</b><br><span class="muted">自动 grader ${t.score}</span><br>${mark.kind === 'override' ? '考评员改分 override' : '考评员评分 examiner'}` : `${t.score} / ${t.max_score}${t.manual ? '<br>examiner 考评员确认' : ''}`}</td>
<td><b>expected 要求</b>: ${esc(t.expected)}<br><b>seen 实际</b>: ${esc(t.seen)}${hint}${lines}</td></tr>`;
}

/** Something the server adds for the examiner (integrity flags), shown above the checks. */
export interface ExaminerNotice {
  zh: string;
  en: string;
  /** Evidence line (seq) that shows it. */
  seq?: number;
}

/** An examiner's mark for a check (the exam server's), beside the grader's figures then and now. */
export interface ExaminerMark {
  check: string;
  kind: 'manual' | 'override';
  autoAtMark: number | null;
  autoNow: number | null;
  points: number;
  examiner: string;
  at: string;
  reason: string;
  disagrees: boolean;
}

/** The task score with the examiner's marks, and the marks (the exam server's part of a report). */
export interface ExaminerMarks {
  final: number | null;
  marks: readonly ExaminerMark[];
}

function marksSection(x: ExaminerMarks): string {
  const n = (v: number | null) => (v === null ? '—' : String(v));
  const rows = x.marks
    .map(
      (m) =>
        `<tr${m.disagrees ? ' class="partial"' : ''}><td>${esc(m.check)}</td><td>${m.kind === 'override' ? '改分 override' : '人工评分 manual'}</td><td>${n(m.autoAtMark)}</td><td>${n(m.autoNow)}${m.disagrees ? '<br><b>自动得分已变化 grader figure changed</b>' : ''}</td><td><b>${m.points}</b></td><td>${esc(m.examiner)}<br><span class="muted">${esc(m.at)}</span></td><td>${esc(m.reason)}</td></tr>`,
    )
    .join('\n');
  return `<h2>考评员评分 Examiner marks</h2><p class="verdict">含考评员评分的本题得分 Task score with the examiner's marks: ${x.final === null ? '待评分 pending' : x.final}</p>${
    x.marks.length
      ? `<table class="marks"><tr><th>check 检查项</th><th>kind 类型</th><th>grader then 当时自动得分</th><th>grader now 现自动得分</th><th>points 得分</th><th>who 考评员</th><th>reason 理由</th></tr>\n${rows}</table>`
      : ''
  }`;
}

export function renderHtml(
  r: GradeReport,
  events: readonly EvidenceEvent[] = [],
  notices: readonly ExaminerNotice[] = [],
  examiner?: ExaminerMarks,
): string {
  const bySeq = new Map(events.map((e) => [e.seq, e] as const));
  const markOf = (id: string) => examiner?.marks.find((m) => m.check === id);
  const verdict = !r.gradable
    ? '无法评分 NOT GRADABLE — the evidence cannot be trusted (not the candidate’s fault)'
    : `${r.score} / ${r.max_score} — ${
        r.passed
          ? '合格 PASS'
          : r.tests.some((t) => t.outcome === 'manual') && (examiner?.final ?? null) === null
            ? '待考评员评定 PENDING EXAMINERS'
            : '不合格 NOT PASSED'
      } (合格线 pass mark ${r.pass_mark})`;
  const problems = r.problems.length
    ? `<h2>证据问题 Evidence problems</h2><ul>${r.problems.map((p) => `<li>line ${p.line}: ${esc(p.message)}</li>`).join('')}</ul>`
    : '';
  const flagged = notices.length
    ? `<h2>考评员注意 For the examiner</h2><ul class="notices">${notices
        .map(
          (n) =>
            `<li>${esc(n.zh)}<br>${esc(n.en)}${n.seq !== undefined ? ` <span class="muted">(evidence #${n.seq})</span>` : ''}</li>`,
        )
        .join('')}</ul>`
    : '';
  const p = r.provenance;
  return `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>${esc(r.task.id)} seed ${p.seed}</title><style>${STYLE}</style></head>
<body><h1>${esc(r.task.title.zh)} / ${esc(r.task.title.en)}</h1>
<p class="muted">${esc(r.task.id)} · ${esc(r.task.level)} ${esc(r.task.direction)} · seed ${p.seed} · time limit ${r.task.time_limit_s} s</p>
<p class="verdict">${esc(verdict)}</p>${
    r.capped_by.length > 0
      ? `<p>关键检查项 ${esc(r.capped_by.join('、'))} 未达到要求，本题最高 ${CRITICAL_CAP} 分（未封顶 ${r.raw_score} 分）<br>Critical check ${esc(r.capped_by.join(', '))} not met: capped at ${CRITICAL_CAP} (${r.raw_score} without the cap)</p>`
      : ''
  }<p>实验结束原因 Run ended: ${esc(r.run.stopped)}</p>${problems}${flagged}${examiner ? marksSection(examiner) : ''}
<table><tr><th>check 检查项</th><th>title 名称</th><th>points 得分</th><th>detail 详情</th></tr>
${r.tests.map((t) => testRow(t, bySeq, markOf(t.id))).join('\n')}</table>
<h2>Provenance 来源</h2><p class="muted">grader ${esc(p.grader.name)} ${esc(p.grader.version)} · task hash ${esc(p.task.hash)}<br>
evidence SHA-256 ${esc(p.evidence.sha256)} (${p.evidence.lines} lines, ${p.evidence.events} events)<br>params ${esc(JSON.stringify(p.params))}</p>
</body></html>
`;
}
