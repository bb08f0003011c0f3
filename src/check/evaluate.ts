/**
 * Limits and baselines applied to the metrics of one trace's connections,
 * one connection at a time as the analysis finishes them (TraceCheck):
 * outcomes, one per limit, connection and direction, counted, and kept as
 * far as the reports need them. No files, no printing.
 */
import { metric, METRICS, type MetricSnapshot, type MetricValue } from '../analyze/metrics.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { connectionMatches, traceMatches, type Level, type Rule } from './rules.js';
import { formatValue, LIMITS, type LimitDef } from './limits.js';

/** What `check` keeps of a connection: who it is and its metrics. */
export interface ConnMetrics {
  conn: number;
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  serverPort: number;
  fallback: string | null;
  resets: { mpTcprst: number; subflowRst: number; fastclose: boolean };
  metrics: MetricSnapshot[];
}

export function connMetrics(r: ConnectionRecord, snapshot: MetricSnapshot[]): ConnMetrics {
  return {
    conn: r.id,
    clientAddr: r.clientAddr,
    clientPort: r.clientPort,
    serverAddr: r.serverAddr,
    serverPort: r.serverPort,
    fallback: r.fallback?.kind ?? null,
    resets: { ...r.resets },
    metrics: snapshot,
  };
}

export type Status = 'pass' | 'fail' | 'unknown' | 'allowed-unknown' | 'na' | 'regressed' | 'improved' | 'new' | 'error';

export interface Outcome {
  trace: string;
  conn: number | null;
  dir: 'c2s' | 's2c' | null;
  /** The limit's flag, 'baseline', or min-connections / read for the trace itself. */
  check: string;
  metric: string;
  level: Level;
  status: Status;
  value: number | boolean | null;
  /** The limit, or the baseline's value. */
  bound: number | boolean | null;
  why: string | null;
  /** Which rule set the limit (config name or FILE:LINE, or "command line"). */
  rule: string;
  /** The report line (empty for a pass). */
  text: string;
}

export interface BaselineEntry {
  connections: number;
  /** By connection number: metric key (metric or metric.dir) → value, null when unknown. */
  conns: Record<string, { endpoints: string; metrics: Record<string, number | boolean | null> }>;
}

export interface EvalOptions {
  allowUnknown: boolean;
  baseline: BaselineEntry | null;
  /** Relative, 0.1 = 10%. */
  tolerance: number;
  /** When true, baselines are being recorded, not compared. */
  updating: boolean;
}

/** Is this outcome a failure of the run (exit 1)? */
export function failing(o: Outcome): boolean {
  return o.level === 'error' && (o.status === 'fail' || o.status === 'unknown' || o.status === 'regressed');
}

export function metricKey(name: string, dir: 'c2s' | 's2c' | null): string {
  return dir === null ? name : `${name}.${dir}`;
}

function prefix(trace: string, conn: number | null, dir: string | null): string {
  return `${trace}${conn === null ? '' : ` conn ${conn}`}${dir ? ` ${dir}` : ''}:`;
}

function valueOf(v: MetricValue): number | boolean | null {
  return 'value' in v ? v.value : null;
}

/** The words for a boolean metric that is true (fallback, reset): what happened. */
function forbiddenText(c: ConnMetrics, name: string): string {
  if (name === 'fallback') return `fallback to TCP (${c.fallback ?? '?'})`;
  if (name === 'reset') {
    const r = c.resets;
    const parts = [r.mpTcprst ? `${r.mpTcprst} MP_TCPRST` : '', r.subflowRst ? `${r.subflowRst} subflow RST` : '', r.fastclose ? 'MP_FASTCLOSE' : ''].filter(Boolean);
    return `reset (${parts.join(', ')})`;
  }
  return name;
}

function limitOutcome(trace: string, c: ConnMetrics, snap: MetricSnapshot, def: LimitDef, bound: number | boolean, level: Level, rule: string, allowUnknown: boolean): Outcome {
  const m = def.metric;
  const base = { trace, conn: c.conn, dir: snap.dir, check: def.flag, metric: m.name, level, bound, rule };
  const v = snap.v;
  const where = prefix(trace, c.conn, snap.dir);
  const warn = level === 'warn' ? 'warning: ' : '';
  if ('na' in v) return { ...base, status: 'na', value: null, why: v.na, text: '' };
  if ('unknown' in v) {
    if (allowUnknown) return { ...base, status: 'allowed-unknown', value: null, why: v.unknown, text: `${where} ${m.name} unknown (allowed): ${v.unknown}` };
    return { ...base, status: 'unknown', value: null, why: v.unknown, text: `${warn}${where} ${m.name} unknown: ${v.unknown} (${def.flag} ${formatValue(m, bound)})` };
  }
  const x = v.value;
  let ok: boolean;
  let text = '';
  if (def.op === 'forbid') {
    ok = bound === false || x === false;
    if (!ok) text = `${warn}${where} ${forbiddenText(c, m.name)}, not allowed (${def.flag})`;
  } else {
    const n = x as number;
    const b = bound as number;
    ok = def.op === 'max' ? n <= b : n >= b;
    if (!ok) text = `${warn}${where} ${m.name} ${formatValue(m, n)} ${def.op === 'max' ? '>' : '<'} ${formatValue(m, b)}`;
  }
  return { ...base, status: ok ? 'pass' : 'fail', value: x, why: null, text };
}

