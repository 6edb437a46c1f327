// One Function Compute "instance" for the local runner: loads a built bundle and serves invocations.
// Plain CommonJS on purpose: it runs inside a worker thread, where the TypeScript loader is absent.
//
// The bundle must see the SIMULATED time everywhere (its decisions, pop-core's signed Timestamp,
// Tablestore's x-ots-date), without any change to production code: Date is replaced by one that
// reads the time the runner publishes in a SharedArrayBuffer.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

const clock = new Float64Array(workerData.clock);
const RealDate = Date;
function now() {
  return clock[0];
}
class SimulatedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now());
    else super(...args);
  }
  static now() {
    return now();
  }
}
globalThis.Date = SimulatedDate;

for (const [key, value] of Object.entries(workerData.env)) process.env[key] = value;
process.noDeprecation = true;

const lines = [];
const write = (line) => {
  lines.push(line);
};
// Capture what the function prints, as Function Compute's log collection would.
process.stdout.write = (chunk, ...rest) => {
  write(String(chunk));
  const cb = rest.find((r) => typeof r === 'function');
  if (cb) cb();
  return true;
};
console.log = (...args) => write(`${args.map(String).join(' ')}\n`);
console.error = console.log;
console.warn = console.log;
console.info = console.log;

const handler = require(workerData.bundle).handler;

parentPort.on('message', async (message) => {
  const { id, event, context } = message;
  context.credentials = workerData.credentials;
  context.logger = {
    info: (...a) => write(`${a.join(' ')}\n`),
    warn: (...a) => write(`${a.join(' ')}\n`),
    error: (...a) => write(`${a.join(' ')}\n`),
    debug: () => {},
  };
  try {
    const result = await handler(Buffer.from(event), context);
    parentPort.postMessage({ id, ok: true, result, logs: lines.splice(0) });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      error: { name: error?.name, message: String(error?.message ? error.message : error) },
      logs: lines.splice(0),
    });
  }
});
parentPort.postMessage({ ready: true });
