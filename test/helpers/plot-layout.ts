/** Where an SVG plot put its parts, read back from the markup render.ts writes. */
export interface PlotLayout {
  /** The plot area (data), in document units. */
  area: { x: number; y: number; width: number; height: number } | null;
  /** The legend's box: its rows span the document's width right of the left margin. */
  legend: { y: number; height: number } | null;
  /** Root font size and every other font-size set in the document. */
  fontSizes: number[];
  /** Subflow numbers with a drawn series, and with a legend entry. */
  series: number[];
  keys: number[];
}

const num = (s: string | undefined): number => Number(s);

export function plotLayout(svg: string): PlotLayout {
  const plot = /<g class="plot" transform="translate\(([\d.]+),([\d.]+)\)">/.exec(svg);
  const clip = /<clipPath id="area"><rect width="([\d.]+)" height="([\d.]+)">/.exec(svg);
  const legend = /<g class="legend" transform="translate\(([\d.]+),([\d.]+)\)" data-height="([\d.]+)">/.exec(svg);
  const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => num(m[1]));
  const classes = (re: RegExp): number[] => [...new Set([...svg.matchAll(re)].map((m) => num(m[1])))].sort((a, b) => a - b);
  return {
    area: plot && clip ? { x: num(plot[1]), y: num(plot[2]), width: num(clip[1]), height: num(clip[2]) } : null,
    legend: legend ? { y: num(legend[2]), height: num(legend[3]) } : null,
    fontSizes: sizes,
    series: classes(/<path class="series s(\d+)"/g),
    keys: classes(/<path class="key s(\d+)"/g),
  };
}
