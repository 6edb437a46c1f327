import type { z } from 'zod';
import { ValidationError } from '../errors';

/** Parses `value` with `schema`; a failure is a ValidationError whose issues name `where.path`. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  throw new ValidationError(issues.join('; '), issues);
}

/** JSON.parse of an event payload (a Buffer from Function Compute, or text), with a named error. */
export function parseJson(input: Buffer | string, where: string): unknown {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`${where}: not JSON (${reason})`, [`${where}: not JSON`]);
  }
}
