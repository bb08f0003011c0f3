/**
 * One trace's work (analyze it, or measure it for `check`), run in this
 * thread or in a pool of worker threads. Results come back in the order
 * the traces were given, whatever order they finish in, so the output of
 * `--jobs N` is the output of `--jobs 1`.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { snapshot } from '../analyze/metrics.js';
import type { AnalysisSink } from '../analyze/model.js';
import type { ConnectionRecord } from '../analyze/record.js';
import type { CheckSpec, TraceCheckResult } from '../check/evaluate.js';
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
  /** The limits and baseline, applied to each connection as it finishes. */
  check: CheckSpec;
}

export type Job = AnalyzeJob | CheckJob;

export type JobResult =
  | { kind: 'analyze'; name: string; given: string; text: string; warnings: string[]; warningCount: number; outDir: string }
  | { kind: 'check'; result: TraceCheckResult; missingBaseline: boolean; warningCount: number }
  | { kind: 'error'; name: string; given: string; message: string; exitCode: number };

/** A sink that keeps only the finished connections' records (for `check` without -o). */
function recordSink(onRecord: (r: ConnectionRecord) => void): AnalysisSink {
  return { row: () => {}, connection: onRecord };
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
    // Loaded for check only: its rules bring picomatch, which an analysis does not need at start-up.
    const { connMetrics, traceCheck } = await import('../check/evaluate.js');
    const { check, missingBaseline } = traceCheck(name, given, job.check);
    // Each connection is checked as it finishes, then let go: memory does not grow with the connections.
    const onRecord = (r: ConnectionRecord): void => check.add(connMetrics(r, snapshot(r)));
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
        discard: async () => check.reset(),
      }));
      warnings = [...r.diag.warnings, ...r.analyzer.warnings];
      warningCount = r.diag.count + r.analyzer.warnings.length;
    }
    return { kind: 'check', result: check.finish(warnings), missingBaseline, warningCount };
  } catch (e) {
    if (e instanceof MptraceError) {
      if (job.kind === 'check' && e.exitCode === EXIT_BAD_INPUT) {
        const { traceCheck } = await import('../check/evaluate.js');
        const error = e.message.startsWith(`${given}: `) ? e.message.slice(given.length + 2) : e.message;
        return { kind: 'check', result: traceCheck(name, given, job.check).check.finish([], error), missingBaseline: false, warningCount: 0 };
      }
      return { kind: 'error', name, given, message: e.message, exitCode: e.exitCode };
    }
    throw e;
  } finally {
    spool.cleanup();
  }
}

/** What a worker is given: every job, and the shared index of the next one to take. */
export interface WorkerInput {
  jobs: readonly Job[];
  next: SharedArrayBuffer;
}

export type WorkerMessage = { done: true } | { ok: true; index: number; result: JobResult } | { ok: false; message: string; stack: string };

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Below this much input per worker, a worker costs more than it gives:
 * each loads the modules (0.1 s) and warms the JIT anew, V8's compiler and
 * GC threads already keep a second core busy, and two busy threads slow
 * each other down. Measured on this project's 2-vCPU machine: `check` over
 * ../shared/traces (93 traces, 104 MB) took 1.7 s in one thread and 1.9 s
 * with a worker; over two copies of big/bulk (2 × 133 MB), 2.4 s and 1.7 s.
 */
const MIN_BYTES_PER_WORKER = 128 << 20;

/** MPTRACE_WORKER_MIN_BYTES overrides it (tests force workers with 0; a machine with more real cores may want less). */
function minBytesPerWorker(): number {
  const v = Number(process.env.MPTRACE_WORKER_MIN_BYTES);
  return process.env.MPTRACE_WORKER_MIN_BYTES !== undefined && Number.isFinite(v) && v >= 0 ? v : MIN_BYTES_PER_WORKER;
}

function inputSize(j: Job): number {
  try {
    return statSync(j.arg.path ?? j.arg.given).size;
  } catch {
    return 0;
  }
}

/**
 * Runs every job, in this thread and in up to `n - 1` worker threads (as
 * many as the input's size pays for), and hands each result to `each` in
 * job order as soon as it and all before it are done.
 */
export async function runJobs(jobs: readonly Job[], n: number, each: (r: JobResult, index: number) => void | Promise<void>, progress?: (done: number, size: number) => void): Promise<void> {
  let bytes = 0;
  if (n > 1 && jobs.length > 1) for (const j of jobs) bytes += inputSize(j);
  const workers = existsSync(WORKER) ? Math.min(n - 1, jobs.length - 1, minBytesPerWorker() === 0 ? n - 1 : Math.floor(bytes / minBytesPerWorker())) : 0;
  if (workers <= 0) {
    for (let i = 0; i < jobs.length; i++) await each(await runJob(jobs[i]!, jobs.length === 1 ? progress : undefined), i);
    return;
  }
  const results: Array<JobResult | undefined> = [];
  let delivered = 0;
  let failure: unknown = null;
  // The next job's index, shared with the workers: a worker takes its next
  // job itself, never waiting for this thread (busy with a job of its own).
  const next = new Int32Array(new SharedArrayBuffer(4));
  const take = (): number => {
    const i = Atomics.add(next, 0, 1);
    return i < jobs.length ? i : -1;
  };
  const stop = (e: unknown): void => {
    failure ??= e;
    Atomics.store(next, 0, jobs.length);
  };
  const deliver = async (): Promise<void> => {
    while (delivered < jobs.length && results[delivered] !== undefined) {
      const r = results[delivered]!;
      results[delivered] = undefined;
      await each(r, delivered++);
    }
  };
  const here = async (): Promise<void> => {
    try {
      for (let i = take(); i >= 0 && failure === null; i = take()) {
        results[i] = await runJob(jobs[i]!);
        await deliver();
      }
    } catch (e) {
      stop(e);
    }
  };
  const lane = (): Promise<void> =>
    new Promise<void>((done) => {
      const w = new Worker(WORKER, { workerData: { jobs, next: next.buffer } satisfies WorkerInput });
      let finished = false;
      const end = (e?: unknown): void => {
        if (e !== undefined) stop(e);
        if (finished) return;
        finished = true;
        void w.terminate().then(() => done());
      };
      w.on('message', (m: WorkerMessage) => {
        if ('done' in m) return end();
        if (!m.ok) return end(Object.assign(new Error(m.message), { stack: m.stack }));
        results[m.index] = m.result;
        deliver().catch(end);
      });
      w.on('error', end);
      w.on('exit', (code) => end(finished || code === 0 ? undefined : new Error(`a worker thread exited with code ${code}`)));
    });
  // Workers first: they start loading while this thread works.
  const lanes = Array.from({ length: workers }, lane);
  lanes.push(here());
  await Promise.all(lanes);
  if (failure !== null) throw failure;
  await deliver();
  if (delivered < jobs.length) throw new Error(`${jobs.length - delivered} traces were not analyzed: a worker thread stopped early`);
}
