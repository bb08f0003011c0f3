/**
 * `JSON.stringify(value, replacer, 2)` and a line end, in pieces: a value
 * holding a long array (summary.json's connections, a connection's
 * subflows, check's outcomes) is taken apart, the rest stringified whole,
 * so that a document of 100 k connections is never one string.
 */

/** JSON.stringify's replacer, for one that reads only the value (as check's rounding does): a value stringified whole is passed to it with the key '' (JSON.stringify passes its key), and a container taken apart is not passed to it. */
export type JsonReplacer = (key: string, value: unknown) => unknown;

/**
 * A value already stringified compactly (`JSON.stringify(v)`), written out
 * indented as `JSON.stringify(v, null, 2)` would, without being parsed
 * into objects again: summary.json's connections, kept as text until the
 * end (a join flood's one connection is 9 MB of it).
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Pieces of text gathered into strings of about `chars` (64 k) characters, one write each: neither a write per piece nor the whole as one string. */
export function* batched(pieces: Iterable<string>, chars = 1 << 16): Generator<string> {
  let batch = '';
  for (const p of pieces) {
    batch += p;
    if (batch.length < chars) continue;
    yield batch;
    batch = '';
  }
  if (batch !== '') yield batch;
}

export function jsonPieces(value: unknown, replacer: JsonReplacer | null = null): Generator<string> {
  return prettyJson(value, '', 0, '\n', replacer);
}

/** Levels of arrays and objects taken apart at most (summary, connections, a connection, its subflows; check's report, traces, a trace, its outcomes); deeper values are stringified whole. */
const PIECE_DEPTH = 4;
/** A value is taken apart when it holds, within PIECE_DEPTH, an array longer than this (the connections, a connection's subflows); a smaller one is one piece. */
const PIECE_LIST = 32;

/** Elements of an array of leaves written as one piece. */
const LEAVES_PIECE = 512;

/** A value JSON writes without nesting. */
function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

/** Whether JSON has a form for `v` (in an array, what has none is null). */
function isJson(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/** Whether `value`, at `depth`, holds a long array within PIECE_DEPTH. */
function isLarge(value: unknown, depth: number): boolean {
  // Text kept as such is written in pieces of its own, and its containers taken apart to reach it (it must be within PIECE_DEPTH).
  if (value instanceof JsonText) return true;
  if (value === null || typeof value !== 'object' || depth >= PIECE_DEPTH) return false;
  if (Array.isArray(value) && value.length > PIECE_LIST) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (isLarge(v, depth + 1)) return true;
  return false;
}

/** JSON.stringify(value, replacer, 2) at indent `indent` (nested `depth` deep), in pieces, followed by `after`. Values are what JSON holds (no toJSON, no Map). */
function* prettyJson(value: unknown, indent: string, depth: number, after: string, replacer: JsonReplacer | null): Generator<string> {
  if (value instanceof JsonText) {
    yield* indentedJson(value.text, indent);
    yield after;
    return;
  }
  if (!isLarge(value, depth)) {
    yield `${JSON.stringify(value, replacer ?? undefined, 2).replaceAll('\n', `\n${indent}`)}${after}`;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield `[]${after}`;
      return;
    }
    yield '[';
    if (value.every(isLeaf)) {
      // Numbers, text, booleans (the connections not plotted: 100 k numbers), a few hundred at a time: not a piece and a generator each.
      for (let i = 0; i < value.length; i += LEAVES_PIECE) {
        const part = value.slice(i, i + LEAVES_PIECE).map((v) => (JSON.stringify(isJson(v) ? v : null, replacer ?? undefined, 2) ?? 'null').replaceAll('\n', `\n${inner}`));
        yield `\n${inner}${part.join(`,\n${inner}`)}${i + LEAVES_PIECE < value.length ? ',' : ''}`;
      }
      yield `\n${indent}]${after}`;
      return;
    }
    for (let i = 0; i < value.length; i++) {
      // As JSON.stringify writes them in arrays: what has no JSON form is null.
      const v = isJson(value[i]) ? value[i] : null;
      yield `\n${inner}`;
      yield* prettyJson(v, inner, depth + 1, i + 1 < value.length ? ',' : '', replacer);
    }
    yield `\n${indent}]${after}`;
    return;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => {
    const v = obj[k];
    return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  });
  if (keys.length === 0) {
    yield `{}${after}`;
    return;
  }
  yield '{';
  for (let i = 0; i < keys.length; i++) {
    yield `\n${inner}${JSON.stringify(keys[i])}: `;
    yield* prettyJson(obj[keys[i]!], inner, depth + 1, i + 1 < keys.length ? ',' : '', replacer);
  }
  yield `\n${indent}}${after}`;
}


