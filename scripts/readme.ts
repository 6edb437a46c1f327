// Regenerates the README's reason-code table from src/core/reasons.ts (test/readme.test.ts fails when
// the two drift): npx tsx scripts/readme.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { REASONS } from '../src/core/reasons';

const START = '<!-- reason-codes:start -->';
const END = '<!-- reason-codes:end -->';

export function reasonTable(): string {
  const rows = Object.entries(REASONS).map(([code, text]) => `| \`${code}\` | ${text.replace(/\|/g, '\\|')} |`);
  return ['| code | meaning |', '|---|---|', ...rows].join('\n');
}

export function withReasonTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md has no reason-codes markers');
  return `${readme.slice(0, start + START.length)}\n${reasonTable()}\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith('readme.ts')) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withReasonTable(readFileSync(path, 'utf8')));
}
