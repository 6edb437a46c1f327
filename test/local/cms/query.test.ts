import { describe, expect, it } from 'vitest';
import { createCms } from '../../../local-cloud/cms';
import type { LocalInstance, RpcError } from '../../../local-cloud/model';
import { classic, ctx, fleet, frozenClock, instance, MINUTE, T0, USER_ID } from './world';

const NOW = T0 + 10 * MINUTE + 30_000;
const ECS = { Namespace: 'acs_ecs_dashboard' };

function cmsOver(instances: Map<string, LocalInstance>, reportingLagSeconds = 60) {
  return createCms({ clock: frozenClock(NOW), instances, userId: USER_ID }, { reportingLagSeconds });
}

interface Page {
  Code: string;
  Success: boolean;
  Period: string;
  Datapoints: string;
  NextToken?: string;
}

type Point = { timestamp: number; userId: string; instanceId: string; ip?: string; Average?: number; Maximum?: number; Minimum?: number };

async function call(cms: ReturnType<typeof createCms>, action: string, params: Record<string, string>, now = NOW): Promise<Page> {
  const handler = cms.handlers[action];
  if (handler === undefined) throw new Error(`no handler for ${action}`);
  return (await handler(params, ctx(now, params))) as Page;
}

function points(page: Page): Point[] {
  expect(typeof page.Datapoints).toBe('string');
  return JSON.parse(page.Datapoints) as Point[];
}

async function rpcError(run: () => unknown): Promise<RpcError> {
  try {
    await run();
  } catch (error) {
    return error as RpcError;
  }
  throw new Error('expected an RpcError');
}

describe('DescribeMetricLast / DescribeMetricList parameters', () => {
  const cms = cmsOver(fleet(classic('i-a')));
  const base = { ...ECS, MetricName: 'InternetOutRate' };

  it.each([
    { name: 'Namespace is required', action: 'DescribeMetricLast', params: { MetricName: 'InternetOutRate' }, code: 'MissingParameter', names: 'Namespace' },
    { name: 'MetricName is required', action: 'DescribeMetricList', params: { ...ECS }, code: 'MissingParameter', names: 'MetricName' },
    {
      name: 'a namespace other than ECS is refused',
      action: 'DescribeMetricLast',
      params: { ...base, Namespace: 'acs_rds' },
      code: 'InvalidParameter',
      names: 'Namespace',
    },
    {
      name: 'an unknown metric is refused',
      action: 'DescribeMetricLast',
      params: { ...base, MetricName: 'CPUUtilisation' },
      code: 'InvalidParameter',
      names: 'MetricName',
    },
    {
      name: 'List accepts only periods 60, 300 and 900',
      action: 'DescribeMetricList',
      params: { ...base, Period: '120' },
      code: 'InvalidParameter',
      names: 'Period',
    },
    {
      name: 'Last refuses a period it does not document',
      action: 'DescribeMetricLast',
      params: { ...base, Period: '90' },
      code: 'InvalidParameter',
      names: 'Period',
    },
    {
      name: 'Period must be a positive integer',
      action: 'DescribeMetricLast',
      params: { ...base, Period: 'sixty' },
      code: 'InvalidParameter',
      names: 'Period',
    },
    {
      name: 'Dimensions must be JSON',
      action: 'DescribeMetricLast',
      params: { ...base, Dimensions: '[{instanceId:i-a}]' },
      code: 'InvalidParameter',
      names: 'Dimensions',
    },
    {
      name: 'Dimensions elements must be objects',
      action: 'DescribeMetricLast',
      params: { ...base, Dimensions: '["i-a"]' },
      code: 'InvalidParameter',
      names: 'Dimensions',
    },
    {
      name: 'Dimensions values must be strings',
      action: 'DescribeMetricLast',
      params: { ...base, Dimensions: '[{"instanceId":7}]' },
      code: 'InvalidParameter',
      names: 'Dimensions',
    },
    {
      name: 'StartTime must be a known time format',
      action: 'DescribeMetricList',
      params: { ...base, StartTime: 'yesterday' },
      code: 'InvalidParameter',
      names: 'StartTime',
    },
    {
      name: 'an impossible calendar date is refused',
      action: 'DescribeMetricList',
      params: { ...base, StartTime: '2026-02-30 00:00:00' },
      code: 'InvalidParameter',
      names: 'StartTime',
    },
    {
      name: 'StartTime must precede EndTime',
      action: 'DescribeMetricList',
      params: { ...base, StartTime: String(NOW), EndTime: String(NOW - MINUTE) },
      code: 'InvalidParameter',
      names: 'StartTime',
    },
    {
      name: 'the window covers at most 31 days',
      action: 'DescribeMetricList',
      params: { ...base, StartTime: String(NOW - 32 * 24 * 60 * MINUTE), EndTime: String(NOW) },
      code: 'InvalidParameter',
      names: '31 days',
    },
    { name: 'Length must be a positive integer', action: 'DescribeMetricList', params: { ...base, Length: '0' }, code: 'InvalidParameter', names: 'Length' },
    {
      name: 'a NextToken that is not ours is refused',
      action: 'DescribeMetricList',
      params: { ...base, NextToken: 'bm90LWEtdG9rZW4' },
      code: 'InvalidParameter',
      names: 'NextToken',
    },
  ] as Array<{ name: string; action: string; params: Record<string, string>; code: string; names: string }>)(
    '$name',
    async ({ action, params, code, names }) => {
      // Act
      const error = await rpcError(() => call(cms, action, params));
      // Assess
      expect(error.name).toBe('RpcError');
      expect(error.status).toBe(400);
      expect(error.code).toBe(code);
      expect(error.message).toContain(names);
    },
  );
});

