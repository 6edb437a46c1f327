// Threshold alert rules (PutResourceMetricRule / DescribeMetricRuleList / DeleteMetricRules, CMS
// 2019-01-01) and the engine that evaluates them on the clock and calls back on state changes:
// ALERT when a level triggers, OK when it clears, INSUFFICIENT_DATA when the rule's NoDataPolicy
// asks for it. Sources: docs/reference/cloudmonitor.md.
import { RpcError } from '../model';
import {
  type AlertState,
  CLOUDEVENT_CONTENT_TYPE,
  callbackFields,
  cloudEvent,
  type Delivery,
  type DeliveryOptions,
  type DeliveryRequest,
  deliver,
  FORM_CONTENT_TYPE,
  formBody,
} from './callback';
import { contactGroupNotExists } from './contacts';
import { datapointOf, latestVisibleBucket, type MetricWorld, matchesDimensions, metricOf, resourceOf, type Series, type Statistic, seriesOf } from './metrics';
import { invalidParameter, missingParameter, optional, parseObjectList, positiveInteger, required } from './params';
import { resolveMetric } from './query';

export type TriggerLevel = 'CRITICAL' | 'WARN' | 'INFO';
export type AlarmLevel = TriggerLevel | 'OK' | 'INSUFFICIENT_DATA';

/**
 * PutResourceMetricRule NoDataPolicy, as the CMS SDK documents it: "KEEP_LAST_STATE (default
 * value): No operation is performed. INSUFFICIENT_DATA: An alert whose content is 'Insufficient
 * data' is triggered. OK: The status is considered normal."
 */
export type NoDataPolicy = 'KEEP_LAST_STATE' | 'INSUFFICIENT_DATA' | 'OK';
const NO_DATA_POLICIES: readonly NoDataPolicy[] = ['KEEP_LAST_STATE', 'INSUFFICIENT_DATA', 'OK'];

/** The threshold operators of PutResourceMetricRule and the symbol each shows in `expression`. */
const OPERATORS = {
  GreaterThanOrEqualToThreshold: { symbol: '>=', breached: (v: number, t: number) => v >= t },
  GreaterThanThreshold: { symbol: '>', breached: (v: number, t: number) => v > t },
  LessThanOrEqualToThreshold: { symbol: '<=', breached: (v: number, t: number) => v <= t },
  LessThanThreshold: { symbol: '<', breached: (v: number, t: number) => v < t },
  NotEqualToThreshold: { symbol: '!=', breached: (v: number, t: number) => v !== t },
} as const;
export type ComparisonOperator = keyof typeof OPERATORS;

/** Documented operators that compare with history; the emulator keeps no such baseline. */
const HISTORY_OPERATORS = [
  'GreaterThanYesterday',
  'LessThanYesterday',
  'GreaterThanLastWeek',
  'LessThanLastWeek',
  'GreaterThanLastPeriod',
  'LessThanLastPeriod',
];

/** Escalation levels as the API spells them, most severe first: the order they are evaluated in. */
const LEVELS: ReadonlyArray<{ param: string; level: TriggerLevel }> = [
  { param: 'Critical', level: 'CRITICAL' },
  { param: 'Warn', level: 'WARN' },
  { param: 'Info', level: 'INFO' },
];

export interface Escalation {
  level: TriggerLevel;
  statistics: Statistic;
  comparisonOperator: ComparisonOperator;
  /** As given, for `expression` and DescribeMetricRuleList. */
  threshold: string;
  times: number;
}

export interface ResourceState {
  level: AlarmLevel;
  changedAt: number;
  /** When the last notice for the current level went out (SilenceTime counts from here). */
  notifiedAt?: number;
}

export interface AlarmRule {
  ruleId: string;
  ruleName: string;
  namespace: string;
  metricName: string;
  periodSeconds: number;
  /** Resources as given; `[{"resource":"_ALL"}]` (or no Resources) covers every instance. */
  resources: Array<Record<string, string>>;
  /** Most severe first. */
  escalations: Escalation[];
  contactGroups: string;
  webhook?: string;
  /** Emulator-only: deliver each notice as an EventBridge CloudEvent to this URL as well. */
  eventBridgeUrl?: string;
  silenceTimeSeconds: number;
  noDataPolicy: NoDataPolicy;
  createdAt: number;
  updatedAt: number;
  /** By instanceId. */
  states: Record<string, ResourceState>;
}

export interface AlarmEngine {
  evaluate(now: number): Promise<void>;
  rules(): AlarmRule[];
}

