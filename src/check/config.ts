/**
 * `--config FILE`: the limits in YAML, per trace glob and per connection
 * selector, each rule at level error or warn. Every key and type is
 * checked; a mistake is a UsageError (exit 64) naming the file, line and
 * key. The schema is in docs/check.md.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import { LIMITS, limitByFlag, MIN_CONNECTIONS_FLAG, parseLimit, type LimitValue } from './limits.js';
import { NO_SELECTOR, parsePrefix, parseTolerance, type Config, type Level, type Rule, type Selector } from './rules.js';

const TOP_KEYS = ['limits', 'level', 'rules', MIN_CONNECTIONS_FLAG, 'allow-unknown', 'tolerance'];
const RULE_KEYS = ['name', 'traces', 'server-port', 'client-addr', 'dir', 'level', 'limits', MIN_CONNECTIONS_FLAG];

class Reader {
  readonly lines = new LineCounter();
  constructor(readonly file: string) {}

  fail(node: Node | Pair | null | undefined, what: string): never {
    const range = node && 'range' in node && node.range ? node.range : node && 'key' in node && isScalar(node.key) && node.key.range ? node.key.range : null;
    const where = range ? `:${this.lines.linePos(range[0]).line}` : '';
    throw new UsageError(`${this.file}${where}: ${what}`);
  }

  map(node: Node | null | undefined, what: string): YAMLMap {
    if (!isMap(node)) this.fail(node, `${what} must be a mapping of keys to values`);
    return node;
  }

  keys(m: YAMLMap, allowed: readonly string[], what: string): Map<string, Pair> {
    const out = new Map<string, Pair>();
    for (const p of m.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!allowed.includes(k)) this.fail(p, `unknown key '${k}' in ${what} (expected one of: ${allowed.join(', ')})`);
      out.set(k, p);
    }
    return out;
  }

  scalar(p: Pair, key: string): unknown {
    if (!isScalar(p.value)) this.fail(p, `'${key}' must be a single value`);
    return p.value.value;
  }

  /** A value or a list of values. */
  list(p: Pair, key: string): unknown[] {
    if (isSeq(p.value)) {
      return p.value.items.map((x) => {
        if (!isScalar(x)) this.fail(p, `'${key}' must be a value or a list of values`);
        return x.value;
      });
    }
    return [this.scalar(p, key)];
  }
}

function parseLimits(r: Reader, p: Pair, where: string): LimitValue[] {
  const m = r.map(p.value as Node, `'limits' in ${where}`);
  const keys = r.keys(m, LIMITS.map((l) => l.flag), `'limits' of ${where}`);
  const out: LimitValue[] = [];
  for (const [k, pair] of keys) {
    const def = limitByFlag(k)!;
    const v = parseLimit(def, r.scalar(pair, k));
    if (typeof v === 'string') r.fail(pair, `'${k}' ${v}`);
    out.push({ def, bound: v });
  }
  return out;
}

function level(r: Reader, p: Pair | undefined): Level {
  if (p === undefined) return 'error';
  const v = r.scalar(p, 'level');
  if (v !== 'error' && v !== 'warn') r.fail(p, `'level' must be error or warn, not '${String(v)}'`);
  return v;
}

function count(r: Reader, p: Pair, key: string): number {
  const v = r.scalar(p, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) r.fail(p, `'${key}' must be a whole number`);
  return v;
}

function parseRule(r: Reader, node: Node, index: number): Rule {
  const m = r.map(node, `rule ${index + 1}`);
  const line = m.range ? r.lines.linePos(m.range[0]).line : 0;
  const k = r.keys(m, RULE_KEYS, `rule ${index + 1}`);
  const sel: Selector = { ...NO_SELECTOR };
  const traces = k.get('traces');
  if (traces) {
    sel.traces = r.list(traces, 'traces').map((x) => {
      if (typeof x !== 'string' || x === '') r.fail(traces, "'traces' takes file-name globs (e.g. \"handover*.pcap*\")");
      return x;
    });
  }
  const ports = k.get('server-port');
  if (ports) {
    sel.serverPorts = r.list(ports, 'server-port').map((x) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 65535) r.fail(ports, "'server-port' takes port numbers (0 to 65535)");
      return x;
    });
  }
  const addrs = k.get('client-addr');
  if (addrs) {
    sel.clientAddrs = r.list(addrs, 'client-addr').map((x) => {
      if (typeof x !== 'string' || parsePrefix(x) === null) r.fail(addrs, `'client-addr' takes addresses or prefixes (10.1.1.1, 10.0.0.0/8, fd00::/16), not '${String(x)}'`);
      return x;
    });
  }
  const dir = k.get('dir');
  if (dir) {
    const v = r.scalar(dir, 'dir');
    if (v !== 'c2s' && v !== 's2c') r.fail(dir, `'dir' must be c2s or s2c, not '${String(v)}'`);
    sel.dir = v;
  }
  const name = k.get('name');
  const mc = k.get(MIN_CONNECTIONS_FLAG);
  if (mc && (sel.serverPorts || sel.clientAddrs || sel.dir)) r.fail(mc, `'${MIN_CONNECTIONS_FLAG}' counts a trace's connections: it takes only a 'traces' selector`);
  const lim = k.get('limits');
  return {
    name: name ? String(r.scalar(name, 'name')) : `${r.file}:${line}`,
    level: level(r, k.get('level')),
    select: sel,
    limits: lim ? parseLimits(r, lim, `rule ${index + 1}`) : [],
    minConnections: mc ? count(r, mc, MIN_CONNECTIONS_FLAG) : null,
  };
}

/** Reads and validates a config file. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the config: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const r: Reader = new Reader(file);
  const doc = parseDocument(text, { lineCounter: r.lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new UsageError(`${file}:${r.lines.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  if (doc.contents === null) return { rules: [], allowUnknown: null, tolerance: null };
  const top = r.map(doc.contents, 'the config');
  const k = r.keys(top, TOP_KEYS, 'the config');
  const rules: Rule[] = [];
  const lim = k.get('limits');
  const mc = k.get(MIN_CONNECTIONS_FLAG);
  if (lim || mc) {
    rules.push({ name: `${file}`, level: level(r, k.get('level')), select: { ...NO_SELECTOR }, limits: lim ? parseLimits(r, lim, 'the config') : [], minConnections: mc ? count(r, mc, MIN_CONNECTIONS_FLAG) : null });
  }
  const list = k.get('rules');
  if (list) {
    if (!isSeq(list.value)) r.fail(list, "'rules' must be a list");
    list.value.items.forEach((n, i) => rules.push(parseRule(r, n as Node, i)));
  }
  const au = k.get('allow-unknown');
  let allowUnknown: boolean | null = null;
  if (au) {
    const v = r.scalar(au, 'allow-unknown');
    if (typeof v !== 'boolean') r.fail(au, "'allow-unknown' must be true or false");
    allowUnknown = v;
  }
  const tol = k.get('tolerance');
  let tolerance: number | null = null;
  if (tol) {
    const v = parseTolerance(r.scalar(tol, 'tolerance'));
    if (typeof v === 'string') r.fail(tol, `'tolerance' ${v}`);
    tolerance = v;
  }
  return { rules, allowUnknown, tolerance };
}

