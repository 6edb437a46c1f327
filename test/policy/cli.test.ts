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
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void stdout.push(`${String(line)}\n`));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void stderr.push(`${String(line)}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0);
  const code = await command();
  const lines = (chunks: string[]) => (chunks.length === 0 ? [] : chunks.join('').replace(/\n$/, '').split('\n'));
  return { code, out: lines(stdout), err: lines(stderr), raw: stdout.join('') };
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

    expect(result).toMatchObject({ code: 0, out: ['examples/policy.yaml: ok (3 policies)'], err: [] });
  });

  it('prints every error prefixed by the file and exits 1 for an invalid file', async () => {
    const result = await capture(() => validate([invalidFile]));

    expect(result).toMatchObject({
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
    { name: 'no file', args: [], err: 'expected at least one policy FILE' },
    { name: 'an option it does not know', args: ['--strict', 'examples/policy.yaml'], err: "Unknown option '--strict'" },
    {
      name: 'a file that cannot be read',
      args: [join('examples', 'missing.yaml')],
      err: "cannot read policy file examples/missing.yaml: ENOENT: no such file or directory, open 'examples/missing.yaml'",
    },
  ];

  it.each(usageRows)('exits 2 for $name', async ({ args, err }) => {
    const result = await capture(() => validate(args));

    expect(result).toMatchObject({ code: 2, out: [] });
    expect(result.err.join('\n')).toContain(err);
  });

  it('prints one JSON document with --json', async () => {
    const result = await capture(() => validate(['examples/policy.yaml', invalidFile, '--json']));

    expect(result.code).toBe(1);
    const printed = JSON.parse(result.raw);
    expect(printed.files[0]).toMatchObject({ file: 'examples/policy.yaml', ok: true, issues: [] });
    expect(printed.files[1]).toMatchObject({ file: invalidFile, ok: false });
    expect(printed.files[1].issues).toHaveLength(2);
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
    expect(result.raw).toBe(committed);
  });

  it('refuses arguments with exit code 2', async () => {
    const result = await capture(() => schema(['--write']));

    expect(result).toMatchObject({ code: 2, out: [] });
    expect(result.err.join('\n')).toContain('usage: bwscaler schema');
  });
});
