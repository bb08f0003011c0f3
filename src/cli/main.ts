import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LIMITS, MIN_CONNECTIONS_FLAG } from '../check/limits.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, MptraceError, UsageError } from '../errors.js';
import type { AnalyzeJob } from './jobs.js';
import type { Selection } from '../report/time.js';
import type { StyleName } from '../plot/style.js';
import type { TableFormat } from '../report/table-writer.js';
import { progressLine } from './progress.js';
import { tuneHeap } from './heap.js';

tuneHeap();

/** `--format` of analyze and compare (the choices are TABLE_FORMATS, written out: table-writer.js loads the Parquet writer). */
const FORMAT_OPTION = { choices: ['csv', 'parquet'] as const, default: 'csv' as const, requiresArg: true, describe: 'the tables as CSV, or as Apache Parquet files (typed columns, for DuckDB, pandas, Spark)' };

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Warnings on stderr: the first few (all of them are in summary.json), or all with -v. */
const SHOWN_WARNINGS = 5;
function warnAll(warnings: readonly string[], total: number, where: string, verbose: boolean, prefix = ''): void {
  const shown = verbose ? warnings : warnings.slice(0, SHOWN_WARNINGS);
  for (const w of shown) process.stderr.write(`mptrace: ${prefix}warning: ${w}\n`);
  if (total > shown.length) process.stderr.write(`mptrace: ${prefix}warning: ${total - shown.length} more warnings${where ? ` (see ${where})` : ''}\n`);
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

/** Boolean options of every command, whose `--name=VALUE` must be true or false. */
const BOOLEAN_OPTIONS = new Set(['packets', 'quiet', 'verbose', 'progress', 'json', 'update-baseline', 'allow-unknown', 'help', 'version', ...LIMITS.filter((l) => l.arg === 'flag').map((l) => l.flag)]);

/**
 * yargs reads `--packets=maybe` as false without a word: a flag given a
 * value takes true or false, nothing else.
 */
function checkBooleanValues(argv: readonly string[]): void {
  for (const a of argv) {
    if (a === '--') return;
    const m = /^--(?:no-)?([a-z-]+)=(.*)$/.exec(a);
    if (m === null) continue;
    const name = a.startsWith('--no-') && !BOOLEAN_OPTIONS.has(`no-${m[1]}`) ? m[1]! : a.slice(2, a.indexOf('='));
    if (BOOLEAN_OPTIONS.has(name) && m[2] !== 'true' && m[2] !== 'false') throw new UsageError(`--${name} takes true or false, not '${m[2]}'`);
  }
}

/** --plots N|all, or --no-plots (0); undefined: the default. */
function plotChoice(v: unknown): number | undefined {
  if (v === undefined || v === true || v === '') return undefined;
  if (v === false || v === 'false') return 0;
  if (v === 'all') return Infinity;
  const n = Number(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim()) && Number.isSafeInteger(n)) return n;
  throw new UsageError(`--plots takes a number of connections or all, not '${String(v)}'`);
}

/** --conn 3,17: connection numbers. */
function connList(v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((x) => x.trim());
  if (parts.some((x) => !/^\d+$/.test(x))) throw new UsageError(`--conn takes connection numbers separated by commas (3,17), not '${String(v)}'`);
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

function seconds(name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new UsageError(`--${name} takes seconds since the capture's first packet (a number, 0 or more)`);
}

function wholeNumber(name: string, v: unknown, min: number): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) throw new UsageError(`--${name} takes a whole number${min > 0 ? ` (at least ${min})` : ''}`);
}

/** Shows progress on stderr when a person is watching (stdout and stderr terminals, $CI unset: npm's rule), or when asked. */
function wantProgress(flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  return process.stderr.isTTY === true && process.stdout.isTTY === true && !process.env.CI;
}

