// `npm run chaos`: the long chaos run (issue 7). 50 instances over a simulated month on the local
// cloud, with faults, duplicated/delayed/reordered alarms, concurrent invocations and SIGKILLed
// children (test/chaos/run.ts). Progress goes to stderr; the LAST line on stdout is the JSON summary.
// Exit 1 when any violation is counted or no crash was survived.
//
//   npm run chaos -- [--instances 50] [--days 30] [--seed 1] [--crashes 3]
import { parseArgs } from 'node:util';
import { runChaos } from '../test/chaos/run';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '50' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    crashes: { type: 'string', default: '3' },
  },
});

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a positive number, got "${text}"`);
  return value;
}

const started = Date.now();
const report = await runChaos({
  instances: Math.round(positive('instances', values.instances)),
  days: positive('days', values.days),
  seed: Math.round(positive('seed', values.seed)),
  crashes: Math.round(positive('crashes', values.crashes)),
  progress: (line) => process.stderr.write(`[chaos ${Math.round((Date.now() - started) / 1000)}s] ${line}\n`),
});
const { summary, details } = report;
process.stderr.write(`${JSON.stringify(details)}\n`);
const violations =
  summary.quotaViolations +
  summary.lockViolations +
  summary.duplicateOrders +
  summary.lostDecisions +
  summary.stateMismatches +
  summary.staleActions +
  summary.unverifiedChanges +
  summary.placedTwice;
const survived = summary.crashes > 0 && details.crashesRecovered === summary.crashes;
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = violations === 0 && survived && details.unmanagedWrites === 0 ? 0 : 1;
