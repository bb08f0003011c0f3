import type { ConnectionRecord } from '../analyze/record.js';
import type { AnalysisSink } from '../analyze/model.js';
import type { PlotCollector } from '../plot/collector.js';

/** One sink for the analyzer that feeds the report writers and, when plots are wanted, the plots. */
export function tee(report: AnalysisSink, plots: PlotCollector | null, onRecord?: (r: ConnectionRecord) => void): AnalysisSink {
  if (plots === null && onRecord === undefined) return report;
  const sink: AnalysisSink = {
    row: plots === null ? (table, r) => report.row(table, r) : (table, r) => {
      report.row(table, r);
      plots.row(table, r);
    },
    connection: (c: ConnectionRecord) => {
      report.connection(c);
      plots?.connection(c);
      onRecord?.(c);
    },
  };
  if (plots !== null) {
    sink.ofo = (conn, dir, t, bytes) => plots.ofo(conn, dir, t, bytes);
    sink.segment = (conn, dir, sub, t, s, e, fresh, r) => plots.segment(conn, dir, sub, t, s, e, fresh, r);
    sink.dataAck = (conn, dir, t, a) => plots.dataAck(conn, dir, t, a);
  }
  if (report.packet !== undefined) sink.packet = report.packet;
  return sink;
}