describe('DescribeMetricLast', () => {
  it('answers the documented body with Datapoints as a JSON string', async () => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a', { demand: { kind: 'constant', mbps: 4 } })));
    // Act
    const page = await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate' });
    // Assess
    expect(page).toMatchObject({ Code: '200', Success: true, Period: '60' });
    expect(page.NextToken).toBeUndefined();
    expect(points(page)).toEqual([{ timestamp: T0 + 8 * MINUTE, userId: USER_ID, instanceId: 'i-a', Average: 4e6, Maximum: 4e6, Minimum: 4e6 }]);
  });

  it.each([
    { name: 'a point shows once its minute has ended and the default 60 s lag has passed', lag: 60, now: NOW, newest: T0 + 8 * MINUTE },
    { name: 'the point of the minute that just ended is not visible yet', lag: 60, now: T0 + 10 * MINUTE - 1, newest: T0 + 7 * MINUTE },
    { name: 'a zero lag shows the minute that just ended', lag: 0, now: NOW, newest: T0 + 9 * MINUTE },
    { name: 'a five-minute lag holds points back five more minutes', lag: 300, now: NOW, newest: T0 + 4 * MINUTE },
  ])('$name', async ({ lag, now, newest }) => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a')), lag);
    // Act
    const [point] = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate' }, now));
    // Assess
    expect(point?.timestamp).toBe(newest);
  });

  it('applies a lag changed at run time to the next query', async () => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a')));
    // Act
    cms.setReportingLag(180);
    const [point] = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate' }));
    // Assess
    expect(cms.reportingLagSeconds).toBe(180);
    expect(point?.timestamp).toBe(T0 + 6 * MINUTE);
  });

  it('reports served traffic: demand clipped at the bandwidth of that minute, not of now', async () => {
    // Prepare: 25 Mbit/s of demand; the cap goes from 10 to 20 at T0+8min, the newest visible minute.
    const subject = classic('i-a', {
      demand: { kind: 'constant', mbps: 25 },
      InternetMaxBandwidthOut: 20,
      bandwidthLog: [
        { at: T0, out: 10 },
        { at: T0 + 8 * MINUTE, out: 20 },
      ],
    });
    const cms = cmsOver(fleet(subject));
    const window = { StartTime: String(T0 + 6 * MINUTE), EndTime: String(NOW) };
    // Act
    const rate = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', ...window }));
    const percent = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate_Percent', ...window }));
    // Assess
    expect(rate.map((p) => [p.timestamp - T0, p.Average])).toEqual([
      [7 * MINUTE, 10e6],
      [8 * MINUTE, 20e6],
    ]);
    expect(percent.map((p) => p.Average)).toEqual([100, 100]);
    expect(percent[0]).not.toHaveProperty('Maximum');
  });

  it.each([
    { name: 'no Dimensions answers every instance, ordered by id', dimensions: undefined, want: ['i-a', 'i-b', 'i-c'] },
    { name: 'one object selects one instance', dimensions: '[{"instanceId":"i-b"}]', want: ['i-b'] },
    { name: 'a bare object works like a one-element list', dimensions: '{"instanceId":"i-b"}', want: ['i-b'] },
    { name: 'several objects are alternatives', dimensions: '[{"instanceId":"i-c"},{"instanceId":"i-a"}]', want: ['i-a', 'i-c'] },
    { name: 'all keys of one object must match', dimensions: `[{"userId":"${USER_ID}","instanceId":"i-a"}]`, want: ['i-a'] },
    { name: 'an unknown instance matches nothing', dimensions: '[{"instanceId":"i-zzz"}]', want: [] },
    { name: 'a dimension the metric lacks matches nothing', dimensions: '[{"ip":"47.96.0.1"}]', want: [] },
  ])('$name', async ({ dimensions, want }) => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-c'), classic('i-a'), classic('i-b')));
    // Act
    const page = await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', ...(dimensions ? { Dimensions: dimensions } : {}) });
    // Assess
    expect(points(page).map((p) => p.instanceId)).toEqual(want);
  });

  it.each([
    { name: 'InternetOutRate answers classic instances only', metric: 'InternetOutRate', want: [{ instanceId: 'i-classic' }] },
    { name: 'InternetOutRate_Percent answers classic instances only', metric: 'InternetOutRate_Percent', want: [{ instanceId: 'i-classic' }] },
    { name: 'InternetOut (bytes) answers classic instances only', metric: 'InternetOut', want: [{ instanceId: 'i-classic' }] },
    {
      name: 'VPC_PublicIP_InternetOutRate answers VPC instances with a fixed public IP, with their ip dimension',
      metric: 'VPC_PublicIP_InternetOutRate',
      want: [{ instanceId: 'i-vpc', ip: '47.96.0.9' }],
    },
    {
      name: 'VPC_PublicIP_InternetOutRate_Percent answers VPC instances with a fixed public IP, with their ip dimension',
      metric: 'VPC_PublicIP_InternetOutRate_Percent',
      want: [{ instanceId: 'i-vpc', ip: '47.96.0.9' }],
    },
  ])('$name', async ({ metric, want }) => {
    // Prepare: neither the VPC instance without a public address nor the one reached only through
    // an EIP has a VPC_PublicIP_* series; no VPC instance has an unprefixed Internet* series.
    const cms = cmsOver(
      fleet(
        instance('i-vpc', { PublicIpAddress: ['47.96.0.9'] }),
        classic('i-classic'),
        instance('i-vpc-no-ip', { PublicIpAddress: [] }),
        instance('i-vpc-eip', {
          PublicIpAddress: [],
          EipAddress: { AllocationId: 'eip-1', IpAddress: '47.96.0.77', Bandwidth: 5, InternetChargeType: 'PayByTraffic' },
        }),
      ),
    );
    // Act
    const got = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: metric }));
    // Assess
    expect(got.map((p) => (p.ip === undefined ? { instanceId: p.instanceId } : { instanceId: p.instanceId, ip: p.ip }))).toEqual(want);
  });

  it('reports InternetOut as the bytes each minute carried, and a 300 s period as their per-minute mean', async () => {
    // Prepare: 8 Mbit/s served for a minute is 60 MB; 16 Mbit/s of demand is served at the 10 Mbit/s cap (75 MB).
    const cms = cmsOver(fleet(classic('i-a', { demand: { kind: 'series', start: T0, stepSeconds: 60, mbps: [8, 8, 8, 8, 16] } })));
    // Act
    const minute = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOut', StartTime: String(T0 - 1), EndTime: String(T0) }));
    const five = points(
      await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOut', Period: '300', StartTime: String(T0 - 1), EndTime: String(T0) }),
    );
    // Assess
    expect(minute).toEqual([{ timestamp: T0, userId: USER_ID, instanceId: 'i-a', Average: 60e6, Maximum: 60e6, Minimum: 60e6 }]);
    expect(five[0]).toMatchObject({ Average: 63e6, Maximum: 75e6, Minimum: 60e6 });
    expect(five[0]).not.toHaveProperty('Sum');
  });

  it('answers only the instances of the RegionId asked for', async () => {
    const cms = cmsOver(fleet(classic('i-hz'), classic('i-sh', { RegionId: 'cn-shanghai' })));
    const page = await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', RegionId: 'cn-shanghai' });
    expect(points(page).map((p) => p.instanceId)).toEqual(['i-sh']);
  });

  it.each([
    { name: 'a minute period looks back 2 hours from EndTime', period: '60', back: 2 * 60 * MINUTE, step: MINUTE },
    { name: 'an hour period looks back two days from EndTime', period: '3600', back: 48 * 60 * MINUTE, step: 60 * MINUTE },
  ])('without StartTime, $name, not forever', async ({ period, back, step }) => {
    // Prepare: no point is published after T0 (a collector outage from then on).
    const cms = cmsOver(fleet(classic('i-a')), 0);
    cms.suppressData('i-a', T0);
    // Act: the last point (T0 - one period) just inside the lookback, and just outside it.
    const inside = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', Period: period }, T0 - step + back - 1000));
    const beyond = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', Period: period }, T0 - step + back));
    // Assess
    expect(inside.map((p) => p.timestamp)).toEqual([T0 - step]);
    expect(beyond).toEqual([]);
  });

  it('does not let a late StartTime narrow the lookback (the earlier of the two wins, as documented)', async () => {
    const cms = cmsOver(fleet(classic('i-a')), 0);
    cms.suppressData('i-a', T0 + 5 * MINUTE);
    const page = await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', StartTime: String(T0 + 8 * MINUTE) });
    expect(points(page).map((p) => p.timestamp)).toEqual([T0 + 4 * MINUTE]);
  });

  it.each([
    { name: 'Last takes only the periods 60, 900 and 3600', params: { Period: '300' }, names: 'Period' },
    {
      name: 'Last refuses more than 50 instances in Dimensions',
      params: { Dimensions: JSON.stringify(Array.from({ length: 51 }, (_, i) => ({ instanceId: `i-${i}` }))) },
      names: '50',
    },
    { name: 'Last refuses a Length above 1440', params: { Length: '1441' }, names: '1440' },
  ] as Array<{ name: string; params: Record<string, string>; names: string }>)('$name', async ({ params, names }) => {
    const cms = cmsOver(fleet(classic('i-a')));
    const error = await rpcError(() => call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate', ...params }));
    expect([error.status, error.code]).toEqual([400, 'InvalidParameter']);
    expect(error.message).toContain(names);
  });

  it('pages many instances with Length and NextToken, each exactly once', async () => {
    // Prepare
    const ids = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5'];
    const cms = cmsOver(fleet(...ids.map((id) => classic(id))));
    const query = { ...ECS, MetricName: 'InternetOutRate', Length: '2' };
    // Act
    const seen: string[][] = [];
    let token: string | undefined;
    do {
      const page = await call(cms, 'DescribeMetricLast', { ...query, ...(token ? { NextToken: token } : {}) });
      seen.push(points(page).map((p) => p.instanceId));
      token = page.NextToken;
    } while (token !== undefined && seen.length < 10);
    // Assess
    expect(seen).toEqual([['i-1', 'i-2'], ['i-3', 'i-4'], ['i-5']]);
  });
});

