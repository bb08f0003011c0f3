/**
 * `mptrace check`: the CI gate. Measures every trace (in parallel), applies
 * the limits of the command line and the config, compares with a
 * baseline, prints one line per violation and a summary line, writes
 * JUnit / Markdown / JSON, and returns the exit code.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { readBaseline, writeBaseline, BASELINE_FORMAT, type BaselineFile } from '../check/baseline.js';
import { NO_SELECTOR, parseTolerance, type Rule } from '../check/rules.js';
import { isFinding, noTotals, portableRules, traceCheck, type BaselineEntry, type CheckSpec, type Outcome, type TraceCheckResult } from '../check/evaluate.js';
import { LIMITS, parseLimit, type LimitValue } from '../check/limits.js';
import { junitXml, markdown, summaryLine } from '../check/report.js';
import { batched, jsonPieces } from '../report/json-pieces.js';
import { CaptureError, cannotWrite, EXIT_BAD_INPUT, EXIT_OK, EXIT_OUTPUT, OutputError, UsageError } from '../errors.js';
import { runJobs, type CheckJob } from './jobs.js';
import { expandTraces, isSingleFile, Spool } from './traces.js';

/** Exit code when a limit is broken, regressed or unknown. */
export const EXIT_CHECK_FAILED = 1;

export interface CheckArgs {
  traces: string[];
  /** Limit flags as given (raw text), e.g. { 'max-reinjected': '1%', 'no-fallback': true }. */
  limits: Record<string, unknown>;
  minConnections?: number;
  config?: string;
  baseline?: string;
  updateBaseline?: boolean;
  tolerance?: string;
  junit?: string;
  json?: boolean;
  markdown?: string;
  jobs: number;
  allowUnknown?: boolean;
  out?: string;
  vantage?: 'client' | 'server';
  version: string;
  verbose?: boolean;
  progress?: (done: number, size: number) => void;
}

/** The command line's limits as a rule applied after the config's (the command line has the last word). */
function commandLineRule(a: CheckArgs): Rule | null {
  const limits: LimitValue[] = [];
  for (const def of LIMITS) {
    const raw = a.limits[def.flag];
    if (raw === undefined || raw === false) continue;
    const v = parseLimit(def, raw);
    if (typeof v === 'string') throw new UsageError(`--${def.flag} ${v}`);
    limits.push({ def, bound: v });
  }
  if (limits.length === 0 && a.minConnections === undefined) return null;
  return { name: 'command line', level: 'error', select: { ...NO_SELECTOR }, limits, minConnections: a.minConnections ?? null };
}

/** Ratios print as 0.2014822810000001 otherwise: twelve significant digits are more than any capture's clock gives. */
function roundFloats(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v;
}

/** The entries of `traces` named `names` (those it has). */
function entriesFor(traces: Record<string, BaselineEntry>, names: readonly string[]): Record<string, BaselineEntry> {
  const out: Record<string, BaselineEntry> = {};
  for (const n of names) if (Object.hasOwn(traces, n)) out[n] = traces[n]!;
  return out;
}

