/** JUnit XML: well-formed (parsed by Python's xml.etree), points in properties, failures marked. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grader/grade.js';
import { renderJunit } from '../../grader/junit.js';
import { getTask, taskHash } from '../../tasks/bank.js';
import { syntheticForwardRun } from '../bench/grading.js';

describe('JUnit renderer', () => {
  it('renders a graded run as well-formed JUnit with points in properties', () => {
    const task = { ...getTask('l1-app-forward'), timeLimitS: 61 };
    // A synthetic minute of a correct candidate: every check passes, so no failure elements.
    const text = syntheticForwardRun(5, 60);
    const report = grade(task, 5, { evidence: text, taskHash: taskHash(task) });
    const xml = renderJunit(report);
    const parsed = execFileSync(
      'python3',
      [
        '-c',
        'import sys,xml.etree.ElementTree as E;r=E.fromstring(sys.stdin.read());' +
          's=r.find("testsuite");print(s.get("tests"),s.get("failures"),' +
          '[p.get("value") for p in s.find("properties") if p.get("name")=="score"][0])',
      ],
      { input: xml },
    )
      .toString()
      .trim();
    expect(parsed).toBe(`${report.tests.length} 0 ${report.score}`);
    const broken = renderJunit(grade(task, 5, { evidence: text.slice(0, 500), taskHash: 'x' }));
    expect(broken).toContain('<error message="not gradable">');
    expect(broken).toContain('truncated: the last line is cut off');
  });
});