export interface AlarmWorld extends MetricWorld {
  userId: string;
  lagSeconds(): number;
  /** Whether the collector published this instance's point for the bucket (Cms.suppressData). */
  published(instanceId: string, bucketStart: number, periodSeconds: number): boolean;
  /** Whether the account has an alert contact group of this name (contacts.ts). */
  contactGroupExists(name: string): boolean;
}

/** The emulator-only PutResourceMetricRule parameter naming an EventBridge delivery URL. */
export const EVENTBRIDGE_URL_PARAM = 'EmulatorEventBridgeUrl';

/** PutResourceMetricRule's SilenceTime: "Default value: 86400. Minimum value: 3600." */
const DEFAULT_SILENCE_SECONDS = 86_400;
const MIN_SILENCE_SECONDS = 3_600;

/**
 * Parameters of PutResourceMetricRule that select behaviour the emulator does not model. They are
 * refused (UnsupportedParameter, a common POP code) rather than ignored, so a rule never silently
 * means something else locally than in the cloud.
 */
const UNEMULATED_PREFIXES = ['CompositeExpression', 'Prometheus', 'EffectiveInterval', 'NoEffectiveInterval'];

function unsupported(name: string, why: string): RpcError {
  return new RpcError(400, 'UnsupportedParameter', `The parameter "${name}" is not supported by the local CloudMonitor: ${why}.`);
}

