import { bytes, DETAILED_CONNECTIONS, firstOf, SUBFLOWS_SHOWN } from './format.js';
import type { UnknownCause } from '../analyze/record.js';
import type { Summary } from './summary.js';


/** What the terminal says of unknown figures (summary.json has the whole reason). */
const UNKNOWN_SHORT: Record<UnknownCause, string> = {
  'options-cut': 'options cut',
  unmapped: 'data without DSS mapping',
  'mid-connection': 'capture starts mid-connection',
};


type ConnSummary = Summary['connections'][number];

/** A connection in one line: endpoints, subflows, data each way, what happened. */
function oneLine(c: ConnSummary): string {
  const dir = (d: 'c2s' | 's2c'): string => {
    const x = c[d];
    if (x.unknown !== null) return `${d} ${bytes(x.payload_bytes)} (DSN unknown)`;
    return `${d} ${bytes(x.unique_bytes!)}${x.reinjected_bytes! > 0 ? ` (${(x.reinjection_ratio! * 100).toFixed(2)}% reinjected)` : ''}`;
  };
  const what = [c.fallback ? `FALLBACK ${c.fallback.kind}` : '', c.handovers.length > 0 ? `${c.handovers.length} handover${c.handovers.length === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
  return `connection ${c.conn}: v${c.version ?? '?'} ${c.client.addr}:${c.client.port} -> ${c.server.addr}:${c.server.port}, ${c.subflows.length} subflow${c.subflows.length === 1 ? '' : 's'}, ${dir('c2s')}, ${dir('s2c')}, close ${c.close}${what ? `; ${what}` : ''}`;
}

/** The terminal summary: what a user reads first, a few lines per connection. */
export function terminalSummary(s: Summary, outDir: string): string {
  const lines: string[] = [];
  const i = s.input;
  lines.push(`${i.file}: ${i.format}; ${i.frames} frames, ${i.tcp_packets} TCP, ${i.mptcp_packets} with MPTCP options; ${s.analysis.flows} TCP flows, ${s.totals.connections} MPTCP connections`);
  const mal = Object.entries(i.malformed);
  if (mal.length) lines.push(`malformed: ${mal.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const tr = Object.entries(i.truncated);
  if (tr.length) lines.push(`cut by the snaplen: ${tr.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  // Past a screenful of connections, one line each (summary.json and the CSV files have the detail).
  const compact = s.connections.length > DETAILED_CONNECTIONS;
  if (compact) lines.push('');
  for (const c of s.connections) {
    if (compact) {
      lines.push(oneLine(c));
      continue;
    }
    lines.push('');
    lines.push(
      `connection ${c.conn}: MPTCP v${c.version ?? '?'} ${c.client.addr}:${c.client.port} -> ${c.server.addr}:${c.server.port}, ${c.subflows.length} subflow${c.subflows.length === 1 ? '' : 's'}, handshake ${c.handshake}${c.checksum === true ? ', DSS checksums' : ''}, close ${c.close}, vantage ${c.vantage}`,
    );
    if (c.fallback) lines.push(`  FALLBACK to TCP: ${c.fallback.kind} at ${c.fallback.time} (frame ${c.fallback.frame})`);
    for (const sf of c.subflows.slice(0, SUBFLOWS_SHOWN)) {
      const extra = [sf.backup ? 'backup' : '', sf.hmac_ok === false ? 'HMAC MISMATCH' : '', sf.failed ? `failed: ${sf.failed}` : ''].filter(Boolean).join(', ');
      lines.push(
        `  subflow ${sf.subflow} (flow ${sf.flow}, ${sf.kind}${sf.addr_id !== null ? ` id ${sf.addr_id}` : ''}) ${sf.client.addr}:${sf.client.port} <-> ${sf.server.addr}:${sf.server.port}: c2s ${bytes(sf.c2s.payload_bytes)}, s2c ${bytes(sf.s2c.payload_bytes)}, close ${sf.close}${extra ? `; ${extra}` : ''}`,
      );
    }
    if (c.subflows.length > SUBFLOWS_SHOWN) lines.push(`  (${c.subflows.length - SUBFLOWS_SHOWN} more subflows in subflows.csv)`);
    for (const d of ['c2s', 's2c'] as const) {
      const x = c[d];
      if (x.unknown !== null) {
        lines.push(`  ${d}: ${bytes(x.payload_bytes)} payload; DSN figures unknown (${UNKNOWN_SHORT[x.unknown_cause!]})`);
        continue;
      }
      if (x.unique_bytes === 0 && x.reinjected_bytes === 0) continue;
      const holes = x.holes!;
      lines.push(
        `  ${d}: ${bytes(x.unique_bytes!)} unique, reinjected ${bytes(x.reinjected_bytes!)} (${(x.reinjection_ratio! * 100).toFixed(2)}%), ${holes.count} hole${holes.count === 1 ? '' : 's'} (max ${holes.max_duration} s), max out-of-order ${bytes(x.max_ofo_bytes!)}`,
      );
    }
    for (const h of c.handovers) lines.push(`  handover ${h.dir} subflow ${h.from_subflow} -> ${h.to_subflow} at ${h.time}, stall ${h.stall} s${h.trigger ? `, after ${h.trigger}` : ''}`);
  }
  if (s.connections_not_detailed > 0) lines.push(`\n(${s.connections_not_detailed} more connections in connections.csv)`);
  lines.push('');
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const t = s.totals;
  const bytes2 = (d: 'c2s' | 's2c'): number => s.connections.reduce((a, c) => a + (c[d].unique_bytes ?? 0), 0);
  lines.push(
    `totals: ${count(t.connections, 'connection')}${t.fallbacks > 0 ? ` (${t.fallbacks} fell back)` : ''}, ${count(t.subflows, 'subflow')}, ${count(t.handovers, 'handover')}, ${count(t.reinjections, 'reinjection')}, ${count(t.holes, 'hole')}; unique data c2s ${bytes(bytes2('c2s'))}, s2c ${bytes(bytes2('s2c'))}${s.connections_not_detailed > 0 ? ` (of the first ${s.connections.length} connections)` : ''}`,
  );
  const np = s.plots === null ? [] : s.plots.connections_not_plotted;
  if (np.length > 0) lines.push(`not plotted: connection${np.length === 1 ? '' : 's'} ${firstOf(np)} (--conn N or --plots all to plot them)`);
  const left = s.plots === null ? [] : [s.plots.directions_not_plotted.length > 0 && `${count(s.plots.directions_not_plotted.length, 'direction')} with under 4 kB not plotted`].filter((x): x is string => typeof x === 'string');
  const plots = s.plots === null || s.plots.files.length === 0 ? '' : ` (plots: ${s.plots.files.length} in plots/${left.map((x) => `, ${x}`).join('')})`;
  lines.push(`written to ${outDir}/${plots}`);
  return `${lines.join('\n')}\n`;
}
