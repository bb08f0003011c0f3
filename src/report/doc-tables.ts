/**
 * The tables of the docs that are generated from the declarations they
 * describe (columns, metrics, limits), so the docs cannot drift from the
 * code. A generated table sits between
 * `<!-- generated: NAME -->` and `<!-- end generated -->`;
 * `npm run docs` rewrites them and test/docs.test.ts fails when one is stale.
 */
import { metricsTable } from '../analyze/metrics.js';
import { ARG_TEXT, LIMITS, MIN_CONNECTIONS_FLAG } from '../check/limits.js';
import { columnTable, CONNECTION_COLUMNS, SUBFLOW_COLUMNS, type Column } from './columns.js';
import { PACKET_COLUMNS, TABLE_FILES } from './tables.js';
import { LOST_COLUMNS, OWD_COLUMNS, QUALIFIED_COLUMNS } from './compare-tables.js';

function limitsTable(): string {
  const lines = ['| flag / config key | metric | passes when | value |', '|---|---|---|---|'];
  for (const l of LIMITS) lines.push(`| \`--${l.flag}\` | \`${l.metric.name}\` | ${l.describe} | ${l.arg === 'flag' ? 'none on the command line; `true` or `false` in the config' : ARG_TEXT[l.arg]} |`);
  lines.push(`| \`--${MIN_CONNECTIONS_FLAG}\` | connections | MPTCP connections per trace, at least N (default 1: a trace without MPTCP fails) | ${ARG_TEXT.count} |`);
  return lines.join('\n');
}

/** Generated tables by file (relative to the project root) and name. */
export const DOC_TABLES: Record<string, Record<string, () => string>> = {
  'docs/outputs.md': {
    'connections.csv': () => columnTable(CONNECTION_COLUMNS as readonly Column<never>[]),
    'subflows.csv': () => columnTable(SUBFLOW_COLUMNS as readonly Column<never>[]),
    ...Object.fromEntries(TABLE_FILES.map((f) => [`${f.name}.csv`, () => columnTable(f.columns)])),
    'packets.csv': () => columnTable(PACKET_COLUMNS as readonly Column<never>[]),
  },
  'docs/compare.md': {
    'owd.csv': () => columnTable(OWD_COLUMNS as readonly Column<never>[]),
    'lost.csv': () => columnTable(LOST_COLUMNS as readonly Column<never>[]),
    'reinjections.csv': () => columnTable(QUALIFIED_COLUMNS as readonly Column<never>[]),
  },
  'docs/check.md': {
    limits: limitsTable,
    metrics: metricsTable,
  },
};

const REGION = /(<!-- generated: (\S+) -->)\n(?:[\s\S]*?\n)??(<!-- end generated -->)/g;

/** The text with every generated region filled anew; throws on a region this file does not generate, or one missing. */
export function fillTables(file: string, text: string): string {
  const tables = DOC_TABLES[file] ?? {};
  const seen = new Set<string>();
  const out = text.replace(REGION, (_m, open: string, name: string, close: string) => {
    const make = tables[name];
    if (make === undefined) throw new Error(`${file}: no generated table named ${name}`);
    seen.add(name);
    return `${open}\n${make()}\n${close}`;
  });
  for (const name of Object.keys(tables)) if (!seen.has(name)) throw new Error(`${file}: the generated table ${name} has no place (<!-- generated: ${name} -->)`);
  return out;
}
