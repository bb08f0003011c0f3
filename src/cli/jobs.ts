/**
 * One trace's work (analyze it, or measure it for `check`), run in this
 * thread or in a pool of worker threads. Results come back in the order
 * the traces were given, whatever order they finish in, so the output of
 * `--jobs N` is the output of `--jobs 1`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { snapshot } from '../analyze/metrics.js';
import type { AnalysisSink } from '../analyze/model.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { connMetrics, type ConnMetrics, type TraceMetrics } from '../check/evaluate.js';
import { EXIT_BAD_INPUT, MptraceError } from '../errors.js';
import { terminalSummary } from '../report/terminal.js';
import { analyze, runPasses, type AnalyzeOptions } from './analyze.js';
import { prepare, Spool, type TraceArg } from './traces.js';

export interface AnalyzeJob {
  kind: 'analyze';
  arg: TraceArg;
  opts: Omit<AnalyzeOptions, 'onRecord' | 'progress'>;
  /** Without opts.out: the outputs go to OUT_PARENT/<trace name>.mptrace. */
  outParent: string;
  quiet: boolean;
}

export interface CheckJob {
  kind: 'check';
  arg: TraceArg;
  /** With -o: also write what analyze writes, here. */
  out: string | null;
  opts: Omit<AnalyzeOptions, 'onRecord' | 'progress' | 'out'>;
}

export type Job = AnalyzeJob | CheckJob;

export type JobResult =
  | { kind: 'analyze'; name: string; given: string; text: string; warnings: string[]; warningCount: number; outDir: string }
  | { kind: 'check'; metrics: TraceMetrics; warningCount: number }
  | { kind: 'error'; name: string; given: string; message: string; exitCode: number };

/** A sink that keeps only the finished connections' records (for `check` without -o). */
function recordSink(onRecord: (r: ConnectionRecord) => void): AnalysisSink {
  const none = (): void => {};
  return { event: none, reinjection: none, hole: none, handover: none, connection: onRecord };
}

/** Runs one job in this thread. Errors of mptrace's own (bad input, unwritable output) become results. */
export async function runJob(job: Job, progress?: (done: number, size: number) => void): Promise<JobResult> {
  const spool = new Spool();
  const { given } = job.arg;
  let name = job.arg.name;
  try {
    const t = await prepare(job.arg, spool);
    name = t.name;
    if (job.kind === 'analyze') {
      const out = job.opts.out ?? join(job.outParent, `${name}.mptrace`);
      const r = await analyze(t.path, { ...job.opts, out, name: given, ...(progress ? { progress } : {}) });
      return { kind: 'analyze', name, given, text: job.quiet ? '' : terminalSummary(r.summary, r.outDir), warnings: r.warnings, warningCount: r.warningCount, outDir: r.outDir };
    }
    const conns: ConnMetrics[] = [];
    const onRecord = (r: ConnectionRecord): void => {
      conns.push(connMetrics(r, snapshot(r)));
    };
    let warnings: string[];
    let warningCount: number;
    if (job.out !== null) {
      const r = await analyze(t.path, { ...job.opts, name: given, out: job.out, onRecord, ...(progress ? { progress } : {}) });
      warnings = r.warnings;
      warningCount = r.warningCount;
    } else {
      const r = await runPasses(t.path, { ...job.opts, ...(progress ? { progress } : {}) }, () => ({
        sink: recordSink(onRecord),
        needsDrain: false,
        drain: async () => {},
        discard: async () => {
          conns.length = 0;
        },
      }));
      warnings = [...r.diag.warnings, ...r.analyzer.warnings];
      warningCount = r.diag.count + r.analyzer.warnings.length;
    }
    // Connections finished early (over the limit) come out of order: the report is by number.
    conns.sort((a, b) => a.conn - b.conn);
    return { kind: 'check', metrics: { name, given, connections: conns, warnings, error: null }, warningCount };
  } catch (e) {
    if (e instanceof MptraceError) {
      if (job.kind === 'check' && e.exitCode === EXIT_BAD_INPUT) {
        return { kind: 'check', metrics: { name, given, connections: [], warnings: [], error: e.message.startsWith(`${given}: `) ? e.message.slice(given.length + 2) : e.message }, warningCount: 0 };
      }
      return { kind: 'error', name, given, message: e.message, exitCode: e.exitCode };
    }
    throw e;
  } finally {
    spool.cleanup();
  }
}

export function defaultJobs(): number {
  return availableParallelism();
}

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Runs every job, at most `n` at once in worker threads (in this thread
 * when one job or one worker suffices), and hands each result to `each`
 * in job order as soon as it and all before it are done.
 */
export async function runJobs(jobs: readonly Job[], n: number, each: (r: JobResult, index: number) => void | Promise<void>, progress?: (done: number, size: number) => void): Promise<void> {
  if (n <= 1 || jobs.length <= 1 || !existsSync(WORKER)) {
    for (let i = 0; i < jobs.length; i++) await each(await runJob(jobs[i]!, jobs.length === 1 ? progress : undefined), i);
    return;
  }
  const results: Array<JobResult | undefined> = [];
  let next = 0;
  let delivered = 0;
  let failure: unknown = null;
  const deliver = async (): Promise<void> => {
    while (delivered < jobs.length && results[delivered] !== undefined) {
      const r = results[delivered]!;
      results[delivered] = undefined;
      await each(r, delivered++);
    }
  };
  const lane = async (): Promise<void> => {
    const w = new Worker(WORKER);
    try {
      while (next < jobs.length && failure === null) {
        const i = next++;
        const r = await new Promise<JobResult>((done, fail) => {
          const onMessage = (m: { ok: true; result: JobResult } | { ok: false; message: string; stack: string }): void => {
            w.off('error', onError);
            if (m.ok) done(m.result);
            else fail(Object.assign(new Error(m.message), { stack: m.stack }));
          };
          const onError = (e: Error): void => {
            w.off('message', onMessage);
            fail(e);
          };
          w.once('message', onMessage);
          w.once('error', onError);
          w.postMessage(jobs[i]);
        });
        results[i] = r;
        await deliver();
      }
    } catch (e) {
      failure ??= e;
    } finally {
      await w.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, lane));
  if (failure !== null) throw failure;
  await deliver();
}
