/**
 * Checks that an SVG string is well-formed XML of the kind our plots are
 * (elements, attributes in double quotes, text, one CDATA style block),
 * and counts its elements. Returns a description of the first problem, or
 * the element count.
 */
export function checkSvg(svg: string): { elements: number } | { error: string } {
  const body = svg.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  let elements = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) return { error: `bare & in text near ${i}` };
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (m === null) return { error: `malformed tag at ${lt}: ${body.slice(lt, lt + 60)}` };
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) return { error: `</${name}> closes <${open}> at ${lt}` };
    } else {
      elements++;
      if (!selfClose) stack.push(name!);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0) return { error: `unclosed <${stack.join('> <')}>` };
  return { elements };
}

/** The time axis's ticks: [label value, x] pairs. */
export function timeTicks(svg: string): Array<[number, number]> {
  const axis = svg.slice(svg.indexOf('<g class="axis"'));
  return [...axis.matchAll(/<g class="tick" opacity="1" transform="translate\(([\d.]+),0\)"><line[^>]*><\/line><text[^>]*>([\d.]+)<\/text>/g)].map((m) => [Number(m[2]), Number(m[1])]);
}

/** Event marks: label and x. */
export function eventMarks(svg: string): Array<{ label: string; x: number }> {
  return [...svg.matchAll(/<g class="event"><line x1="([\d.]+)"[^>]*><\/line>(?:<text[^>]*>([^<]*)<\/text>)?<\/g>/g)].map((m) => ({ label: m[2] ?? '', x: Number(m[1]) }));
}
