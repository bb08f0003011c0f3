/**
 * A worker thread of `--jobs N`: takes the next job from the shared index
 * until none is left, posting each result (see jobs.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type WorkerInput, type WorkerMessage } from './jobs.js';

const { jobs, next } = workerData as WorkerInput;
const index = new Int32Array(next);
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

for (let i = Atomics.add(index, 0, 1); i < jobs.length; i = Atomics.add(index, 0, 1)) {
  try {
    post({ ok: true, index: i, result: await runJob(jobs[i]!) });
  } catch (e) {
    post({ ok: false, message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack ?? '' });
    break;
  }
}
post({ done: true });
