/**
 * `mptrace check` end to end: the built CLI on real captures, asserting
 * the exit code and the exact lines a CI log shows.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';
import { cutPcap } from '../helpers/snaplen.js';

const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');
const PUB = join(ROOT, 'fixtures', 'public');
const LAB = join(TRACES, 'lab');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'mptrace-check-'));
}

/** Every line of stdout but the summary line. */
function findings(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !l.startsWith('mptrace check: '));
}

function summary(stdout: string): string {
  return stdout.split('\n').find((l) => l.startsWith('mptrace check: ')) ?? '';
}

describe('mptrace check: limits on the bundled captures', () => {
  it('a stall over the limit fails, naming trace, connection, direction, value and limit', () => {
    const r = runCli(['check', HANDOVER, '--max-stall', '100ms']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['handover.client.pcap conn 0 s2c: stall 0.201482 s > 0.1 s']);
    expect(summary(r.stdout)).toBe('mptrace check: FAILED: 1 trace, 1 connection, 3 checks; 1 failed, 0 unknown, 0 regressed, 0 warnings, 0 improved');
  });

  it('the same capture within every limit passes', () => {
    const r = runCli(['check', HANDOVER, '--max-stall', '0.25', '--max-reinjected', '50%', '--no-fallback', '--min-subflows', '2', '--no-reset', '--max-handovers', '1', '--min-goodput', '1M']);
    expect(r.stdout).toBe('mptrace check: passed: 1 trace, 1 connection, 10 checks; 0 failed, 0 unknown, 0 regressed, 0 warnings, 0 improved\n');
    expect(r.code).toBe(0);
  });

  it('--no-reset fails on MP_FASTCLOSE and MP_TCPRST, saying which', () => {
    const r = runCli(['check', join(PUB, 'mptcp-fclose.pcap'), join(PUB, 'mptcp-tcprst.pcap'), '--no-reset']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual([
      'mptcp-fclose.pcap conn 0: reset (1 subflow RST, MP_FASTCLOSE), not allowed (no-reset)',
      'mptcp-tcprst.pcap conn 0: reset (2 MP_TCPRST, 1 subflow RST), not allowed (no-reset)',
    ]);
  });

  it('a file that is not a capture: exit 2, and the other traces are still checked', () => {
    const r = runCli(['check', join(ROOT, 'package.json'), HANDOVER, '--max-stall', '100ms']);
    expect(r.code).toBe(2);
    expect(findings(r.stdout)).toEqual([
      `${join(ROOT, 'package.json')}: cannot be checked: byte 0: not a capture file: no pcap or pcapng magic (starts with 7b 0a 20 20)`,
      'handover.client.pcap conn 0 s2c: stall 0.201482 s > 0.1 s',
    ]);
  });

  it('options cut by the snaplen: the reinjection ratio is unknown and fails, unless --allow-unknown', () => {
    const d = tmp();
    const cut = join(d, 'cut96.pcap');
    writeFileSync(cut, cutPcap(readFileSync(HANDOVER), 96));
    const r = runCli(['check', cut, '--max-reinjected', '50%']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['cut96.pcap conn 0 s2c: reinjected unknown: MPTCP options cut by the snaplen on 8458 data packets: 12000000 bytes could not be placed in the data sequence (max-reinjected 50%)']);
    expect(r.stderr).toBe('mptrace: cut96.pcap: 1 warning (-v shows them)\n');
    const ok = runCli(['check', cut, '--max-reinjected', '50%', '--allow-unknown']);
    expect(ok.code).toBe(0);
    expect(summary(ok.stdout)).toBe('mptrace check: passed: 1 trace, 1 connection, 3 checks; 0 failed, 0 unknown, 0 regressed, 0 warnings, 0 improved, 1 unknown allowed');
  });

  it('--json: the same verdict as data', () => {
    const r = runCli(['check', HANDOVER, '--max-stall', '100ms', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { exit_code: number; totals: { failed: number }; traces: Array<{ trace: string; outcomes: Array<{ status: string; metric: string; dir: string; value: number }> }> };
    expect(j.exit_code).toBe(1);
    expect(j.totals.failed).toBe(1);
    const failed = j.traces[0]!.outcomes.filter((o) => o.status === 'fail');
    expect(failed).toMatchObject([{ metric: 'stall', dir: 's2c', value: 0.201482281 }]);
  });

  it('--junit writes XML a test reporter reads: a suite per trace, a failure per violation', () => {
    const d = tmp();
    const r = runCli(['check', HANDOVER, join(PUB, 'mptcp-fclose.pcap'), '--max-stall', '100ms', '--no-reset', '--junit', join(d, 'j.xml'), '--markdown', join(d, 'm.md')]);
    expect(r.code).toBe(1);
    const x = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(join(d, 'j.xml'), 'utf8')) as {
      testsuites: { failures: string; testsuite: Array<{ name: string; failures: string; testcase: Array<{ name: string; failure?: { message: string } }> }> };
    };
    expect(x.testsuites.failures).toBe('2');
    expect(x.testsuites.testsuite.map((s) => [s.name, s.failures])).toEqual([
      ['handover.client.pcap', '1'],
      ['mptcp-fclose.pcap', '1'],
    ]);
    const failing = x.testsuites.testsuite[0]!.testcase.filter((t) => t.failure);
    expect(failing.map((t) => [t.name, t.failure!.message])).toEqual([['conn 0 s2c: max-stall', 'handover.client.pcap conn 0 s2c: stall 0.201482 s > 0.1 s']]);
    const md = readFileSync(join(d, 'm.md'), 'utf8');
    expect(md).toContain('| ❌ fail | handover.client.pcap | 0 | s2c | max-stall | 0.201482 s | 0.1 s |');
  });

  it('-o also writes what analyze writes', () => {
    const d = tmp();
    const r = runCli(['check', HANDOVER, '--no-fallback', '-o', join(d, 'out')]);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(join(d, 'out', 'summary.json'), 'utf8')) as { totals: { connections: number } };
    expect(s.totals.connections).toBe(1);
    expect(existsSync(join(d, 'out', 'connections.csv'))).toBe(true);
  });
});

describe('mptrace check: baselines', () => {
  it('records, passes on the same trace, fails naming the metric on another, and exits 2 without an entry', () => {
    const d = tmp();
    const base = join(d, 'base.json');
    const rec = runCli(['check', HANDOVER, '--baseline', base, '--update-baseline']);
    expect(rec.code).toBe(0);
    const b = JSON.parse(readFileSync(base, 'utf8')) as { format: number; traces: Record<string, { conns: Record<string, { metrics: Record<string, unknown> }> }> };
    expect(b.format).toBe(1);
    expect(b.traces['handover.client.pcap']!.conns['0']!.metrics['stall.s2c']).toBe(0.201482281);
    expect(runCli(['check', HANDOVER, '--baseline', base]).code).toBe(0);
    // Another capture under the same name: the handover trace had one working pair of subflows and a handover.
    mkdirSync(join(d, 'other'));
    copyFileSync(join(PUB, 'mptcp-fclose.pcap'), join(d, 'other', 'handover.client.pcap'));
    const worse = runCli(['check', join(d, 'other', 'handover.client.pcap'), '--baseline', base]);
    expect(worse.code).toBe(1);
    expect(findings(worse.stdout)).toEqual([
      'handover.client.pcap conn 0 s2c: holes improved from 8 to 0',
      'handover.client.pcap conn 0 s2c: stall improved from 0.201482 s to 0 s',
      'handover.client.pcap conn 0: subflows regressed from 2 to 1 (baseline)',
      'handover.client.pcap conn 0: reset regressed from false to true (baseline)',
    ]);
    const none = runCli(['check', join(PUB, 'mptcp-v1.pcap'), '--baseline', base]);
    expect(none.code).toBe(2);
    expect(findings(none.stdout)).toEqual([`mptcp-v1.pcap: no entry in the baseline ${base}; run with --update-baseline to record one`]);
  });

  it('the baseline file is byte-identical when recorded twice', () => {
    const d = tmp();
    runCli(['check', HANDOVER, join(PUB, 'mptcp-v1.pcap'), '--baseline', join(d, 'a.json'), '--update-baseline']);
    runCli(['check', join(PUB, 'mptcp-v1.pcap'), HANDOVER, '--baseline', join(d, 'b.json'), '--update-baseline', '--jobs', '2'], { env: { MPTRACE_WORKER_MIN_BYTES: '0' } });
    expect(readFileSync(join(d, 'b.json'), 'utf8')).toBe(readFileSync(join(d, 'a.json'), 'utf8'));
  });

  it('a gzip-compressed trace is named without .gz, in the baseline and when compared with it (in a worker too)', () => {
    const d = tmp();
    const gz = join(d, 'handover.client.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(HANDOVER)));
    const base = join(d, 'base.json');
    expect(runCli(['check', gz, '--baseline', base, '--update-baseline']).code).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(base, 'utf8')) as { traces: object }).traces)).toEqual(['handover.client.pcap']);
    // Each job is given its own trace's entry: looked up by the name it has once decompressed.
    const r = runCli(['check', gz, join(PUB, 'mptcp-v1.pcap'), '--baseline', base, '--jobs', '2'], { env: { MPTRACE_WORKER_MIN_BYTES: '0' } });
    expect(findings(r.stdout)).toEqual([`mptcp-v1.pcap: no entry in the baseline ${base}; run with --update-baseline to record one`]);
    expect(summary(r.stdout)).toBe('mptrace check: FAILED: 2 traces, 2 connections, 16 checks; 0 failed, 0 unknown, 0 regressed, 0 warnings, 0 improved, 1 without baseline');
  });
});

