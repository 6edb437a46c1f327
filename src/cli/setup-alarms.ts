// `bwscaler setup-alarms`: the CloudMonitor alert rules that call the alarm function, derived from
// the policy file, which stays the source of truth. One rule per policy and network type, on the
// utilisation of the policy's instances, at the policy's saturation threshold: at or above it the
// served rate hides the real demand, and waiting for the next tick costs up to a tick of dropped
// traffic. Everything below the threshold is the tick's job.
//
// Idempotent: a rule's RuleId is derived from the policy name, and PutResourceMetricRule with an
// existing RuleId updates that rule, so running the command again after editing the policy file
// converges instead of adding rules.
import { z } from 'zod';
import { ECS_NAMESPACE } from '../adapters/cms';
import { createEcsApi } from '../adapters/ecs';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from '../adapters/pop';
import type { NetworkType } from '../core/types';
import { CloudApiError, ConfigError } from '../errors';
import type { PolicyDocument } from '../policy/load';
import { loadPolicies, openClients, readCloudAccess } from './cloud-access';
import {
  type CommandIo,
  type Env,
  EXIT_FAILURE,
  EXIT_OK,
  formatTable,
  integerFlag,
  processIo,
  readFlags,
  requiredFlag,
  runCommand,
  UsageError,
} from './command';
import { describeFleet, type ManagedInstance, unknownInstance } from './fleet';

/** Every rule this command owns starts with this; --prune touches nothing else. */
export const RULE_PREFIX = 'bwscaler-';

/**
 * The utilisation metric per network type: `*_Percent` is relative to the configured
 * InternetMaxBandwidthOut, which is what the policy's thresholds mean. The ECS basic-metrics table
 * publishes InternetOutRate_Percent for the classic network only and VPC_PublicIP_InternetOutRate_Percent
 * per public IP of a VPC instance, so a rule on the wrong one never fires
 * (https://help.aliyun.com/zh/ecs/user-guide/view-the-monitoring-information-of-an-ecs-instance;
 * docs/reference/cloudmonitor.md). Same split as the metrics adapter's OUT_RATE_METRIC.
 */
export const UTILISATION_METRIC: Record<NetworkType, string> = {
  vpc: 'VPC_PublicIP_InternetOutRate_Percent',
  classic: 'InternetOutRate_Percent',
};

/** Two consecutive minutes: one noisy minute does not page the function, a real saturation costs 2 min. */
export const DEFAULT_TIMES = 2;
/** PutResourceMetricRule requires ContactGroups; create a group of this name, or pass --contact-group. */
export const DEFAULT_CONTACT_GROUP = 'bwscaler';
/**
 * PutResourceMetricRule's SilenceTime minimum ("Default value: 86400. Minimum value: 3600"). An alert
 * that outlasts a scale-up (doubled and still saturated) is re-sent after the silence; the shortest
 * one lets the alarm path help again within the hour, the tick covers the time in between.
 */
export const SILENCE_SECONDS = 3600;
/** Basic ECS metrics are reported once a minute (docs/reference/cloudmonitor.md). */
const PERIOD_SECONDS = 60;

const USAGE = `usage: bwscaler setup-alarms --callback-url URL [--policy FILE] [--threshold PERCENT] [--times N]
                             [--contact-group NAME] [--prune] [--dry-run] [--json]

Creates or updates one CloudMonitor alert rule per policy (RuleId bwscaler-<policy>; classic-network
instances get bwscaler-<policy>-classic) on the outbound utilisation of the instances the policy
manages. The rule calls URL?token=<BWSCALER_WEBHOOK_TOKEN> when utilisation reaches the policy's
saturation threshold. Running it again updates the same rules.

  --callback-url URL    the alarm function's HTTP trigger URL
  --policy FILE         the policy file (default: BWSCALER_POLICY)
  --threshold PERCENT   alarm at or above this utilisation (default: each policy's saturation.threshold)
  --times N             consecutive 1-minute periods at or above it before the alarm fires (default ${DEFAULT_TIMES})
  --contact-group NAME  CloudMonitor contact group the API requires on every rule (default "${DEFAULT_CONTACT_GROUP}")
  --prune               delete bwscaler-* rules the policy file no longer derives
  --dry-run             print the rules; create, update and delete nothing
  --json                JSON instead of a table

environment: BWSCALER_REGION, BWSCALER_WEBHOOK_TOKEN, ALIBABA_CLOUD_ACCESS_KEY_ID,
             ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN, BWSCALER_ECS_ENDPOINT,
             BWSCALER_CMS_ENDPOINT]

exit codes: 0 done, 1 a policy lists an instance ECS does not know (the rules for the others are
            still written) or the cloud failed, 2 usage or configuration`;

