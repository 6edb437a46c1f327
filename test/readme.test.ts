import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withReasonTable } from '../scripts/readme';
import { main } from '../src/cli/main';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('lists every reason code exactly as src/core/reasons.ts describes it (npx tsx scripts/readme.ts)', () => {
    expect(README).toBe(withReasonTable(README));
  });

  it('gives the two-command quick start', () => {
    expect(README).toContain('npm ci && npm start');
    expect(README).toContain('npm test');
  });

  it('documents only bwscaler commands that exist', async () => {
    const documented = [...README.matchAll(/npx bwscaler ([a-z-]+)/g)].map((m) => m[1] as string);
    const log = console.log;
    let usage = '';
    console.log = (text: string) => {
      usage += text;
    };
    try {
      await main(['--help']);
    } finally {
      console.log = log;
    }
    for (const command of new Set(documented)) expect(usage, command).toContain(`  ${command} `);
  });
});
