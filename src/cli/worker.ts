/** A worker thread of `--jobs N`: runs the jobs it is sent, one at a time (see jobs.ts). */
import { parentPort } from 'node:worker_threads';
import { runJob, type Job } from './jobs.js';

parentPort!.on('message', (job: Job) => {
  runJob(job).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (e: unknown) => parentPort!.postMessage({ ok: false, message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack ?? '' }),
  );
});