function readingOptions<T>(y: Argv<T>) {
  return y
    .option('jobs', { alias: 'j', type: 'number', describe: `traces analyzed at once, in worker threads (default: the number of CPUs, ${availableParallelism()} here)` })
    .option('vantage', { choices: ['client', 'server'] as const, requiresArg: true, describe: 'the side the captures were taken nearest to (default: inferred from TTLs and handshake timing)' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'every warning on stderr' })
    .option('progress', { type: 'boolean', describe: 'progress on stderr (default: when stdout and stderr are terminals and $CI is unset)' });
}

/** yargs drops a lone `-` from a variadic positional: it travels under this name and is restored in the handlers. */
const STDIN_TOKEN = '\u0000stdin';

function traceArgs(v: unknown): string[] {
  const t = ((v as string[] | undefined) ?? []).map((x) => (x === STDIN_TOKEN ? '-' : String(x)));
  if (t.length === 0) throw new UsageError('name at least one trace (a file, a directory, or - for standard input)');
  return t;
}

export async function main(argv: string[]): Promise<void> {
  checkBooleanValues(argv);
  const dash = argv.indexOf('--');
  argv = argv.map((a, i) => (a === '-' && (dash < 0 || i < dash) ? STDIN_TOKEN : a));
  const parser = yargs(argv)
    .scriptName('mptrace')
    .usage('$0 <command> [options]\n\nMultipath TCP analysis of packet captures (pcap, pcapng, gzip-compressed or not).')
    .command(
      'analyze <trace..>',
      'find MPTCP connections, subflows, DSN timelines, reinjections, holes, fallbacks and handovers; write CSV files, summary.json and plots',
      (y) =>
        readingOptions(
          y
            .positional('trace', { type: 'string', array: true, describe: 'capture files or directories of them (- for standard input)', demandOption: true })
            .option('out', { alias: 'o', type: 'string', requiresArg: true, describe: 'output directory (one trace; default ./<trace file name>.mptrace), or the directory that gets one <trace name>.mptrace per trace (several traces or a directory; default .)' })
            .option('packets', { type: 'boolean', default: false, describe: 'also write packets.csv (or .parquet), one row per TCP packet' })
            .option('format', FORMAT_OPTION)
            .option('plots', { type: 'string', describe: `how many connections get plots: the first N by number, or all (default ${16}; --no-plots: none)` })
            .option('conn', { type: 'string', requiresArg: true, describe: 'only these connections (numbers, comma separated: 3,17) in every output and plot' })
            .option('since', { type: 'number', requiresArg: true, describe: "only what happened from S seconds after the capture's first packet on, in every output and plot" })
            .option('until', { type: 'number', requiresArg: true, describe: "only what happened up to S seconds after the capture's first packet" })
            .option('style', { choices: ['screen', 'paper', 'paper-wide'] as const, requiresArg: true, describe: 'plot look: screen (960 px, 12 px text), paper (one column: 3.5 in, 8 pt text) or paper-wide (two columns: 7.2 in)' })
            .option('time-base', { choices: ['connection', 'capture'] as const, requiresArg: true, describe: "time 0 of the plots: each connection's first data (default), or the capture's first packet (plots of several connections line up)" })
            .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no terminal summary' }),
        ).check((a) => {
          wholeNumber('jobs', a.jobs, 1);
          plotChoice(a.plots);
          connList(a.conn);
          seconds('since', a.since);
          seconds('until', a.until);
          if (a.since !== undefined && a.until !== undefined && a.until < a.since) throw new UsageError('--until comes before --since');
          return true;
        }),
      async (a) => {
        const limit = plotChoice(a.plots);
        const conns = connList(a.conn);
        process.exitCode = await analyzeAll(traceArgs(a.trace), {
          packets: a.packets,
          format: a.format,
          plots: limit !== 0,
          ...(limit !== 0 && limit !== undefined ? { plotLimit: limit } : {}),
          select: { ...(conns ? { conns } : {}), ...(a.since !== undefined ? { since: a.since } : {}), ...(a.until !== undefined ? { until: a.until } : {}) },
          ...(a.style ? { style: a.style } : {}),
          ...(a['time-base'] ? { timeBase: a['time-base'] } : {}),
          quiet: a.quiet,
          verbose: a.verbose === true,
          progress: wantProgress(a.progress),
          jobs: a.jobs ?? availableParallelism(),
          ...(a.out !== undefined ? { out: a.out } : {}),
          ...(a.vantage !== undefined ? { vantage: a.vantage } : {}),
        });
      },
    )
    .command(
      'check <trace..>',
      'the CI gate: apply limits (and a baseline) to every MPTCP connection of every trace; exit 1 when one is broken, regressed or unknown',
      (y) => {
        let c = readingOptions(
          y
            // --no-fallback and --no-reset are limits, not negated options.
            .parserConfiguration({ 'boolean-negation': false })
            .positional('trace', { type: 'string', array: true, describe: 'capture files or directories of them (- for standard input)', demandOption: true }),
        );
        for (const l of LIMITS) c = c.option(l.flag, l.arg === 'flag' ? { type: 'boolean', describe: l.describe, group: 'Limits:' } : { type: 'string', requiresArg: true, describe: l.describe, group: 'Limits:' });
        return c
          .option(MIN_CONNECTIONS_FLAG, { type: 'number', requiresArg: true, describe: 'MPTCP connections per trace, at least N (default 1: a trace without MPTCP fails)', group: 'Limits:' })
          .option('config', { alias: 'c', type: 'string', requiresArg: true, describe: 'limits per trace glob and connection in YAML (docs/check.md)' })
          .option('baseline', { alias: 'b', type: 'string', requiresArg: true, describe: 'fail where a metric is worse than recorded in this JSON file', group: 'Baseline:' })
          .option('update-baseline', { type: 'boolean', describe: "record the traces' metrics in the --baseline file", group: 'Baseline:' })
          .option('tolerance', { type: 'string', requiresArg: true, describe: 'relative worsening allowed against the baseline (default 10%)', group: 'Baseline:' })
          .option('allow-unknown', { type: 'boolean', describe: 'a metric the capture cannot give passes (reported, not failed)' })
          .option('json', { type: 'boolean', describe: 'print the results as JSON instead of lines', group: 'Reports:' })
          .option('junit', { type: 'string', requiresArg: true, describe: 'write JUnit XML here', group: 'Reports:' })
          .option('markdown', { type: 'string', requiresArg: true, describe: 'write a Markdown table here (e.g. $GITHUB_STEP_SUMMARY)', group: 'Reports:' })
          .option('out', { alias: 'o', type: 'string', requiresArg: true, describe: 'also write what analyze writes: DIR/<trace name>.mptrace per trace (DIR itself for one trace file)', group: 'Reports:' })
          .option('no-progress', { type: 'boolean', hidden: true })
          .check((a) => {
            wholeNumber('jobs', a.jobs, 1);
            wholeNumber(MIN_CONNECTIONS_FLAG, a[MIN_CONNECTIONS_FLAG], 0);
            return true;
          });
      },
      async (a) => {
        const limits: Record<string, unknown> = {};
        for (const l of LIMITS) if (a[l.flag] !== undefined) limits[l.flag] = a[l.flag];
        const progress = wantProgress(a['no-progress'] === true ? false : (a.progress as boolean | undefined));
        const p = progress ? progressLine(process.stderr) : null;
        try {
          const { check } = await import('./check.js');
          process.exitCode = await check(
            {
              traces: traceArgs(a.trace),
              limits,
              jobs: (a.jobs as number | undefined) ?? availableParallelism(),
              version: pkg.version,
              verbose: a.verbose === true,
              ...(a[MIN_CONNECTIONS_FLAG] !== undefined ? { minConnections: a[MIN_CONNECTIONS_FLAG] as number } : {}),
              ...(a.config !== undefined ? { config: a.config as string } : {}),
              ...(a.baseline !== undefined ? { baseline: a.baseline as string } : {}),
              ...(a['update-baseline'] !== undefined ? { updateBaseline: a['update-baseline'] as boolean } : {}),
              ...(a.tolerance !== undefined ? { tolerance: a.tolerance as string } : {}),
              ...(a.junit !== undefined ? { junit: a.junit as string } : {}),
              ...(a.json !== undefined ? { json: a.json as boolean } : {}),
              ...(a.markdown !== undefined ? { markdown: a.markdown as string } : {}),
              ...(a['allow-unknown'] !== undefined ? { allowUnknown: a['allow-unknown'] as boolean } : {}),
              ...(a.out !== undefined ? { out: a.out as string } : {}),
              ...(a.vantage !== undefined ? { vantage: a.vantage as 'client' | 'server' } : {}),
              ...(p ? { progress: p.update } : {}),
            },
            process.stdout,
            process.stderr,
          );
        } finally {
          p?.done();
        }
      },
    )
    .command(
      'dump <trace>',
      'print one line per TCP packet, every MPTCP option spelled out',
      (y) =>
        y
          .positional('trace', { type: 'string', describe: 'capture file (pcap or pcapng)', demandOption: true })
          .option('count', { alias: 'c', type: 'number', requiresArg: true, describe: 'stop after N TCP packets' })
          .check((a) => {
            wholeNumber('count', a.count, 0);
            return true;
          }),
      async (a) => {
        const given = a.trace === STDIN_TOKEN ? '-' : a.trace;
        const { prepare, Spool } = await import('./traces.js');
        const { dump } = await import('./dump.js');
        const spool = new Spool();
        try {
          // Standard input and gzip are spooled to a file first, as for analyze.
          const t = await prepare({ given, name: given }, spool);
          const diag = await dump(t.path, process.stdout, a.count === undefined ? {} : { count: a.count });
          warnAll(diag.warnings, diag.count, '', false);
        } finally {
          spool.cleanup();
        }
      },
    )
    .command(
      'compare <a> <b>',
      'pair the packets of two captures of the same traffic (both ends of the wire): one-way delays (owd.csv), packets lost between them (lost.csv), the clocks',
      (y) =>
        y
          .positional('a', { type: 'string', describe: 'a capture (pcap or pcapng; its connection numbers name the rows)', demandOption: true })
          .positional('b', { type: 'string', describe: 'the other capture', demandOption: true })
          .option('out', { alias: 'o', type: 'string', requiresArg: true, describe: 'output directory (default ./<a>-vs-<b>.mptrace)' })
          .option('format', FORMAT_OPTION)
          .option('same-clock', { type: 'boolean', default: false, describe: 'both captures were stamped by one clock (one host): no offset is estimated' })
          .option('plots', { type: 'boolean', default: true, describe: 'per connection direction, the DSN plot of the capture nearer the sender with the lost packets marked, and the one-way delays (--no-plots: none)' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no terminal summary' }),
      async (a) => {
        const { prepare, Spool } = await import('./traces.js');
        const { compare, compareText } = await import('./compare.js');
        const spool = new Spool();
        try {
          const given = [a.a === STDIN_TOKEN ? '-' : a.a, a.b === STDIN_TOKEN ? '-' : a.b];
          const [ta, tb] = [await prepare({ given: given[0]!, name: given[0]! }, spool), await prepare({ given: given[1]!, name: given[1]! }, spool)];
          const r = await compare(ta.path, tb.path, { sameClock: a['same-clock'], plots: a.plots, format: a.format, version: pkg.version, names: [given[0]!, given[1]!], ...(a.out !== undefined ? { out: a.out } : {}) });
          if (!a.quiet) process.stdout.write(compareText(r));
          const warnings = [...r.summary.captures.a.warnings, ...r.summary.captures.b.warnings, ...r.summary.warnings];
          warnAll(warnings, warnings.length, '', false);
        } finally {
          spool.cleanup();
        }
      },
    )
    .command(
      'help [command]',
      'show the options of a command',
      (y) => y.positional('command', { type: 'string', choices: ['analyze', 'check', 'compare', 'dump'], describe: 'the command' }),
      async (a) => {
        await main(a.command === undefined ? ['--help'] : [a.command, '--help']);
      },
    )
    .completion('completion', 'print a bash/zsh completion script (mptrace completion >> ~/.bashrc)')
    .demandCommand(1, 'name a command: analyze, check, compare or dump')
    .recommendCommands()
    .strict()
    .version(pkg.version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs's own complaints (YError: an option without its value) are usage errors too.
      if (err && !(err instanceof UsageError) && err.name !== 'YError') fail(err);
      // yargs writes some messages on several lines ("Did you mean ...?"): one line, always.
      let text = (msg ?? err?.message ?? 'wrong command line').replace(/\s*\n+\s*/g, ' ');
      if (text.startsWith('Did you mean')) text = `unknown command '${argv[0]}'. ${text}`;
      process.stderr.write(`mptrace: ${text}\nRun 'mptrace --help' for usage.\n`);
      process.exit(EXIT_USAGE);
    });
  // yargs renders the whole help text each time a command starts, in case the
  // command fails later and help is to be shown: ours never shows it then
  // (one-line errors), and the rendering (string widths) costs 40 ms of start-up.
  (parser as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }).getInternalMethods().getUsageInstance().cacheHelpMessage = () => {};
  await parser.parseAsync();
}

