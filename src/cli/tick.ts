// `bwscaler tick`: one run of the schedule function's cycle (src/cycle/tick.ts runTick, the code the
// deployed function runs) against the configured cloud and store, from a terminal. In observe mode
// unless --enforce: every policy is switched to observe, so the decisions are taken, logged and
// recorded in the history (which is what `status` and `history` then show), and no bandwidth
// changes. With --enforce the policies' own modes apply, exactly as the deployed function's would.
import { createMetricApi } from '../adapters/cms';
import { createEcsApi } from '../adapters/ecs';
import type { CycleDeps, CycleLogRecord } from '../cycle/deps';
import { runTick } from '../cycle/tick';
import type { PolicyDocument } from '../policy/load';
import { MEMORY_ENDPOINT } from '../state/index';
import { loadPolicies, openClients, readCloudAccess } from './cloud-access';
import { type CommandIo, type Env, EXIT_FAILURE, EXIT_OK, formatTable, isoSeconds, printJson, processIo, readFlags, runCommand } from './command';
import { createServedStoreFromEnv, createStoreFromEnv, STORE_ENVIRONMENT } from './store-access';

const USAGE = `usage: bwscaler tick [--policy FILE] [--enforce] [--verbose] [--json]

Runs the schedule function's cycle once, here, against the configured cloud and state store: it
describes the managed instances, reads their latest outbound rate and their stored state, decides,
and records every decision in the history. Afterwards "bwscaler status" and "bwscaler history" show
what it did.

  --policy FILE  the policy file (default: BWSCALER_POLICY)
  --enforce      apply the policies as written (mode: enforce changes bandwidth: ModifyInstanceNetworkSpec,
                 which on a real account is billed). Without it every policy runs in observe mode:
                 decisions are recorded, no bandwidth changes
  --verbose      print the cycle's log lines (one JSON object per decision) on stderr
  --json         the tick's summary as JSON instead of a table

environment: BWSCALER_REGION, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
             [, ALIBABA_CLOUD_SECURITY_TOKEN, BWSCALER_ECS_ENDPOINT, BWSCALER_CMS_ENDPOINT]
${STORE_ENVIRONMENT.replace('environment: ', '             ')}

exit codes: 0 the tick ran without errors, 1 some instance or region failed (see the errors), 2 usage
            or configuration`;

/** Every policy in observe mode: the decisions are computed and recorded, nothing is applied. */
export function observeOnly(doc: PolicyDocument): PolicyDocument {
  return { ...doc, policies: doc.policies.map((policy) => ({ ...policy, mode: 'observe' })) };
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('tick', USAGE, io, async (out) => {
    const flags = readFlags(args, { policy: { type: 'string' }, enforce: { type: 'boolean' }, verbose: { type: 'boolean' }, json: { type: 'boolean' } });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const access = readCloudAccess(env, { policyFromEnv: flags.policy === undefined, store: true });
    for (const secret of access.secrets) out.addSecret(secret);
    const written = await loadPolicies(flags.policy, access);
    const doc = flags.enforce ? written : observeOnly(written);
    if (env.BWSCALER_OTS_ENDPOINT?.trim() === MEMORY_ENDPOINT) {
      out.warn(`BWSCALER_OTS_ENDPOINT is ${MEMORY_ENDPOINT}: the decisions are forgotten when this command ends`);
    }
    const store = createStoreFromEnv(env, access.credentials);

    const clients = openClients(access);
    try {
      const deps: CycleDeps = {
        ecs: createEcsApi(clients.ecs),
        metrics: createMetricApi(clients.cms),
        store,
        served: createServedStoreFromEnv(env, access.credentials),
        now: io.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (record: CycleLogRecord) => {
          if (flags.verbose || record.level !== 'info') out.warn(JSON.stringify(record));
        },
      };
      const summary = await runTick(deps, { doc, shard: 0, of: 1, triggerTime: io.now() });
      if (flags.json) printJson(out, { mode: flags.enforce ? 'enforce' : 'observe', at: isoSeconds(io.now()), ...summary });
      else {
        out.print(
          `${summary.source}: ${summary.instances} managed instance${summary.instances === 1 ? '' : 's'}, ${summary.acted} order${summary.acted === 1 ? '' : 's'} sent` +
            `${summary.deferred > 0 ? `, ${summary.deferred} deferred` : ''} (${flags.enforce ? 'enforce: the policies as written' : 'observe mode: no bandwidth changed'})`,
        );
        const reasons = Object.entries(summary.byReason).sort(([a], [b]) => (a < b ? -1 : 1));
        if (reasons.length > 0)
          out.print(
            formatTable(
              ['REASON', 'DECISIONS'],
              reasons.map(([reason, count]) => [reason, String(count)]),
            ),
          );
        out.print('"bwscaler status" shows the states, "bwscaler history --instance ID" the decisions');
      }
      for (const error of summary.errors)
        out.warn(`${error.stage}${error.instanceId ? ` ${error.instanceId}` : ''}${error.regionId ? ` (${error.regionId})` : ''}: ${error.message}`);
      if (summary.instances === 0) out.warn('no instance is managed: no policy selects an instance DescribeInstances returns');
      return summary.errors.length > 0 || summary.instances === 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      clients.close();
    }
  });
}
