// d3-node ships no types: the part mptrace uses.
declare module 'd3-node' {
  import type * as D3 from 'd3';
  export class D3Node {
    constructor(options?: { styles?: string; d3Module?: typeof D3 });
    d3: typeof D3;
    d3Element: D3.Selection<HTMLElement, unknown, null, undefined>;
    createSVG(width: number, height: number, attrs?: Record<string, string | number>): D3.Selection<SVGSVGElement, unknown, null, undefined>;
    svgString(): string;
  }
}
