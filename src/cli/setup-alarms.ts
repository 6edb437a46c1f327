// `bwscaler setup-alarms`: the CloudMonitor alert rules that call the alarm function, derived from
// the policy file, which stays the source of truth. One rule per policy and network type, on the
// utilisation of the policy's instances, at the policy's saturation threshold: at or above it the
// served rate hides the real demand, and waiting for the next tick costs up to a tick of dropped
// traffic. Everything below the threshold is the tick's job.
//
// It also makes sure the contact group those rules name exists (creating it, with one contact, when
// --contact-email or --contact-dingtalk is given), and keeps one event-triggered alert rule per custom
// event the functions publish (needs-a-human, blocked, applied), each notifying that group.
//
// Idempotent: a rule's RuleId is derived from the policy name, and PutResourceMetricRule with an
// existing RuleId updates that rule, so running the command again after editing the policy file
// converges instead of adding rules. Every rule, event rule, target, contact and group is compared
// with what the account holds first and written only when it differs: a second run writes nothing.
import { z } from 'zod';
import { ECS_NAMESPACE, VPC_OUT_RATE } from '../adapters/cms';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from '../adapters/pop';
import type { NetworkType, ResourceKind } from '../core/types';
import { CloudApiError, ConfigError } from '../errors';
import type { PolicyDocument } from '../policy/load';
import {
  ALARM_EVENT_KEYS,
  type AlarmEventKey,
  CONTACT_NAME,
  type ContactPlan,
  type ContactSettings,
  cmsWrite,
  DEFAULT_CONTACT_NAME,
  type EventRulePlan,
  listOwnedEventRules,
  type PlannedResult,
  parseEventKeys,
  planContactGroup,
  planEventRules,
} from './alarm-targets';
import { loadPolicies, openClients, readCloudAccess, resourceApi } from './cloud-access';
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

/**
 * The alert series of a shared bandwidth package: acs_bandwidth_package net_tx.ratePercent, outbound
 * rate in % of the package's bandwidth, whose one statistic is `Value` (CloudMonitor metric list,
 * https://help.aliyun.com/document_detail/165008.html: "Statistics":"Value"; docs/reference/vpc.md,
 * CloudMonitor metrics). Being relative, one rule per policy stays right after the package is resized.
 */
export const PACKAGE_UTILISATION = { namespace: VPC_OUT_RATE.cbwp.namespace, metricName: 'net_tx.ratePercent', statistic: 'Value' } as const;

/**
 * An EIP publishes no percentage: its alert series is acs_vpc_eip net_tx.rate in bit/s, statistic
 * `Value` (same sources; src/adapters/cms.ts VPC_OUT_RATE). Its threshold is the policy's percentage
 * of the EIP's bandwidth as DescribeEipAddresses reports it now, so each EIP gets its own rule. After
 * bwscaler lowers an EIP that threshold sits above the new bandwidth and cannot fire until
 * setup-alarms runs again (it then updates the rule; the tick covers saturation meanwhile). After a
 * raise it fires early, which is harmless: the alarm function decides on the EIP's current bandwidth.
 * 1 Mbit/s is taken as 10^6 bit/s; the console's alert unit uses 2^20, which would put the
 * threshold higher, so 10^6 is the side that alarms rather than misses.
 */
export const EIP_RATE = VPC_OUT_RATE.eip;

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
                             [--contact-group NAME] [--contact-email ADDRESS] [--contact-dingtalk URL]
                             [--contact-name NAME] [--events LIST] [--prune] [--dry-run] [--json]

Creates or updates one CloudMonitor alert rule per policy (RuleId bwscaler-<policy>; classic-network
instances get bwscaler-<policy>-classic) on the outbound utilisation of the instances the policy
manages. A policy of shared bandwidth packages gets one rule on acs_bandwidth_package
net_tx.ratePercent; each EIP gets its own, bwscaler-<policy>-<AllocationId>, on acs_vpc_eip
net_tx.rate at the threshold's share of its current bandwidth (run the command again after
bwscaler lowered an EIP, or that rule stays above the new bandwidth). The rule calls URL?token=<BWSCALER_WEBHOOK_TOKEN> when utilisation reaches the policy's
saturation threshold. It also keeps one event alert rule per custom event the functions publish
(bwscaler-needs-human, bwscaler-blocked, bwscaler-applied) that notifies the contact group.
Running it again changes nothing unless the policy file or the flags did.

