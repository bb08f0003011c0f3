/**
 * SVG written as text: the few elements the plots use, escaped, with no
 * DOM. (d3-node's jsdom cost 0.26 s and 82 MB before the first plot; d3's
 * scales and shapes need no DOM, and an axis is a handful of elements.)
 */
import type { ScaleLinear } from 'd3-scale';

export type Attrs = Record<string, string | number | undefined>;

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attrText(a: Attrs): string {
  let s = '';
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) s += ` ${k}="${escape(String(v))}"`;
  }
  return s;
}

/**
 * An SVG document being written. Looks are presentation attributes, not
 * CSS (Inkscape, and LaTeX through it, take them as they are); text
 * inherits the font set on the root.
 */
export class Svg {
  private readonly parts: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    opts: { unit?: '' | 'in'; font?: number } = {},
  ) {
    const unit = opts.unit ?? '';
    // Inches for paper: 72 user units (points) to the inch.
    const size = (v: number): string => (unit === 'in' ? `${Math.round((v / 72) * 1000) / 1000}in` : String(v));
    this.parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${size(width)}" height="${size(height)}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${opts.font ?? 12}">`);
  }

  /** An element with no children, or with text. */
  el(name: string, attrs: Attrs, text?: string): this {
    this.parts.push(`<${name}${attrText(attrs)}>${text === undefined ? '' : escape(text)}</${name}>`);
    return this;
  }

  open(name: string, attrs: Attrs = {}): this {
    this.parts.push(`<${name}${attrText(attrs)}>`);
    return this;
  }

  close(name: string): this {
    this.parts.push(`</${name}>`);
    return this;
  }

  /** A raw fragment the caller built (already escaped). */
  raw(s: string): this {
    this.parts.push(s);
    return this;
  }

  toString(): string {
    return `${this.parts.join('')}</svg>`;
  }
}

const AXIS = '#888888';

/** A pixel position, to a tenth, on the half pixel (crisp 1-px lines, as d3-axis does). */
const half = (v: number): string => String((Math.round(v * 10) + 5) / 10);

/**
 * A horizontal axis along the bottom, as d3-axis draws one: a domain line,
 * then a tick (line and label) per value of `scale.ticks(count)`.
 */
export function axisBottom(svg: Svg, scale: ScaleLinear<number, number>, count: number, y: number, format?: (v: number) => string, tick = 6): void {
  const [r0, r1] = scale.range() as [number, number];
  const fmt = format ?? scale.tickFormat(count);
  svg.open('g', { class: 'axis', transform: `translate(0,${y})`, 'text-anchor': 'middle', stroke: AXIS });
  svg.el('path', { class: 'domain', fill: 'none', d: `M${half(r0)},${tick}V0.5H${half(r1)}V${tick}` });
  for (const v of scale.ticks(count)) {
    svg.raw(`<g class="tick" opacity="1" transform="translate(${half(scale(v))},0)"><line y2="${tick}"></line><text y="${tick + 3}" dy="0.71em" stroke="none" fill="#000">${escape(fmt(v))}</text></g>`);
  }
  svg.close('g');
}

/** A vertical axis on the left; with `gridWidth`, grid lines across the plot instead of labelled ticks. */
export function axisLeft(svg: Svg, scale: ScaleLinear<number, number>, count: number, format: (v: number) => string, gridWidth?: number, tick = 6): void {
  const [r0, r1] = scale.range() as [number, number];
  if (gridWidth !== undefined) {
    svg.open('g', { class: 'grid', stroke: '#e8e8e8' });
    for (const v of scale.ticks(count)) svg.raw(`<g class="tick" opacity="1" transform="translate(0,${half(scale(v))})"><line x2="${gridWidth}"></line></g>`);
    svg.close('g');
    return;
  }
  svg.open('g', { class: 'axis', 'text-anchor': 'end', stroke: AXIS });
  svg.el('path', { class: 'domain', fill: 'none', d: `M-${tick},${half(r0)}H0.5V${half(r1)}H-${tick}` });
  for (const v of scale.ticks(count)) {
    svg.raw(`<g class="tick" opacity="1" transform="translate(0,${half(scale(v))})"><line x2="-${tick}"></line><text x="-${tick + 3}" dy="0.32em" stroke="none" fill="#000">${escape(format(v))}</text></g>`);
  }
  svg.close('g');
}
