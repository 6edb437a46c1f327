// `bwscaler setup-alarms` for policies that select Elastic IPs and shared bandwidth packages: their
// rules live in acs_vpc_eip (net_tx.rate, bit/s) and acs_bandwidth_package (net_tx.ratePercent), with
// the statistic `Value`, against the local cloud's CloudMonitor and VPC over signed HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRpc, createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { deriveAlarmRules, ruleParams, run } from '../../src/cli/setup-alarms';
import type { InstanceFacts, Policy } from '../../src/core/types';
import { parsePolicyDocument } from '../../src/policy/load';
import { type CliCloud, FLEET, runCli, startCliCloud, TOKEN } from './support';

const VPC_POLICY = `version: 1
policies:
  - name: edge
    eips: { region: cn-hangzhou, tags: { app: edge } }
    bounds: { minOut: 1, maxOut: 200 }
    saturation: { threshold: 90, adjust: "x2" }
  - name: egress
    bandwidthPackages: { region: cn-hangzhou, ids: [cbwp-egress-1] }
    bounds: { minOut: 2, maxOut: 1000 }
    saturation: { threshold: 80, adjust: "x2" }
  - name: web
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
`;

const EIP = (id: string, bandwidth: number) => ({
  AllocationId: id,
  IpAddress: `47.96.2.${bandwidth}`,
  Status: 'InUse' as const,
  InternetChargeType: 'PayByTraffic' as const,
  ChargeType: 'PostPaid' as const,
  Bandwidth: bandwidth,
  Tags: [{ Key: 'app', Value: 'edge' }],
  Demand: { kind: 'constant' as const, mbps: 4 },
});

