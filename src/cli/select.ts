import type { AnalysisSink, PacketRow, Table } from '../analyze/model.js';
import type { ConnectionRecord } from '../analyze/record.js';
import { TimeWindow, type Selection, type TimeBase } from '../report/time.js';

export const selects = (s: Selection): boolean => s.conns !== undefined || s.since !== undefined || s.until !== undefined;

/**
 * A sink passing on only the rows of the chosen connections and time:
 * the analysis still runs over the whole capture (state needs every
 * packet), the outputs hold what was asked for. A row is in the window
 * when its time is (a hole's: when it opened); a connection when its
 * life overlaps the window. Connection figures stay whole-connection
 * figures.
 */
export function selectingSink(inner: AnalysisSink, s: Selection, time: TimeBase): AnalysisSink {
  const conns = s.conns === undefined ? null : new Set(s.conns);
  const window = new TimeWindow(s, time);
  const sink: AnalysisSink = {
    row<R>(table: Table<R>, r: R): void {
      if (conns !== null && !conns.has(table.connOf(r))) return;
      if (window.has(table.timeOf(r))) inner.row(table, r);
    },
    connection(c: ConnectionRecord): void {
      if (conns !== null && !conns.has(c.id)) return;
      if (window.overlaps(c.start, c.end)) inner.connection(c);
    },
  };
  const packet = inner.packet;
  if (packet !== undefined) {
    sink.packet = (r: PacketRow): void => {
      if (conns !== null && !conns.has(r.conn)) return;
      if (window.has(r.time)) packet(r);
    };
  }
  return sink;
}
