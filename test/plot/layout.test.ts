import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/cli/analyze.js';
import { parseCsv } from '../helpers/csv.js';
import { plotLayout } from '../helpers/plot-layout.js';
import { HAVE_TRACES, ROOT, TRACES } from '../helpers/shared.js';
import { checkSvg } from '../helpers/svg.js';

const readCsv = (path: string): Array<Record<string, string>> => parseCsv(readFileSync(path, 'utf8'));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mptrace-layout-'));
const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');

type Summary = Awaited<ReturnType<typeof analyze>>['summary'];

/** Checks every plot of a run: well-formed, text at least `minFont`, the legend below the data, one series and one legend entry per subflow that carried data. */
function checkPlots(out: string, summary: Summary, minFont: number): number {
  let checked = 0;
  for (const file of summary.plots!.files) {
    const svg = readFileSync(join(out, file), 'utf8');
    expect(checkSvg(svg), file).not.toHaveProperty('error');
    const l = plotLayout(svg);
    expect(l.fontSizes.length, file).toBeGreaterThan(0);
    expect(Math.min(...l.fontSizes), file).toBeGreaterThanOrEqual(minFont);
    if (l.area !== null && l.legend !== null) {
      // The legend's box starts below the plot area's (and its time axis).
      expect(l.legend.y, file).toBeGreaterThanOrEqual(l.area.y + l.area.height);
    }
    const m = /conn-(\d+)-(c2s|s2c)-(dsn|goodput)\.svg$/.exec(file);
    if (m !== null) {
      const conn = summary.connections.find((c) => c.conn === Number(m[1]))!;
      const carried = [...new Set(conn.subflows.filter((s) => s[m[2] as 'c2s' | 's2c'].payload_bytes > 0).map((s) => Math.min(8, s.subflow)))].sort((a, b) => a - b);
      expect(l.series, file).toEqual(carried);
      expect(l.keys, file).toEqual(carried);
    }
    checked++;
  }
  return checked;
}

describe('plot layout on the bundled capture', async () => {
  const out = join(tmp(), 'out');
  const r = await analyze(HANDOVER, { out });

  it('every plot: text of 12 px or more, the legend below the data, a series and a legend entry per subflow that carried data', () => {
    expect(checkPlots(out, r.summary, 12)).toBe(7);
    expect(r.summary.plots!.style).toBe('screen');
    expect(r.summary.plots!.time_base).toBe('connection');
  });

  it('subflows are named with their endpoints', () => {
    const svg = readFileSync(join(out, 'plots', 'conn-0-s2c-dsn.svg'), 'utf8');
    expect(svg).toContain('subflow 0 (initial) 10.1.1.1:52190 ↔ 10.1.2.1:5201');
    expect(svg).toContain('subflow 1 (join, backup) 10.2.1.1:53593 ↔ 10.1.2.1:5201');
  });

  it('the close up shades the stall handovers.csv gives (0.201 s from stall_start)', () => {
    const svg = readFileSync(join(out, 'plots', 'conn-0-s2c-handover-0.svg'), 'utf8');
    const h = readCsv(join(out, 'handovers.csv'))[0]!;
    expect(Number(h.stall)).toBeCloseTo(0.201482, 6);
    const stall = /<rect class="stall" x="([\d.]+)" y="0" width="([\d.]+)"/.exec(svg);
    expect(stall).not.toBeNull();
    // Pixels per second from the time axis: the band is the stall's width.
    const ticks = [...svg.matchAll(/<g class="tick" opacity="1" transform="translate\(([\d.]+),0\)"><line[^>]*><\/line><text[^>]*>([\d.]+)<\/text>/g)].map((m) => [Number(m[2]), Number(m[1])] as const);
    const perSecond = (ticks.at(-1)![1] - ticks[0]![1]) / (ticks.at(-1)![0] - ticks[0]![0]);
    expect(Number(stall![2]) / perSecond).toBeCloseTo(0.2015, 2);
    expect(svg).toContain('stall 0.201 s');
  });
});