describe('bwscaler setup-alarms for EIPs and shared bandwidth packages, against the local cloud', () => {
  let local: CliCloud;
  let cms: RpcClient;
  let policyFile: string;

  beforeAll(async () => {
    local = await startCliCloud({
      ...FLEET,
      eips: [EIP('eip-edge-1', 20), EIP('eip-edge-2', 50)],
      bandwidthPackages: [{ BandwidthPackageId: 'cbwp-egress-1', Bandwidth: 50 }],
    });
    policyFile = local.policyFile.replace(/policy\.yaml$/, 'vpc.yaml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(policyFile, VPC_POLICY);
    const { endpoints } = local.cloud;
    cms = createRpcClient({
      endpoint: endpoints.cms,
      apiVersion: '2019-01-01',
      credentials: { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
    });
  });
  afterAll(async () => {
    cms?.close();
    await local?.close();
  });

  const env = () => local.env({ BWSCALER_WEBHOOK_TOKEN: TOKEN, BWSCALER_VPC_ENDPOINT: local.cloud.endpoints.vpc });
  const args = () => ['--policy', policyFile, '--callback-url', 'http://127.0.0.1:9/alarm', '--contact-email', 'ops@example.com'];
  const ruleWrites = () => local.cloud.world.calls.filter((call) => call.action === 'PutResourceMetricRule' || call.action === 'DeleteMetricRules');

  async function listed(namespace: string): Promise<Record<string, Record<string, unknown>>> {
    const body = await callRpc(cms, 'DescribeMetricRuleList', { Namespace: namespace }, { method: 'GET' });
    const rules = (body.Alarms as { Alarm: Array<Record<string, unknown>> }).Alarm;
    return Object.fromEntries(rules.map((rule) => [String(rule.RuleId), rule]));
  }

  it('a dry run shows one rule per EIP in bit/s and one per package policy in %, and writes nothing', async () => {
    // Act
    const result = await runCli(run, [...args(), '--dry-run'], env());

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/bwscaler-edge-eip-edge-1\s+edge\s+net_tx\.rate\s+>= 18000000 bit\/s \(90%\) for 2 min\s+1\s+would create/);
    expect(result.stdout).toMatch(/bwscaler-edge-eip-edge-2\s+edge\s+net_tx\.rate\s+>= 45000000 bit\/s \(90%\) for 2 min\s+1\s+would create/);
    expect(result.stdout).toMatch(/bwscaler-egress\s+egress\s+net_tx\.ratePercent\s+>= 80% for 2 min\s+1\s+would create/);
    expect(result.stdout).toMatch(/bwscaler-web\s+web\s+VPC_PublicIP_InternetOutRate_Percent/);
    expect(ruleWrites()).toEqual([]);
  });

  it('creates the rules on acs_vpc_eip and acs_bandwidth_package with the statistic Value, which CloudMonitor accepts', async () => {
    // Act
    const result = await runCli(run, args(), env());

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const eips = await listed('acs_vpc_eip');
    expect(Object.keys(eips).sort()).toEqual(['bwscaler-edge-eip-edge-1', 'bwscaler-edge-eip-edge-2']);
    expect(eips['bwscaler-edge-eip-edge-1']).toMatchObject({
      MetricName: 'net_tx.rate',
      Resources: JSON.stringify([{ instanceId: 'eip-edge-1' }]),
      Escalations: { Critical: { Statistics: 'Value', ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: '18000000' } },
    });
    const packages = await listed('acs_bandwidth_package');
    expect(packages['bwscaler-egress']).toMatchObject({
      MetricName: 'net_tx.ratePercent',
      Resources: JSON.stringify([{ instanceId: 'cbwp-egress-1' }]),
      Escalations: { Critical: { Statistics: 'Value', Threshold: '80' } },
    });
    expect(Object.keys(await listed('acs_ecs_dashboard')).sort()).toEqual(['bwscaler-web', 'bwscaler-web-classic']);
  });

  it('changes nothing when run again: the rules of every namespace are found', async () => {
    // Prepare
    const before = ruleWrites().length;

    // Act
    const result = await runCli(run, [...args(), '--json'], env());

    // Assess
    const report = JSON.parse(result.stdout) as { writes: number; rules: Array<{ ruleId: string; result: string }>; stale: unknown[] };
    expect(report.writes).toBe(0);
    expect(report.stale).toEqual([]);
    expect(new Set(report.rules.map((rule) => rule.result))).toEqual(new Set(['unchanged']));
    expect(ruleWrites().length).toBe(before);
  });

  it('updates an EIP rule to the bandwidth the EIP has now', async () => {
    // Prepare: bwscaler (or the owner) lowered the EIP from 50 to 10 Mbit/s.
    const eip = local.cloud.world.eips.get('eip-edge-2');
    if (!eip) throw new Error('fixture lost eip-edge-2');
    eip.Bandwidth = 10;

    // Act
    const result = await runCli(run, [...args(), '--json'], env());

    // Assess
    const report = JSON.parse(result.stdout) as { rules: Array<{ ruleId: string; result: string; threshold: number }> };
    expect(report.rules.find((rule) => rule.ruleId === 'bwscaler-edge-eip-edge-2')).toMatchObject({ result: 'updated', threshold: 9_000_000 });
    expect((await listed('acs_vpc_eip'))['bwscaler-edge-eip-edge-2']).toMatchObject({ Escalations: { Critical: { Threshold: '9000000' } } });
  });

  it('reports an EIP rule the file no longer derives, in its own namespace, and deletes it only with --prune', async () => {
    // Prepare: the rule of an EIP since released.
    const [old] = deriveAlarmRules([{ instance: eipFacts('eip-gone-1', 5), policy: edgePolicy }], settings);
    if (!old) throw new Error('no rule derived');
    await callRpc(cms, 'PutContactGroup', { ContactGroupName: old.contactGroup }, { method: 'POST' });
    await callRpc(cms, 'PutResourceMetricRule', { ...ruleParams(old) }, { method: 'POST' });

    // Act
    const kept = await runCli(run, args(), env());
    const pruned = await runCli(run, [...args(), '--prune'], env());

    // Assess
    expect(kept.stdout).toContain('bwscaler-edge-eip-gone-1: no longer derived from the policy file; kept (delete it with --prune)');
    expect(pruned.stdout).toContain('bwscaler-edge-eip-gone-1: no longer derived from the policy file; deleted');
    expect(Object.keys(await listed('acs_vpc_eip')).sort()).toEqual(['bwscaler-edge-eip-edge-1', 'bwscaler-edge-eip-edge-2']);
  });
});

// ---------------------------------------------------------------------------------------------
// Rule derivation, without a cloud.

const doc = parsePolicyDocument(VPC_POLICY, 'test');
const [edgePolicy, egressPolicy] = doc.policies as [Policy, Policy];
const settings = { times: 2, contactGroup: 'ops', webhook: 'https://example.com/alarm?token=x' };

function eipFacts(instanceId: string, bandwidthOut: number, kind: 'eip' | 'cbwp' = 'eip'): InstanceFacts {
  return {
    instanceId,
    kind,
    regionId: 'cn-hangzhou',
    instanceChargeType: 'PostPaid',
    internetChargeType: 'PayByTraffic',
    networkType: 'vpc',
    status: 'InUse',
    bandwidthOut,
    hasPublicIp: true,
    eipBound: false,
    tags: {},
    operationLocks: [],
  };
}

describe('deriveAlarmRules for EIPs and packages', () => {
  const rows = [
    {
      name: 'an EIP: acs_vpc_eip net_tx.rate, Value, the threshold share of its bandwidth in bit/s',
      instance: eipFacts('eip-a', 20),
      policy: () => edgePolicy,
      threshold: undefined,
      expected: {
        ruleId: 'bwscaler-edge-eip-a',
        namespace: 'acs_vpc_eip',
        metricName: 'net_tx.rate',
        statistic: 'Value',
        threshold: 18_000_000,
        unit: 'bit/s',
      },
    },
    {
      name: 'an EIP with --threshold',
      instance: eipFacts('eip-a', 3),
      policy: () => edgePolicy,
      threshold: 50,
      expected: { ruleId: 'bwscaler-edge-eip-a', threshold: 1_500_000 },
    },
    {
      name: 'a package: acs_bandwidth_package net_tx.ratePercent, Value, in %',
      instance: eipFacts('cbwp-a', 50, 'cbwp'),
      policy: () => egressPolicy,
      threshold: undefined,
      expected: {
        ruleId: 'bwscaler-egress',
        namespace: 'acs_bandwidth_package',
        metricName: 'net_tx.ratePercent',
        statistic: 'Value',
        threshold: 80,
        unit: '%',
      },
    },
  ];

  it.each(rows)('$name', ({ instance, policy, threshold, expected }) => {
    // Act
    const [rule] = deriveAlarmRules([{ instance, policy: policy() }], { ...settings, ...(threshold !== undefined && { thresholdPercent: threshold }) });

    // Assess
    expect(rule).toMatchObject({ ...expected, instanceIds: [instance.instanceId] });
    expect(ruleParams(rule as NonNullable<typeof rule>)).toMatchObject({
      Namespace: rule?.namespace,
      'Escalations.Critical.Statistics': rule?.statistic,
      'Escalations.Critical.Threshold': String(rule?.threshold),
    });
  });

  it('gives each EIP its own rule and every package of a policy one rule; an unreadable row none', () => {
    // Act
    const rules = deriveAlarmRules(
      [
        { instance: eipFacts('eip-a', 10), policy: edgePolicy },
        { instance: eipFacts('eip-b', 10), policy: edgePolicy },
        { instance: { ...eipFacts('eip-c', 0), unrecognised: { field: 'Bandwidth', value: '?', message: 'x' } }, policy: edgePolicy },
        { instance: eipFacts('cbwp-a', 10, 'cbwp'), policy: egressPolicy },
        { instance: eipFacts('cbwp-b', 10, 'cbwp'), policy: egressPolicy },
      ],
      settings,
    );

    // Assess
    expect(rules.map((rule) => [rule.ruleId, rule.instanceIds])).toEqual([
      ['bwscaler-edge-eip-a', ['eip-a']],
      ['bwscaler-edge-eip-b', ['eip-b']],
      ['bwscaler-egress', ['cbwp-a', 'cbwp-b']],
    ]);
  });
});
