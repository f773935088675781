/**
 * JUnit XML for CI systems: one testsuite per task run, one testcase per check, points in
 * `properties` (score, max_score, skill), a failure element for every check short of full points.
 */
import type { GradeReport } from './report.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(r: GradeReport): string {
  const name = esc(`${r.task.id} seed ${r.provenance.seed}`);
  const failures = r.tests.filter((t) => t.score < t.max_score).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="iotlab" tests="${r.tests.length}" failures="${failures}">`);
  out.push(
    `  <testsuite name="${name}" tests="${r.tests.length}" failures="${failures}" errors="${r.gradable ? 0 : 1}">`,
  );
  out.push('    <properties>');
  for (const [k, v] of [
    ['score', r.score],
    ['max_score', r.max_score],
    ['passed', r.passed],
    ['raw_score', r.raw_score],
    ['capped_by', r.capped_by.join(' ')],
    ['gradable', r.gradable],
    ['task_hash', r.provenance.task.hash],
    ['evidence_sha256', r.provenance.evidence.sha256],
    ['grader_version', r.provenance.grader.version],
  ] as const)
    out.push(`      <property name="${k}" value="${esc(String(v))}"/>`);
  out.push('    </properties>');
  if (!r.gradable)
    out.push(
      `    <testcase name="gradable" classname="${esc(r.task.id)}"><error message="not gradable">${esc(r.problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'))}</error></testcase>`,
    );
  for (const t of r.tests) {
    out.push(`    <testcase name="${esc(t.name)}" classname="${esc(r.task.id)}">`);
    out.push('      <properties>');
    out.push(`        <property name="score" value="${t.score}"/>`);
    out.push(`        <property name="max_score" value="${t.max_score}"/>`);
    out.push(`        <property name="skill" value="${esc(t.tags.join(' '))}"/>`);
    if (t.critical) out.push(`        <property name="critical" value="${t.critical.met}"/>`);
    out.push('      </properties>');
    if (t.score < t.max_score)
      out.push(
        `      <failure message="${esc(`${t.score} / ${t.max_score}`)}">${esc(t.output)}</failure>`,
      );
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}
