// The SDKs' debug switches cannot print credentials from the deployed bundles. httpx (pop-core's HTTP
// client) dumps request lines and bodies to stderr under DEBUG=httpx:*, past the logger's redaction
// (node_modules/httpx/lib/index.js); the bundles carry a `debug` that is never enabled instead. The
// tablestore SDK logs requests only when given a `logger`, which the store never passes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM build script without type declarations
import { buildFunctions } from '../../scripts/build.mjs';

describe('SDK debug output in the bundles', () => {
  it('bundles no real `debug` module: DEBUG=httpx:* cannot switch request dumps on', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'bwscaler-debug-'));
    try {
      // Act
      const built = await buildFunctions({ quiet: true, outdir: dir });

      // Assess
      for (const { metafile } of Object.values(built) as Array<{ metafile: { inputs: Record<string, unknown> } }>) {
        const inputs = Object.keys(metafile.inputs);
        expect(inputs.filter((path) => /node_modules\/(?:.*\/)?debug\//.test(path))).toEqual([]);
        expect(inputs).toContain('scripts/no-debug.cjs');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the stub is never enabled, whatever DEBUG says', async () => {
    // @ts-expect-error: plain CommonJS stub without type declarations
    const { default: createDebug } = (await import('../../scripts/no-debug.cjs')) as {
      default: (namespace: string) => { enabled: boolean } & ((...args: unknown[]) => void);
    };
    const debug = createDebug('httpx:body');
    expect(debug.enabled).toBe(false);
    expect(debug('SecurityToken=secret')).toBeUndefined();
  });

  it('the Tablestore client is built without a logger (its request logging stays off)', async () => {
    const source = await readFile(new URL('../../src/state/tablestore-client.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/\blogger\s*:/);
  });
});
