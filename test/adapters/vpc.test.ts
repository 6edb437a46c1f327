// The VPC adapter over real pop-core and HTTP against a canned endpoint: what it sends, how it reads
// EIPs and shared bandwidth packages, and what each documented refusal of the two Modify APIs becomes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { createVpcApi, VPC_API_VERSION } from '../../src/adapters/vpc';
import { answerToRefusal, blockedReason } from '../../src/core';
import type { InstanceFacts } from '../../src/core/types';
import { CloudApiError } from '../../src/errors';
import type { InstanceApi } from '../../src/ports/cloud';
import { type CannedAnswer, type CannedRpcServer, type RecordedRequest, startCannedRpcServer } from './canned-rpc-server';

/** A DescribeEipAddresses row as the reference's sample shows it (numbers as strings). */
function eipRow(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AllocationId: id,
    RegionId: 'cn-hangzhou',
    Status: 'InUse',
    IpAddress: '47.1.2.3',
    ChargeType: 'PostPaid',
    InternetChargeType: 'PayByTraffic',
    Bandwidth: '20',
    EipBandwidth: '20',
    BandwidthPackageId: '',
    BandwidthPackageBandwidth: '',
    InstanceId: 'i-bound',
    InstanceType: 'EcsInstance',
    ExpiredTime: '',
    OperationLocks: { LockReason: [] },
    Tags: { Tag: [{ Key: 'app', Value: 'edge' }] },
    ...overrides,
  };
}

function packageRow(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    BandwidthPackageId: id,
    RegionId: 'cn-hangzhou',
    Status: 'Available',
    BusinessStatus: 'Normal',
    InstanceChargeType: 'PostPaid',
    InternetChargeType: 'PayByBandwidth',
    Bandwidth: '300',
    ExpiredTime: '',
    PublicIpAddresses: { PublicIpAddresse: [{ AllocationId: 'eip-in', IpAddress: '47.9.9.9' }] },
    Tags: { Tag: [{ Key: 'app', Value: 'shared' }] },
    ...overrides,
  };
}

let eips: Array<Record<string, unknown>> = [];
let packages: Array<Record<string, unknown>> = [];
let refusal: { code: string; message: string; status: number } | undefined;

function answerLikeVpc(request: RecordedRequest): CannedAnswer {
  const { params } = request;
  if (params.Action?.startsWith('Modify') && refusal) {
    return { status: refusal.status, json: { RequestId: 'R-err', Code: refusal.code, Message: refusal.message } };
  }
  if (params.Action === 'DescribeEipAddresses') {
    const ids = params.AllocationId ? new Set(params.AllocationId.split(',')) : undefined;
    const rows = eips.filter((row) => !ids || ids.has(row.AllocationId as string));
    const size = Number(params.PageSize);
    const start = (Number(params.PageNumber) - 1) * size;
    return {
      status: 200,
      json: { RequestId: 'R', TotalCount: rows.length, PageNumber: params.PageNumber, EipAddresses: { EipAddress: rows.slice(start, start + size) } },
    };
  }
  if (params.Action === 'DescribeCommonBandwidthPackages') {
    const size = Number(params.PageSize);
    const start = (Number(params.PageNumber) - 1) * size;
    return {
      status: 200,
      json: { RequestId: 'R', TotalCount: packages.length, CommonBandwidthPackages: { CommonBandwidthPackage: packages.slice(start, start + size) } },
    };
  }
  return { status: 200, json: { RequestId: 'R-ok' } };
}

