import { describe, expect, it } from 'vitest';
import { METRICS, type MetricSnapshot } from '../../src/analyze/metrics.js';
import { portableRules, traceCheck, type CheckSpec, type ConnMetrics } from '../../src/check/evaluate.js';
import { LIMITS } from '../../src/check/limits.js';
import { NO_SELECTOR, type Rule } from '../../src/check/rules.js';

/** A connection whose holes are `holes` both ways and every other metric 0 or false. */
function conn(id: number, holes: number): ConnMetrics {
  const metrics: MetricSnapshot[] = [];
  for (const m of METRICS) {
    const v = { value: m.unit === 'bool' ? false : m.name === 'holes' ? holes : 0 };
    if (m.scope === 'connection') metrics.push({ metric: m.name, dir: null, v });
    else for (const dir of ['c2s', 's2c'] as const) metrics.push({ metric: m.name, dir, v });
  }
  return { conn: id, clientAddr: '10.0.0.1', clientPort: 1000 + id, serverAddr: '10.0.0.2', serverPort: 80, fallback: null, resets: { mpTcprst: 0, subflowRst: 0, fastclose: false }, metrics };
}

const rule: Rule = { name: 'command line', level: 'error', select: { ...NO_SELECTOR }, limits: [{ def: LIMITS.find((l) => l.flag === 'max-holes')!, bound: 1 }], minConnections: null };
const spec = (over: Partial<CheckSpec> = {}): CheckSpec => ({ rules: portableRules([rule]), allowUnknown: false, tolerance: 0.1, updating: false, baselines: null, keepAll: false, ...over });

describe('TraceCheck: connections checked as they finish', () => {
  it('counts every outcome, keeps the findings only, in connection order whatever order they finished in', () => {
    const { check } = traceCheck('t.pcap', 't.pcap', spec());
    // Connection 3 finished before 1 and 2 (early, over a limit): its finding still comes last.
    for (const [id, holes] of [[0, 0], [3, 5], [1, 2], [2, 0]] as const) check.add(conn(id, holes));
    const r = check.finish([]);
    expect(r.totals.connections).toBe(4);
    expect(r.totals).toMatchObject({ checks: 9, failed: 4 });
    expect(r.failed).toBe(true);
    expect(r.outcomes.map((o) => o.text)).toEqual(['t.pcap conn 1 c2s: holes 2 > 1', 't.pcap conn 1 s2c: holes 2 > 1', 't.pcap conn 3 c2s: holes 5 > 1', 't.pcap conn 3 s2c: holes 5 > 1']);
  });

  it('keeps every outcome for the reports that list them, the trace check first', () => {
    const { check } = traceCheck('t.pcap', 't.pcap', spec({ keepAll: true }));
    check.add(conn(1, 0));
    check.add(conn(0, 0));
    expect(check.finish([]).outcomes.map((o) => [o.check, o.conn, o.dir, o.status])).toEqual([
      ['min-connections', null, null, 'pass'],
      ['max-holes', 0, 'c2s', 'pass'],
      ['max-holes', 0, 's2c', 'pass'],
      ['max-holes', 1, 'c2s', 'pass'],
      ['max-holes', 1, 's2c', 'pass'],
    ]);
  });

  it('against a baseline: limits before the baseline, a connection missing from the trace last; reset forgets a first pass', () => {
    const baselines = { 't.pcap': { connections: 2, conns: { '0': { endpoints: '', metrics: { 'holes.c2s': 0 } }, '1': { endpoints: '', metrics: { 'holes.c2s': 0 } } } } };
    const { check, missingBaseline } = traceCheck('t.pcap', 't.pcap', spec({ baselines, tolerance: 0 }));
    expect(missingBaseline).toBe(false);
    check.add(conn(0, 9));
    check.reset();
    check.add(conn(0, 9));
    const r = check.finish([]);
    expect(r.outcomes.map((o) => o.text)).toEqual([
      't.pcap conn 0 c2s: holes 9 > 1',
      't.pcap conn 0 s2c: holes 9 > 1',
      't.pcap conn 0 c2s: holes regressed from 0 to 9 (baseline; tolerance 0%, floor 5)',
      't.pcap conn 1: connection missing (the baseline has 2, the trace 1)',
    ]);
    expect(r.totals).toMatchObject({ failed: 2, regressed: 2 });
    expect(traceCheck('other.pcap', 'other.pcap', spec({ baselines })).missingBaseline).toBe(true);
  });

  it('records a baseline entry per connection when updating', () => {
    const { check } = traceCheck('t.pcap', 't.pcap', spec({ updating: true, baselines: {} }));
    check.add(conn(1, 3));
    check.add(conn(0, 0));
    const b = check.finish([]).baseline!;
    expect(b.connections).toBe(2);
    expect(Object.keys(b.conns)).toEqual(['0', '1']);
    expect(b.conns['1']).toMatchObject({ endpoints: '10.0.0.1:1001 -> 10.0.0.2:80', metrics: { 'holes.c2s': 3, 'holes.s2c': 3, fallback: false } });
  });
});
