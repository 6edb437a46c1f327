import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalCloud } from '../../local-cloud/cloud';
import { LocalCloudInputError } from '../../local-cloud/errors';
import { DEMO_ACCESS_KEY, loadFixtureFile, parseFixture } from '../../local-cloud/fixture';

const START = Date.UTC(2026, 10, 2);

describe('local cloud fixture', () => {
  it('serves the demo fleet without a fixture', () => {
    const resolved = parseFixture({}, START);
    expect(resolved.instances.map((i) => [i.InstanceId, i.InstanceChargeType, i.InternetChargeType, i.InstanceNetworkType, i.InternetMaxBandwidthOut])).toEqual(
      [
        ['i-demo-web-1', 'PostPaid', 'PayByBandwidth', 'vpc', 10],
        ['i-demo-web-2', 'PostPaid', 'PayByBandwidth', 'vpc', 10],
        ['i-demo-web-3', 'PostPaid', 'PayByBandwidth', 'vpc', 10],
        ['i-demo-sub-1', 'PrePaid', 'PayByBandwidth', 'vpc', 20],
        ['i-demo-traffic-1', 'PostPaid', 'PayByTraffic', 'vpc', 50],
        ['i-demo-eip-1', 'PostPaid', '', 'vpc', 0],
        ['i-demo-sub-traffic-1', 'PrePaid', 'PayByTraffic', 'vpc', 30],
      ],
    );
    // Values live accounts report (inbound -1 and 2000, an EIP-bound instance with an empty charge type).
    expect(resolved.instances.map((i) => i.InternetMaxBandwidthIn)).toEqual([100, 100, -1, 100, 100, -1, 2000]);
    expect(resolved.instances.find((i) => i.InstanceId === 'i-demo-eip-1')).toMatchObject({ PublicIpAddress: [], EipAddress: { IpAddress: '47.96.1.180' } });
    expect(resolved.instances.find((i) => i.InstanceId === 'i-demo-sub-1')?.ExpiredTime).toBe('2027-11-02T00:00Z');
    expect(resolved.accessKeys).toEqual([DEMO_ACCESS_KEY]);
    expect(resolved.regionId).toBe('cn-hangzhou');
  });

  it('applies defaults to a minimal instance', () => {
    const [only] = parseFixture({ instances: [{ InstanceId: 'i-min', InternetMaxBandwidthOut: 5 }] }, START).instances;
    expect(only).toMatchObject({
      RegionId: 'cn-hangzhou',
      InstanceChargeType: 'PostPaid',
      InternetChargeType: 'PayByBandwidth',
      InstanceNetworkType: 'vpc',
      Status: 'Running',
      InternetMaxBandwidthIn: 100,
      PublicIpAddress: [expect.stringMatching(/^47\./)],
      bandwidthLog: [{ at: START, out: 5 }],
      downgradesUsed: 0,
      demand: { kind: 'constant', mbps: 2.5 },
    });
  });

  it('accepts DescribeInstances response shapes for lists', () => {
    const [only] = parseFixture(
      {
        instances: [
          {
            InstanceId: 'i-pasted',
            InternetMaxBandwidthOut: 5,
            PublicIpAddress: { IpAddress: ['47.1.1.1'] },
            Tags: { Tag: [{ TagKey: 'app', TagValue: 'web' }] },
            OperationLocks: { LockReason: [{ LockReason: 'financial' }] },
            Demand: { kind: 'series', start: '2026-11-02T00:00:00Z', stepSeconds: 60, mbps: [1, null, 3] },
          },
        ],
      },
      START,
    ).instances;
    expect(only).toMatchObject({
      PublicIpAddress: ['47.1.1.1'],
      Tags: [{ TagKey: 'app', TagValue: 'web' }],
      OperationLocks: ['financial'],
      demand: { kind: 'series', start: START, stepSeconds: 60, mbps: [1, null, 3] },
    });
  });

  it.each([
    { name: 'an unknown top-level key', input: { instance: [] }, issue: 'fixture: (root): Unrecognized key: "instance"' },
    {
      name: 'a typo in an instance field',
      input: { instances: [{ InstanceId: 'i-a', InternetMaxBandwidthOut: 5, Staus: 'Running' }] },
      issue: 'fixture: instances[0]: Unrecognized key: "Staus"',
    },
    { name: 'a missing bandwidth', input: { instances: [{ InstanceId: 'i-a' }] }, issue: 'fixture: instances[0].InternetMaxBandwidthOut:' },
    {
      name: 'an unknown charge type',
      input: { instances: [{ InstanceId: 'i-a', InternetMaxBandwidthOut: 5, InstanceChargeType: 'Monthly' }] },
      issue: 'fixture: instances[0].InstanceChargeType:',
    },
    {
      name: 'an ExpiredTime with seconds',
      input: { instances: [{ InstanceId: 'i-a', InternetMaxBandwidthOut: 5, ExpiredTime: '2027-01-01T00:00:00Z' }] },
      issue: 'fixture: instances[0].ExpiredTime: expected yyyy-MM-ddTHH:mmZ',
    },
    {
      name: 'an unknown demand kind',
      input: { instances: [{ InstanceId: 'i-a', InternetMaxBandwidthOut: 5, Demand: { kind: 'random' } }] },
      issue: 'fixture: instances[0].Demand.kind:',
    },
    {
      name: 'a duplicate instance id',
      input: {
        instances: [
          { InstanceId: 'i-a', InternetMaxBandwidthOut: 5 },
          { InstanceId: 'i-a', InternetMaxBandwidthOut: 5 },
        ],
      },
      issue: 'fixture: instances[1].InstanceId: duplicate instance id i-a',
    },
    { name: 'an empty key list', input: { accessKeys: [] }, issue: 'fixture: accessKeys:' },
  ])('refuses $name, naming the path', ({ input, issue }) => {
    let caught: unknown;
    try {
      parseFixture(input, START);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LocalCloudInputError);
    expect((caught as LocalCloudInputError).issues.some((i) => i.startsWith(issue))).toBe(true);
  });

  it('reads a fixture file and names the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bwscaler-fixture-'));
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, JSON.stringify({ account: { balance: 5 }, instances: [{ InstanceId: 'i-file', InternetMaxBandwidthOut: 1 }] }));
    await writeFile(bad, JSON.stringify({ instances: [{ InstanceId: 'i-file' }] }));
    expect((await loadFixtureFile(good, START)).instances.map((i) => i.InstanceId)).toEqual(['i-file']);
    await expect(loadFixtureFile(bad, START)).rejects.toThrow(`${bad}: instances[0].InternetMaxBandwidthOut`);
    await expect(loadFixtureFile(join(dir, 'missing.json'), START)).rejects.toThrow(/cannot read fixture/);
    const cloud = await startLocalCloud({ fixture: good });
    try {
      expect(cloud.world.account.balance).toBe(5);
    } finally {
      await cloud.close();
    }
  });
});