describe('DescribeMetricList', () => {
  it.each([
    { name: 'milliseconds', start: String(T0 + 5 * MINUTE), end: String(T0 + 8 * MINUTE) },
    { name: 'seconds', start: String((T0 + 5 * MINUTE) / 1000), end: String((T0 + 8 * MINUTE) / 1000) },
    { name: 'ISO 8601 UTC', start: '2026-11-02T00:05:00Z', end: '2026-11-02T00:08:00Z' },
    { name: 'zone-less times, read as UTC+8', start: '2026-11-02 08:05:00', end: '2026-11-02 08:08:00' },
  ])('reads StartTime/EndTime as $name and answers (StartTime, EndTime]', async ({ start, end }) => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a')));
    // Act
    const page = await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', StartTime: start, EndTime: end });
    // Assess
    expect(points(page).map((p) => (p.timestamp - T0) / MINUTE)).toEqual([6, 7, 8]);
  });

  it('defaults to the window (now - 1 h, now] and shows only the points visible by now', async () => {
    // Prepare: now is T0+10m30s, so the window opens at T0-49m30s and T0+8m is the newest visible minute.
    const cms = cmsOver(fleet(classic('i-a')));
    // Act
    const got = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate' }));
    // Assess
    expect(got[0]?.timestamp).toBe(T0 - 49 * MINUTE);
    expect(got.at(-1)?.timestamp).toBe(T0 + 8 * MINUTE);
    expect(got).toHaveLength(58);
  });

  it('aggregates a 300 s period as the mean of minute averages, max of maxima, min of minima', async () => {
    // Prepare: 1, 2, 3, 4, 5 Mbit/s in the five minutes of [T0, T0+5min).
    const cms = cmsOver(fleet(classic('i-a', { demand: { kind: 'series', start: T0, stepSeconds: 60, mbps: [1, 2, 3, 4, 5, 9] } })));
    // Act
    const got = points(
      await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', Period: '300', StartTime: String(T0 - 1), EndTime: String(T0) }),
    );
    // Assess
    expect(got).toEqual([{ timestamp: T0, userId: USER_ID, instanceId: 'i-a', Average: 3e6, Maximum: 5e6, Minimum: 1e6 }]);
  });

  it('pages across instances and minutes, and the pages join into the unpaged answer', async () => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a'), classic('i-b', { demand: { kind: 'constant', mbps: 7 } })));
    const query = { ...ECS, MetricName: 'InternetOutRate', StartTime: String(T0), EndTime: String(NOW) };
    const whole = points(await call(cms, 'DescribeMetricList', query));
    // Act
    const joined: Point[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call(cms, 'DescribeMetricList', { ...query, Length: '3', ...(token ? { NextToken: token } : {}) }, NOW + pages * MINUTE);
      joined.push(...points(page));
      token = page.NextToken;
      pages++;
    } while (token !== undefined && pages < 20);
    // Assess: 8 visible minutes × 2 instances in pages of 3, unaffected by the clock moving meanwhile.
    expect(whole).toHaveLength(16);
    expect(pages).toBe(6);
    expect(joined).toEqual(whole);
  });

  it('refuses a NextToken from a different query', async () => {
    const cms = cmsOver(fleet(classic('i-a'), classic('i-b')));
    const first = await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', Length: '1' });
    const error = await rpcError(() =>
      call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetInRate', Length: '1', NextToken: first.NextToken ?? '' }),
    );
    expect(error.code).toBe('InvalidParameter');
    expect(error.message).toContain('NextToken');
  });
});