export interface AlarmSettings {
  /** Overrides every policy's saturation threshold. */
  thresholdPercent?: number;
  times: number;
  contactGroup: string;
  /** The callback URL with the token; never printed unredacted. */
  webhook: string;
}

export interface AlarmRule {
  ruleId: string;
  ruleName: string;
  policy: string;
  networkType: NetworkType;
  metricName: string;
  thresholdPercent: number;
  times: number;
  instanceIds: string[];
  contactGroup: string;
  webhook: string;
}

/** The rules a fleet needs: one per (policy, network type) that manages at least one instance. */
export function deriveAlarmRules(managed: ManagedInstance[], settings: AlarmSettings): AlarmRule[] {
  const rules = new Map<string, AlarmRule>();
  for (const { instance, policy } of managed) {
    const ruleId = `${RULE_PREFIX}${policy.name}${instance.networkType === 'classic' ? '-classic' : ''}`;
    let rule = rules.get(ruleId);
    if (!rule) {
      rule = {
        ruleId,
        // The name comes back as `alertName` in every callback: it should say which policy fired.
        ruleName: ruleId,
        policy: policy.name,
        networkType: instance.networkType,
        metricName: UTILISATION_METRIC[instance.networkType],
        thresholdPercent: settings.thresholdPercent ?? policy.saturation.thresholdPercent,
        times: settings.times,
        instanceIds: [],
        contactGroup: settings.contactGroup,
        webhook: settings.webhook,
      };
      rules.set(ruleId, rule);
    }
    rule.instanceIds.push(instance.instanceId);
  }
  for (const rule of rules.values()) rule.instanceIds.sort();
  return [...rules.values()];
}

/** PutResourceMetricRule (CMS 2019-01-01) parameters for one rule. */
export function ruleParams(rule: AlarmRule): RpcParams {
  if (rule.instanceIds.length === 0) {
    // Without Resources a rule covers every instance of the account ("_ALL"): never send that.
    throw new RangeError(`rule ${rule.ruleId} has no instances`);
  }
  return {
    RuleId: rule.ruleId,
    RuleName: rule.ruleName,
    Namespace: ECS_NAMESPACE,
    MetricName: rule.metricName,
    Resources: JSON.stringify(rule.instanceIds.map((instanceId) => ({ instanceId }))),
    ContactGroups: rule.contactGroup,
    Webhook: rule.webhook,
    Period: String(PERIOD_SECONDS),
    SilenceTime: String(SILENCE_SECONDS),
    // The `_Percent` metrics publish Average only; CloudMonitor refuses another statistic.
    'Escalations.Critical.Statistics': 'Average',
    'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
    'Escalations.Critical.Threshold': String(rule.thresholdPercent),
    'Escalations.Critical.Times': String(rule.times),
  };
}

/** --callback-url: an absolute http(s) URL. */
export function callbackUrlFlag(value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new UsageError(`--callback-url: expected an http(s) URL, got "${value}"`);
  return url;
}

/**
 * The callback URL with `token` set (replacing one already there). The alarm function reads it from
 * the query string (src/handlers/alarm.ts), because CloudMonitor's callback can carry no header and
 * its `signature` field is undocumented (docs/reference/alibaba-cloud.md §4.3).
 */
