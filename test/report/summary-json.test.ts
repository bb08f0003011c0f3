import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPasses } from '../../src/cli/analyze.js';
import { analyze } from '../../src/cli/analyze.js';
import type { ConnectionRecord } from '../../src/analyze/record.js';
import { JsonText, indentedJson, jsonPieces } from '../../src/report/json-pieces.js';
import { connectionSummary, connectionSummaryText, summaryJson, type Summary } from '../../src/report/summary.js';
import type { TimeBase } from '../../src/report/time.js';
import { rng } from '../helpers/random.js';
import { ROOT } from '../helpers/shared.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mptrace-summary-'));
const HANDOVER = join(ROOT, 'fixtures', 'lab', 'handover.client.pcap');
const TWO_SUBFLOWS = join(ROOT, 'fixtures', 'public', 'shuoshuc-mptcp_2_subflows.pcap');

const whole = (s: unknown): string => [...summaryJson(s as Summary)].join('');

const LEAVES = [null, 0, -0, 1.5, -17, 1e21, NaN, Infinity, true, false, '', 'a\nb "quoted" \\ \u2028', '0x0a', undefined];
/** Leaves whose text has JSON's structural characters, escapes, surrogate pairs and lone surrogates (which JSON.stringify escapes). */
const TEXT_LEAVES = [...LEAVES, '{"a":[1,2]}', '[],{}:,', '\\"', '\\', 'é ü', '\u{1f600}\u{1f4e6}x', '\ud800', 'x\udfff', '\u0001\t', 123456789.125, -1e-7];

/** A value of the kinds summary.json holds, and those JSON leaves out or turns to null, `depth` levels deep. */
function randomValue(rnd: () => number, depth: number, leaves = LEAVES): unknown {
  const r = rnd();
  if (depth > 5 || r < 0.35) {
    return leaves[Math.floor(rnd() * leaves.length)];
  }
  const n = Math.floor(rnd() * 4);
  if (r < 0.65) return Array.from({ length: n }, () => randomValue(rnd, depth + 1, leaves));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[rnd() < 0.2 ? String(i) : rnd() < 0.1 ? 'a "key": [x, {y}]' : `k${Math.floor(rnd() * 5)}`] = randomValue(rnd, depth + 1, leaves);
  return o;
}

