// The local CloudMonitor: metric reads and threshold alert rules over the ECS emulator's world.
// The ECS emulator's server mounts `handlers` (signature already verified) and calls
// `alarms.evaluate(now)` from the clock's onAdvance hook.
import type { Clock, LocalInstance, RpcHandler } from '../model';
import type { LocalBandwidthPackage, LocalEip } from '../vpc/model';
import { type AlarmEngine, createAlarmService } from './alarms';
import type { Delivery } from './callback';
import { type ContactBook, createContactBook } from './contacts';
import { type CustomMonitoring, createCustomMonitoring } from './custom';
import { createEventRuleService, type EventRuleService } from './event-rules';
import { queryMetric } from './query';

export type { AlarmEngine, AlarmLevel, AlarmRule, Escalation, ResourceState, TriggerLevel } from './alarms';
export { EVENTBRIDGE_URL_PARAM } from './alarms';
export type { CallbackFields, Delivery } from './callback';
export type { Contact, ContactGroup } from './contacts';
export type { EventNotice, EventRule } from './event-rules';
export { BANDWIDTH_PACKAGE_NAMESPACE, ECS_NAMESPACE, EIP_NAMESPACE, METRICS, NAMESPACES } from './metrics';
export { lastLookbackMs, retentionMs } from './query';
export { bandwidthAt, demandMbps, servedMbps } from './traffic';

export interface Cms {
  handlers: Record<string, RpcHandler>;
  alarms: AlarmEngine;
  /** PutCustomMetric / PutCustomEvent as received (custom.ts). */
  custom: Pick<CustomMonitoring, 'metrics' | 'events'>;
  /** Alert contacts and contact groups (contacts.ts). */
  contacts: Pick<ContactBook, 'contacts' | 'groups'>;
  /** Event-triggered alert rules and the notices matched custom events raised (event-rules.ts). */
  eventRules: Pick<EventRuleService, 'rules' | 'notices'>;
  readonly reportingLagSeconds: number;
  setReportingLag(seconds: number): void;
  /**
   * A collector outage: no datapoint of this instance (any metric) whose period overlaps
   * [from, to) is ever published, to queries or to alert rules. `to` undefined = until further
   * notice. The real service has such gaps (an agent or pipeline fault); nothing documents them,
   * so they are injected, not random.
   */
  suppressData(instanceId: string, from: number, to?: number): void;
  /** Every callback attempt so far, oldest first. */
  deliveries(): Delivery[];
}

export interface CmsOptions {
  /** Seconds after a period ends before its datapoint is visible (default 60; see metrics.isVisible). */
  reportingLagSeconds?: number;
  fetch?: typeof fetch;
  /** Per callback attempt (default 5000, CloudMonitor's documented timeout). */
  callbackTimeoutMs?: number;
  /** Pause between callback tries (default 1000; CloudMonitor documents none, see callback.ts). */
  retryDelayMs?: number;
}

/**
 * The account id CloudMonitor reports as `userId` when the world does not name one. Sixteen digits,
 * the shape of an Alibaba Cloud UID (samples: `123456789876****`).
 */
const DEFAULT_USER_ID = '1234567890123456';

export function createCms(
  world: {
    clock: Clock;
    instances: Map<string, LocalInstance>;
    eips?: Map<string, LocalEip>;
    bandwidthPackages?: Map<string, LocalBandwidthPackage>;
    userId?: string;
  },
  options: CmsOptions = {},
): Cms {
  let lagSeconds = checkedLag(options.reportingLagSeconds ?? 60);
  const userId = world.userId ?? DEFAULT_USER_ID;
  const outages: Array<{ instanceId: string; from: number; to: number }> = [];
  const published = (instanceId: string, bucketStart: number, periodSeconds: number): boolean =>
    !outages.some((o) => o.instanceId === instanceId && bucketStart < o.to && bucketStart + periodSeconds * 1000 > o.from);
  const vpcResources = {
    ...(world.eips ? { eips: world.eips } : {}),
    ...(world.bandwidthPackages ? { bandwidthPackages: world.bandwidthPackages } : {}),
  };
  const source = {
    instances: world.instances,
    ...vpcResources,
    userId,
    get lagSeconds() {
      return lagSeconds;
    },
    published,
  };
  const contacts = createContactBook();
  const alarms = createAlarmService(
    {
      instances: world.instances,
      ...vpcResources,
      userId,
      lagSeconds: () => lagSeconds,
      published,
      contactGroupExists: (name) => contacts.group(name) !== undefined,
    },
    { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.callbackTimeoutMs ?? 5000, retryDelayMs: options.retryDelayMs ?? 1000 },
  );
  const eventRules = createEventRuleService(contacts);
  const custom = createCustomMonitoring({
    onEvents: (events, now) => {
      for (const event of events) eventRules.onCustomEvent(event, now);
    },
  });
  return {
    handlers: {
      ...custom.handlers,
      PutContact: (params, ctx) => contacts.handlers.PutContact(params, ctx.now),
      DescribeContactList: (params) => contacts.handlers.DescribeContactList(params),
      PutContactGroup: (params, ctx) => contacts.handlers.PutContactGroup(params, ctx.now),
      DescribeContactGroupList: (params) => contacts.handlers.DescribeContactGroupList(params),
      ...eventRules.handlers,
      DescribeMetricLast: (params, ctx) => queryMetric(source, 'last', params, ctx.now),
      DescribeMetricList: (params, ctx) => queryMetric(source, 'list', params, ctx.now),
      PutResourceMetricRule: (params, ctx) => alarms.handlers.PutResourceMetricRule(params, ctx.now),
      DescribeMetricRuleList: (params) => alarms.handlers.DescribeMetricRuleList(params),
      DeleteMetricRules: (params) => alarms.handlers.DeleteMetricRules(params),
    },
    alarms: alarms.engine,
    custom,
    contacts,
    eventRules,
    get reportingLagSeconds() {
      return lagSeconds;
    },
    setReportingLag(seconds) {
      lagSeconds = checkedLag(seconds);
    },
    suppressData(instanceId, from, to = Number.POSITIVE_INFINITY) {
      if (!(Number.isFinite(from) && to > from)) throw new RangeError(`suppressData: expected from < to, got ${from} and ${to}`);
      outages.push({ instanceId, from, to });
    },
    deliveries: alarms.deliveries,
  };
}

function checkedLag(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`reportingLagSeconds must be a finite number >= 0, got ${seconds}`);
  return seconds;
}