export function webhookUrl(callback: URL, token: string): string {
  const url = new URL(callback);
  url.searchParams.set('token', token);
  return url.toString();
}

const putResultSchema = z.object({ Success: z.boolean().optional(), Code: z.union([z.string(), z.number()]).optional(), Message: z.string().optional() });

const ruleListSchema = z.object({
  Total: z.coerce.number().optional(),
  Alarms: z.object({ Alarm: z.array(z.object({ RuleId: z.string() }).loose()).default([]) }).default({ Alarm: [] }),
});

/** DescribeMetricRuleList's page size; the documented default is 100. */
const RULE_PAGE_SIZE = 100;
/** A Total that never arrives is a vendor fault, not a reason to page forever. */
const MAX_RULE_PAGES = 100;

/** Ids of the account's rules this command owns (RuleId starting with bwscaler-). */
export async function listOwnedRules(cms: RpcClient): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; page <= MAX_RULE_PAGES; page++) {
    // RuleName is a fuzzy filter; the prefix check below is the exact one.
    const body = await callRpc(
      cms,
      'DescribeMetricRuleList',
      { Namespace: ECS_NAMESPACE, RuleName: RULE_PREFIX, Page: String(page), PageSize: String(RULE_PAGE_SIZE) },
      { method: 'GET' },
    );
    const list = parseResponse(ruleListSchema, body, 'DescribeMetricRuleList');
    for (const alarm of list.Alarms.Alarm) if (alarm.RuleId.startsWith(RULE_PREFIX)) ids.push(alarm.RuleId);
    const seen = (page - 1) * RULE_PAGE_SIZE + list.Alarms.Alarm.length;
    if (list.Alarms.Alarm.length < RULE_PAGE_SIZE || (list.Total !== undefined && seen >= list.Total)) return ids;
  }
  throw new CloudApiError(`DescribeMetricRuleList: more than ${MAX_RULE_PAGES} pages`, 'InvalidResponse.Paging', 'retryable');
}

async function expectSuccess(cms: RpcClient, action: string, params: RpcParams): Promise<void> {
  // POST: the parameters travel in the body. The Webhook carries the token, and pop-core puts the
  // full URL of a GET into its error messages.
  const body = await callRpc(cms, action, params, { method: 'POST' });
  const result = parseResponse(putResultSchema, body, action);
  if (result.Success === false) {
    const code = String(result.Code ?? 'Unsuccessful');
    throw new CloudApiError(`${action} failed: ${code}: ${result.Message ?? ''}`, code, 'rejected');
  }
}

export interface AlarmSyncReport {
  dryRun: boolean;
  rules: Array<AlarmRule & { result: string }>;
  /** bwscaler-* rules of the account that the policy file no longer derives. */
  stale: Array<{ ruleId: string; result: string }>;
  missingInstances: Array<{ policy: string; instanceId: string }>;
  policiesWithoutInstances: string[];
}

/** Brings the account's bwscaler-* rules in line with the policy document (or says how, on a dry run). */
export async function syncAlarmRules(
  clients: { ecs: RpcClient; cms: RpcClient },
  doc: PolicyDocument,
  settings: AlarmSettings,
  options: { dryRun: boolean; prune: boolean },
): Promise<AlarmSyncReport> {
  const { dryRun, prune } = options;
  const fleet = await describeFleet(createEcsApi(clients.ecs), doc);
  const rules = deriveAlarmRules(fleet.managed, settings);
  const existing = new Set(await listOwnedRules(clients.cms));
  const derived = new Set(rules.map((rule) => rule.ruleId));
  const stale = [...existing].filter((id) => !derived.has(id)).sort();

  const results: AlarmSyncReport['rules'] = [];
  for (const rule of rules) {
    const verb = existing.has(rule.ruleId) ? 'update' : 'create';
    if (!dryRun) await expectSuccess(clients.cms, 'PutResourceMetricRule', ruleParams(rule));
    results.push({ ...rule, result: dryRun ? `would ${verb}` : `${verb}d` });
  }
  if (prune && !dryRun && stale.length > 0) {
    await expectSuccess(clients.cms, 'DeleteMetricRules', Object.fromEntries(stale.map((id, i) => [`Id.${i + 1}`, id])));
  }
  return {
    dryRun,
    rules: results,
    stale: stale.map((ruleId) => ({ ruleId, result: prune ? (dryRun ? 'would delete' : 'deleted') : 'kept (delete it with --prune)' })),
    missingInstances: fleet.missing,
    policiesWithoutInstances: doc.policies.filter((policy) => !rules.some((rule) => rule.policy === policy.name)).map((policy) => policy.name),
  };
}

