import type { ConnectionRecord } from '../analyze/record.js';
import type { AnalysisSink, EventRow, HandoverRow, HoleRow } from '../analyze/model.js';
import type { PlotCollector } from '../plot/collector.js';
import type { ReportSink } from '../report/report-sink.js';

/** One sink for the analyzer that feeds the report writers and, when plots are wanted, the plots. */
export function tee(report: ReportSink, plots: PlotCollector | null): AnalysisSink {
  if (plots === null) return report;
  const sink: AnalysisSink = {
    event: (e: EventRow) => {
      report.event(e);
      plots.event(e);
    },
    reinjection: (r) => report.reinjection(r),
    hole: (h: HoleRow) => {
      report.hole(h);
      plots.hole(h);
    },
    handover: (h: HandoverRow) => {
      report.handover(h);
      plots.handover(h);
    },
    connection: (c: ConnectionRecord) => {
      report.connection(c);
      plots.connection(c);
    },
    ofo: (conn, dir, t, bytes) => plots.ofo(conn, dir, t, bytes),
    segment: (conn, dir, sub, t, s, e, fresh, r) => plots.segment(conn, dir, sub, t, s, e, fresh, r),
    dataAck: (conn, dir, t, a) => plots.dataAck(conn, dir, t, a),
  };
  if (report.packet !== undefined) sink.packet = report.packet;
  return sink;
}