describe('mptrace check: the config file', () => {
  it('per-trace rules at level warn report without failing; the top-level limits still fail', () => {
    const d = tmp();
    const cfg = join(d, 'gate.yaml');
    writeFileSync(cfg, ['limits:', '  no-reset: true', 'rules:', '  - name: slow client path', '    traces: "handover.*"', '    dir: s2c', '    level: warn', '    limits:', '      max-stall: 100ms', ''].join('\n'));
    const r = runCli(['check', HANDOVER, join(PUB, 'mptcp-fclose.pcap'), '--config', cfg]);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['warning: handover.client.pcap conn 0 s2c: stall 0.201482 s > 0.1 s', 'mptcp-fclose.pcap conn 0: reset (1 subflow RST, MP_FASTCLOSE), not allowed (no-reset)']);
    expect(summary(r.stdout)).toBe('mptrace check: FAILED: 2 traces, 2 connections, 5 checks; 1 failed, 0 unknown, 0 regressed, 1 warning, 0 improved');
  });

  it('an unknown key or a wrong type is exit 64 naming the file, line and key', () => {
    const d = tmp();
    const cfg = join(d, 'bad.yaml');
    writeFileSync(cfg, 'limits:\n  max-reinjected: 1%\n  max-reinjectd: 2\n');
    const r = runCli(['check', HANDOVER, '--config', cfg]);
    expect(r.code).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe(`mptrace: ${cfg}:3: unknown key 'max-reinjectd' in 'limits' of the config (expected one of: max-reinjected, max-retransmitted, max-holes, max-stall, max-handovers, no-fallback, min-subflows, max-join-failures, no-reset, min-goodput)`);
    writeFileSync(cfg, 'rules:\n  - server-port: 5201\n    limits:\n      max-holes: lots\n');
    const t = runCli(['check', HANDOVER, '--config', cfg]);
    expect(t.code).toBe(64);
    expect(t.stderr.split('\n')[0]).toBe(`mptrace: ${cfg}:4: 'max-holes' takes a whole number, not 'lots'`);
  });
});