/** UTF-16 code units of indented JSON in one piece, at most (64 kB). */
const INDENT_PIECE = 1 << 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LINE_END = 0x0a;
const SPACE = 0x20;

const utf16 = new TextDecoder('utf-16le');

/**
 * The buffer indentedJson fills, one for every call: one per call was a
 * store outside V8's heap, freed only by a collection (summary.json's
 * 1,000 connections of a busy capture: 64 MB of them at the end of the
 * run, 10 MB more peak memory). Calls read in turns may share it: each
 * piece is decoded before it is yielded, and nothing is left in the
 * buffer across a yield.
 */
let shared: Uint16Array | null = null;

/**
 * Compact JSON text (as JSON.stringify writes it: no whitespace outside
 * strings) as `JSON.stringify(JSON.parse(text), null, 2)` at indent
 * `indent` (spaces), in pieces of at most `piece` code units: a line
 * break and the nesting's indent after each opening bracket and comma and
 * before each closing one, `: ` after a key, `[]` and `{}` kept whole.
 * Strings are copied as they are (JSON.stringify writes the same escapes
 * again); so are numbers (their shortest form reads back to the same
 * number). The text is copied unit by unit into one buffer, decoded once
 * per piece: a string built by concatenation made a string object per
 * bracket and comma (114 MB for a join flood's 17 MB connection).
 */
export function* indentedJson(text: string, indent: string, piece = INDENT_PIECE): Generator<string> {
  let buf = piece === INDENT_PIECE ? (shared ??= new Uint16Array(INDENT_PIECE)) : new Uint16Array(piece);
  let n = 0;
  let level = 0;
  let inString = false;
  const base = indent.length;
  const end = text.length;
  for (let i = 0; i < end; i++) {
    // Room for this character (two units: an escape, a surrogate pair), a line break and the indent one level deeper.
    const room = 4 + base + 2 * (level + 1);
    if (n + room > buf.length) {
      if (n > 0) yield utf16.decode(buf.subarray(0, n));
      n = 0;
      if (room > buf.length) buf = new Uint16Array(2 * room);
    }
    const c = text.charCodeAt(i);
    buf[n++] = c;
    if (inString) {
      // An escaped character, or a surrogate pair, is copied whole: a piece never ends inside one.
      if (c === BACKSLASH || (c >= 0xd800 && c < 0xdc00 && i + 1 < end)) buf[n++] = text.charCodeAt(++i);
      else if (c === QUOTE) inString = false;
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        // An empty object or array stays as it is.
        if (text.charCodeAt(i + 1) === c + 2) buf[n++] = text.charCodeAt(++i);
        else n = lineBreak(buf, n, base + 2 * ++level);
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        n = lineBreak(buf, n - 1, base + 2 * --level);
        buf[n++] = c;
        break;
      case COMMA:
        n = lineBreak(buf, n, base + 2 * level);
        break;
      case COLON:
        buf[n++] = SPACE;
        break;
    }
  }
  yield utf16.decode(buf.subarray(0, n));
}

/** A line break and `spaces` of indent at `n`; the new end. */
function lineBreak(buf: Uint16Array, n: number, spaces: number): number {
  buf[n++] = LINE_END;
  buf.fill(SPACE, n, n + spaces);
  return n + spaces;
}