interface Applied {
  def: LimitDef;
  bound: number | boolean;
  level: Level;
  rule: string;
}

/** The limits in force for one connection: rules in order, a later one replacing an earlier one for the same limit and direction. */
function limitsFor(rules: readonly Rule[], traceName: string, c: ConnMetrics): Map<string, Applied> {
  const out = new Map<string, Applied>();
  for (const r of rules) {
    if (!traceMatches(r.select, traceName) || !connectionMatches(r.select, c)) continue;
    for (const l of r.limits) {
      const dirs = l.def.metric.scope === 'connection' ? [null] : r.select.dir ? [r.select.dir] : (['c2s', 's2c'] as const);
      for (const d of dirs) out.set(metricKey(l.def.flag, d), { def: l.def, bound: l.bound, level: r.level, rule: r.name });
    }
  }
  return out;
}

function minConnections(rules: readonly Rule[], traceName: string): { n: number; level: Level; rule: string } {
  let out = { n: 1, level: 'error' as Level, rule: 'default' };
  for (const r of rules) if (r.minConnections !== null && traceMatches(r.select, traceName)) out = { n: r.minConnections, level: r.level, rule: r.name };
  return out;
}

/** The baseline's outcomes for one connection: each metric against its recorded value, or `new`. */
function* connBaselineOutcomes(trace: string, c: ConnMetrics, entry: BaselineEntry, opts: EvalOptions): Generator<Outcome> {
  const b = entry.conns[String(c.conn)];
  if (b === undefined) {
    yield { trace, conn: c.conn, dir: null, check: 'baseline', metric: 'connection', level: 'error', status: 'new', value: null, bound: null, why: null, rule: 'baseline', text: `${prefix(trace, c.conn, null)} new connection, not in the baseline` };
    return;
  }
  for (const s of c.metrics) {
    const mk = metricKey(s.metric, s.dir);
    if (!(mk in b.metrics)) continue;
    const was = b.metrics[mk]!;
    const m = metric(s.metric);
    const now = valueOf(s.v);
    const base = { trace, conn: c.conn, dir: s.dir, check: 'baseline', metric: s.metric, level: 'error' as Level, value: now, bound: was, rule: 'baseline' };
    const where = prefix(trace, c.conn, s.dir);
    if ('na' in s.v) continue;
    if (now === null) {
      if (was === null) continue;
      const status = opts.allowUnknown ? 'allowed-unknown' : 'unknown';
      const why = 'unknown' in s.v ? s.v.unknown : '';
      yield { ...base, status, why, text: `${where} ${s.metric} unknown${status === 'unknown' ? '' : ' (allowed)'}: ${why} (baseline ${formatValue(m, was)})` };
      continue;
    }
    if (was === null) {
      yield { ...base, status: 'pass', why: 'unknown in the baseline', text: '' };
      continue;
    }
    let worse = 0;
    let margin = 0;
    if (typeof now === 'boolean' || typeof was === 'boolean') {
      worse = now === was ? 0 : now === true ? 1 : -1;
    } else {
      const delta = now - was;
      worse = m.worse === 'lower' ? -delta : delta;
      margin = m.strict ? 0 : Math.max(opts.tolerance * Math.abs(was), m.floor);
    }
    const change = `from ${formatValue(m, was)} to ${formatValue(m, now)}`;
    const allowance = typeof now === 'boolean' || typeof was === 'boolean' || m.strict ? '' : `; tolerance ${Number((opts.tolerance * 100).toFixed(4))}%, floor ${formatValue(m, m.floor)}`;
    if (worse > margin) yield { ...base, status: 'regressed', why: null, text: `${where} ${s.metric} regressed ${change} (baseline${allowance})` };
    else if (-worse > margin) yield { ...base, status: 'improved', why: null, text: `${where} ${s.metric} improved ${change}` };
    else yield { ...base, status: 'pass', why: null, text: '' };
  }
}

const METRIC_ORDER = new Map(METRICS.map((m, i) => [m.name, i]));

