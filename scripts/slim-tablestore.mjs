// An esbuild plugin that bundles a slimmer copy of the tablestore SDK's compiled protobuf module
// (lib/protocol/tablestore_compiled_proto.js: 2.6 MB of source, 619 KB of every minified function
// bundle before this plugin, ~200 KB after). Nothing else of the SDK changes.
//
// That file is protobufjs's `pbjs -t static` output for three proto packages. bwscaler's functions
// use the row and table APIs only (GetRow, PutRow, UpdateRow, GetRange, BatchWriteRow, …), and the
// SDK itself only ever calls `create`, `encode` and `decode` on a message (lib/protocol/encoder.js,
// decoder.js, filter.js). So the copy keeps every message and enum of `main.proto` (tables, rows) and
// `filter.proto` (row filters) with exactly their generated `create`/`encode`/`decode` code, and
// leaves out:
// - each message's verify, fromObject, toObject, toJSON, encodeDelimited and decodeDelimited:
//   generated per message, never called by the SDK (a minifier cannot drop them: they are
//   assignments to exported objects);
// - the whole `search.proto` package (search indexes, parallel scan, aggregations): the SDK touches it
//   only inside the search API methods, which bwscaler never calls. Reaching it anyway throws an
//   error that says what is missing, rather than a TypeError on `undefined`.
//
// The transformation reads the generated layout (pbjs 6.x: one method per block, closed by `};` at
// the block's own indentation; one package per `$root.<name> = (function() {` block closed by `})();`
// at column 0). It checks that layout and fails the build if the SDK's file ever stops matching it,
// rather than bundling a half-pruned module. test/state/bundle.test.ts and the e2e tests run the
// built bundles against the local Tablestore.
import { readFile } from 'node:fs/promises';

const COMPILED_PROTO = /[\\/]tablestore[\\/]lib[\\/]protocol[\\/]tablestore_compiled_proto\.js$/;
const UNUSED_METHODS = /^(\s+)[\w$]+(?:\.prototype)?\.(?:verify|fromObject|toObject|toJSON|encodeDelimited|decodeDelimited) = function /;
const SEARCH_PACKAGE = /^\$root\.search = \(function\(\) \{$/;

const SEARCH_STUB = `$root.search = { proto: new Proxy({}, { get(_, name) {
  if (typeof name === "symbol") return undefined;
  throw new Error("tablestore search." + String(name) + ": the Tablestore search-index protocol is left out of bwscaler's bundles (scripts/slim-tablestore.mjs)");
} }) };`;

/** The slim module's source; throws when the SDK's file does not have the expected layout. */
export function slimCompiledProto(source) {
  const lines = source.split('\n');
  const kept = [];
  let removedMethods = 0;
  let removedSearch = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (SEARCH_PACKAGE.test(line)) {
      const end = lines.indexOf('})();', i);
      if (end < 0) throw new Error('slimCompiledProto: the search package block has no end');
      kept.push(SEARCH_STUB);
      removedSearch = true;
      i = end;
      continue;
    }
    const method = UNUSED_METHODS.exec(line);
    if (method) {
      const close = `${method[1]}};`;
      let end = i + 1;
      while (end < lines.length && lines[end] !== close) end++;
      if (end === lines.length) throw new Error(`slimCompiledProto: no end for the method at line ${i + 1}`);
      removedMethods++;
      i = end;
      continue;
    }
    kept.push(line);
  }
  // pbjs emits the six methods for every message, and `decode` once per message: any other count
  // means the layout changed under the line matching above.
  const messages = kept.filter((l) => / = function decode\(reader, length\) \{$/.test(l)).length;
  if (!removedSearch || messages === 0 || removedMethods !== 6 * messages) {
    throw new Error(`slimCompiledProto: unexpected layout (search package found: ${removedSearch}, messages: ${messages}, methods removed: ${removedMethods})`);
  }
  return kept.join('\n');
}

export const slimTablestore = {
  name: 'slim-tablestore',
  setup(build) {
    build.onLoad({ filter: COMPILED_PROTO }, async (args) => ({
      contents: slimCompiledProto(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
