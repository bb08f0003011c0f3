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
    // Called per segment and per data ACK: bound, not wrapped, to keep one call.
    sink.ofo = plots.ofo.bind(plots);
    sink.segment = plots.segment.bind(plots);
    sink.dataAck = plots.dataAck.bind(plots);
  }
  if (report.packet !== undefined) sink.packet = report.packet;
  return sink;
}
