// What one backtest replays, fixed once and shared by the fast replay (replay.ts) and the full-stack
// replay (fullstack.ts), so that both run the same policy against the same instance and demand:
// - the ONE policy that governs the simulated instance, as YAML text (the full stack deploys it);
// - the simulated instance: its identity (id, region, tags), charge types and initial bandwidth;
// - the demand as the local cloud's DemandSpec, and the tick times.

import { isMap, isSeq, parseDocument } from 'yaml';
import { formatExpiredTime } from '../../local-cloud/fixture';
import type { DemandSpec } from '../../local-cloud/model';
import { apiRange } from '../core/provider';
import type { InstanceChargeType, InstanceFacts, InternetChargeType, Policy } from '../core/types';
import { eipRules, packageRules } from '../core/vpc-rules';
import { ValidationError } from '../errors';
import { type PolicyDocument, parsePolicyDocument, selectPolicy } from '../policy/load';
import { type Billing, type BillingMode, replayBilling } from './cost';
import type { demandGrid } from './trace';
import { isVpcBilling, type VpcBilling } from './vpc-billing';

export type DemandGrid = ReturnType<typeof demandGrid>;

export interface SimulatedInstance {
  instanceId: string;
  regionId: string;
  tags: Record<string, string>;
  instanceChargeType: InstanceChargeType;
  internetChargeType: InternetChargeType;
  /** Bandwidth before the first tick. */
  initialMbps: number;
  /** Subscription downgrades the provider grants (the API doc's 3); unused for pay-as-you-go. */
  downgradeQuota: number;
  /** Subscription expiry (epoch ms, whole minute), well past the trace. */
  expiredAt?: number;
  /** Set when the replay runs on an Elastic IP or a shared bandwidth package instead of an ECS instance. */
  resource?: SimulatedResource;
}

/**
 * A pay-as-you-go EIP or Internet Shared Bandwidth package: the resource an EIP or package billing is
 * replayed on, with its own provider rules (src/core/vpc-rules.ts: ranges, asynchronous change) and
 * the refusals of the VPC emulator (local-cloud/vpc/rules.ts).
 */
export interface SimulatedResource {
  kind: 'eip' | 'cbwp';
  billing: VpcBilling;
  /** As DescribeEipAddresses / DescribeCommonBandwidthPackages report it. */
  internetChargeType: 'PayByTraffic' | 'PayByBandwidth' | 'PayBy95';
}

const RESOURCES: Record<VpcBilling, SimulatedResource> = {
  'eip-bandwidth': { kind: 'eip', billing: 'eip-bandwidth', internetChargeType: 'PayByBandwidth' },
  'eip-traffic': { kind: 'eip', billing: 'eip-traffic', internetChargeType: 'PayByTraffic' },
  'cbwp-bandwidth': { kind: 'cbwp', billing: 'cbwp-bandwidth', internetChargeType: 'PayByBandwidth' },
  'cbwp-95': { kind: 'cbwp', billing: 'cbwp-95', internetChargeType: 'PayBy95' },
};

/** The local cloud's demo EIP and package (examples/vpc-policy.yaml manages them), as the ECS identities below. */
const RESOURCE_IDENTITY: Record<SimulatedResource['kind'], { instanceId: string; regionId: string; tags: Record<string, string> }> = {
  eip: { instanceId: 'eip-demo-1', regionId: 'cn-hangzhou', tags: { app: 'web' } },
  cbwp: { instanceId: 'cbwp-demo-1', regionId: 'cn-hangzhou', tags: { app: 'egress' } },
};

/** The policy-file key that selects each kind of resource. */
const SELECTOR_KEY: Record<SimulatedResource['kind'], string> = { eip: 'eips', cbwp: 'bandwidthPackages' };

export interface Scenario {
  grid: DemandGrid;
  /** The ECS billing of the replayed instance; for an EIP or package, the ECS billing with its kind of meter (replayBilling). */
  billing: Billing;
  /** A policy document holding only the governing policy. */
  policyText: string;
  doc: PolicyDocument;
  policy: Policy;
  instance: SimulatedInstance;
  /** Tick i runs at start + i·step, for every interval of the grid. */
  tickTimes: number[];
  /** The simulated clock starts one interval before the first tick (see `demandSpec`). */
  clockStart: number;
  demand: Extract<DemandSpec, { kind: 'series' }>;
  /** CloudMonitor's reporting lag (the emulator's default, 60 s). */
  reportingLagSeconds: number;
  /** Likely mistakes noticed while choosing the policy. */
  warnings: string[];
}

