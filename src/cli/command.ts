// What every operator command shares: where its output goes, how its flags are read, and how an
// error becomes an exit code — 0 done, 1 the cloud or the store failed, 2 usage or configuration.
//
// Each command exports `run(args, env = process.env, io = processIo)`, so tests inject the
// environment, capture the output and pass the local cloud's clock.
import { parseArgs } from 'node:util';
import { BwscalerError, ConfigError, ValidationError } from '../errors';
import { redact } from '../log';
import { parseDuration } from '../policy/units';

export type Env = Record<string, string | undefined>;

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Epoch ms: "now" for windows and decisions (tests pass the local cloud's manual clock). */
  now(): number;
}

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr, now: () => Date.now() };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A flag that is missing, unknown or malformed: reported with the command's usage text. */
export class UsageError extends ValidationError {
  override name = 'UsageError';
}

/**
 * Output with every configured secret removed. The commands handle the webhook token and the
 * AccessKey secret, and error texts from the SDKs can carry either (a signed URL, a request body),
 * so nothing reaches the terminal without passing through `redact`.
 */
export interface Terminal {
  /** A line of the command's result (stdout). */
  print(text: string): void;
  /** A line of diagnostics (stderr), prefixed with the command name. */
  warn(text: string): void;
  addSecret(secret: string | undefined): void;
}

export function terminal(io: CommandIo, command: string): Terminal {
  const secrets: string[] = [];
  return {
    print: (text) => void io.stdout.write(`${redact(text, secrets)}\n`),
    warn: (text) => void io.stderr.write(`${redact(`bwscaler ${command}: ${text}`, secrets)}\n`),
    addSecret(secret) {
      if (secret) secrets.push(secret);
    },
  };
}

/**
 * Runs a command body and maps what it throws to an exit code: bad flags, configuration and input
 * files → 2; the cloud, the store or anything unexpected → 1 (with the stack for the unexpected,
 * redacted like everything else).
 */
export async function runCommand(command: string, usage: string, io: CommandIo, body: (out: Terminal) => Promise<number>): Promise<number> {
  const out = terminal(io, command);
  try {
    return await body(out);
  } catch (error) {
    if (error instanceof UsageError) {
      out.warn(`${error.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof ValidationError) {
      out.warn(error.issues.length > 1 ? `${error.message}\n  ${error.issues.join('\n  ')}` : error.message);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      out.warn(error.message);
      return EXIT_USAGE;
    }
    if (error instanceof BwscalerError) {
      out.warn(error.message);
      return EXIT_FAILURE;
    }
    out.warn(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILURE;
  }
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
type FlagValues<S extends FlagSpec> = { [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string };

/** node:util parseArgs, strict, no positionals; its TypeErrors become UsageErrors naming the flag. */
export function readFlags<S extends FlagSpec>(args: string[], spec: S): FlagValues<S> & { help?: boolean } {
  return readArgs(args, spec, { positionals: false }).flags;
}

/**
 * readFlags for the commands that take files (`validate FILE...`, `report DATA.json`). `--help` is
 * looked for before the strict parse, so that `CMD --help` shows the help even beside a bad flag.
 */
export function readArgs<S extends FlagSpec>(
  args: string[],
  spec: S,
  options: { positionals: boolean } = { positionals: true },
): { flags: FlagValues<S> & { help?: boolean }; positionals: string[] } {
  if (args.includes('--help') || args.includes('-h')) return { flags: { help: true } as FlagValues<S> & { help?: boolean }, positionals: [] };
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...spec, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: options.positionals,
    });
    return { flags: values as FlagValues<S> & { help?: boolean }, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A command's result as JSON on stdout: one document, two-space indented. */
export function printJson(out: Terminal, value: unknown): void {
  out.print(JSON.stringify(value, null, 2));
}

export function requiredFlag(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

export function integerFlag(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

/** The policy file's duration syntax ("30m", "24h", "7d", or seconds), so one notation serves both. */
export function durationFlag(name: string, value: string, minSeconds: number): number {
  const seconds = parseDuration(value.trim());
  if (seconds === undefined || seconds < minSeconds) {
    throw new UsageError(`--${name}: expected a duration such as "30m", "24h" or "7d" (at least ${minSeconds} s), got "${value}"`);
  }
  return seconds;
}

/** Left-aligned columns, two spaces apart; the last column is not padded (it holds free text). */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `2026-11-02T10:00:00Z`: ISO-8601 in UTC, to the second. */
export function isoSeconds(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