function httpUrl(params: Record<string, string>, name: string): string | undefined {
  const raw = optional(params, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidParameter(name, `expected an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidParameter(name, `expected an http(s) URL, got "${raw}"`);
  return raw;
}

function parseEscalations(params: Record<string, string>, statistics: readonly Statistic[], metricName: string): Escalation[] {
  const escalations: Escalation[] = [];
  for (const { param, level } of LEVELS) {
    const prefix = `Escalations.${param}.`;
    if (!Object.keys(params).some((key) => key.startsWith(prefix))) continue;
    const statistic = required(params, `${prefix}Statistics`);
    // "Statistics verification was added on August 15, 2024. Only the statistical value of the
    // corresponding metric can be set" (PutResourceMetricRule doc).
    if (!(statistics as readonly string[]).includes(statistic)) {
      throw invalidParameter(`${prefix}Statistics`, `${metricName} publishes ${statistics.join(', ')}, got "${statistic}"`);
    }
    const operator = required(params, `${prefix}ComparisonOperator`);
    if (HISTORY_OPERATORS.includes(operator)) throw unsupported(`${prefix}ComparisonOperator`, `${operator} compares with history the emulator does not keep`);
    if (!(operator in OPERATORS)) {
      throw invalidParameter(`${prefix}ComparisonOperator`, `expected one of ${Object.keys(OPERATORS).join(', ')}, got "${operator}"`);
    }
    const threshold = required(params, `${prefix}Threshold`);
    if (!Number.isFinite(Number(threshold))) throw invalidParameter(`${prefix}Threshold`, `expected a number, got "${threshold}"`);
    required(params, `${prefix}Times`);
    const times = positiveInteger(params, `${prefix}Times`, 1);
    escalations.push({ level, statistics: statistic as Statistic, comparisonOperator: operator as ComparisonOperator, threshold, times });
  }
  // "You must select at least one of the Critical, Warn, and Info alert levels".
  if (escalations.length === 0) throw missingParameter('Escalations.Critical.Statistics');
  return escalations;
}

function parseRule(params: Record<string, string>, now: number, previous: AlarmRule | undefined): AlarmRule {
  const ruleId = required(params, 'RuleId');
  const ruleName = required(params, 'RuleName');
  const { namespace, metricName, metric } = resolveMetric(params);
  const contactGroups = required(params, 'ContactGroups');
  for (const key of Object.keys(params)) {
    const prefix = UNEMULATED_PREFIXES.find((p) => key === p || key.startsWith(`${p}.`));
    if (prefix !== undefined) throw unsupported(key, 'rules are evaluated all day on a single metric');
  }
  const noData = optional(params, 'NoDataPolicy') ?? 'KEEP_LAST_STATE';
  if (!(NO_DATA_POLICIES as readonly string[]).includes(noData)) {
    throw invalidParameter('NoDataPolicy', `expected one of ${NO_DATA_POLICIES.join(', ')}, got "${noData}"`);
  }
  const periodSeconds = positiveInteger(params, 'Period', 60);
  if (periodSeconds % 60 !== 0) throw invalidParameter('Period', `ECS basic metrics have periods that are multiples of 60 seconds, got ${periodSeconds}`);
  const silenceTimeSeconds = positiveInteger(params, 'SilenceTime', DEFAULT_SILENCE_SECONDS);
  if (silenceTimeSeconds < MIN_SILENCE_SECONDS)
    throw invalidParameter('SilenceTime', `the minimum is ${MIN_SILENCE_SECONDS} seconds, got ${silenceTimeSeconds}`);
  const resourcesRaw = optional(params, 'Resources');
  const webhook = httpUrl(params, 'Webhook');
  const eventBridgeUrl = httpUrl(params, EVENTBRIDGE_URL_PARAM);
  return {
    ruleId,
    ruleName,
    namespace,
    metricName,
    periodSeconds,
    resources: resourcesRaw === undefined ? [{ resource: '_ALL' }] : parseObjectList('Resources', resourcesRaw),
    escalations: parseEscalations(params, metric.statistics, metricName),
    contactGroups,
    ...(webhook !== undefined ? { webhook } : {}),
    ...(eventBridgeUrl !== undefined ? { eventBridgeUrl } : {}),
    silenceTimeSeconds,
    noDataPolicy: noData as NoDataPolicy,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    // Re-putting a rule keeps what it knows about each resource, so an edit does not replay an
    // ALERT (or fire a spurious OK) for a resource whose state has not changed.
    states: previous?.states ?? {},
  };
}

function coversSeries(rule: AlarmRule, series: Series): boolean {
  if (rule.resources.some((resource) => resource.resource === '_ALL')) return true;
  return matchesDimensions(series, rule.resources);
}

function expressionOf(escalation: Escalation): string {
  return `$${escalation.statistics}${OPERATORS[escalation.comparisonOperator].symbol}${escalation.threshold}`;
}

interface Verdict {
  level: AlarmLevel;
  /** The escalation that decided the verdict (the triggered one, or the most severe for OK). */
  escalation: Escalation;
  /** Undefined when there was no data to judge. */
  curValue: number | undefined;
}

/**
 * A level triggers when its statistic breached the threshold in each of the last `Times` visible
 * periods; levels are tried most severe first. Evaluation looks at the datapoints themselves, not at
 * how often evaluate() ran, so a manual clock that jumps ten minutes still sees ten points.
 * No point for the newest visible period is "no data", and the rule's NoDataPolicy decides; an
 * older unpublished period can confirm no level (it counts as not breached).
 */
function judge(rule: AlarmRule, series: Series | undefined, now: number, world: AlarmWorld): Verdict | 'noData' {
  const metric = metricOf(rule.namespace, rule.metricName);
  const [mostSevere] = rule.escalations;
  if (metric === undefined || mostSevere === undefined) throw new Error(`rule ${rule.ruleId} was stored without a metric or escalation`);
  if (series === undefined) return 'noData';
  const periodMs = rule.periodSeconds * 1000;
  const newest = latestVisibleBucket(rule.periodSeconds, world.lagSeconds(), now);
  const depth = Math.max(...rule.escalations.map((e) => e.times));
  const points = Array.from({ length: depth }, (_, k) => {
    const bucket = newest - k * periodMs;
    return world.published(series.dimensions.instanceId, bucket, rule.periodSeconds) ? datapointOf(metric, series, bucket, rule.periodSeconds) : undefined;
  });
  if (points[0] === undefined) return 'noData';
  const statisticAt = (index: number, statistic: Statistic): number => points[index]?.[statistic] ?? Number.NaN;

  for (const escalation of rule.escalations) {
    const { breached } = OPERATORS[escalation.comparisonOperator];
    const threshold = Number(escalation.threshold);
    const held = points.slice(0, escalation.times).every((_, k) => breached(statisticAt(k, escalation.statistics), threshold));
    if (held) return { level: escalation.level, escalation, curValue: statisticAt(0, escalation.statistics) };
  }
  return { level: 'OK', escalation: mostSevere, curValue: statisticAt(0, mostSevere.statistics) };
}

/** What a rule's NoDataPolicy makes of "no data": a verdict, or undefined to keep the last state. */
function noDataVerdict(rule: AlarmRule): Verdict | undefined {
  const [mostSevere] = rule.escalations;
  if (mostSevere === undefined || rule.noDataPolicy === 'KEEP_LAST_STATE') return undefined;
  return { level: rule.noDataPolicy, escalation: mostSevere, curValue: undefined };
}

interface Notice {
  rule: AlarmRule;
  series: Series;
  verdict: Verdict;
  preTriggerLevel: AlarmLevel;
  at: number;
}

function deliveryRequests(notice: Notice): DeliveryRequest[] {
  const { rule, series, verdict, at } = notice;
  const alertState: AlertState = verdict.level === 'OK' || verdict.level === 'INSUFFICIENT_DATA' ? verdict.level : 'ALERT';
  // A recovery notice shows the condition that has just cleared.
  const cleared = rule.escalations.find((e) => e.level === notice.preTriggerLevel) ?? verdict.escalation;
  const fields = callbackFields({
    alertName: rule.ruleName,
    alertState,
    curValue: verdict.curValue,
    dimensions: series.dimensions,
    expression: expressionOf(alertState === 'OK' ? cleared : verdict.escalation),
    instanceName: series.resource.name,
    metricName: rule.metricName,
    metricProject: rule.namespace,
    namespace: rule.namespace,
    // The doc names CRITICAL/WARN/INFO; a recovery's level, a no-data notice's and the level
    // before a first alert are not documented: the emulator writes OK or INSUFFICIENT_DATA.
    preTriggerLevel: notice.preTriggerLevel,
    ruleId: rule.ruleId,
    at,
    triggerLevel: verdict.level,
    userId: series.dimensions.userId,
  });
  const common = { ruleId: rule.ruleId, instanceId: series.resource.id, alertState, triggerLevel: verdict.level, at } as const;
  const requests: DeliveryRequest[] = [];
  if (rule.webhook !== undefined) {
    requests.push({ ...common, channel: 'webhook', url: rule.webhook, contentType: FORM_CONTENT_TYPE, body: formBody(fields) });
  }
  if (rule.eventBridgeUrl !== undefined) {
    const event = cloudEvent(fields, { at, regionId: series.resource.regionId });
    requests.push({ ...common, channel: 'eventbridge', url: rule.eventBridgeUrl, contentType: CLOUDEVENT_CONTENT_TYPE, body: JSON.stringify(event) });
  }
  return requests;
}

export interface AlarmService {
  engine: AlarmEngine;
  handlers: {
    PutResourceMetricRule(params: Record<string, string>, now: number): unknown;
    DescribeMetricRuleList(params: Record<string, string>): unknown;
    DeleteMetricRules(params: Record<string, string>): unknown;
  };
  deliveries(): Delivery[];
}

export function createAlarmService(world: AlarmWorld, delivery: DeliveryOptions): AlarmService {
  const rules = new Map<string, AlarmRule>();
  const log: Delivery[] = [];
  // Evaluations run one at a time, in call order: a real-clock tick that lands while the previous
  // evaluation still waits on a slow receiver must not judge the same transition twice.
  let queue: Promise<void> = Promise.resolve();

  async function evaluateOnce(now: number): Promise<void> {
    const notices: Notice[] = [];
    for (const rule of rules.values()) {
      const metric = metricOf(rule.namespace, rule.metricName);
      if (metric === undefined) continue;
      const live = seriesOf(metric, world, world.userId).filter((series) => coversSeries(rule, series));
      // A resource the rule knows whose series has gone (a VPC instance whose public IP was
      // released) is judged as having no data, not forgotten.
      const liveIds = new Set(live.map((series) => series.resource.id));
      const gone = Object.keys(rule.states).filter((id) => !liveIds.has(id) && resourceOf(metric, world, id) !== undefined);
      const targets: Array<{ id: string; series: Series | undefined }> = [
        ...live.map((series) => ({ id: series.resource.id, series })),
        ...gone.map((id) => ({ id, series: undefined })),
      ];
      for (const { id, series: found } of targets) {
        const resource = resourceOf(metric, world, id);
        if (resource === undefined) continue;
        const series = found ?? { resource, dimensions: { userId: world.userId, instanceId: id } };
        if (!coversSeries(rule, series)) continue;
        const state = rule.states[id] ?? { level: 'OK', changedAt: rule.createdAt };
        const judged = judge(rule, found, now, world);
        const verdict = judged === 'noData' ? noDataVerdict(rule) : judged;
        if (verdict === undefined) {
          rule.states[id] = state;
          continue;
        }
        const silenced = state.notifiedAt !== undefined && now - state.notifiedAt < rule.silenceTimeSeconds * 1000;
        if (verdict.level !== state.level) {
          notices.push({ rule, series, verdict, preTriggerLevel: state.level, at: now });
          rule.states[id] = { level: verdict.level, changedAt: now, notifiedAt: now };
        } else if (verdict.level !== 'OK' && verdict.level !== 'INSUFFICIENT_DATA' && !silenced) {
          // An alert that outlasts SilenceTime is notified again ("CloudMonitor resends").
          notices.push({ rule, series, verdict, preTriggerLevel: state.level, at: now });
          rule.states[id] = { ...state, notifiedAt: now };
        } else {
          rule.states[id] = state;
        }
      }
    }
    // State moves on whether or not the receiver answers: CloudMonitor retries a callback, it does
    // not re-raise an alert because its callback failed.
    await Promise.all(notices.flatMap(deliveryRequests).map((request) => deliver(request, delivery, (d) => log.push(d))));
  }

  const engine: AlarmEngine = {
    evaluate(now) {
      const run = queue.then(() => evaluateOnce(now));
      queue = run.catch(() => undefined);
      return run;
    },
    rules: () => [...rules.values()].map((rule) => structuredClone(rule)),
  };

  return {
    engine,
    deliveries: () => [...log],
    handlers: {
      PutResourceMetricRule(params, now) {
        const rule = parseRule(params, now, rules.get(params.RuleId ?? ''));
        // The rule's contact groups must exist. PutResourceMetricRule's page lists no code for a
        // missing group, so the emulator answers with the one CloudMonitor documents for it on
        // PutContactGroup (404 ContactGroup.NotExists,
        // https://www.alibabacloud.com/help/doc-detail/114929.html). The harsher choice: a rule that
        // notifies no one is a silent failure. Checked after the rule's own parameters.
        for (const group of rule.contactGroups.split(',').map((name) => name.trim())) {
          if (group !== '' && !world.contactGroupExists(group)) throw contactGroupNotExists(group);
        }
        rules.set(rule.ruleId, rule);
        return { Code: '200', Success: true, Message: '' };
      },
      DescribeMetricRuleList(params) {
        const ids = optional(params, 'RuleIds')
          ?.split(',')
          .map((id) => id.trim());
        const name = optional(params, 'RuleName');
        const namespace = optional(params, 'Namespace');
        const metricName = optional(params, 'MetricName');
        const page = positiveInteger(params, 'Page', 1);
        const pageSize = positiveInteger(params, 'PageSize', 100);
        const matching = [...rules.values()]
          .filter((rule) => ids === undefined || ids.includes(rule.ruleId))
          .filter((rule) => name === undefined || rule.ruleName.includes(name))
          .filter((rule) => namespace === undefined || rule.namespace === namespace)
          .filter((rule) => metricName === undefined || rule.metricName === metricName);
        return {
          Code: '200',
          Success: true,
          Total: String(matching.length),
          Alarms: { Alarm: matching.slice((page - 1) * pageSize, page * pageSize).map(describeRule) },
        };
      },
      DeleteMetricRules(params) {
        const ids = Object.keys(params)
          .filter((key) => /^Id\.\d+$/.test(key))
          .map((key) => params[key] ?? '');
        if (ids.length === 0) throw missingParameter('Id.1');
        // Deleting an unknown id is not an error: the call is idempotent, as a retried delete must be.
        for (const id of ids) rules.delete(id);
        return { Code: '200', Success: true };
      },
    },
  };
}

/** DescribeMetricRuleList's Alarm shape. Note its AlertState says ALARM where callbacks say ALERT. */
function describeRule(rule: AlarmRule): Record<string, unknown> {
  const levels = Object.values(rule.states).map((state) => state.level);
  const alarming = levels.some((level) => level !== 'OK' && level !== 'INSUFFICIENT_DATA');
  const noData = levels.includes('INSUFFICIENT_DATA');
  const escalations = Object.fromEntries(
    rule.escalations.map((e) => [
      e.level === 'CRITICAL' ? 'Critical' : e.level === 'WARN' ? 'Warn' : 'Info',
      { Statistics: e.statistics, ComparisonOperator: e.comparisonOperator, Threshold: e.threshold, Times: e.times },
    ]),
  );
  return {
    RuleId: rule.ruleId,
    RuleName: rule.ruleName,
    Namespace: rule.namespace,
    MetricName: rule.metricName,
    Period: String(rule.periodSeconds),
    Resources: JSON.stringify(rule.resources),
    Dimensions: JSON.stringify(rule.resources),
    ContactGroups: rule.contactGroups,
    Webhook: rule.webhook ?? '',
    Escalations: escalations,
    EnableState: true,
    AlertState: alarming ? 'ALARM' : noData ? 'INSUFFICIENT_DATA' : 'OK',
    SilenceTime: rule.silenceTimeSeconds,
    NoDataPolicy: rule.noDataPolicy,
    SourceType: 'METRIC',
    GmtCreate: rule.createdAt,
    GmtUpdate: String(rule.updatedAt),
  };
}