export async function run(args: string[], env: Env = process.env, io: CommandIo = processIo): Promise<number> {
  return runCommand('setup-alarms', USAGE, io, async (out) => {
    const flags = readFlags(args, {
      'callback-url': { type: 'string' },
      policy: { type: 'string' },
      threshold: { type: 'string' },
      times: { type: 'string' },
      'contact-group': { type: 'string' },
      prune: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (flags.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    const callback = callbackUrlFlag(requiredFlag('callback-url', flags['callback-url']));
    const thresholdPercent = flags.threshold === undefined ? undefined : percentFlag('threshold', flags.threshold);
    // More than an hour of consecutive minutes defeats the purpose of a saturation alarm.
    const times = flags.times === undefined ? DEFAULT_TIMES : integerFlag('times', flags.times, 1, 60);
    const contactGroup = flags['contact-group'] === undefined ? DEFAULT_CONTACT_GROUP : requiredFlag('contact-group', flags['contact-group']);

    const access = readCloudAccess(env, { policyFromEnv: flags.policy === undefined });
    for (const secret of access.secrets) out.addSecret(secret);
    if (access.webhookToken === '') {
      throw new ConfigError('BWSCALER_WEBHOOK_TOKEN: required, not set (the rules call back with ?token=, and the alarm function refuses calls without it)');
    }
    const webhook = webhookUrl(callback, access.webhookToken);
    if (callback.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(callback.hostname)) {
      out.warn('--callback-url is plain http: the token travels unencrypted; use the https URL of the HTTP trigger');
    }
    const doc = await loadPolicies(flags.policy, access);

    const clients = openClients(access);
    try {
      const settings: AlarmSettings = { ...(thresholdPercent !== undefined && { thresholdPercent }), times, contactGroup, webhook };
      const report = await syncAlarmRules(clients, doc, settings, { dryRun: flags['dry-run'] === true, prune: flags.prune === true });
      if (flags.json) out.print(JSON.stringify(report, null, 2));
      else {
        const rows = report.rules.map((rule) => [
          rule.ruleId,
          rule.policy,
          rule.metricName,
          `>= ${rule.thresholdPercent}% for ${rule.times} min`,
          String(rule.instanceIds.length),
          rule.result,
        ]);
        out.print(formatTable(['RULE', 'POLICY', 'METRIC', 'CONDITION', 'INSTANCES', 'RESULT'], rows));
        out.print(`callback: ${webhook}`);
        for (const { ruleId, result } of report.stale) out.print(`${ruleId}: no longer derived from the policy file; ${result}`);
      }
      for (const { policy, instanceId } of report.missingInstances) out.warn(unknownInstance(policy, instanceId));
      for (const name of report.policiesWithoutInstances) out.warn(`policy ${name} manages no instance: no rule for it`);
      return report.missingInstances.length > 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      clients.close();
    }
  });
}

/** A utilisation threshold: above 0 and at most 100 (the `_Percent` metrics never exceed 100). */
function percentFlag(name: string, value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new UsageError(`--${name}: expected a percentage above 0 and at most 100, got "${value}"`);
  }
  return n;
}
