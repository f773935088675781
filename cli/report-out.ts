/** Writing a grade report where the user asked for it, and the exit code it implies. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GradeReport } from '../grader/report.js';
import { renderText } from '../grader/report.js';
import { renderHtml } from '../grader/html.js';
import { renderJunit } from '../grader/junit.js';
import type { EvidenceEvent } from '../simulator/evidence.js';
import type { CliIo } from './program.js';

export const REPORT_FORMATS = ['text', 'json', 'html', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function writeReport(
  report: GradeReport,
  format: ReportFormat,
  lang: 'zh' | 'en',
  io: CliIo,
  out?: string,
  events: readonly EvidenceEvent[] = [],
): void {
  const text =
    format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : format === 'junit'
        ? renderJunit(report)
        : format === 'html'
          ? renderHtml(report, events)
          : renderText(report, lang);
  if (out) writeFileSync(resolve(out), text);
  else io.stdout(text);
}

/** Exit code of a graded run: 0 passed, 1 not passed or not gradable. */
export const reportExit = (r: GradeReport): number => (r.gradable && r.passed ? 0 : 1);

/**
 * The language a command speaks when --lang is not given: the user's locale (LC_ALL, then
 * LC_MESSAGES, then LANG, as POSIX orders them) when it names a language, Chinese otherwise (an
 * unset or C/POSIX locale): `LANG=en_US.UTF-8 iotlab check …` gives an English report.
 */
export function localeLang(env: NodeJS.ProcessEnv = process.env): 'zh' | 'en' {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  if (locale === undefined || /^(C|POSIX)([._@]|$)/.test(locale)) return 'zh';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
