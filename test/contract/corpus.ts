// The corpus of real responses (test/fixtures/real): every file, typed by what it holds. Files are
// JSON with a `_source` (where the body was published) and one of: `body` (a whole response),
// `row` (one DescribeInstances row published on its own), `errors` (a documented error table).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'real');

export interface CorpusSource {
  kind: 'captured' | 'documented-example' | 'documented-error-table';
  repo?: string;
  path?: string;
  commit?: string;
  url?: string;
  retrieved: string;
  note: string;
}

export interface CorpusFile {
  /** Path relative to test/fixtures/real. */
  file: string;
  _source: CorpusSource;
  api: string;
  regionId?: string;
  status?: number;
  contentType?: string;
  body?: unknown;
  row?: Record<string, unknown>;
  /** A documented or reported error: HTTP status (null when the source does not give it), code, message. */
  errors?: Array<{ status: number | null; Code: string; Message: string }>;
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });
}

export function loadCorpus(): CorpusFile[] {
  return jsonFiles(CORPUS_DIR)
    .sort()
    .map((path) => ({ ...(JSON.parse(readFileSync(path, 'utf8')) as Omit<CorpusFile, 'file'>), file: relative(CORPUS_DIR, path) }));
}

/** DescribeInstances pages: whole bodies, and single published rows served in a page of their own. */
export function describeInstancesPages(corpus: CorpusFile[]): Array<{ file: string; regionId: string; body: Record<string, unknown> }> {
  return corpus
    .filter((entry) => entry.api === 'DescribeInstances')
    .map((entry) => ({
      file: entry.file,
      regionId: entry.regionId ?? '',
      // A published row has no page around it: this envelope is the test's, not Alibaba's.
      body: (entry.body as Record<string, unknown> | undefined) ?? { Instances: { Instance: [entry.row] }, RequestId: `corpus:${entry.file}` },
    }));
}

export function rowsOf(body: Record<string, unknown>): Array<Record<string, unknown>> {
  return ((body.Instances as { Instance?: Array<Record<string, unknown>> } | undefined)?.Instance ?? []) as Array<Record<string, unknown>>;
}