Every CloudMonitor alert rule names a contact group. Either it exists (--contact-group NAME, default
"${DEFAULT_CONTACT_GROUP}"), or give --contact-email and/or --contact-dingtalk and the command creates the
contact and the group. An email contact receives notices only after following CloudMonitor's
activation link; a DingTalk robot's security settings must let CloudMonitor's messages through.

  --callback-url URL        the alarm function's HTTP trigger URL
  --policy FILE             the policy file (default: BWSCALER_POLICY)
  --threshold PERCENT       alarm at or above this utilisation (default: each policy's saturation.threshold)
  --times N                 consecutive 1-minute periods at or above it before the alarm fires (default ${DEFAULT_TIMES})
  --contact-group NAME      the contact group every rule notifies (default "${DEFAULT_CONTACT_GROUP}")
  --contact-email ADDRESS   create or update the contact with this email and put it in the group
  --contact-dingtalk URL    ... with this DingTalk robot webhook (https://oapi.dingtalk.com/robot/send?access_token=...)
  --contact-name NAME       that contact's name (default "${DEFAULT_CONTACT_NAME}"; letters, digits, . and _)
  --events LIST             event rules to keep, of needs_human,blocked,applied (default: all three)
  --prune                   delete bwscaler-* rules and event rules the file and flags no longer derive
  --dry-run                 print the plan; create, update and delete nothing
  --json                    JSON instead of a table

environment: BWSCALER_REGION, BWSCALER_WEBHOOK_TOKEN, ALIBABA_CLOUD_ACCESS_KEY_ID,
             ALIBABA_CLOUD_ACCESS_KEY_SECRET [, ALIBABA_CLOUD_SECURITY_TOKEN, BWSCALER_ECS_ENDPOINT,
             BWSCALER_CMS_ENDPOINT, BWSCALER_VPC_ENDPOINT]
RAM actions of that key: ecs:DescribeInstances; vpc:DescribeEipAddresses, vpc:DescribeCommonBandwidthPackages
             (policies with eips: or bandwidthPackages:); cms:DescribeMetricRuleList, cms:PutResourceMetricRule,
             cms:DeleteMetricRules, cms:DescribeEventRuleList, cms:DescribeEventRuleTargetList,
             cms:PutEventRule, cms:PutEventRuleTargets, cms:DeleteEventRules, cms:DescribeContactGroupList,
             cms:DescribeContactList, cms:PutContactGroup, cms:PutContact

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
  /** The kind of resource the rule watches (absent: ECS instances). */
  kind?: ResourceKind;
  networkType: NetworkType;
  namespace: string;
  metricName: string;
  /** `Average` for the ECS `_Percent` metrics, `Value` for the EIP and package metrics. */
  statistic: 'Average' | 'Value';
  thresholdPercent: number;
  /** What the rule compares with: thresholdPercent, or for an EIP that percentage of its bandwidth in bit/s. */
  threshold: number;
  unit: '%' | 'bit/s';
  times: number;
  instanceIds: string[];
  contactGroup: string;
  webhook: string;
}

/**
 * The rules a fleet needs: one per (policy, network type) that manages at least one ECS instance, one
 * per policy that manages a shared bandwidth package, and one per managed EIP (see EIP_RATE). A row
 * the adapter could not read gets no rule: its bandwidth, hence an EIP's threshold, is unknown.
 */
export function deriveAlarmRules(managed: ManagedInstance[], settings: AlarmSettings): AlarmRule[] {
  const rules = new Map<string, AlarmRule>();
  for (const { instance, policy } of managed) {
    if (instance.unrecognised) continue;
    const kind = instance.kind ?? 'ecs';
    const thresholdPercent = settings.thresholdPercent ?? policy.saturation.thresholdPercent;
    const ruleId =
      kind === 'eip'
        ? `${RULE_PREFIX}${policy.name}-${instance.instanceId}`
        : `${RULE_PREFIX}${policy.name}${kind === 'ecs' && instance.networkType === 'classic' ? '-classic' : ''}`;
    const series =
      kind === 'eip'
        ? { ...EIP_RATE, threshold: Math.floor((thresholdPercent / 100) * instance.bandwidthOut * 1_000_000), unit: 'bit/s' as const }
        : kind === 'cbwp'
          ? { ...PACKAGE_UTILISATION, threshold: thresholdPercent, unit: '%' as const }
          : {
              namespace: ECS_NAMESPACE,
              metricName: UTILISATION_METRIC[instance.networkType],
              statistic: 'Average' as const,
              threshold: thresholdPercent,
              unit: '%' as const,
            };
    let rule = rules.get(ruleId);
    if (!rule) {
      rule = {
        ruleId,
        // The name comes back as `alertName` in every callback: it should say which policy fired.
        ruleName: ruleId,
        policy: policy.name,
        ...(kind !== 'ecs' && { kind }),
        networkType: instance.networkType,
        ...series,
        thresholdPercent,
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
    Namespace: rule.namespace,
    MetricName: rule.metricName,
    Resources: JSON.stringify(rule.instanceIds.map((instanceId) => ({ instanceId }))),
    ContactGroups: rule.contactGroup,
    Webhook: rule.webhook,
    Period: String(PERIOD_SECONDS),
    SilenceTime: String(SILENCE_SECONDS),
    // The `_Percent` metrics publish Average only, the EIP and package metrics Value only; CloudMonitor
    // refuses another statistic.
    'Escalations.Critical.Statistics': rule.statistic,
    'Escalations.Critical.ComparisonOperator': 'GreaterThanOrEqualToThreshold',
    'Escalations.Critical.Threshold': String(rule.threshold),
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

const ruleListSchema = z.object({
  Total: z.coerce.number().optional(),
  Alarms: z.object({ Alarm: z.array(z.object({ RuleId: z.string() }).loose()).default([]) }).default({ Alarm: [] }),
});

/** DescribeMetricRuleList's page size; the documented default is 100. */
const RULE_PAGE_SIZE = 100;
/** A Total that never arrives is a vendor fault, not a reason to page forever. */
const MAX_RULE_PAGES = 100;

/**
 * The account's rules this command owns (RuleId starting with bwscaler-), as DescribeMetricRuleList
 * lists them, in every namespace: Namespace is an optional filter of that API ("Required: No",
 * https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-describemetricrulelist),
 * and the rules live in acs_ecs_dashboard, acs_vpc_eip and acs_bandwidth_package.
 */
export async function listOwnedRules(cms: RpcClient): Promise<Map<string, Record<string, unknown>>> {
  const owned = new Map<string, Record<string, unknown>>();
  for (let page = 1; page <= MAX_RULE_PAGES; page++) {
    // RuleName is a fuzzy filter; the prefix check below is the exact one.
    const body = await callRpc(
      cms,
      'DescribeMetricRuleList',
      { RuleName: RULE_PREFIX, Page: String(page), PageSize: String(RULE_PAGE_SIZE) },
      { method: 'GET' },
    );
    const list = parseResponse(ruleListSchema, body, 'DescribeMetricRuleList');
    for (const alarm of list.Alarms.Alarm) if (alarm.RuleId.startsWith(RULE_PREFIX)) owned.set(alarm.RuleId, alarm);
    const seen = (page - 1) * RULE_PAGE_SIZE + list.Alarms.Alarm.length;
    if (list.Alarms.Alarm.length < RULE_PAGE_SIZE || (list.Total !== undefined && seen >= list.Total)) return owned;
  }
  throw new CloudApiError(`DescribeMetricRuleList: more than ${MAX_RULE_PAGES} pages`, 'InvalidResponse.Paging', 'retryable');
}

/**
 * Whether a listed rule already is what ruleParams(rule) would write. Field by field, as
 * DescribeMetricRuleList returns them (numbers may come back as strings, Resources as a JSON string);
 * a field missing or unreadable counts as different, so the worst case is a needless update.
 */
export function ruleMatches(rule: AlarmRule, listed: Record<string, unknown>): boolean {
  const wanted = ruleParams(rule);
  const escalations = listed.Escalations as Record<string, Record<string, unknown> | undefined> | undefined;
  const critical = escalations?.Critical;
  if (critical === undefined || escalations?.Warn !== undefined || escalations?.Info !== undefined) return false;
  let resources: unknown;
  try {
    resources = JSON.parse(String(listed.Resources));
  } catch {
    return false;
  }
  const ids = Array.isArray(resources) ? resources.map((r) => (r as { instanceId?: unknown }).instanceId) : [];
  const same = (value: unknown, expected: unknown) => value !== undefined && value !== null && expected !== undefined && String(value) === String(expected);
  return (
    same(listed.RuleName, wanted.RuleName) &&
    same(listed.Namespace, wanted.Namespace) &&
    same(listed.MetricName, wanted.MetricName) &&
    same(listed.ContactGroups, wanted.ContactGroups) &&
    same(listed.Webhook, wanted.Webhook) &&
    same(listed.Period, wanted.Period) &&
    same(listed.SilenceTime, wanted.SilenceTime) &&
    same(critical.Statistics, wanted['Escalations.Critical.Statistics']) &&
    same(critical.ComparisonOperator, wanted['Escalations.Critical.ComparisonOperator']) &&
    Number(critical.Threshold) === Number(wanted['Escalations.Critical.Threshold']) &&
    Number(critical.Times) === Number(wanted['Escalations.Critical.Times']) &&
    JSON.stringify([...ids].sort()) === JSON.stringify(rule.instanceIds)
  );
}

const PAST: Record<PlannedResult, string> = { create: 'created', update: 'updated', unchanged: 'unchanged' };

/** "created" / "would create" / "unchanged". */
function resultText(planned: PlannedResult, dryRun: boolean): string {
  if (planned === 'unchanged') return 'unchanged';
  return dryRun ? `would ${planned}` : PAST[planned];
}

export interface AlarmSyncReport {
  dryRun: boolean;
  contactGroup: { name: string; result: string; contacts: string[]; contact?: { name: string; result: string } };
  rules: Array<AlarmRule & { result: string }>;
  eventRules: Array<{ ruleName: string; eventName: string; contactGroup: string; result: string }>;
  /** bwscaler-* rules and event rules of the account that the policy file and flags no longer derive. */
  stale: Array<{ ruleId: string; kind: 'metric' | 'event'; result: string }>;
  missingInstances: Array<{ policy: string; instanceId: string }>;
  policiesWithoutInstances: string[];
  /** How many create, update and delete calls the run made (0 on a dry run, and on a run that found everything in place). */
  writes: number;
}

export interface AlarmSyncOptions {
  dryRun: boolean;
  prune: boolean;
  contact: ContactSettings;
  events: AlarmEventKey[];
}

/** Brings the account's bwscaler-* rules, event rules and contact group in line with the policy document and flags (or says how, on a dry run). */
export async function syncAlarmRules(
  clients: { ecs: RpcClient; cms: RpcClient; vpc: RpcClient },
  doc: PolicyDocument,
  settings: AlarmSettings,
  options: AlarmSyncOptions,
): Promise<AlarmSyncReport> {
  const { dryRun, prune } = options;
  const { cms } = clients;
  // Plan everything before the first write: a missing contact group stops the run with nothing changed.
  const contactPlan: ContactPlan = await planContactGroup(cms, options.contact);
  const fleet = await describeFleet(resourceApi(clients), doc);
  const rules = deriveAlarmRules(fleet.managed, settings);
  const existing = await listOwnedRules(cms);
  const derived = new Set(rules.map((rule) => rule.ruleId));
  const stale = [...existing.keys()].filter((id) => !derived.has(id)).sort();
  const ownedEventRules = await listOwnedEventRules(cms);
  const eventPlans: EventRulePlan[] = await planEventRules(cms, options.events, settings.contactGroup, ownedEventRules);
  const wantedEventRules = new Set(eventPlans.map((plan) => plan.ruleName));
  const staleEvents = [...ownedEventRules.keys()].filter((name) => !wantedEventRules.has(name)).sort();

  let writes = 0;
  const write = async (action: string, params: RpcParams) => {
    if (dryRun) return;
    await cmsWrite(cms, action, params);
    writes += 1;
  };

  for (const { action, params } of contactPlan.writes) await write(action, params);
  const results: AlarmSyncReport['rules'] = [];
  for (const rule of rules) {
    const listed = existing.get(rule.ruleId);
    const planned: PlannedResult = listed === undefined ? 'create' : ruleMatches(rule, listed) ? 'unchanged' : 'update';
    if (planned !== 'unchanged') await write('PutResourceMetricRule', ruleParams(rule));
    results.push({ ...rule, result: resultText(planned, dryRun) });
  }
  // The rule first, then its target: PutEventRuleTargets needs the rule to exist.
  for (const plan of eventPlans) for (const { action, params } of plan.writes) await write(action, params);
  if (prune && stale.length > 0) await write('DeleteMetricRules', Object.fromEntries(stale.map((id, i) => [`Id.${i + 1}`, id])));
  if (prune && staleEvents.length > 0) await write('DeleteEventRules', Object.fromEntries(staleEvents.map((name, i) => [`RuleNames.${i + 1}`, name])));

  const staleResult = prune ? (dryRun ? 'would delete' : 'deleted') : 'kept (delete it with --prune)';
  return {
    dryRun,
    contactGroup: {
      name: contactPlan.group.name,
      result: resultText(contactPlan.group.result, dryRun),
      contacts: contactPlan.group.contacts,
      ...(contactPlan.contact && { contact: { name: contactPlan.contact.name, result: resultText(contactPlan.contact.result, dryRun) } }),
    },
    rules: results,
    eventRules: eventPlans.map(({ ruleName, eventName, contactGroup, result }) => ({ ruleName, eventName, contactGroup, result: resultText(result, dryRun) })),
    stale: [
      ...stale.map((ruleId) => ({ ruleId, kind: 'metric' as const, result: staleResult })),
      ...staleEvents.map((ruleId) => ({ ruleId, kind: 'event' as const, result: staleResult })),
    ],
    missingInstances: fleet.missing,
    policiesWithoutInstances: doc.policies.filter((policy) => !rules.some((rule) => rule.policy === policy.name)).map((policy) => policy.name),
    writes,
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
      'contact-email': { type: 'string' },
      'contact-dingtalk': { type: 'string' },
      'contact-name': { type: 'string' },
      events: { type: 'string' },
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
    const contact = contactFlags(flags['contact-email'], flags['contact-dingtalk'], flags['contact-name']);
    const events = flags.events === undefined ? ALARM_EVENT_KEYS : parseEventKeys(flags.events);
    if (typeof events === 'string') throw new UsageError(`--events: ${events}`);

    const access = readCloudAccess(env, { policyFromEnv: flags.policy === undefined });
    for (const secret of access.secrets) out.addSecret(secret);
    // A DingTalk robot's URL carries its access token: anyone holding it can post to the group.
    out.addSecret(contact?.dingWebhook);
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
      const report = await syncAlarmRules(clients, doc, settings, {
        dryRun: flags['dry-run'] === true,
        prune: flags.prune === true,
        contact: { groupName: contactGroup, ...(contact && { contact }) },
        events,
      });
      if (flags.json) out.print(JSON.stringify(report, null, 2));
      else {
        const { contactGroup: group } = report;
        out.print(`contact group ${group.name}: ${group.result} (contacts: ${group.contacts.join(', ') || 'none'})`);
        if (group.contact) out.print(`contact ${group.contact.name}: ${group.contact.result}`);
        const rows = report.rules.map((rule) => [
          rule.ruleId,
          rule.policy,
          rule.metricName,
          rule.unit === '%' ? `>= ${rule.threshold}% for ${rule.times} min` : `>= ${rule.threshold} bit/s (${rule.thresholdPercent}%) for ${rule.times} min`,
          String(rule.instanceIds.length),
          rule.result,
        ]);
        out.print(formatTable(['RULE', 'POLICY', 'METRIC', 'CONDITION', 'INSTANCES', 'RESULT'], rows));
        out.print(`callback: ${webhook}`);
        out.print(
          formatTable(
            ['EVENT RULE', 'EVENT', 'NOTIFIES', 'RESULT'],
            report.eventRules.map((rule) => [rule.ruleName, rule.eventName, rule.contactGroup, rule.result]),
          ),
        );
        for (const { ruleId, kind, result } of report.stale) {
          out.print(`${ruleId}: ${kind === 'event' ? 'event rule no longer asked for' : 'no longer derived from the policy file'}; ${result}`);
        }
        if (!report.dryRun) out.print(report.writes === 0 ? 'nothing to change' : `${report.writes} change(s) written`);
      }
      for (const { policy, instanceId } of report.missingInstances) out.warn(unknownInstance(policy, instanceId));
      for (const name of report.policiesWithoutInstances) out.warn(`policy ${name} manages no instance: no rule for it`);
      return report.missingInstances.length > 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      clients.close();
    }
  });
}

/** --contact-email / --contact-dingtalk / --contact-name: the contact the group must hold, if any. */
function contactFlags(mail: string | undefined, dingWebhook: string | undefined, name: string | undefined): ContactSettings['contact'] {
  if (mail === undefined && dingWebhook === undefined) {
    if (name !== undefined) throw new UsageError('--contact-name: give --contact-email or --contact-dingtalk as well');
    return undefined;
  }
  const contactName = name ?? DEFAULT_CONTACT_NAME;
  if (!CONTACT_NAME.test(contactName)) {
    throw new UsageError(`--contact-name: 2 to 40 letters, digits, "." or "_", starting with a letter, got "${contactName}"`);
  }
  if (mail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail)) throw new UsageError(`--contact-email: expected an email address, got "${mail}"`);
  if (dingWebhook !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(dingWebhook);
    } catch {
      url = undefined;
    }
    // The value is a secret; the message names the flag, not the value.
    if (url?.protocol !== 'https:') throw new UsageError("--contact-dingtalk: expected the robot's https webhook URL");
  }
  return { name: contactName, ...(mail !== undefined && { mail }), ...(dingWebhook !== undefined && { dingWebhook }) };
}

/** A utilisation threshold: above 0 and at most 100 (the `_Percent` metrics never exceed 100). */
function percentFlag(name: string, value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new UsageError(`--${name}: expected a percentage above 0 and at most 100, got "${value}"`);
  }
  return n;
}
