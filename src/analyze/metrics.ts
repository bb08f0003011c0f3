/**
 * The figures `mptrace check` gates on, one declaration each: name, unit,
 * exact definition, which way is worse, and the absolute floor a baseline
 * regression must exceed. Each reads a frozen ConnectionRecord, the same
 * record the CSV columns and summary.json read, so `check` and `analyze`
 * can never disagree. docs/metrics.md is generated from this table.
 */
import type { ConnectionRecord, DirRecord } from './record.js';

/** A metric's value on one connection (and direction): a number or boolean, or unknown with the reason, or not applicable. */
export type MetricValue = { value: number | boolean } | { unknown: string } | { na: string };

export interface Metric {
  name: string;
  scope: 'connection' | 'direction';
  unit: '%' | 'count' | 's' | 'bit/s' | 'bool';
  /** Which way is worse: a larger value, a smaller one, or (booleans) true. */
  worse: 'higher' | 'lower' | 'true';
  /** Baseline: a change smaller than this (in the metric's unit) never regresses, whatever the tolerance. */
  floor: number;
  /** Baseline: any change the bad way regresses, whatever the tolerance (a subflow that goes missing). */
  strict?: true;
  definition: string;
  get(c: ConnectionRecord, d: 0 | 1): MetricValue;
}

/** Goodput is judged only on directions that carried at least this many unique bytes: a 16-byte request has no meaningful rate. */
export const GOODPUT_MIN_BYTES = 64 * 1024;

function dirFigure(d: DirRecord, x: number | null): MetricValue {
  if (d.unknown !== null) return { unknown: d.unknown };
  return x === null ? { unknown: 'not computed' } : { value: x };
}