describe('createVpcApi', () => {
  let server: CannedRpcServer;
  let client: RpcClient;
  let vpc: InstanceApi;

  beforeAll(async () => {
    server = await startCannedRpcServer(answerLikeVpc);
    client = createRpcClient({ endpoint: server.endpoint, apiVersion: VPC_API_VERSION, credentials: { accessKeyId: 'k', accessKeySecret: 's' } });
    vpc = createVpcApi(client);
  });
  beforeEach(() => {
    server.requests.length = 0;
    eips = [];
    packages = [];
    refusal = undefined;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  describe('describe translation', () => {
    const rows: Array<{ name: string; eip?: Record<string, unknown>; pkg?: Record<string, unknown>; expected: Partial<InstanceFacts>; refuses?: boolean }> = [
      {
        name: 'a pay-as-you-go pay-by-traffic EIP reads Bandwidth and carries the EIP rules',
        eip: eipRow('eip-alone'),
        expected: {
          instanceId: 'eip-alone',
          kind: 'eip',
          bandwidthOut: 20,
          status: 'InUse',
          instanceChargeType: 'PostPaid',
          internetChargeType: 'PayByTraffic',
          tags: { app: 'edge' },
        },
        refuses: false,
      },
      {
        name: 'an EIP inside a shared package reads the package bandwidth, not its own EipBandwidth',
        eip: eipRow('eip-in', {
          BandwidthPackageId: 'cbwp-1',
          Bandwidth: '5',
          BandwidthPackageBandwidth: '5',
          EipBandwidth: '199',
          InternetChargeType: 'PayByBandwidth',
        }),
        expected: { instanceId: 'eip-in', bandwidthOut: 5 },
        refuses: true,
      },
      {
        name: 'a subscription EIP is described, and its rules refuse changes',
        eip: eipRow('eip-sub', { ChargeType: 'PrePaid', InternetChargeType: 'PayByBandwidth', ExpiredTime: '2027-03-01T16:00Z' }),
        expected: { instanceChargeType: 'PrePaid', expiredAt: Date.UTC(2027, 2, 1, 16, 0) },
        refuses: true,
      },
      {
        name: 'a financial lock on an EIP is an operation lock',
        eip: eipRow('eip-locked', { OperationLocks: { LockReason: [{ LockReason: 'financial' }] } }),
        expected: { operationLocks: ['financial'] },
      },
      {
        name: 'a pay-by-bandwidth package reads Bandwidth, Status and tags',
        pkg: packageRow('cbwp-a'),
        expected: { instanceId: 'cbwp-a', kind: 'cbwp', bandwidthOut: 300, status: 'Available', tags: { app: 'shared' }, hasPublicIp: true },
        refuses: false,
      },
      {
        name: 'an enhanced-95 package keeps its billing in the rules',
        pkg: packageRow('cbwp-95', { InternetChargeType: 'PayBy95', Bandwidth: 400 }),
        expected: { bandwidthOut: 400, internetChargeType: '' },
        refuses: false,
      },
      {
        name: 'a package frozen for arrears (BusinessStatus FinancialLocked) carries a financial lock',
        pkg: packageRow('cbwp-frozen', { BusinessStatus: 'FinancialLocked' }),
        expected: { operationLocks: ['financial'] },
      },
      {
        name: 'an unreadable Bandwidth marks only that package unrecognised',
        pkg: packageRow('cbwp-bad', { Bandwidth: 'lots' }),
        expected: { instanceId: 'cbwp-bad', unrecognised: expect.objectContaining({ field: 'Bandwidth' }) as InstanceFacts['unrecognised'] },
      },
    ];

    it.each(rows)('$name', async ({ eip, pkg, expected, refuses }) => {
      // Prepare
      if (eip) eips = [eip];
      if (pkg) packages = [pkg];
      const id = (eip?.AllocationId ?? pkg?.BandwidthPackageId) as string;
      // Act
      const [facts] = await vpc.describeInstances({ regionId: 'cn-hangzhou', instanceIds: [id] });
      // Assess
      expect(facts).toMatchObject(expected);
      if (refuses !== undefined) expect(facts?.rules?.refusesChanges !== undefined).toBe(refuses);
    });
  });

  it('describes EIPs by id in batches of 50 ids and follows the pages', async () => {
    // Prepare
    eips = Array.from({ length: 120 }, (_, i) => eipRow(`eip-${i}`));
    // Act
    const facts = await vpc.describeInstances({ regionId: 'cn-hangzhou', instanceIds: eips.map((row) => row.AllocationId as string) });
    // Assess
    expect(facts).toHaveLength(120);
    const calls = server.requests.filter((r) => r.params.Action === 'DescribeEipAddresses');
    expect(calls.map((r) => r.params.AllocationId?.split(',').length)).toEqual([50, 50, 20]);
  });

  it('a tag query of packages keeps only the packages carrying every tag', async () => {
    packages = [packageRow('cbwp-a'), packageRow('cbwp-b', { Tags: { Tag: [{ Key: 'app', Value: 'other' }] } })];
    const facts = await vpc.describeInstances({ regionId: 'cn-hangzhou', tags: { app: 'shared' }, kind: 'cbwp' });
    expect(facts.map((row) => row.instanceId)).toEqual(['cbwp-a']);
  });

  it('modifies an EIP with ModifyEipAddressAttribute and only its Bandwidth, by POST', async () => {
    await vpc.modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'eip-a', bandwidthOut: 30, clientToken: 't', autoPay: true });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.params).toMatchObject({ Action: 'ModifyEipAddressAttribute', AllocationId: 'eip-a', Bandwidth: '30', RegionId: 'cn-hangzhou' });
    expect(request?.params.Name).toBeUndefined();
  });

  it('modifies a package with ModifyCommonBandwidthPackageSpec', async () => {
    await vpc.modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: 'cbwp-a', bandwidthOut: 400, clientToken: 't', autoPay: true });
    expect(server.requests[0]?.params).toMatchObject({ Action: 'ModifyCommonBandwidthPackageSpec', BandwidthPackageId: 'cbwp-a', Bandwidth: '400' });
  });

  // Every refusal the two Modify references document, what the adapter calls it, and what the
  // product makes of it (src/core/refusal.ts: a back-off with a reason, a block, or a retry).
  const refusals: Array<{ api: 'eip' | 'cbwp'; code: string; status: number; category: string; answer: string }> = [
    // ModifyEipAddressAttribute
    { api: 'eip', code: 'OrderError.EIP', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'eip', code: 'InsufficientBalance.Eip', status: 400, category: 'needsHuman', answer: 'block ACCOUNT_ARREARS' },
    { api: 'eip', code: 'InvalidParameter', status: 400, category: 'rejected', answer: 'backoff PROVIDER_REFUSED' },
    { api: 'eip', code: 'IncorrectEipStatus', status: 400, category: 'rejected', answer: 'backoff STATUS_UNSUPPORTED' },
    { api: 'eip', code: 'InvalidParam', status: 400, category: 'rejected', answer: 'backoff PROVIDER_REFUSED' },
    { api: 'eip', code: 'Forbidden.ChargeTypeIsPrepaid', status: 400, category: 'needsHuman', answer: 'block NEEDS_HUMAN' },
    { api: 'eip', code: 'InvalidBandwidth.OutOfMaxTrafficBindedOnNatgw', status: 400, category: 'rejected', answer: 'backoff BANDWIDTH_CAP' },
    { api: 'eip', code: 'QuotaExceeded.LargeSpecEip', status: 400, category: 'rejected', answer: 'backoff BANDWIDTH_CAP' },
    { api: 'eip', code: 'InvalidAllocationId.NotFound', status: 404, category: 'notFound', answer: 'retry' },
    // ModifyCommonBandwidthPackageSpec (change history 2026-02-27)
    { api: 'cbwp', code: 'ResourceNotEnough.Bandwidth', status: 400, category: 'rejected', answer: 'backoff BANDWIDTH_CAP' },
    { api: 'cbwp', code: 'InvalidParameter.Bandwidth', status: 400, category: 'rejected', answer: 'backoff PROVIDER_REFUSED' },
    { api: 'cbwp', code: 'InvalidBandwidthPackageId.NotFound', status: 400, category: 'notFound', answer: 'retry' },
    { api: 'cbwp', code: 'InvalidCommonBandwidthPackageId.NotFound', status: 400, category: 'notFound', answer: 'retry' },
    { api: 'cbwp', code: 'IncorrectStatus.ResourceStatus', status: 400, category: 'rejected', answer: 'backoff STATUS_UNSUPPORTED' },
    { api: 'cbwp', code: 'SYSTEM.SALE_VALIDATE_UNEXPECTED_ERROR', status: 400, category: 'needsHuman', answer: 'block ACCOUNT_ARREARS' },
    { api: 'cbwp', code: 'OperationFailed.SyncOrderToSub', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'OperationFailed.SaleValidate', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'OperationFailed.QueryCommodityInfo', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'OperationFailed.QueryPrice', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'Forbidden.ChargeTypeIsPrepaid', status: 400, category: 'needsHuman', answer: 'block NEEDS_HUMAN' },
    { api: 'cbwp', code: 'IncorrectStatus.CbwpModifying', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'BandwidthPackageOperation.conflict', status: 400, category: 'retryable', answer: 'retry' },
    { api: 'cbwp', code: 'InvalidRegionId.NotFound', status: 404, category: 'rejected', answer: 'backoff PROVIDER_REFUSED' },
    { api: 'cbwp', code: 'InvalidBandwidth.ValueNotSupported', status: 404, category: 'rejected', answer: 'backoff PROVIDER_REFUSED' },
    { api: 'cbwp', code: 'BandwidthPackage.FinancialLocked', status: 404, category: 'needsHuman', answer: 'block ACCOUNT_ARREARS' },
    { api: 'cbwp', code: 'OrderError.BandwidthPackage', status: 500, category: 'retryable', answer: 'retry' },
  ];

  it.each(refusals)('$api refusal $code is $category, answered by $answer', async ({ api, code, status, category, answer }) => {
    // Prepare
    refusal = { code, status, message: `documented message of ${code}` };
    const id = api === 'eip' ? 'eip-r' : 'cbwp-r';
    // Act
    const error = await vpc
      .modifyBandwidth({ regionId: 'cn-hangzhou', instanceId: id, bandwidthOut: 50, clientToken: 't', autoPay: true })
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(CloudApiError);
    const apiError = error as CloudApiError;
    expect([apiError.code, apiError.category]).toEqual([code, category]);
    const reply = answerToRefusal(apiError.code, apiError.message, apiError.category);
    const described =
      reply.kind === 'block'
        ? `block ${blockedReason(apiError.code) === 'NEEDS_HUMAN' ? reply.reason : blockedReason(apiError.code)}`
        : reply.kind === 'backoff'
          ? `backoff ${reply.reason}`
          : reply.kind;
    expect(described).toBe(answer);
  });
});