/** Pieces of text to a stream, 64 kB at a time, waiting whenever it asks to (a pipe read slowly). */
async function writePieces(w: Writable, pieces: Iterable<string>): Promise<void> {
  for (const batch of batched(pieces)) if (!w.write(batch)) await once(w, 'drain');
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

export async function check(a: CheckArgs, stdout: Writable, stderr: Writable): Promise<number> {
  // The YAML parser loads only when a config is given (start-up time).
  const config = a.config ? (await import('../check/config.js')).loadConfig(a.config) : { rules: [], allowUnknown: null, tolerance: null };
  const rules = [...config.rules];
  const cli = commandLineRule(a);
  if (cli) rules.push(cli);
  let tolerance = config.tolerance ?? 0.1;
  if (a.tolerance !== undefined) {
    const t = parseTolerance(a.tolerance);
    if (typeof t === 'string') throw new UsageError(`--tolerance ${t}`);
    tolerance = t;
  }
  if (a.updateBaseline && !a.baseline) throw new UsageError('--update-baseline needs --baseline FILE');
  const allowUnknown = a.allowUnknown === true || config.allowUnknown === true;
  const baseline: BaselineFile | null = a.baseline ? readBaseline(a.baseline) : null;
  const spool = new Spool();
  // Memory follows what is asked for: each connection is checked as it finishes (in the job, where its trace is
  // analyzed), and of the outcomes only the findings (the lines, --markdown's rows) and the counts are kept, unless
  // --json or --junit lists every one; a trace's baseline entry is kept only when recording.
  const spec: CheckSpec = {
    rules: portableRules(rules),
    allowUnknown,
    tolerance,
    updating: a.updateBaseline === true,
    // Each job is given its own trace's entry (below); a trace named while listing has none (it could not be read).
    baselines: baseline === null ? null : {},
    keepAll: a.json === true || a.junit !== undefined,
  };
  const totals = noTotals();
  let failed = false;
  const findings: Outcome[] = [];
  const byTrace: Array<{ trace: string; outcomes: Outcome[] }> = [];
  const recorded: Array<{ name: string; entry: BaselineEntry }> = [];
  let missingBaseline = 0;
  let worst = EXIT_OK;
  const say = (line: string): void => {
    if (!a.json) stdout.write(`${line}\n`);
  };
  try {
    const args = await expandTraces(a.traces, spool);
    const single = isSingleFile(a.traces, args);
    const jobs: CheckJob[] = [];
    const order: Array<{ error: CaptureError } | { job: number }> = [];
    for (const x of args) {
      if (x instanceof CaptureError) {
        order.push({ error: x });
        continue;
      }
      const out = a.out === undefined ? null : single ? a.out : join(a.out, `${x.name}.mptrace`);
      order.push({ job: jobs.length });
      // Of the baseline, only the trace's own entry (named as given, or without .gz once decompressed; none when recording): a worker is sent its jobs, not the whole file.
      const own = baseline === null || spec.updating ? spec : { ...spec, baselines: entriesFor(baseline.traces, [x.name, x.name.replace(/\.gz$/i, '')]) };
      jobs.push({ kind: 'check', arg: x, out, opts: { version: a.version, ...(a.vantage ? { vantage: a.vantage } : {}) }, check: own });
    }
    const handle = (t: TraceCheckResult, noBaseline: boolean): void => {
      if (noBaseline && t.error === null) {
        missingBaseline++;
        say(`${t.name}: no entry in the baseline ${a.baseline}; run with --update-baseline to record one`);
      }
      for (const o of t.outcomes) if (isFinding(o)) {
        say(o.text);
        findings.push(o);
      }
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += t.totals[k];
      if (t.failed) failed = true;
      if (spec.keepAll) byTrace.push({ trace: t.name, outcomes: t.outcomes });
      if (t.error !== null) worst = Math.max(worst, EXIT_BAD_INPUT);
      else if (t.baseline !== null) recorded.push({ name: t.name, entry: t.baseline });
      if (a.verbose) for (const w of t.warnings) stderr.write(`mptrace: ${t.name}: warning: ${w}\n`);
      else if (t.warnings.length > 0) stderr.write(`mptrace: ${t.name}: ${t.warnings.length} warning${t.warnings.length === 1 ? '' : 's'} (-v shows them)\n`);
    };
    // Errors found while listing come out in their place among the traces.
    let nextOrder = 0;
    const flushErrors = (): void => {
      while (nextOrder < order.length && 'error' in order[nextOrder]!) {
        const e = (order[nextOrder++] as { error: CaptureError }).error;
        handle(traceCheck(e.file, e.file, spec).check.finish([], e.message.slice(e.file.length + 2)), false);
      }
    };
    flushErrors();
    await runJobs(
      jobs,
      a.jobs,
      (r) => {
        if (r.kind === 'error') {
          // Outputs (-o) that cannot be written end the run.
          throw new OutputError(r.given, r.message.startsWith(`${r.given}: `) ? r.message.slice(r.given.length + 2) : r.message);
        }
        if (r.kind !== 'check') return;
        nextOrder++;
        handle(r.result, r.missingBaseline);
        flushErrors();
      },
      a.progress,
    );
  } catch (e) {
    if (e instanceof OutputError) {
      stderr.write(`mptrace: ${e.message}\n`);
      return EXIT_OUTPUT;
    }
    throw e;
  } finally {
    spool.cleanup();
  }
  if (a.updateBaseline && baseline !== null) {
    for (const r of recorded) baseline.traces[r.name] = r.entry;
    baseline.format = BASELINE_FORMAT;
    baseline.mptrace = a.version;
    writeBaseline(a.baseline!, baseline);
    say(`baseline: ${recorded.length} trace${recorded.length === 1 ? '' : 's'} recorded in ${a.baseline}`);
  }
  if (missingBaseline > 0) worst = Math.max(worst, EXIT_BAD_INPUT);
  if (worst === EXIT_OK && failed) worst = EXIT_CHECK_FAILED;
  totals.missing_baseline = missingBaseline;
  const line = summaryLine(totals, worst);
  // In pieces: 100 k connections' outcomes are a document of 100 MB, never one string.
  if (a.json) await writePieces(stdout, jsonPieces({ mptrace: a.version, exit_code: worst, totals, traces: byTrace }, roundFloats));
  else say(line);
  if (a.junit) write(a.junit, await junitXml(byTrace));
  if (a.markdown) write(a.markdown, markdown(findings, line));
  return worst;
}