/** The provider's subscription downgrade quota (ModifyInstanceNetworkSpec API doc: three). */
export const PROVIDER_DOWNGRADE_QUOTA = 3;
export const DEFAULT_REPORTING_LAG_SECONDS = 60;

const CHARGE_TYPES: Record<Billing, { instanceChargeType: InstanceChargeType; internetChargeType: InternetChargeType }> = {
  'postpaid-bandwidth': { instanceChargeType: 'PostPaid', internetChargeType: 'PayByBandwidth' },
  'prepaid-bandwidth': { instanceChargeType: 'PrePaid', internetChargeType: 'PayByBandwidth' },
  traffic: { instanceChargeType: 'PostPaid', internetChargeType: 'PayByTraffic' },
};

/**
 * Without --policy-name the simulated instance takes the identity of the local cloud's demo
 * instance of the same billing, so examples/policy.yaml governs it with the entry written for that
 * billing (web-fleet, shop-subscription, api-traffic); any policy file then selects it by its own
 * rules (selectPolicy: first match in file order).
 */
const DEFAULT_IDENTITY: Record<Billing, { instanceId: string; regionId: string; tags: Record<string, string> }> = {
  'postpaid-bandwidth': { instanceId: 'i-backtest-web', regionId: 'cn-hangzhou', tags: { app: 'web' } },
  'prepaid-bandwidth': { instanceId: 'i-demo-sub-1', regionId: 'cn-hangzhou', tags: { app: 'shop' } },
  traffic: { instanceId: 'i-demo-traffic-1', regionId: 'cn-hangzhou', tags: { app: 'api' } },
};

export interface ScenarioInput {
  grid: DemandGrid;
  /** An ECS billing replays on an ECS instance; an EIP or package billing on that resource. */
  billing: BillingMode;
  policyText: string;
  /** For messages: where the policy text came from. */
  policySource: string;
  /** Pick the governing policy by name instead of by selector. */
  policyName?: string;
  reportingLagSeconds?: number;
}