describe('the command line', () => {
  const usage: Array<[string, string[], string]> = [
    ['a limit without its value', ['check', HANDOVER, '--max-holes'], 'mptrace: Not enough arguments following: max-holes'],
    ['a limit that is not a number', ['check', HANDOVER, '--max-reinjected', 'lots'], "mptrace: --max-reinjected takes a percentage from 0 to 100 (e.g. 1% or 0.5%), not 'lots'"],
    ['a flag given a value it cannot take', ['analyze', HANDOVER, '--packets=maybe'], "mptrace: --packets takes true or false, not 'maybe'"],
    ['a misspelt command', ['chek', HANDOVER], "mptrace: unknown command 'chek'. Did you mean check?"],
    ['-o without a directory', ['analyze', HANDOVER, '-o'], 'mptrace: Not enough arguments following: o'],
    ['--vantage without a side', ['analyze', HANDOVER, '--vantage'], 'mptrace: Not enough arguments following: vantage'],
    ['--update-baseline without --baseline', ['check', HANDOVER, '--update-baseline'], 'mptrace: --update-baseline needs --baseline FILE'],
  ];
  for (const [what, args, line] of usage) {
    it(`${what}: exit 64, one line`, () => {
      const r = runCli(args);
      expect(r.code).toBe(64);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stdout).toBe('');
    });
  }

  it('help check lists every limit', () => {
    const r = runCli(['help', 'check']);
    expect(r.code).toBe(0);
    for (const flag of ['--max-reinjected', '--no-fallback', '--min-goodput', '--min-connections', '--baseline', '--junit']) expect(r.stdout).toContain(flag);
  });
});