describe('--style paper and paper-wide', async () => {
  for (const [style, inches] of [
    ['paper', '3.5in'],
    ['paper-wide', '7.167in'],
  ] as const) {
    const out = join(tmp(), 'out');
    const r = await analyze(HANDOVER, { out, style });
    it(`${style}: ${inches} wide, 8 pt text, no CSS, the legend below the data`, () => {
      expect(checkPlots(out, r.summary, 8)).toBe(7);
      for (const f of r.summary.plots!.files) {
        const svg = readFileSync(join(out, f), 'utf8');
        expect(svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="${inches}"`), f).toBe(true);
        expect(svg).toContain('font-size="8"');
        expect(svg).not.toContain('<style');
      }
    });
  }
});

describe('choosing what to plot and write', () => {
  const run = async (opts: AnalyzeOptions): Promise<{ out: string; r: Awaited<ReturnType<typeof analyze>> }> => {
    const out = join(tmp(), 'out');
    return { out, r: await analyze(HANDOVER, { out, ...opts }) };
  };

  it('--since/--until keep the rows in the window, in every table, and the plots span it', async () => {
    const { out, r } = await run({ select: { since: 1, until: 2 } });
    const events = readCsv(join(out, 'events.csv'));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(Number(e.t)).toBeGreaterThanOrEqual(1), expect(Number(e.t)).toBeLessThanOrEqual(2);
    const all = readCsv(join((await run({})).out, 'events.csv'));
    expect(events).toEqual(all.filter((e) => Number(e.t) >= 1 && Number(e.t) <= 2));
    expect(r.summary.selection).toEqual({ conns: null, since: 1, until: 2 });
    // The DSN plot's time axis: from 1 s to 2 s after the capture's first packet.
    const svg = readFileSync(join(out, 'plots', 'conn-0-s2c-dsn.svg'), 'utf8');
    expect(svg).toContain('handover → 1');
  });

  it('--time-base capture counts the axes from the capture\'s first packet', async () => {
    const { out, r } = await run({ timeBase: 'capture' });
    const svg = readFileSync(join(out, 'plots', 'conn-0-s2c-dsn.svg'), 'utf8');
    expect(svg).toContain(`time 0 = the capture's first packet, ${r.summary.input.first_packet}`);
  });

  it('--conn with a number that is not there writes empty tables and no plots', async () => {
    const { out, r } = await run({ select: { conns: [5] } });
    expect(readCsv(join(out, 'connections.csv'))).toEqual([]);
    expect(r.summary.plots!.files).toEqual([]);
    expect(r.summary.totals.connections).toBe(0);
  });
});

describe.skipIf(!HAVE_TRACES)('plots of the shared captures the plots issue names', () => {
  const captures = ['lab/many.pcapng', 'lab/wifi-return.pcapng', 'lab/handover.pcapng', 'public/pymptcpanalyzer/client_2.pcap', 'public/theinversekey-multipath/fragmenttest.pcap'];
  for (const c of captures) {
    it(`${c}: every plot well-formed, 12 px text, legend below the data, a series per subflow`, async () => {
      const out = join(tmp(), 'out');
      const r = await analyze(join(TRACES, c), { out });
      expect(checkPlots(out, r.summary, 12)).toBeGreaterThan(2);
    });
  }

  it('lab/many: --conn 17 gives connection 17 alone, its plots and its rows', async () => {
    const out = join(tmp(), 'out');
    const r = await analyze(join(TRACES, 'lab/many.pcapng'), { out, select: { conns: [17] } });
    expect(readdirSync(join(out, 'plots')).sort()).toEqual(['conn-17-s2c-dsn.svg', 'conn-17-s2c-flight.svg', 'conn-17-s2c-goodput.svg', 'conn-17-s2c-ofo.svg', 'conn-17-s2c-rtt.svg', 'conn-17-timeline.svg']);
    expect(readCsv(join(out, 'connections.csv')).map((x) => x.conn)).toEqual(['17']);
    expect(new Set(readCsv(join(out, 'holes.csv')).map((x) => x.conn))).toEqual(new Set(['17']));
    expect(r.summary.connections.map((x) => x.conn)).toEqual([17]);
    expect(r.summary.plots!.connections_not_plotted).toEqual([]);
  });

  it('lab/many: the first 16 connections by number are plotted by default, all with --plots all, two with --plots 2', async () => {
    const timelines = async (plotLimit?: number): Promise<string[]> => {
      const out = join(tmp(), 'out');
      const r = await analyze(join(TRACES, 'lab/many.pcapng'), { out, ...(plotLimit !== undefined ? { plotLimit } : {}) });
      return r.summary.plots!.files.filter((f) => f.endsWith('timeline.svg'));
    };
    const range = (n: number): string[] => Array.from({ length: n }, (_, i) => `plots/conn-${i}-timeline.svg`);
    expect(await timelines()).toEqual(range(16));
    expect(await timelines(Infinity)).toEqual(range(20));
    expect(await timelines(2)).toEqual(range(2));
  });
});
