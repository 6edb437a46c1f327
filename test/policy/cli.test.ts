import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import { run as schema } from '../../src/cli/schema';
import { run as validate } from '../../src/cli/validate';
import { documentWith } from './helpers';

/** Runs a command and returns its exit code and what it printed, line by line. */
async function capture(command: () => Promise<number>) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const code = await command();
  return { code, out, err };
}

let dir: string;
let invalidFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bwscaler-validate-'));
  invalidFile = join(dir, 'invalid.yaml');
  await writeFile(invalidFile, documentWith({ bounds: { minOut: 80, maxOut: 50 }, scaleDown: { cooldown: '2m' } }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('bwscaler validate', () => {
  it('prints "FILE: ok (N policies)" and exits 0 for a valid file', async () => {
    const result = await capture(() => validate(['examples/policy.yaml']));

    expect(result).toEqual({ code: 0, out: ['examples/policy.yaml: ok (3 policies)'], err: [] });
  });

  it('prints every error prefixed by the file and exits 1 for an invalid file', async () => {
    const result = await capture(() => validate([invalidFile]));

    expect(result).toEqual({
      code: 1,
      out: [],
      err: [
        `${invalidFile}: policies[0].bounds.minOut: expected at most maxOut (50), got 80`,
        `${invalidFile}: policies[0].scaleDown.cooldown: expected a duration of at least 5m, got "2m"`,
      ],
    });
  });

  it('checks every file given and exits 1 when any is invalid', async () => {
    const result = await capture(() => validate(['examples/policy.yaml', invalidFile]));

    expect(result.code).toBe(1);
    expect(result.out).toEqual(['examples/policy.yaml: ok (3 policies)']);
    expect(result.err).toHaveLength(2);
  });

  const usageRows = [
    { name: 'no file', args: [], err: ['usage: bwscaler validate FILE...'] },
    { name: 'an option it does not know', args: ['--strict', 'examples/policy.yaml'], err: ['usage: bwscaler validate FILE...'] },
    {
      name: 'a file that cannot be read',
      args: [join('examples', 'missing.yaml')],
      err: ["cannot read policy file examples/missing.yaml: ENOENT: no such file or directory, open 'examples/missing.yaml'"],
    },
  ];

  it.each(usageRows)('exits 2 for $name', async ({ args, err }) => {
    const result = await capture(() => validate(args));

    expect(result).toEqual({ code: 2, out: [], err });
  });

  it('is registered with the bwscaler command', async () => {
    const result = await capture(() => main(['validate', 'examples/policy.yaml']));

    expect(result.code).toBe(0);
  });
});

describe('bwscaler schema', () => {
  it('prints exactly the committed schema/policy.schema.json', async () => {
    const committed = await readFile('schema/policy.schema.json', 'utf8');

    const result = await capture(() => main(['schema']));

    expect(result.code).toBe(0);
    expect(result.out.join('')).toBe(committed);
  });

  it('refuses arguments with exit code 2', async () => {
    const result = await capture(() => schema(['--write']));

    expect(result).toEqual({ code: 2, out: [], err: ['usage: bwscaler schema'] });
  });
});