/** The limits' outcomes for one connection, in METRICS order. */
function* connLimitOutcomes(trace: string, c: ConnMetrics, rules: readonly Rule[], opts: EvalOptions): Generator<Outcome> {
  const applied = limitsFor(rules, trace, c);
  const snaps = [...c.metrics].sort((a, b) => METRIC_ORDER.get(a.metric)! - METRIC_ORDER.get(b.metric)!);
  for (const s of snaps) {
    for (const [key, a] of applied) {
      if (a.def.metric.name !== s.metric || key !== metricKey(a.def.flag, s.dir)) continue;
      yield limitOutcome(trace, c, s, a.def, a.bound, a.level, a.rule, opts.allowUnknown);
    }
  }
}

/** Counts of outcomes, as the summary line and --json give them. */
export interface Totals {
  traces: number;
  connections: number;
  checks: number;
  failed: number;
  unknown: number;
  regressed: number;
  warnings: number;
  improved: number;
  unreadable: number;
  allowed_unknown: number;
  missing_baseline: number;
}

export function noTotals(): Totals {
  return { traces: 0, connections: 0, checks: 0, failed: 0, unknown: 0, regressed: 0, warnings: 0, improved: 0, unreadable: 0, allowed_unknown: 0, missing_baseline: 0 };
}

/** Counts one outcome in `t`. */
export function countOutcome(t: Totals, o: Outcome): void {
  if (o.status === 'na' || o.status === 'new') return;
  t.checks++;
  if (o.status === 'error') t.unreadable++;
  else if (o.level === 'warn' && (o.status === 'fail' || o.status === 'unknown')) t.warnings++;
  else if (o.status === 'fail') t.failed++;
  else if (o.status === 'unknown') t.unknown++;
  else if (o.status === 'regressed') t.regressed++;
  else if (o.status === 'improved') t.improved++;
  else if (o.status === 'allowed-unknown') t.allowed_unknown++;
}

/** Does the outcome make a line of the report (a finding), or only a count? */
export function isFinding(o: Outcome): boolean {
  return o.text !== '';
}

/** What checking one trace gave: counts (its `traces` 1, its `connections` the trace's), the outcomes kept (in TraceCheck's order), and the baseline entry when recording. */
export interface TraceCheckResult {
  name: string;
  given: string;
  totals: Totals;
  failed: boolean;
  outcomes: Outcome[];
  baseline: BaselineEntry | null;
  warnings: string[];
  error: string | null;
}

/**
 * One trace checked as its connections finish, so that memory does not
 * grow with them: each connection's outcomes are counted, and kept only
 * when they are findings (the lines check prints) or when `keepAll` (the
 * reports that list every outcome: --json, --junit). The kept outcomes come
 * out in this order: the trace's own check, the limits by
 * connection, the baseline by connection, the connections the baseline
 * has and the trace does not. Connections finished out of order (early,
 * over the limits) are sorted back by number.
 */
export class TraceCheck {
  private readonly totals = noTotals();
  private failed = false;
  private n = 0;
  private limitKept: Outcome[] = [];
  private baselineKept: Outcome[] = [];
  private readonly seen = new Set<number>();
  private recorded: BaselineEntry['conns'] = {};

  constructor(
    private readonly name: string,
    private readonly given: string,
    private readonly rules: readonly Rule[],
    private readonly opts: EvalOptions,
    private readonly keepAll: boolean,
  ) {}

  add(c: ConnMetrics): void {
    this.n++;
    for (const o of connLimitOutcomes(this.name, c, this.rules, this.opts)) this.take(o, this.limitKept);
    const b = this.opts.baseline;
    if (b !== null && !this.opts.updating) {
      if (b.conns[String(c.conn)] !== undefined) this.seen.add(c.conn);
      for (const o of connBaselineOutcomes(this.name, c, b, this.opts)) this.take(o, this.baselineKept);
    }
    if (this.opts.updating) this.recorded[String(c.conn)] = baselineConn(c);
  }

  /** Forgets what was added (the analysis starts a second pass). */
  reset(): void {
    Object.assign(this.totals, noTotals());
    this.failed = false;
    this.n = 0;
    this.limitKept = [];
    this.baselineKept = [];
    this.seen.clear();
    this.recorded = {};
  }

