import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/shared.js';

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('opens with the two commands: install and analyze a bundled capture, and the tests', () => {
    expect(readme.split('\n').slice(0, 6)).toEqual(['# mptrace', '', '```sh', 'npm install && npx mptrace analyze fixtures/lab/handover.client.pcap', 'npm test', '```']);
  });

  it('shows what that command prints, line for line', () => {
    const example = /## Example[\s\S]*?```\n([\s\S]*?)```/.exec(readme)![1]!;
    // Run where a user would: the default output directory lands in the current one.
    const cwd = mkdtempSync(join(tmpdir(), 'mptrace-readme-'));
    const r = runCli(['analyze', join(ROOT, 'fixtures', 'lab', 'handover.client.pcap')], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    // The first line names the file by the path given; the README leaves it out.
    expect(r.stdout.endsWith(example)).toBe(true);
    expect(r.stdout.split('\n')[0]).toMatch(/handover\.client\.pcap: pcap \(little-endian, nanosecond\); 12898 frames/);
  });
});
