/**
 * Plot geometry and the marks' look, in one place: the screen style, and
 * the paper styles sized for a column (3.5 in) or a page width (7 in) of
 * a two-column paper with 8 pt text. Paper SVGs are sized in inches with
 * a viewBox in points (1 user unit = 1 pt), so LaTeX and Inkscape place
 * them at their size and the text at 8 pt.
 */
export type StyleName = 'screen' | 'paper' | 'paper-wide';
export const STYLE_NAMES: readonly StyleName[] = ['screen', 'paper', 'paper-wide'];

export interface PlotStyle {
  readonly name: StyleName;
  /** Document width in user units (px on screen, pt on paper), and the unit written on the root element. */
  readonly width: number;
  readonly unit: '' | 'in';
  /** Height of the plot area. */
  readonly plotHeight: number;
  readonly font: number;
  readonly margin: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  /** Title and "time 0" lines above the plot (a paper's caption says it instead). */
  readonly title: boolean;
  /** Series stroke width, marker half-size, legend row height, timeline row height. */
  readonly line: number;
  readonly marker: number;
  readonly row: number;
  readonly timelineRow: number;
  /** Height of the strip showing each subflow's share of the data. */
  readonly strip: number;
}

export const STYLES: Record<StyleName, PlotStyle> = {
  screen: { name: 'screen', width: 960, unit: '', plotHeight: 420, font: 12, margin: { left: 88, right: 24, top: 50, bottom: 48 }, title: true, line: 1.5, marker: 3.5, row: 18, timelineRow: 34, strip: 14 },
  paper: { name: 'paper', width: 252, unit: 'in', plotHeight: 130, font: 8, margin: { left: 40, right: 8, top: 6, bottom: 34 }, title: false, line: 0.8, marker: 2, row: 11, timelineRow: 22, strip: 8 },
  'paper-wide': { name: 'paper-wide', width: 516, unit: 'in', plotHeight: 190, font: 8, margin: { left: 44, right: 8, top: 6, bottom: 34 }, title: false, line: 0.9, marker: 2.2, row: 11, timelineRow: 22, strip: 9 },
};

/** Width of the plot area. */
export const plotWidth = (s: PlotStyle): number => s.width - s.margin.left - s.margin.right;

/** A rough width of `text` at `font` (sans-serif averages 0.6 em per character): enough to lay labels out without overlap. */
export const textWidth = (text: string, font: number): number => text.length * font * 0.6;

/** `text` cut to fit `width` at `font`, with an ellipsis. */
export function fit(text: string, width: number, font: number): string {
  const n = Math.floor(width / (font * 0.6));
  return text.length <= n ? text : `${text.slice(0, Math.max(1, n - 1))}…`;
}

/**
 * Subflow colours: after Paul Tol's "muted" scheme (its sand made the
 * darker yellow of his high-contrast one, to stand out on white), safe
 * for the common colour blindnesses, ordered so that neighbours differ in
 * lightness too (grey print); each subflow also has its own marker shape. Marks that are not
 * subflows use black and greys, which are not in the list.
 */
export const SUBFLOW_COLOURS = ['#332288', '#ddaa33', '#117733', '#88ccee', '#882255', '#44aa99', '#cc6677', '#999933'];
/** Subflows past the eighth, drawn together. */
export const OTHERS_COLOUR = '#aa4499';
export const ACK_COLOUR = '#666666';
export const REINJECTION_COLOUR = '#000000';
export const HOLE_COLOUR = '#777777';

export const subflowColour = (i: number): string => SUBFLOW_COLOURS[i] ?? OTHERS_COLOUR;

/** Marker shapes by subflow: filled circle, square, triangle, diamond, down triangle, then open circle, square, triangle. */
export function marker(i: number, x: number, y: number, s: number): string {
  const r = (v: number): string => String(Math.round(v * 10) / 10);
  const d = 2 * s;
  switch (i % 8) {
    case 0:
    case 5:
      return `M${r(x - s)},${r(y)}a${r(s)},${r(s)} 0 1,0 ${r(d)},0a${r(s)},${r(s)} 0 1,0 ${r(-d)},0`;
    case 1:
    case 6:
      return `M${r(x - s)},${r(y - s)}h${r(d)}v${r(d)}h${r(-d)}z`;
    case 2:
    case 7:
      return `M${r(x)},${r(y - s * 1.15)}l${r(s * 1.15)},${r(d)}h${r(-2 * s * 1.15)}z`;
    case 3:
      return `M${r(x)},${r(y - s * 1.3)}l${r(s * 1.3)},${r(s * 1.3)}l${r(-s * 1.3)},${r(s * 1.3)}l${r(-s * 1.3)},${r(-s * 1.3)}z`;
    default:
      return `M${r(x)},${r(y + s * 1.15)}l${r(s * 1.15)},${r(-d)}h${r(-2 * s * 1.15)}z`;
  }
}

/** Markers 5 to 7 are drawn open (white inside), the others filled. */
export const markerFill = (i: number, colour: string): string => (i % 8 >= 5 ? '#ffffff' : colour);