describe('summary.json written in pieces', () => {
  it('is JSON.stringify(summary, null, 2) to the byte, for values of every kind nested six deep', () => {
    const rnd = rng(11);
    for (let i = 0; i < 2000; i++) {
      const v = { mptrace: 'x', connections: randomValue(rnd, 0), other: randomValue(rnd, 0) };
      expect(whole(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
    for (const v of [{}, [], null, 'text', { connections: [] }, { connections: [{}] }, { a: [[]] }, { a: undefined, b: () => 1 }]) expect(whole(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
    // Long lists of leaves (the connections not plotted), written a few hundred at a time.
    for (let i = 0; i < 50; i++) {
      const leaves = Array.from({ length: 33 + Math.floor(rnd() * 1500) }, () => [1, -0, 2.5, NaN, Infinity, 'a,"b"', '', true, null, undefined, () => 1, 1e21][Math.floor(rnd() * 12)]);
      const v = { plots: { connections_not_plotted: leaves, other: leaves.slice(0, 40) } };
      const pieces = [...summaryJson(v as unknown as Summary)];
      expect(pieces.length).toBeLessThan(20);
      expect(pieces.join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
  });

  it("is JSON.stringify(value, replacer, 2) with a replacer of values, as check's --json report rounds its numbers", () => {
    const round = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v);
    const rnd = rng(5);
    for (let i = 0; i < 300; i++) {
      // Outcome lists past PIECE_LIST, so that they are taken apart, with fractions at every level.
      const outcomes = Array.from({ length: 33 + Math.floor(rnd() * 20) }, () => ({ value: rnd() / 7, bound: Math.floor(rnd() * 9), more: randomValue(rnd, 3) }));
      const v = { mptrace: 'x', exit_code: 1, totals: { checks: rnd() * 3 }, traces: [{ trace: 't', outcomes }, { trace: 'u', outcomes: [1 / 3], values: Array.from({ length: 40 + Math.floor(rnd() * 900) }, () => rnd() / 7) }] };
      const pieces = [...jsonPieces(v, round)];
      expect(pieces.length).toBeGreaterThan(33);
      expect(pieces.join('')).toBe(`${JSON.stringify(v, round, 2)}\n`);
    }
  });

  it('is what analyze writes for the bundled handover capture, connection by connection in pieces', async () => {
    const out = join(tmp(), 'out');
    const r = await analyze(HANDOVER, { out, plots: false });
    const file = readFileSync(join(out, 'summary.json'), 'utf8');
    expect(file).toBe(`${JSON.stringify(r.summary, null, 2)}\n`);
    expect(r.summary.connections).toHaveLength(1);
    expect(r.summary.connections[0]!.subflows).toHaveLength(2);
    // Small: one piece. A connection of many subflows: a piece per subflow, the same text.
    expect([...summaryJson(r.summary)]).toHaveLength(1);
    const c = r.summary.connections[0]!;
    const flood = { ...r.summary, connections: [{ ...c, subflows: Array.from({ length: 500 }, (_, i) => ({ ...c.subflows[i % 2]!, subflow: i })) }] };
    const pieces = [...summaryJson(flood)];
    expect(pieces.length).toBeGreaterThan(500);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(10_000);
    expect(pieces.join('')).toBe(`${JSON.stringify(flood, null, 2)}\n`);
  });
});

describe('compact JSON text written indented (summary.json connections kept as text)', () => {
  it('is JSON.stringify(JSON.parse(text), null, 2) to the byte at any indent, whatever the pieces are cut at', () => {
    const rnd = rng(23);
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(rnd, 0, TEXT_LEAVES);
      const text = JSON.stringify(v);
      if (text === undefined) continue;
      const indent = ' '.repeat(2 * Math.floor(rnd() * 3));
      const piece = 4 + Math.floor(rnd() * 60);
      const pieces = [...indentedJson(text, indent, piece)];
      expect(pieces.join('')).toBe(JSON.stringify(v, null, 2).replaceAll('\n', `\n${indent}`));
      // Never longer than asked, but for a piece grown to hold one line break and its indent.
      for (const p of pieces.slice(0, -1)) expect(p.length).toBeLessThanOrEqual(Math.max(piece, 2 * (8 + indent.length + 2 * 8)));
    }
  });

  it('is right when two are read in turns (the buffer kept between calls is not shared by both)', () => {
    const rnd = rng(31);
    const big = (): unknown[] => Array.from({ length: 3000 }, () => randomValue(rnd, 1, TEXT_LEAVES) ?? null);
    const [a, b] = [big(), big()];
    const ga = indentedJson(JSON.stringify(a), '  ');
    const gb = indentedJson(JSON.stringify(b), '');
    const out = ['', ''];
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const [k, g] of [ga, gb].entries()) {
        if (done[k]) continue;
        const r = g.next();
        if (r.done) done[k] = true;
        else out[k] += r.value;
      }
    }
    expect(out[0]!.length).toBeGreaterThan(3 * (1 << 15));
    expect(out[0]).toBe(JSON.stringify(a, null, 2).replaceAll('\n', '\n  '));
    expect(out[1]).toBe(JSON.stringify(b, null, 2));
    // And again one after the other, the kept buffer reused.
    expect([...indentedJson(JSON.stringify(b), '')].join('')).toBe(out[1]);
  });

  it('stands for its value in jsonPieces, nested in arrays and objects taken apart', () => {
    const rnd = rng(29);
    for (let i = 0; i < 500; i++) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => randomValue(rnd, 1, TEXT_LEAVES) ?? null);
      const v = { mptrace: 'x', connections: values, after: randomValue(rnd, 2) };
      const asText = { ...v, connections: values.map((x) => new JsonText(JSON.stringify(x))) };
      expect([...jsonPieces(asText)].join('')).toBe(`${JSON.stringify(v, null, 2)}\n`);
    }
  });
});

describe("a connection's summary kept as text", () => {
  it('is JSON.stringify(connectionSummary) to the byte, on captures of one and two subflows', async () => {
    for (const capture of [HANDOVER, TWO_SUBFLOWS]) {
      const records: ConnectionRecord[] = [];
      let time: TimeBase | null = null;
      await runPasses(capture, {}, (t) => {
        time = t;
        return { sink: { connection: (c: ConnectionRecord) => records.push(c), row: () => {} }, needsDrain: false, drain: async () => {}, discard: async () => {} };
      });
      expect(records.length).toBeGreaterThan(0);
      for (const c of records) {
        expect(c.subflows.length).toBeGreaterThan(0);
        expect(connectionSummaryText(c, time!)).toBe(JSON.stringify(connectionSummary(c, time!)));
      }
    }
  });
});
