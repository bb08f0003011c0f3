/**
 * `JSON.stringify(value, replacer, 2)` and a line end, in pieces: a value
 * holding a long array (summary.json's connections, a connection's
 * subflows, check's outcomes) is taken apart, the rest stringified whole,
 * so that a document of 100 k connections is never one string.
 */

/** JSON.stringify's replacer, for one that reads only the value (as check's rounding does): a value stringified whole is passed to it with the key '' (JSON.stringify passes its key), and a container taken apart is not passed to it. */
export type JsonReplacer = (key: string, value: unknown) => unknown;

export function jsonPieces(value: unknown, replacer: JsonReplacer | null = null): Generator<string> {
  return prettyJson(value, '', 0, '\n', replacer);
}

/** Levels of arrays and objects taken apart at most (summary, connections, a connection, its subflows; check's report, traces, a trace, its outcomes); deeper values are stringified whole. */
const PIECE_DEPTH = 4;
/** A value is taken apart when it holds, within PIECE_DEPTH, an array longer than this (the connections, a connection's subflows); a smaller one is one piece. */
const PIECE_LIST = 32;

/** Whether `value`, at `depth`, holds a long array within PIECE_DEPTH. */
function isLarge(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || depth >= PIECE_DEPTH) return false;
  if (Array.isArray(value) && value.length > PIECE_LIST) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (isLarge(v, depth + 1)) return true;
  return false;
}

/** JSON.stringify(value, replacer, 2) at indent `indent` (nested `depth` deep), in pieces, followed by `after`. Values are what JSON holds (no toJSON, no Map). */
function* prettyJson(value: unknown, indent: string, depth: number, after: string, replacer: JsonReplacer | null): Generator<string> {
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
    for (let i = 0; i < value.length; i++) {
      // As JSON.stringify writes them in arrays: what has no JSON form is null.
      const v = value[i] === undefined || typeof value[i] === 'function' || typeof value[i] === 'symbol' ? null : value[i];
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

