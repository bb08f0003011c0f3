/**
 * What `check` prints and writes from its outcomes: the summary line,
 * JSON, JUnit XML (a testsuite per trace, a testcase per limit and
 * connection) and a Markdown table for $GITHUB_STEP_SUMMARY.
 */
import type { Builder } from 'junit-report-builder';
import { metric } from '../analyze/metrics.js';
import { failing, isFinding, type Outcome, type Totals } from './evaluate.js';
import { formatValue } from './limits.js';

export function summaryLine(t: Totals, exitCode: number): string {
  const verdict = exitCode === 0 ? 'passed' : 'FAILED';
  const parts = [`${t.failed} failed`, `${t.unknown} unknown`, `${t.regressed} regressed`, `${t.warnings} warning${t.warnings === 1 ? '' : 's'}`, `${t.improved} improved`];
  if (t.allowed_unknown) parts.push(`${t.allowed_unknown} unknown allowed`);
  if (t.unreadable) parts.push(`${t.unreadable} unreadable`);
  if (t.missing_baseline) parts.push(`${t.missing_baseline} without baseline`);
  return `mptrace check: ${verdict}: ${t.traces} trace${t.traces === 1 ? '' : 's'}, ${t.connections} connection${t.connections === 1 ? '' : 's'}, ${t.checks} checks; ${parts.join(', ')}`;
}

function name(o: Outcome): string {
  const who = o.conn === null ? 'trace' : `conn ${o.conn}${o.dir ? ` ${o.dir}` : ''}`;
  const what = o.check === 'baseline' ? `baseline ${o.metric}` : o.check;
  return `${who}: ${what}`;
}

function shown(o: Outcome, v: number | boolean | null): string {
  if (v === null) return o.status === 'unknown' || o.status === 'allowed-unknown' ? 'unknown' : '';
  if (o.metric === 'connections' || o.metric === 'trace' || o.metric === 'connection') return String(v);
  return formatValue(metric(o.metric), v);
}

/** JUnit XML: one testsuite per trace (in the order given), one testcase per outcome. */
export async function junitXml(byTrace: ReadonlyArray<{ trace: string; outcomes: readonly Outcome[] }>): Promise<string> {
  // 0.1 s to load: only when --junit asks for it.
  const junitModule = (await import('junit-report-builder')).default;
  const b = (junitModule as unknown as Builder).newBuilder();
  for (const { trace, outcomes } of byTrace) {
    const suite = b.testSuite().name(trace);
    for (const o of outcomes) {
      if (o.status === 'new') continue;
      const tc = suite.testCase().className(trace).name(name(o));
      if (o.status === 'error') tc.error(o.text, 'unreadable');
      else if (failing(o)) tc.failure(o.text, o.status);
      else if (o.status === 'na' || o.status === 'allowed-unknown') {
        tc.skipped();
        tc.standardOutput(o.status === 'na' ? `not applicable: ${o.why}` : o.text);
      } else if (o.text !== '') tc.standardOutput(o.text);
    }
  }
  return b.build();
}

/** A Markdown report for $GITHUB_STEP_SUMMARY: the verdict, then a row per finding. */
export function markdown(outcomes: readonly Outcome[], summary: string): string {
  const rows = outcomes.filter(isFinding);
  const lines = [`### mptrace check`, '', summary, ''];
  if (rows.length === 0) return `${lines.join('\n')}\n`;
  lines.push('| result | trace | connection | direction | check | value | limit or baseline |', '|---|---|---|---|---|---|---|');
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  for (const o of rows) {
    const result = o.status === 'error' ? '⛔ unreadable' : failing(o) ? `❌ ${o.status}` : o.status === 'improved' ? '✅ improved' : o.status === 'allowed-unknown' ? '❔ unknown (allowed)' : o.level === 'warn' ? `⚠️ ${o.status}` : o.status;
    lines.push(`| ${result} | ${cell(o.trace)} | ${o.conn ?? ''} | ${o.dir ?? ''} | ${cell(o.check === 'baseline' ? `baseline ${o.metric}` : o.check)} | ${cell(o.why ?? shown(o, o.value))} | ${cell(shown(o, o.bound))} |`);
  }
  return `${lines.join('\n')}\n`;
}
