import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTable } from '../../src/cli/command';
import { main } from '../../src/cli/main';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the operator commands behind `bwscaler`', () => {
  const commands = ['setup-alarms', 'fetch-history', 'plan', 'status', 'history'].map((name) => ({ name }));

  it.each(commands)('dispatches `bwscaler $name --help` to its usage', async ({ name }) => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => written.push(String(text)) > 0);

    // Act
    const code = await main([name, '--help']);

    // Assess
    expect(code).toBe(0);
    expect(written.join('')).toMatch(new RegExp(`^usage: bwscaler ${name} `));
  });
});

describe('formatTable', () => {
  it('aligns every column but the last, which holds free text', () => {
    const table = formatTable(
      ['ID', 'N', 'NOTE'],
      [
        ['i-1', '10', 'short'],
        ['i-longer', '5', ''],
      ],
    );

    expect(table).toBe(['ID        N   NOTE', 'i-1       10  short', 'i-longer  5'].join('\n'));
  });
});
