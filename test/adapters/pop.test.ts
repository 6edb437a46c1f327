import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Credentials, callRpc, classifyEcsError, createRpcClient, type RpcClient } from '../../src/adapters/pop';
import { blockedReason } from '../../src/core/provider';
import { CloudApiError, type CloudErrorCategory } from '../../src/errors';
import { loadCorpus } from '../contract/corpus';
import { type CannedAnswer, type CannedRpcServer, startCannedRpcServer } from './canned-rpc-server';

const credentials: Credentials = {
  accessKeyId: 'LTAI5tTestAccessKey01',
  accessKeySecret: 'TestSecretValue0123456789abcdef',
  securityToken: 'CAIS.sts+Token/Value==0123456789',
};

/** Every spelling in which a credential could leak into an error. */
function secretSpellings(signature: string | undefined): string[] {
  const values = [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken as string];
  if (signature) values.push(signature);
  return values.flatMap((value) => [value, encodeURIComponent(value)]);
}

async function failureOf(promise: Promise<unknown>): Promise<CloudApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudApiError);
  return error as CloudApiError;
}

describe('callRpc', () => {
  let script: CannedAnswer = { status: 200, json: {} };
  let server: CannedRpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    server = await startCannedRpcServer(() => script);
    client = createRpcClient({ endpoint: server.endpoint, apiVersion: '2014-05-26', credentials, timeoutMs: 300 });
  });
  afterEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  const rows: Array<{ name: string; answer: CannedAnswer; code: string; category: CloudErrorCategory; requestId?: string }> = [
    {
      name: 'a throttling error keeps its code and request id and is retryable',
      answer: {
        status: 400,
        json: { RequestId: 'REQ-1', HostId: 'ecs.aliyuncs.com', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' },
      },
      code: 'Throttling.User',
      category: 'retryable',
      requestId: 'REQ-1',
    },
    {
      name: 'the downgrade quota error is a quota failure',
      answer: { status: 400, json: { RequestId: 'REQ-2', Code: 'InstanceDowngrade.QuotaExceed', Message: 'Quota of instance downgrade is exceed.' } },
      code: 'InstanceDowngrade.QuotaExceed',
      category: 'quota',
      requestId: 'REQ-2',
    },
    {
      name: 'an unpaid order needs a human',
      answer: { status: 403, json: { RequestId: 'REQ-3', Code: 'InvalidInstance.UnPaidOrder', Message: 'The specified Instance has unpaid order.' } },
      code: 'InvalidInstance.UnPaidOrder',
      category: 'needsHuman',
      requestId: 'REQ-3',
    },
    {
      name: 'a refused signature is an auth failure',
      answer: { status: 400, json: { RequestId: 'REQ-4', Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' } },
      code: 'SignatureDoesNotMatch',
      category: 'auth',
      requestId: 'REQ-4',
    },
    {
      name: "a gateway's HTML 502 (json-bigint's plain-object SyntaxError) is BadGateway and retryable",
      answer: { status: 502, text: '<html><head><title>502 Bad Gateway</title></head><body>Tengine</body></html>' },
      code: 'BadGateway',
      category: 'retryable',
    },
    {
      name: 'a 503 whose JSON body has no Code (which pop-core resolves) is retryable',
      answer: { status: 503, json: { RequestId: 'REQ-5', Message: 'service busy' } },
      code: 'HttpStatus.503',
      category: 'retryable',
      requestId: 'REQ-5',
    },
    {
      name: 'a 4xx whose JSON body has no Code is rejected',
      answer: { status: 404, json: { RequestId: 'REQ-6' } },
      code: 'HttpStatus.404',
      category: 'rejected',
      requestId: 'REQ-6',
    },
    {
      name: 'a connection reset mid-request is retryable',
      answer: { destroy: true },
      code: 'ECONNRESET',
      category: 'retryable',
    },
    {
      name: 'no answer within the timeout is RequestTimeout and retryable',
      answer: { delayMs: 2000, status: 200, json: {} },
      code: 'RequestTimeout',
      category: 'retryable',
    },
  ];

  it.each(rows)('$name', async ({ answer, code, category, requestId }) => {
    // Prepare: GET puts every signed parameter into the URL, the path most likely to leak.
    script = answer;

    // Act
    const error = await failureOf(callRpc(client, 'DescribeInstances', { RegionId: 'cn-hangzhou' }, { method: 'GET' }));

    // Assess
    expect({ code: error.code, category: error.category, requestId: error.requestId }).toEqual({ code, category, requestId });
    const visible = JSON.stringify({ message: error.message, stack: error.stack, cause: error.cause });
    for (const secret of secretSpellings(server.requests[0]?.params.Signature)) expect(visible).not.toContain(secret);
    expect(visible).not.toMatch(/SecurityToken=(?!\*\*\*)/);
  });

  it('resolves with the JSON body of a 2xx answer', async () => {
    script = { status: 200, json: { RequestId: 'REQ-OK', TotalCount: 0 } };

    const body = await callRpc(client, 'DescribeInstances', { RegionId: 'cn-hangzhou' }, { method: 'GET' });

    expect(body).toEqual({ RequestId: 'REQ-OK', TotalCount: 0 });
  });

  it('sends a POST with every signed parameter in the form body and none in the URL', async () => {
    script = { status: 200, json: { RequestId: 'REQ-POST' } };

    await callRpc(client, 'ModifyInstanceNetworkSpec', { InstanceId: 'i-1', InternetMaxBandwidthOut: 10 }, { method: 'POST' });

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/');
    expect(request?.params).toMatchObject({
      Action: 'ModifyInstanceNetworkSpec',
      InstanceId: 'i-1',
      InternetMaxBandwidthOut: '10',
      AccessKeyId: credentials.accessKeyId,
      SecurityToken: credentials.securityToken,
    });
    expect(request?.params.Signature).toBeTruthy();
  });
});

describe('createRpcClient credentials', () => {
  let server: CannedRpcServer;
  beforeAll(async () => {
    server = await startCannedRpcServer(() => ({ status: 200, json: { RequestId: 'R' } }));
  });
  afterAll(() => server.close());

  it('reads a credentials function before every request, so rotated STS tokens are used', async () => {
    // Prepare: FC hands out new context.credentials on later invocations of a warm container.
    const issued = ['STS.first-token-0001', 'STS.second-token-0002'];
    let current = 0;
    const client = createRpcClient({
      endpoint: server.endpoint,
      apiVersion: '2014-05-26',
      credentials: () => ({ accessKeyId: `STS.KEY${current}`, accessKeySecret: 'rotating-secret-value', securityToken: issued[current] as string }),
    });

    // Act
    await callRpc(client, 'DescribeRegions', {}, { method: 'GET' });
    current = 1;
    await callRpc(client, 'DescribeRegions', {}, { method: 'GET' });
    client.close();

    // Assess
    expect(server.requests.map((r) => [r.params.AccessKeyId, r.params.SecurityToken])).toEqual([
      ['STS.KEY0', 'STS.first-token-0001'],
      ['STS.KEY1', 'STS.second-token-0002'],
    ]);
  });

  it('refuses to send an unsigned request when the credentials are empty', async () => {
    const before = server.requests.length;
    const client = createRpcClient({ endpoint: server.endpoint, apiVersion: '2014-05-26', credentials: { accessKeyId: '', accessKeySecret: '' } });

    const error = await failureOf(callRpc(client, 'DescribeRegions', {}, { method: 'GET' }));
    client.close();

    expect({ code: error.code, category: error.category }).toEqual({ code: 'MissingCredentials', category: 'auth' });
    expect(server.requests.length).toBe(before);
  });

  it('turns a refused connection into a retryable error without the signed URL', async () => {
    // Prepare: a port that was just free, so nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = createRpcClient({ endpoint: `http://127.0.0.1:${port}`, apiVersion: '2014-05-26', credentials });

    // Act
    const error = await failureOf(callRpc(client, 'DescribeInstances', { RegionId: 'cn-hangzhou' }, { method: 'GET' }));
    client.close();

    // Assess
    expect({ code: error.code, category: error.category }).toEqual({ code: 'ECONNREFUSED', category: 'retryable' });
    const visible = JSON.stringify({ message: error.message, cause: error.cause });
    for (const secret of secretSpellings(undefined)) expect(visible).not.toContain(secret);
  });
});

describe('classifyEcsError', () => {
  const rows: Array<{ code: string; message?: string; category: CloudErrorCategory }> = [
    { code: 'Throttling', category: 'retryable' },
    { code: 'Throttling.User', category: 'retryable' },
    { code: 'Throttling.Api', category: 'retryable' },
    { code: 'LastOrderProcessing', category: 'retryable' },
    { code: 'LastRequestProcessing', category: 'retryable' },
    { code: 'LastTokenProcessing', category: 'retryable' },
    { code: 'TaskConflict', category: 'retryable' },
    { code: 'OperationConflict', category: 'retryable' },
    { code: 'InternalError', category: 'retryable' },
    { code: 'ServiceUnavailable', category: 'retryable' },
    { code: 'ServiceUnavailable.RegionMaintaining', category: 'retryable' },
    { code: 'RequestTimeout', category: 'retryable' },
    { code: 'BadGateway', category: 'retryable' },
    { code: 'HttpStatus.504', category: 'retryable' },
    { code: 'InstanceDowngrade.QuotaExceed', category: 'quota' },
    {
      code: 'OperationDenied',
      message: 'After downgrade, you cannot upgrade or downgrade your instances again in the remaining time of the current billing cycle.',
      category: 'quota',
    },
    { code: 'OperationDenied', message: 'Specified instance is in VPC.', category: 'rejected' },
    { code: 'InvalidInstance.UnPaidOrder', category: 'needsHuman' },
    { code: 'InvalidInstance.UnpaidOrder', category: 'needsHuman' },
    { code: 'OperationDenied.UnpaidOrder', category: 'needsHuman' },
    { code: 'InvalidAccountStatus.NotEnoughBalance', category: 'needsHuman' },
    { code: 'Account.Arrearage', category: 'needsHuman' },
    { code: 'InstanceExpiredOrInArrears', category: 'needsHuman' },
    { code: 'InstanceLockedForSecurity', category: 'needsHuman' },
    { code: 'NoPermission.Price', category: 'needsHuman' },
    { code: 'NoPermission.Refund', category: 'needsHuman' },
    { code: 'InvalidInstanceId.NotFound', category: 'notFound' },
    { code: 'SignatureDoesNotMatch', category: 'auth' },
    { code: 'IncompleteSignature', category: 'auth' },
    { code: 'InvalidAccessKeyId.NotFound', category: 'auth' },
    { code: 'InvalidAccessKeyId.Inactive', category: 'auth' },
    { code: 'InvalidSecurityToken.Expired', category: 'auth' },
    { code: 'Forbidden.RAM', category: 'auth' },
    { code: 'Forbidden.AccessKeyDisabled', category: 'auth' },
    { code: 'InvalidInternetMaxBandwidthOut.ValueNotSupported', category: 'rejected' },
    { code: 'IncorrectInstanceStatus', category: 'rejected' },
    { code: 'BandwidthUpgradeDenied.EipBoundInstance', category: 'rejected' },
    { code: 'DecreasedBandwidthNotAllowed', category: 'rejected' },
    { code: 'SomethingNobodyDocumented', category: 'rejected' },
  ];

  it.each(rows)('$code $message → $category', ({ code, message, category }) => {
    expect(classifyEcsError(code, message)).toBe(category);
  });
});

describe('the documented ModifyInstanceNetworkSpec refusals (test/fixtures/real/errors)', () => {
  // Every code of both reference tables, decided. OperationDenied is decided by its message.
  const DECIDED: Record<string, CloudErrorCategory> = {
    Throttling: 'retryable',
    LastOrderProcessing: 'retryable',
    LastRequestProcessing: 'retryable',
    TaskConflict: 'retryable',
    InternalError: 'retryable',
    'InstanceDowngrade.QuotaExceed': 'quota',
    'InvalidInstance.UnPaidOrder': 'needsHuman',
    'OperationDenied.UnpaidOrder': 'needsHuman',
    'InvalidAccountStatus.NotEnoughBalance': 'needsHuman',
    'Account.Arrearage': 'needsHuman',
    InstanceExpiredOrInArrears: 'needsHuman',
    InstanceLockedForSecurity: 'needsHuman',
    'NoPermission.Price': 'needsHuman',
    'NoPermission.Refund': 'needsHuman',
    'QuotaExceeded.InternetBandwidth': 'needsHuman',
    'SecurityRisk.3DVerification': 'needsHuman',
    'InvalidPayMethod.SyncPaymentNotSupport': 'needsHuman',
    'InvalidInstanceId.NotFound': 'notFound',
    ...Object.fromEntries(
      [
        'BandIncreaseNotSupportIsp',
        'BandwidthUpgradeDenied.EipBoundInstance',
        'ChargeTypeViolation',
        'DecreasedBandwidthNotAllowed',
        'Image.OrderFailed',
        'IncorrectInstanceStatus',
        'InvalidAction',
        'InvalidAction.WithActiveElasticUpgrade',
        'InvalidBandwidth.ValueNotSupported',
        'InvalidBandwidthOut.LessThanZero',
        'InvalidClientToken.ValueNotSupported',
        'InvalidEndTime.BeyondLifeCycle',
        'InvalidEndTime.ValueNotSupported',
        'InvalidInstance.EipNotSupport',
        'InvalidInstance.InstanceNotSupported',
        'InvalidInstance.NatPortMapNotSupport',
        'InvalidInstanceChargeType.ValueNotSupported',
        'InvalidInstanceStatus',
        'InvalidInstanceStatus.NotStopped',
        'InvalidInternetChargeType.ValueNotSupported',
        'InvalidInternetMaxBandwidthIn.ValueNotSupported',
        'InvalidInternetMaxBandwidthOut.ValueNotSupported',
        'InvalidIspBandwidthOut',
        'InvalidIspType.ValueNotSupported',
        'InvalidIspUID',
        'InvalidNetworkType.ValueNotSupported',
        'InvalidOperation.InstanceStatusUnsupported',
        'InvalidOperation.PublicIpAddressNoStock',
        'InvalidOperation.StarterPackage',
        'InvalidParam.AllocatePublicIp',
        'InvalidParameter.Bandwidth',
        'InvalidParameter.BandwidthBiggerThanBaseBandwidth',
        'InvalidParameter.CloudboxNotSupported',
        'InvalidParameter.Conflict',
        'InvalidParameter.DedicatedRegionNotSupported',
        'InvalidStartTime.BeyondLifeCycle',
        'InvalidStartTime.ValueNotSupported',
        'IpAllocationError',
        'Mayi.InternalError',
        'NAT_PUBLIC_IP_BINDING_FAILED',
        'OperationDenied.ImageNotValid',
        'UnsupportedChangeIsp',
        'UnsupportedIspChargeType',
        'UnsupportedIspClassicNetwork',
        'UnsupportedIspNetworkChargeType',
        'UnsupportedIspRegion',
      ].map((code) => [code, 'rejected' as const]),
    ),
  };
  const OPERATION_DENIED: Array<{ message: RegExp; category: CloudErrorCategory }> = [
    { message: /^After downgrade, you cannot upgrade or downgrade/, category: 'quota' },
    { message: /^The current user does not support this operation/, category: 'needsHuman' },
    { message: /^Specified instance is in VPC/, category: 'rejected' },
    { message: /instance is PrePaid/, category: 'rejected' },
  ];
  const decide = (code: string, message: string): CloudErrorCategory | undefined =>
    code === 'OperationDenied' ? OPERATION_DENIED.find((row) => row.message.test(message))?.category : DECIDED[code];

  const rows = loadCorpus()
    .filter((entry) => entry.api === 'ModifyInstanceNetworkSpec')
    .flatMap((entry) => (entry.errors ?? []).map((error) => ({ file: entry.file, ...error, category: decide(error.Code, error.Message) })));
  let refusal = { status: 400, Code: '', Message: '' };
  let server: CannedRpcServer;
  let client: RpcClient;

  beforeAll(async () => {
    // The RPC error envelope around the documented Code and Message (RequestId, HostId, Recommend synthetic).
    server = await startCannedRpcServer(() => ({
      status: refusal.status,
      json: {
        RequestId: 'REQ-DOC',
        HostId: 'ecs.aliyuncs.com',
        Code: refusal.Code,
        Message: refusal.Message,
        Recommend: 'https://api.aliyun.com/troubleshoot',
      },
    }));
    client = createRpcClient({ endpoint: server.endpoint, apiVersion: '2014-05-26', credentials });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('has a decided category for every documented code and message', () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter((row) => row.category === undefined).map((row) => `${row.Code}: ${row.Message}`)).toEqual([]);
  });

  it.each(rows)('$status $Code "$Message" → $category', async ({ status, Code, Message, category }) => {
    refusal = { status: status ?? 400, Code, Message };

    const error = await failureOf(callRpc(client, 'ModifyInstanceNetworkSpec', { InstanceId: 'i-1' }, { method: 'POST' }));

    expect({ code: error.code, category: error.category, requestId: error.requestId }).toEqual({ code: Code, category, requestId: 'REQ-DOC' });
  });

  const spellings = [
    { received: 'InvalidInstance.UnpaidOrder', documented: 'InvalidInstance.UnPaidOrder', reason: 'UNPAID_ORDER' },
    { received: 'operationdenied.unpaidorder', documented: 'OperationDenied.UnpaidOrder', reason: 'UNPAID_ORDER' },
    { received: 'DecreasedBandWidthNotAllowed', documented: 'DecreasedBandwidthNotAllowed', reason: 'NEEDS_HUMAN' },
    { received: 'INCORRECTINSTANCESTATUS', documented: 'IncorrectInstanceStatus', reason: 'NEEDS_HUMAN' },
  ];

  it.each(spellings)(
    'accepts $received as $documented: same code, same category, the spelling received kept in the cause',
    async ({ received, documented, reason }) => {
      refusal = { status: 400, Code: received, Message: 'as received' };

      const error = await failureOf(callRpc(client, 'ModifyInstanceNetworkSpec', { InstanceId: 'i-1' }, { method: 'POST' }));

      expect(error.code).toBe(documented);
      expect(error.category).toBe(classifyEcsError(documented));
      expect(error.cause).toMatchObject({ code: documented, receivedCode: received });
      // What the cycle stores as the block's code then maps to the reason a person reads.
      expect(blockedReason(error.code)).toBe(reason);
    },
  );
});