export function buildScenario(input: ScenarioInput): Scenario {
  const { grid } = input;
  if (grid.mbps.length === 0) throw new ValidationError('the trace has no intervals to replay');
  const billing = replayBilling(input.billing);
  const resource = isVpcBilling(input.billing) ? RESOURCES[input.billing] : undefined;
  const full = parsePolicyDocument(input.policyText, input.policySource);
  const warnings: string[] = [];
  const charge = CHARGE_TYPES[billing];
  let policy: Policy | undefined;
  let identity: { instanceId: string; regionId: string; tags: Record<string, string> };
  // A tag-selected policy's simulated resource needs an id of its kind (ids name their kind: i-, eip-, cbwp-).
  const fallbackId = resource ? RESOURCE_IDENTITY[resource.kind].instanceId : 'i-backtest-1';
  const resourcePolicy =
    resource && input.policyName === undefined
      ? selectPolicy(full, simulatedFacts({ ...RESOURCE_IDENTITY[resource.kind], ...charge, resource }, 0))
      : undefined;
  if (resource && resourcePolicy) {
    policy = resourcePolicy;
    identity = RESOURCE_IDENTITY[resource.kind];
  } else if (input.policyName !== undefined) {
    policy = full.policies.find((p) => p.name === input.policyName);
    if (!policy) {
      const names = full.policies.map((p) => p.name).join(', ');
      throw new ValidationError(`${input.policySource}: no policy named "${input.policyName}" (the file has: ${names})`);
    }
    // The instance is one the named policy selects: its region, its first listed id, its tags.
    identity = {
      instanceId: policy.selector.instanceIds?.[0] ?? fallbackId,
      regionId: policy.selector.regionId,
      tags: policy.selector.tags ?? {},
    };
  } else {
    identity = DEFAULT_IDENTITY[billing];
    policy = selectPolicy(full, simulatedFacts({ ...identity, ...charge }, 0));
    const only = full.policies.length === 1 ? full.policies[0] : undefined;
    if (!policy && only) {
      // One policy, written for other instances: replaying it is almost surely what was meant, but
      // say so instead of guessing silently.
      policy = only;
      identity = { instanceId: only.selector.instanceIds?.[0] ?? fallbackId, regionId: only.selector.regionId, tags: only.selector.tags ?? {} };
      warnings.push(
        `${input.policySource} has one policy, "${only.name}", whose selector does not match the simulated ${billing} instance; replaying it as if it did (pass --policy-name ${only.name} to say so)`,
      );
    }
    if (!policy) {
      throw new ValidationError(
        `${input.policySource}: no policy selects the simulated ${billing} instance (${identity.instanceId} in ${identity.regionId}, tags ${JSON.stringify(identity.tags)}); name one with --policy-name`,
      );
    }
  }
  // Only the governing policy is deployed, so the tick cannot hand the instance to an earlier,
  // broader policy of the file, and both replays parse the very same text.
  let policyText = onlyPolicy(input.policyText, policy.name, input.policySource);
  if (resource && (policy.selector.kind ?? 'ecs') !== resource.kind) {
    // A policy written for another kind (examples/policy.yaml's instances): its rules, replayed on
    // the EIP or package, which its selector is pointed at. Said, not silent.
    identity = { ...RESOURCE_IDENTITY[resource.kind], regionId: policy.selector.regionId };
    policyText = retargetPolicy(policyText, resource.kind, identity);
    warnings.push(
      `${input.policySource}: policy "${policy.name}" selects ${policy.selector.kind ?? 'ECS instance'}s; its rules are replayed on the simulated ${resource.kind === 'eip' ? 'EIP' : 'shared bandwidth package'} ${identity.instanceId}`,
    );
  }
  const doc = parsePolicyDocument(policyText, `${input.policySource}#${policy.name}`);
  const governing = doc.policies[0] as Policy;

  const stepMs = grid.stepSeconds * 1000;
  const tickTimes = grid.mbps.map((_, i) => grid.start + i * stepMs);
  const clockStart = grid.start - stepMs;
  const lastTick = tickTimes[tickTimes.length - 1] as number;
  const instance: SimulatedInstance = {
    ...identity,
    ...charge,
    initialMbps: initialBandwidth(governing, simulatedFacts({ ...identity, ...charge, ...(resource ? { resource } : {}) }, 0), grid.mbps[0] as number),
    downgradeQuota: PROVIDER_DOWNGRADE_QUOTA,
    ...(resource ? { resource } : {}),
  };
  if (charge.instanceChargeType === 'PrePaid') {
    // A year past the end of the trace: the subscription never expires during the replay.
    instance.expiredAt = Date.parse(formatExpiredTime(lastTick + 365 * 86_400_000));
  }
  return {
    grid,
    billing,
    policyText,
    doc,
    policy: governing,
    instance,
    tickTimes,
    clockStart,
    demand: demandSpec(grid, input.reportingLagSeconds ?? DEFAULT_REPORTING_LAG_SECONDS),
    reportingLagSeconds: input.reportingLagSeconds ?? DEFAULT_REPORTING_LAG_SECONDS,
    warnings,
  };
}

/**
 * The demand as the local cloud's series, longer at the front: the first tick reads the newest
 * visible minute, which ends `reportingLagSeconds` before the first tick, and an empty minute there
 * would read as an idle instance and scale it down at once. One interval covers it on 5-minute steps;
 * one-minute steps need one more per minute of lag. The chosen fill is the trace's first value, the
 * same hold-last rule the grid uses for gaps.
 */
function demandSpec(grid: DemandGrid, reportingLagSeconds: number): Extract<DemandSpec, { kind: 'series' }> {
  const pad = Math.max(1, Math.ceil((60 + reportingLagSeconds) / grid.stepSeconds));
  return {
    kind: 'series',
    start: grid.start - pad * grid.stepSeconds * 1000,
    stepSeconds: grid.stepSeconds,
    mbps: [...Array.from({ length: pad }, () => grid.mbps[0] as number), ...grid.mbps],
  };
}