interface AnalyzeAllOptions {
  out?: string;
  packets: boolean;
  format: TableFormat;
  plots: boolean;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
  jobs: number;
  vantage?: 'client' | 'server';
  plotLimit?: number;
  select: Selection;
  style?: StyleName;
  timeBase?: 'connection' | 'capture';
}

/**
 * `analyze` over every trace named: one trace file writes into -o (or
 * ./NAME.mptrace); several, or a directory, write DIR/NAME.mptrace each.
 * A trace that cannot be read is reported and the others go on; the exit
 * code is the worst one.
 */
async function analyzeAll(traces: string[], o: AnalyzeAllOptions): Promise<number> {
  // Loaded here, not at start-up: `--help` and `--version` stay quick.
  const { expandTraces, isSingleFile, Spool } = await import('./traces.js');
  const { runJobs } = await import('./jobs.js');
  const spool = new Spool();
  let worst = EXIT_OK;
  const p = o.progress ? progressLine(process.stderr) : null;
  try {
    const args = await expandTraces(traces, spool);
    const single = isSingleFile(traces, args);
    const jobs: AnalyzeJob[] = [];
    for (const x of args) {
      if (x instanceof MptraceError) {
        process.stderr.write(`mptrace: ${x.message}\n`);
        worst = Math.max(worst, x.exitCode);
        continue;
      }
      jobs.push({
        kind: 'analyze',
        arg: x,
        outParent: single ? '.' : (o.out ?? '.'),
        quiet: o.quiet,
        opts: {
          packets: o.packets,
          format: o.format,
          plots: o.plots,
          version: pkg.version,
          select: o.select,
          ...(o.plotLimit !== undefined ? { plotLimit: o.plotLimit } : {}),
          ...(o.style ? { style: o.style } : {}),
          ...(o.timeBase ? { timeBase: o.timeBase } : {}),
          ...(single && o.out !== undefined ? { out: o.out } : {}),
          ...(o.vantage ? { vantage: o.vantage } : {}),
        },
      });
    }
    await runJobs(
      jobs,
      o.jobs,
      (r, i) => {
        p?.clear();
        if (jobs.length > 1) p?.traces(i + 1, jobs.length);
        if (r.kind === 'error') {
          process.stderr.write(`mptrace: ${r.message}\n`);
          worst = Math.max(worst, r.exitCode);
          return;
        }
        if (r.kind !== 'analyze') return;
        if (r.text !== '') process.stdout.write(jobs.length > 1 ? `${r.text}\n` : r.text);
        warnAll(r.warnings, r.warningCount, `${r.outDir}/summary.json`, o.verbose, jobs.length > 1 ? `${r.given}: ` : '');
      },
      p?.update,
    );
  } finally {
    p?.done();
    spool.cleanup();
  }
  return worst;
}

main(hideBin(process.argv)).catch(fail);