describe('inputs people pipe and compress', () => {
  it('check - reads a gzip-compressed capture from standard input', () => {
    const r = runCli(['check', '-', '--max-stall', '100ms'], { input: gzipSync(readFileSync(HANDOVER)) });
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['stdin conn 0 s2c: stall 0.201482 s > 0.1 s']);
  });

  it('empty standard input is not a pass', () => {
    const r = runCli(['check', '-'], { input: new Uint8Array(0) });
    expect(r.code).toBe(2);
    expect(findings(r.stdout)).toEqual(['-: cannot be checked: standard input is empty, not a capture']);
  });

  it('analyze - writes the outputs of the capture on standard input', () => {
    const d = tmp();
    const r = runCli(['analyze', '-', '-q', '--no-plots', '-o', join(d, 'out')], { input: readFileSync(HANDOVER) });
    expect(r.code).toBe(0);
    expect(readFileSync(join(d, 'out', 'connections.csv'), 'utf8').split('\n').length).toBe(3);
  });

  it('a directory: captures found by magic (gzip included), other files ignored, names relative to it', () => {
    const d = tmp();
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 'h.cap.gz'), gzipSync(readFileSync(HANDOVER)));
    copyFileSync(join(PUB, 'mptcp-fclose.pcap'), join(d, 'f.dump'));
    writeFileSync(join(d, 'notes.txt'), 'not a capture\n');
    const r = runCli(['check', d, '--no-reset']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['f.dump conn 0: reset (1 subflow RST, MP_FASTCLOSE), not allowed (no-reset)']);
    expect(summary(r.stdout)).toMatch(/^mptrace check: FAILED: 2 traces, 2 connections,/);
  });

  it('an output directory that cannot be made: exit 3 at once', () => {
    const r = runCli(['analyze', HANDOVER, '-q', '-o', '/proc/mptrace-out'], { timeout: 10_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('mptrace: /proc/mptrace-out: cannot write the output directory: no such file\n');
  });
});

describe('analyze over several traces', () => {
  it('a directory: one output folder per trace, the same bytes with --jobs 1 and --jobs 2', () => {
    const d = tmp();
    const a = runCli(['analyze', PUB, '-o', join(d, 'one'), '-q', '--jobs', '1']);
    // Worker threads forced (small inputs run in one thread otherwise).
    const b = runCli(['analyze', PUB, '-o', join(d, 'two'), '-q', '--jobs', '2'], { env: { MPTRACE_WORKER_MIN_BYTES: '0' } });
    expect([a.code, b.code]).toEqual([0, 0]);
    const names = readdirSync(join(d, 'one')).sort();
    expect(names).toEqual(readdirSync(PUB).filter((f) => f.endsWith('.pcap')).map((f) => `${f}.mptrace`).sort());
    for (const n of names) {
      expect(readFileSync(join(d, 'two', n, 'connections.csv'), 'utf8')).toBe(readFileSync(join(d, 'one', n, 'connections.csv'), 'utf8'));
      expect(readFileSync(join(d, 'two', n, 'summary.json'), 'utf8')).toBe(readFileSync(join(d, 'one', n, 'summary.json'), 'utf8'));
    }
  });
});

describe.skipIf(!HAVE_TRACES)('mptrace check on the lab captures', () => {
  it('handover at the server: reinjections over 0.001% fail, under 50% pass', () => {
    const r = runCli(['check', join(LAB, 'handover.pcapng'), '--max-reinjected', '0.001%']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['handover.pcapng conn 0 s2c: reinjected 0.1657% > 0.001%']);
    expect(runCli(['check', join(LAB, 'handover.pcapng'), '--max-reinjected', '50%']).code).toBe(0);
  });

  it('--no-fallback fails on the server that answers without MP_CAPABLE and passes on basic', () => {
    const r = runCli(['check', join(LAB, 'fallback-server.pcapng'), '--no-fallback']);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual(['fallback-server.pcapng conn 0: fallback to TCP (synack-without-mp-capable), not allowed (no-fallback)']);
    expect(runCli(['check', join(LAB, 'basic.pcapng'), '--no-fallback', '--min-subflows', '2']).code).toBe(0);
  });

  it('captures of plain TCP fail: a gate over nothing does not pass', () => {
    const dir = join(TRACES, 'public', '_tcp_only_no_mptcp');
    const r = runCli(['check', dir]);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toContain('pymptcpanalyzer/client_1_tcp_only.pcap: 0 MPTCP connections < 1 (no MPTCP connection in the capture)');
  });

  it('a lossy run under the name of the baseline handover regresses on holes and retransmissions', () => {
    const d = tmp();
    const base = join(d, 'b.json');
    expect(runCli(['check', join(LAB, 'handover.pcapng'), '--baseline', base, '--update-baseline']).code).toBe(0);
    mkdirSync(join(d, 'x'));
    copyFileSync(join(LAB, 'lossy.pcapng'), join(d, 'x', 'handover.pcapng'));
    const r = runCli(['check', join(d, 'x', 'handover.pcapng'), '--baseline', base]);
    expect(r.code).toBe(1);
    expect(findings(r.stdout)).toEqual([
      'handover.pcapng conn 0 s2c: retransmitted regressed from 0.1418% to 3.5922% (baseline; tolerance 10%, floor 0.5%)',
      'handover.pcapng conn 0 s2c: holes regressed from 0 to 127 (baseline; tolerance 10%, floor 5)',
      'handover.pcapng conn 0 s2c: stall regressed from 0.22804 s to 0.383346 s (baseline; tolerance 10%, floor 0.05 s)',
      'handover.pcapng conn 0 s2c: goodput improved from 12.741 Mbit/s to 25.694 Mbit/s',
    ]);
  });
});
