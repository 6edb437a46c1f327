import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/backtest';
import type { CommandIo } from '../../src/cli/command';
import { csvOf, SUMMARY_FIELDS, SYNTHETIC_MBPS } from './support';

function capture(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (text: string) => (io.out += text) },
    stderr: { write: (text: string) => (io.err += text) },
    now: () => Date.now(),
  };
  return io;
}

describe('bwscaler backtest', () => {
  let dir: string;
  let trace: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bwscaler-backtest-'));
    trace = join(dir, 'trace.csv');
    await writeFile(trace, csvOf(SYNTHETIC_MBPS.map((mbps) => mbps * 1e6)));
  });

  it('ends --json output with one JSON line holding every documented figure', async () => {
    const io = capture();

    const code = await run(['--trace', trace, '--json', '--billing', 'postpaid-bandwidth'], {}, io);

    expect(code, io.err).toBe(0);
    const last = JSON.parse(io.out.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    for (const key of SUMMARY_FIELDS) {
      expect(last, key).toHaveProperty(key);
    }
    expect(last).toMatchObject({ trace: 'trace.csv', points: SYNTHETIC_MBPS.length, billing: 'postpaid-bandwidth', policy: 'web-fleet', mode: 'fast' });
    expect(io.out).toMatch(/oracle \(all demand\)/);
    expect(io.out).toMatch(/oracle \(best score\)/);
  });

  it('writes report.html with --report', async () => {
    const io = capture();
    const report = join(dir, 'report.html');

    const code = await run(['--trace', trace, '--report', report], {}, io);

    expect(code, io.err).toBe(0);
    expect(await readFile(report, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it.each([
    { name: 'no --trace', args: [], error: /--trace is required/ },
    { name: 'a missing trace file', args: ['--trace', '/nonexistent/trace.csv'], error: /cannot read trace \/nonexistent\/trace\.csv/ },
    { name: 'an unknown unit', args: ['--trace', 'x.csv', '--unit', 'kbps'], error: /--unit: expected one of bps, Bps, Mbps/ },
    { name: 'an unknown billing', args: ['--trace', 'x.csv', '--billing', 'monthly'], error: /--billing: expected one of postpaid-bandwidth/ },
    { name: 'requests without a size', args: ['--trace', 'x.csv', '--unit', 'requests-per-interval'], error: /needs --bytes-per-request/ },
    {
      name: 'a peak that is not a number',
      args: ['--trace', 'x.csv', '--peak-mbps', 'lots'],
      error: /--peak-mbps: expected a number greater than 0, got "lots"/,
    },
    { name: 'an unknown flag', args: ['--trace', 'x.csv', '--fast'], error: /Unknown option '--fast'/ },
    {
      name: 'an unknown policy name',
      args: ['--trace', '@TRACE', '--policy-name', 'nope'],
      error: /no policy named "nope" \(the file has: web-fleet, shop-subscription, api-traffic\)/,
    },
  ])('refuses $name with exit code 2 and a message naming it', async ({ args, error }) => {
    const io = capture();

    const code = await run(
      args.map((a) => (a === '@TRACE' ? trace : a)),
      {},
      io,
    );

    expect(code).toBe(2);
    expect(io.err).toMatch(error);
  });

  it('names the line of a malformed trace row', async () => {
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'timestamp,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:05:00Z,fast\n');
    const io = capture();

    const code = await run(['--trace', bad], {}, io);

    expect(code).toBe(2);
    expect(io.err).toMatch(/bad\.csv:3: expected a non-negative number, got "fast"/);
  });
});
