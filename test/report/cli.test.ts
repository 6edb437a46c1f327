import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run as backtest } from '../../src/cli/backtest';
import type { CommandIo } from '../../src/cli/command';
import { run as runReport } from '../../src/report/cli';
import { csvOf, SYNTHETIC_MBPS } from '../sim/support';
import { makeInstance, makeReport } from './report-data';

describe('bwscaler report', () => {
  let directory: string;
  const output = { log: [] as string[], error: [] as string[] };

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'bwscaler-report-cli-'));
  });
  afterEach(() => {
    output.log.length = 0;
    output.error.length = 0;
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const io: CommandIo = {
    stdout: { write: (text: string) => output.log.push(text.replace(/\n$/, '')) },
    stderr: { write: (text: string) => output.error.push(text.replace(/\n$/, '')) },
    now: () => 0,
  };
  const run = (args: string[]) => runReport(args, {}, io);

  function dataFile(name: string, content: string): string {
    const file = join(directory, name);
    writeFileSync(file, content);
    return file;
  }

  it('writes the HTML report and prints the summary table', async () => {
    // Prepare
    const file = dataFile('run.json', JSON.stringify(makeReport([makeInstance({ instanceId: 'i-cli' })])));
    const out = join(directory, 'out.html');

    // Act
    const code = await run([file, '--out', out]);

    // Assess
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('data-chart="bandwidth"');
    expect(output.log.join('\n')).toMatch(/^resource\s+kind\s+billing/);
    expect(output.log.join('\n')).toContain('i-cli');
  });

  it('re-prices a saved run with --prices: currency, cost and score from the file', async () => {
    // Prepare
    const file = dataFile('priced.json', JSON.stringify(makeReport([makeInstance({ instanceId: 'i-priced' })])));
    const prices = dataFile(
      'prices.yaml',
      'currency: USD\npayAsYouGo: { tierMbps: 5, lowPerMbpsHour: 0.01, highPerMbpsHour: 0.04 }\nsubscription: { points: [[5, 18]], abovePerMbpsMonth: 12 }\ntrafficPerGb: 0.12\n',
    );
    const out = join(directory, 'priced.html');

    // Act
    const code = await run([file, '--out', out, '--prices', prices]);

    // Assess
    expect(code, output.error.join('\n')).toBe(0);
    expect(output.log.join('\n')).toMatch(/cost USD/);
    expect(output.log.join('\n')).toMatch(/\d\.\d{3}×/);
    expect(readFileSync(out, 'utf8')).toContain(`Repriced with ${prices}`);
  });

  it('exits 2 naming the path of a bad price', async () => {
    const file = dataFile('run2.json', JSON.stringify(makeReport([makeInstance({ instanceId: 'i-cli' })])));
    const prices = dataFile('bad-prices.yaml', 'currency: usd\n');

    const code = await run([file, '--out', join(directory, 'never2.html'), '--prices', prices]);

    expect(code).toBe(2);
    expect(output.error.join('\n')).toMatch(/bad-prices\.yaml: currency: expected a three-letter currency code/);
  });

  it('renders what `backtest --data` saved: a run can be rendered again without being run again', async () => {
    // Prepare
    const trace = dataFile('trace.csv', csvOf(SYNTHETIC_MBPS.map((mbps) => mbps * 1e6)));
    const saved = join(directory, 'backtest.json');
    expect(await backtest(['--trace', trace, '--data', saved], {}, io)).toBe(0);
    output.log.length = 0;

    // Act
    const code = await run([saved, '--out', join(directory, 'again.html')]);

    // Assess
    expect(code).toBe(0);
    expect(readFileSync(join(directory, 'again.html'), 'utf8')).toContain('data-chart="bandwidth"');
  });

  it('prints the summary figures as JSON with --json', async () => {
    const file = dataFile('json.json', JSON.stringify(makeReport([makeInstance({ instanceId: 'i-json' })])));
    const out = join(directory, 'json.html');

    const code = await run([file, '--out', out, '--json']);

    expect(code).toBe(0);
    const printed = JSON.parse(output.log.join('\n'));
    expect(printed).toMatchObject({ out, instances: [{ instanceId: 'i-json' }] });
  });

  it.each([
    { name: 'no file', args: () => [], code: 2, message: /usage: bwscaler report/ },
    { name: 'an unknown option', args: () => ['x.json', '--bogus'], code: 2, message: /usage: bwscaler report/ },
    { name: 'a missing file', args: () => [join(directory, 'absent.json')], code: 2, message: /absent\.json: cannot read/ },
    { name: 'a file that is not JSON', args: () => [dataFile('bad.json', '{ nope')], code: 1, message: /bad\.json: not JSON/ },
    {
      name: 'data of the wrong shape, with the path of each problem',
      args: () => [dataFile('shape.json', JSON.stringify(makeReport([makeInstance({ servedMbps: [1] })])))],
      code: 1,
      message: /shape\.json: instances\[0\]\.servedMbps: has 1 points, expected 6/,
    },
  ])('exits $code on $name', async ({ args, code, message }) => {
    // Prepare
    const out = join(directory, 'never.html');

    // Act
    const exit = await run([...args(), '--out', out]);

    // Assess
    expect(exit).toBe(code);
    expect(output.error.join('\n')).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