describe('data the collector did not publish', () => {
  it('List leaves out the points of a suppressed window; Last answers the newest published one', async () => {
    // Prepare
    const cms = cmsOver(fleet(classic('i-a'), classic('i-b')), 0);
    cms.suppressData('i-a', T0 + 5 * MINUTE, T0 + 7 * MINUTE);
    // Act
    const list = points(
      await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', StartTime: String(T0 + 3 * MINUTE), EndTime: String(NOW) }),
    );
    cms.suppressData('i-a', T0 + 9 * MINUTE);
    const last = points(await call(cms, 'DescribeMetricLast', { ...ECS, MetricName: 'InternetOutRate' }));
    // Assess
    expect(list.filter((p) => p.instanceId === 'i-a').map((p) => (p.timestamp - T0) / MINUTE)).toEqual([4, 7, 8, 9]);
    expect(list.filter((p) => p.instanceId === 'i-b')).toHaveLength(6);
    expect(last.map((p) => [p.instanceId, (p.timestamp - T0) / MINUTE])).toEqual([
      ['i-a', 8],
      ['i-b', 9],
    ]);
  });

  it('keeps 60 s points for 31 days and coarser ones for 91 days', async () => {
    const cms = cmsOver(fleet(classic('i-a')), 0);
    const day = 24 * 60 * MINUTE;
    const window = { StartTime: String(T0 - 2 * MINUTE), EndTime: String(T0) };
    const at31 = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', ...window }, T0 - MINUTE + 31 * day));
    const at32 = points(await call(cms, 'DescribeMetricList', { ...ECS, MetricName: 'InternetOutRate', ...window }, T0 + 32 * day));
    const coarse = points(
      await call(
        cms,
        'DescribeMetricList',
        { ...ECS, MetricName: 'InternetOutRate', Period: '300', StartTime: String(T0 - 1), EndTime: String(T0) },
        T0 + 90 * day,
      ),
    );
    expect(at31.map((p) => p.timestamp)).toEqual([T0 - MINUTE, T0]);
    expect(at32).toEqual([]);
    expect(coarse.map((p) => p.timestamp)).toEqual([T0]);
  });
});
