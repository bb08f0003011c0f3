import type { PlotCollector } from '../plot/collector.js';
import type { RenderOptions } from '../plot/render.js';
import type { OutputDir } from '../report/outdir.js';
import type { PlotFacts } from '../report/summary.js';

const connOfFile = (name: string): number => Number(/conn-(\d+)-/.exec(name)![1]);

/**
 * Renders each connection's plots into DIR/plots/ as soon as the
 * connection is finished, between chunks of packets, and forgets its
 * plot data: memory holds only the connections in flight, whatever
 * `--plots all` asks for. The renderer (d3's scales and shapes, 45 ms to
 * load) loads when there is first something to draw.
 */
export class PlotWriter {
  private readonly written: string[] = [];
  private readonly skipped: PlotFacts['directions_not_plotted'] = [];
  private render: typeof import('../plot/render.js').renderConnection | null = null;

  constructor(
    private readonly out: OutputDir,
    readonly plots: PlotCollector,
    /** Known once the capture's first packet is read: asked for at each drain. */
    private readonly options: () => RenderOptions,
  ) {}

  get needsDrain(): boolean {
    return this.plots.finished.length > 0;
  }

  /** Renders and writes the connections finished so far. */
  async drain(): Promise<void> {
    const done = this.plots.finished;
    if (done.length === 0) return;
    if (this.render === null) {
      this.render = (await import('../plot/render.js')).renderConnection;
      this.out.subdir('plots');
    }
    const o = this.options();
    for (const { c, p } of done) {
      for (const f of this.render(c, p, o, this.skipped)) {
        this.out.write(`plots/${f.name}`, f.svg);
        this.written.push(`plots/${f.name}`);
      }
    }
    done.length = 0;
  }

  /** What summary.json says of the plots, once every connection is finished and drained: files by connection number. */
  facts(): PlotFacts {
    const o = this.options();
    // Stable sorts: a connection's files keep the order they were drawn in.
    const files = [...this.written].sort((a, b) => connOfFile(a) - connOfFile(b));
    const skipped = [...this.skipped].sort((a, b) => a.conn - b.conn);
    return { files, style: o.style.name, time_base: o.timeBase, connections_not_plotted: this.plots.notPlotted.sorted(), directions_not_plotted: skipped };
  }
}