  finish(warnings: string[], error: string | null = null): TraceCheckResult {
    const out: Outcome[] = [];
    const keep = (o: Outcome): void => this.take(o, out);
    this.totals.traces = 1;
    if (error !== null) {
      keep({ trace: this.name, conn: null, dir: null, check: 'read', metric: 'trace', level: 'error', status: 'error', value: null, bound: null, why: error, rule: '', text: `${this.given}: cannot be checked: ${error}` });
      return { name: this.name, given: this.given, totals: this.totals, failed: this.failed, outcomes: out, baseline: null, warnings, error };
    }
    const mc = minConnections(this.rules, this.name);
    const n = this.n;
    this.totals.connections = n;
    keep({
      trace: this.name,
      conn: null,
      dir: null,
      check: 'min-connections',
      metric: 'connections',
      level: mc.level,
      status: n >= mc.n ? 'pass' : 'fail',
      value: n,
      bound: mc.n,
      why: null,
      rule: mc.rule,
      text: n >= mc.n ? '' : `${mc.level === 'warn' ? 'warning: ' : ''}${this.name}: ${n} MPTCP connection${n === 1 ? '' : 's'} < ${mc.n}${n === 0 ? ' (no MPTCP connection in the capture)' : ''}`,
    });
    // Stable sorts: a connection's outcomes keep their order.
    for (const list of [this.limitKept, this.baselineKept]) for (const o of list.sort(byConn)) out.push(o);
    const b = this.opts.baseline;
    if (b !== null && !this.opts.updating) {
      for (const key of Object.keys(b.conns)) {
        if (this.seen.has(Number(key))) continue;
        keep({ trace: this.name, conn: Number(key), dir: null, check: 'baseline', metric: 'connection', level: 'error', status: 'regressed', value: false, bound: true, why: null, rule: 'baseline', text: `${prefix(this.name, Number(key), null)} connection missing (the baseline has ${b.connections}, the trace ${n})` });
      }
    }
    // Integer-like keys list in ascending order in JSON: recording the same traces twice gives the same bytes.
    const baseline = this.opts.updating ? { connections: n, conns: this.recorded } : null;
    return { name: this.name, given: this.given, totals: this.totals, failed: this.failed, outcomes: out, baseline, warnings, error: null };
  }

  private take(o: Outcome, list: Outcome[]): void {
    countOutcome(this.totals, o);
    if (failing(o)) this.failed = true;
    if (this.keepAll || isFinding(o)) list.push(o);
  }
}

function byConn(a: Outcome, b: Outcome): number {
  return (a.conn ?? -1) - (b.conn ?? -1);
}

/** A rule as plain data, for a worker thread (a limit by its flag, not its definition and functions). */
export type PortableRule = Omit<Rule, 'limits'> & { limits: Array<{ flag: string; bound: number | boolean }> };

export function portableRules(rules: readonly Rule[]): PortableRule[] {
  return rules.map((r) => ({ ...r, limits: r.limits.map((l) => ({ flag: l.def.flag, bound: l.bound })) }));
}

export function rulesOf(rules: readonly PortableRule[]): Rule[] {
  return rules.map((r) => ({
    ...r,
    limits: r.limits.map((l) => {
      const def = LIMITS.find((d) => d.flag === l.flag);
      if (def === undefined) throw new Error(`no limit ${l.flag}`);
      return { def, bound: l.bound };
    }),
  }));
}

/** What a check job needs to check its trace where it is analyzed (this thread or a worker): plain data. */
export interface CheckSpec {
  rules: PortableRule[];
  allowUnknown: boolean;
  tolerance: number;
  updating: boolean;
  /** The baseline's traces by name (null: no baseline). */
  baselines: Record<string, BaselineEntry> | null;
  /** Keep every outcome (--json, --junit), not only the findings. */
  keepAll: boolean;
}

/** A TraceCheck for trace `name` as `spec` says, and whether the baseline lacks the trace. */
export function traceCheck(name: string, given: string, spec: CheckSpec): { check: TraceCheck; missingBaseline: boolean } {
  const entry = spec.baselines !== null && !spec.updating ? (spec.baselines[name] ?? null) : null;
  const opts = { allowUnknown: spec.allowUnknown, baseline: entry, tolerance: spec.tolerance, updating: spec.updating };
  return { check: new TraceCheck(name, given, rulesOf(spec.rules), opts, spec.keepAll), missingBaseline: spec.baselines !== null && !spec.updating && entry === null };
}

/** What --update-baseline records for a connection. */
function baselineConn(c: ConnMetrics): BaselineEntry['conns'][string] {
  const metrics: Record<string, number | boolean | null> = {};
  for (const s of c.metrics) {
    if ('na' in s.v) continue;
    const v = valueOf(s.v);
    metrics[metricKey(s.metric, s.dir)] = typeof v === 'number' ? Number(v.toPrecision(12)) : v;
  }
  return { endpoints: `${c.clientAddr}:${c.clientPort} -> ${c.serverAddr}:${c.serverPort}`, metrics };
}