export const METRICS: readonly Metric[] = [
  {
    name: 'reinjected',
    scope: 'direction',
    unit: '%',
    worse: 'higher',
    floor: 0.5,
    definition:
      'Bytes of the direction reinjected (sent for the first time on a subflow after another subflow of the connection had sent the same DSNs; a subflow resending its own bytes is a retransmission, not a reinjection) over its unique DSN bytes, × 100. 0 when the direction carried no data. Unknown when the DSN figures are (options cut by the snaplen, data without DSS mapping, capture starting mid-connection).',
    get: (c, d) => {
      const x = c.dirs[d];
      return dirFigure(x, x.reinjectionRatio === null ? null : x.reinjectionRatio * 100);
    },
  },
  {
    name: 'retransmitted',
    scope: 'direction',
    unit: '%',
    worse: 'higher',
    floor: 0.5,
    definition:
      'Subflow-level retransmitted payload bytes of the direction (TCP sequence space a subflow had already sent), summed over its subflows, over the payload bytes without retransmissions, × 100. 0 when the direction carried no payload. Known whenever TCP headers are captured.',
    get: (c, d) => {
      const x = c.dirs[d];
      return { value: x.payloadBytes > 0 ? (x.retransmittedBytes / x.payloadBytes) * 100 : 0 };
    },
  },
  {
    name: 'holes',
    scope: 'direction',
    unit: 'count',
    worse: 'higher',
    floor: 5,
    definition: "Holes in the direction's data sequence: a segment starting above the highest in-order DSN opens one (holes.csv rows, open ones included).",
    get: (c, d) => dirFigure(c.dirs[d], c.dirs[d].holes),
  },
  {
    name: 'stall',
    scope: 'direction',
    unit: 's',
    worse: 'higher',
    floor: 0.05,
    definition: 'The longer of the longest closed hole (open to close) and the longest handover stall (longest time without new in-order data around a switch) of the direction. 0 without holes or handovers.',
    get: (c, d) => {
      const x = c.dirs[d];
      return dirFigure(x, x.holeMaxDuration === null ? null : Math.max(x.holeMaxDuration, x.handoverStallMax));
    },
  },
  {
    name: 'goodput',
    scope: 'direction',
    unit: 'bit/s',
    worse: 'lower',
    floor: 1e6,
    definition: `Unique DSN bytes × 8 over the time from the direction's first to its last data segment. Not applicable to a direction with fewer than ${GOODPUT_MIN_BYTES} unique bytes.`,
    get: (c, d) => {
      const x = c.dirs[d];
      if (x.unknown !== null) return { unknown: x.unknown };
      if (x.uniqueBytes === null || x.uniqueBytes < GOODPUT_MIN_BYTES) return { na: `fewer than ${GOODPUT_MIN_BYTES} unique bytes` };
      return x.goodput === null ? { na: 'data carried in an instant' } : { value: x.goodput };
    },
  },
  {
    name: 'handovers',
    scope: 'connection',
    unit: 'count',
    worse: 'higher',
    floor: 1,
    definition: 'Handovers in either direction (handovers.csv rows): the subflow carrying most of the new data changed and stayed changed.',
    get: (c) => ({ value: c.handovers }),
  },
  {
    name: 'fallback',
    scope: 'connection',
    unit: 'bool',
    worse: 'true',
    floor: 0,
    definition: 'The connection fell back to plain TCP (any fallback kind of ANALYSIS.md: at the handshake, no DSS, infinite mapping, MP_FAIL, checksum failure).',
    get: (c) => ({ value: c.fallback !== null }),
  },
  {
    name: 'subflows',
    scope: 'connection',
    unit: 'count',
    worse: 'lower',
    floor: 0,
    strict: true,
    definition: 'Subflows that did not fail: the initial one and every join whose handshake was not refused, stripped, reset or left unanswered.',
    get: (c) => ({ value: c.subflows.length - c.joinFailures }),
  },
  {
    name: 'join_failures',
    scope: 'connection',
    unit: 'count',
    worse: 'higher',
    floor: 0,
    definition: 'Joins that failed: SYN never answered, answered without MP_JOIN, reset before completing, or HMAC mismatch.',
    get: (c) => ({ value: c.joinFailures }),
  },
  {
    name: 'reset',
    scope: 'connection',
    unit: 'bool',
    worse: 'true',
    floor: 0,
    definition: 'An MP_TCPRST option, an MP_FASTCLOSE, or a TCP RST on any subflow was seen.',
    get: (c) => ({ value: c.resets.mpTcprst > 0 || c.resets.subflowRst > 0 || c.resets.fastclose }),
  },
];

export function metric(name: string): Metric {
  const m = METRICS.find((x) => x.name === name);
  if (m === undefined) throw new Error(`no metric ${name}`);
  return m;
}

/** Every metric of a connection, in METRICS order: connection metrics once, direction metrics per direction. */
export interface MetricSnapshot {
  metric: string;
  dir: 'c2s' | 's2c' | null;
  v: MetricValue;
}

export function snapshot(c: ConnectionRecord): MetricSnapshot[] {
  const out: MetricSnapshot[] = [];
  for (const m of METRICS) {
    if (m.scope === 'connection') out.push({ metric: m.name, dir: null, v: m.get(c, 0) });
    else for (const d of [0, 1] as const) out.push({ metric: m.name, dir: d === 0 ? 'c2s' : 's2c', v: m.get(c, d) });
  }
  return out;
}

/** The documentation table of the metrics (docs/metrics.md). */
export function metricsTable(): string {
  const lines = ['| metric | per | unit | worse when | baseline floor | definition |', '|---|---|---|---|---|---|'];
  for (const m of METRICS) lines.push(`| \`${m.name}\` | ${m.scope} | ${m.unit} | ${m.worse === 'true' ? 'true' : m.worse} | ${m.unit === 'bool' ? '' : m.strict ? 'none: any loss regresses' : m.unit === 'bit/s' ? `${m.floor / 1e6} Mbit/s` : `${m.floor}${m.unit === 'count' ? '' : ` ${m.unit}`}`} | ${m.definition} |`);
  return lines.join('\n');
}
