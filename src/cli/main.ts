import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_INTERNAL, EXIT_USAGE, MptraceError, UsageError } from '../errors.js';
import { analyze } from './analyze.js';
import { dump } from './dump.js';
import { terminalSummary } from '../report/terminal.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Warnings on stderr: the first few (all of them are in summary.json). */
const SHOWN_WARNINGS = 5;
function warnAll(warnings: readonly string[], total: number, where: string): void {
  for (const w of warnings.slice(0, SHOWN_WARNINGS)) process.stderr.write(`mptrace: warning: ${w}\n`);
  if (total > SHOWN_WARNINGS) process.stderr.write(`mptrace: warning: ${total - SHOWN_WARNINGS} more warnings${where ? ` (see ${where})` : ''}\n`);
}

/** Maps any failure to one line on stderr and an exit code; stack traces only with MPTRACE_DEBUG=1. */
function fail(e: unknown): never {
  if (e instanceof MptraceError) {
    process.stderr.write(`mptrace: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  if (process.env.MPTRACE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.stderr.write(`mptrace: internal error: ${(e as Error)?.message ?? String(e)} (please report it, with MPTRACE_DEBUG=1 output)\n`);
  process.exit(EXIT_INTERNAL);
}

// A reader that closes the pipe early (mptrace dump | head) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  fail(e);
});

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('mptrace')
    .usage('$0 <command> [options]\n\nMultipath TCP analysis of packet captures (pcap, pcapng).')
    .command(
      'dump <trace>',
      'print one line per TCP packet, every MPTCP option spelled out',
      (y) =>
        y
          .positional('trace', { type: 'string', describe: 'capture file (pcap or pcapng)', demandOption: true })
          .option('count', { alias: 'c', type: 'number', describe: 'stop after N TCP packets' })
          .check((a) => {
            if (a.count !== undefined && (!Number.isInteger(a.count) || a.count < 0)) throw new UsageError('--count takes a whole number');
            return true;
          }),
      async (a) => {
        const diag = await dump(a.trace, process.stdout, a.count === undefined ? {} : { count: a.count });
        warnAll(diag.warnings, diag.count, '');
      },
    )
    .command(
      'analyze <trace>',
      'find MPTCP connections, subflows, DSN timelines, reinjections, holes, fallbacks and handovers; write CSV files and summary.json',
      (y) =>
        y
          .positional('trace', { type: 'string', describe: 'capture file (pcap or pcapng)', demandOption: true })
          .option('out', { alias: 'o', type: 'string', describe: 'output directory (default: ./<trace file name>.mptrace)' })
          .option('packets', { type: 'boolean', default: false, describe: 'also write packets.csv, one row per TCP packet' })
          .option('plots', { type: 'boolean', default: true, describe: 'write plots/*.svg (--no-plots: none)' })
          .option('vantage', { choices: ['client', 'server'] as const, describe: 'the side the capture was taken nearest to (default: inferred from TTLs and handshake timing)' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no terminal summary' }),
      async (a) => {
        const r = await analyze(a.trace, {
          packets: a.packets,
          plots: a.plots,
          version: pkg.version,
          ...(a.out !== undefined ? { out: a.out } : {}),
          ...(a.vantage !== undefined ? { vantage: a.vantage } : {}),
        });
        if (!a.quiet) process.stdout.write(terminalSummary(r.summary, r.outDir));
        warnAll(r.warnings, r.warningCount, `${r.outDir}/summary.json`);
      },
    )
    .demandCommand(1, 'name a command: analyze or dump')
    .strict()
    .version(pkg.version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      if (err && !(err instanceof UsageError)) fail(err);
      void y;
      process.stderr.write(`mptrace: ${msg ?? err?.message}\nRun 'mptrace --help' for usage.\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch(fail);
