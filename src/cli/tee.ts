import type { ConnectionRecord } from '../analyze/record.js';
import type { AnalysisSink, EventRow, HandoverRow, HoleRow } from '../analyze/model.js';
import type { PlotCollector } from '../plot/collector.js';
import type { ReportSink } from '../report/report-sink.js';

/** One sink for the analyzer that feeds the report writers and, when plots are wanted, the plots. */
export function tee(report: ReportSink, plots: PlotCollector | null, onRecord?: (r: ConnectionRecord) => void): AnalysisSink {
  if (plots === null && onRecord === undefined) return report;
  if (plots === null) {
    const sink: AnalysisSink = {
      event: (e) => report.event(e),
      reinjection: (r) => report.reinjection(r),
      hole: (h) => report.hole(h),
      handover: (h) => report.handover(h),
      rtt: (r) => report.rtt(r),
      connection: (c) => {
        report.connection(c);
        onRecord!(c);
      },
    };
    if (report.packet !== undefined) sink.packet = report.packet;
    return sink;
  }
  const sink: AnalysisSink = {
    event: (e: EventRow) => {
      report.event(e);
      plots.event(e);
    },
    reinjection: (r) => report.reinjection(r),
    rtt: (r) => report.rtt(r),
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
      onRecord?.(c);
    },
    ofo: (conn, dir, t, bytes) => plots.ofo(conn, dir, t, bytes),
    segment: (conn, dir, sub, t, s, e, fresh, r) => plots.segment(conn, dir, sub, t, s, e, fresh, r),
    dataAck: (conn, dir, t, a) => plots.dataAck(conn, dir, t, a),
  };
  if (report.packet !== undefined) sink.packet = report.packet;
  return sink;
}