/**
 * Bandwidth before the first tick: the first interval's demand at the policy's target utilisation
 * (70 % when it has no target tracking), within the policy bounds and the API range, and at least
 * 1 Mbps. A choice: the instance starts as an operator would have sized it for the moment the trace
 * starts, so the first hours measure the policy, not a cold start.
 */
function initialBandwidth(policy: Policy, facts: InstanceFacts, firstMbps: number): number {
  const target = (policy.targetTracking?.targetUtilization ?? 70) / 100;
  const wanted = Math.ceil(firstMbps / target - 1e-9);
  const range = apiRange(facts);
  const max = Math.min(policy.bounds.maxOut, range.max);
  return Math.max(1, range.min, Math.min(max, Math.max(policy.bounds.minOut, wanted)));
}

/** What DescribeInstances says about the simulated instance at `mbps` (a running VPC instance with a public IP). */
export function simulatedFacts(
  instance: Pick<SimulatedInstance, 'instanceId' | 'regionId' | 'tags' | 'instanceChargeType' | 'internetChargeType' | 'expiredAt' | 'resource'> & {
    initialMbps?: number;
  },
  mbps: number,
): InstanceFacts {
  const resource = instance.resource;
  if (resource) {
    // What the VPC adapter makes of a pay-as-you-go EIP (in use, outside any package) or package
    // (Available: the fast replay applies a change before the next describe), src/adapters/vpc.ts.
    const billing = { chargeType: 'PostPaid' as const, internetChargeType: resource.internetChargeType };
    return {
      instanceId: instance.instanceId,
      kind: resource.kind,
      rules: resource.kind === 'eip' ? eipRules(billing) : packageRules(billing),
      regionId: instance.regionId,
      tags: { ...instance.tags },
      instanceChargeType: 'PostPaid',
      internetChargeType: resource.internetChargeType === 'PayBy95' ? '' : resource.internetChargeType,
      networkType: 'vpc',
      status: resource.kind === 'eip' ? 'InUse' : 'Available',
      bandwidthOut: mbps,
      hasPublicIp: true,
      eipBound: false,
      operationLocks: [],
    };
  }
  const facts: InstanceFacts = {
    instanceId: instance.instanceId,
    regionId: instance.regionId,
    tags: { ...instance.tags },
    instanceChargeType: instance.instanceChargeType,
    internetChargeType: instance.internetChargeType,
    networkType: 'vpc',
    status: 'Running',
    bandwidthOut: mbps,
    // The local cloud's fixture default, which ModifyInstanceNetworkSpec (outbound only) leaves alone.
    bandwidthIn: Math.max(100, instance.initialMbps ?? mbps),
    hasPublicIp: true,
    eipBound: false,
    operationLocks: [],
  };
  if (instance.expiredAt !== undefined) facts.expiredAt = instance.expiredAt;
  return facts;
}

/** The policy document text with every policy but `name` removed (comments and layout kept). */
export function onlyPolicy(text: string, name: string, source: string): string {
  const document = parseDocument(text);
  const policies = document.get('policies');
  if (!isSeq(policies)) throw new ValidationError(`${source}: expected a "policies" list`);
  policies.items = policies.items.filter((item) => isMap(item) && item.get('name') === name);
  if (policies.items.length !== 1) throw new ValidationError(`${source}: expected exactly one policy named "${name}"`);
  return document.toString();
}

/**
 * The one-policy document with its selector pointed at the simulated EIP or package: the `instances:`
 * (or other kind's) key replaced by `eips:` or `bandwidthPackages:` naming the resource by id.
 */
function retargetPolicy(text: string, kind: SimulatedResource['kind'], identity: { instanceId: string; regionId: string }): string {
  const document = parseDocument(text);
  const policy = document.getIn(['policies', 0]);
  if (!isMap(policy)) throw new ValidationError('expected one policy to retarget');
  for (const key of Object.values(SELECTOR_KEY).concat('instances')) policy.delete(key);
  policy.set(SELECTOR_KEY[kind], document.createNode({ region: identity.regionId, ids: [identity.instanceId] }));
  return document.toString();
}
