// Security properties of the BUILT functions on the local cloud: refused callbacks change nothing,
// unmanaged instances are never written, Tablestore down means no ECS write (fail closed), the RAM
// policy grants exactly what the functions call, and no credential reaches a log line.
//
// One system for the whole file (building and starting it costs seconds); the cases run in order and
// the credential case comes last, because it breaks the key on purpose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTemplate } from '../../local-cloud/fc/template';
import { alarmCallback, LOCAL_CODE_BUCKET, ROOT, type System, startSystem, WEBHOOK_TOKEN } from '../../src/sim/system';

const MODIFY = 'ModifyInstanceNetworkSpec';
const OTS_WRITES = new Set(['PutRow', 'UpdateRow', 'DeleteRow', 'BatchWriteRow']);
// An STS key, as Function Compute hands the function role's credentials out.
const STS = {
  id: 'STS.NUSecurityTestKeyId0001',
  secret: 'sts-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  securityToken: 'CAIS-security-test-token-ZmFrZVN0c1Rva2VuRm9yVGhlTG9jYWxDbG91ZA',
};
const POLICY = `
version: 1
policies:
  - name: web
    instances: { region: cn-hangzhou, tags: { app: web } }
    bounds: { minOut: 5, maxOut: 100 }
    targetTracking: { target: 70, tolerance: 10 }
    saturation: { threshold: 95, adjust: "x2" }
    scaleUp: { cooldown: 5m }
    mode: enforce
  # Observe mode, so it never orders anything: here for the served-history reads and writes its
  # predictive block makes (cms:DescribeMetricList, the bwscaler_served table), which the role grants.
  - name: predictive
    instances: { region: cn-hangzhou, tags: { app: pred } }
    bounds: { minOut: 1, maxOut: 100 }
    targetTracking: { target: 92, tolerance: 3.9 }
    saturation: { threshold: 98, adjust: "x1.3" }
    predictive: { mode: forecast-only, trigger: 4.5, set: 9.3, smallBelow: 5, smallFactor: 4, scaleDownAtLeast: 4, peakWindow: 1d, lookBack: 5m, maxLookBack: 2h, censored: 98, censoredRise: 20 }
    mode: observe
  - name: edge
    eips: { region: cn-hangzhou, ids: [eip-sec-1] }
    bounds: { minOut: 1, maxOut: 200 }
    saturation: { threshold: 95, adjust: "x2" }
  - name: egress
    bandwidthPackages: { region: cn-hangzhou, tags: { app: egress } }
    bounds: { minOut: 2, maxOut: 1000 }
    saturation: { threshold: 95, adjust: "x2" }
`;
const FIXTURE = {
  accessKeys: [STS],
  account: { balance: 1e6 },
  instances: [
    // Saturated: every alarm and tick wants to double it, so "no write" is never for lack of a reason.
    { InstanceId: 'i-sec-web-1', InternetMaxBandwidthOut: 10, Tags: [{ TagKey: 'app', TagValue: 'web' }], Demand: { kind: 'constant' as const, mbps: 500 } },
    { InstanceId: 'i-sec-pred-1', InternetMaxBandwidthOut: 10, Tags: [{ TagKey: 'app', TagValue: 'pred' }], Demand: { kind: 'constant' as const, mbps: 5 } },
    { InstanceId: 'i-sec-stray', InternetMaxBandwidthOut: 10, Tags: [{ TagKey: 'app', TagValue: 'batch' }], Demand: { kind: 'constant' as const, mbps: 500 } },
  ],
  // A saturated EIP and shared package, so the ticks call every VPC action the RAM policy grants.
  eips: [
    {
      AllocationId: 'eip-sec-1',
      IpAddress: '47.96.3.1',
      Status: 'InUse' as const,
      InternetChargeType: 'PayByTraffic' as const,
      Bandwidth: 10,
      Demand: { kind: 'constant' as const, mbps: 500 },
    },
    {
      AllocationId: 'eip-sec-nat',
      IpAddress: '47.96.3.2',
      Status: 'InUse' as const,
      Bandwidth: 5,
      BandwidthPackageId: 'cbwp-sec-1',
      Demand: { kind: 'constant' as const, mbps: 500 },
    },
  ],
  bandwidthPackages: [{ BandwidthPackageId: 'cbwp-sec-1', Bandwidth: 10, Tags: [{ Key: 'app', Value: 'egress' }] }],
};

describe('security of the deployed functions', () => {
  let system: System;
  const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
  const now = () => system.cloud.clock.now();
  const post = (body: string, query = `?token=${WEBHOOK_TOKEN}`, headers: Record<string, string> = FORM) =>
    fetch(`${system.runner.httpUrl('bwscaler-alarm')}/${query}`, { method: 'POST', headers, body });
  const tick = async () => {
    await system.cloud.clock.advance(300);
    return system.runner.fireTimersUntil(now());
  };

  /** What the cloud saw from here on: ECS/CMS calls, Tablestore calls. */
  function watch() {
    const calls = system.cloud.world.calls.length;
    const ots = system.cloud.ots.calls().length;
    return {
      modifies: () => system.cloud.world.calls.slice(calls).filter((c) => c.action === MODIFY),
      otsCalls: () => system.cloud.ots.calls().slice(ots),
      otsWrites: () =>
        system.cloud.ots
          .calls()
          .slice(ots)
          .filter((c) => OTS_WRITES.has(c.action) && c.code === 'OK'),
    };
  }

  beforeAll(async () => {
    system = await startSystem({ policyText: POLICY, cloud: { fixture: FIXTURE }, params: { ScheduleCron: '0 */5 * * * *' } });
  }, 120_000);
  afterAll(async () => system?.close());

  describe('refused callbacks change nothing', () => {
    const cases = [
      { name: 'no token', query: '', status: 401 },
      { name: 'a wrong token', query: '?token=local-webhook-token-0123456789abcdeX', status: 401 },
      { name: 'the token with a suffix', query: `?token=${WEBHOOK_TOKEN}x`, status: 401 },
      { name: 'an empty token', query: '?token=', status: 401 },
      { name: 'a callback replayed an hour later', query: `?token=${WEBHOOK_TOKEN}`, status: 403, age: 3600 },
      { name: 'a callback dated in the future', query: `?token=${WEBHOOK_TOKEN}`, status: 403, age: -3600 },
    ];
    it.each(cases)('$name → $status, no ECS call, no Tablestore call', async ({ query, status, age = 0 }) => {
      // Prepare
      const seen = watch();
      const body = alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() - age * 1000 });
      // Act
      const response = await post(body, query);
      // Assess
      expect(response.status).toBe(status);
      expect(await response.json()).toHaveProperty('error');
      expect(seen.modifies()).toEqual([]);
      expect(seen.otsCalls()).toEqual([]);
    });

    it('a duplicate of a handled callback places no second order and writes no state', async () => {
      // Prepare: the first delivery scales the instance up.
      await system.cloud.clock.advance(600);
      const body = alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() });
      const first = await post(body);
      expect(await first.json()).toMatchObject({ outcome: 'applied' });
      const seen = watch();
      // Act
      const again = await post(body);
      // Assess
      expect(await again.json()).toMatchObject({ outcome: 'DUPLICATE' });
      expect(seen.modifies()).toEqual([]);
      expect(seen.otsWrites()).toEqual([]);
    });
  });

  describe('instances outside every policy are never written', () => {
    it.each([
      { name: 'an instance whose tags no policy selects', instanceId: 'i-sec-stray', outcome: 'NOT_MANAGED' },
      { name: 'an instance the account does not have', instanceId: 'i-nowhere-0001', outcome: 'NOT_FOUND' },
      { name: 'an id that looks like a managed one', instanceId: 'i-sec-web-10', outcome: 'NOT_FOUND' },
    ])('$name: $outcome, no write', async ({ instanceId, outcome }) => {
      await system.cloud.clock.advance(600);
      const seen = watch();
      const response = await post(alarmCallback({ instanceId, curValue: 99, timestamp: now() }));
      expect(await response.json()).toMatchObject({ outcome });
      expect(seen.modifies()).toEqual([]);
      expect(seen.otsWrites()).toEqual([]);
    });

    it('a tick leaves the unselected instance alone while it manages the other', async () => {
      const seen = watch();
      await tick();
      await tick();
      expect(seen.modifies().filter((c) => c.instanceId === 'i-sec-stray')).toEqual([]);
    });
  });

  describe('with Tablestore down nothing is written to ECS (fail closed)', () => {
    const admin = () => system.cloud.endpoints.admin;
    const setFault = (fault: unknown) => fetch(`${admin()}/faults`, { method: 'POST', body: JSON.stringify(fault) });

    // Held requests cost the SDK's 3 s timeout (and its read retries) each: the tick, whose first
    // Tablestore call is a retried read, runs under the 503s only.
    it.each([
      { name: 'every call answered 503', fault: { service: 'ots', code: 'OTSServerBusy', rate: 1 }, withTick: true },
      { name: 'every call held until the client gives up', fault: { service: 'ots', code: 'OTSTimeout', timeout: true, rate: 1 }, withTick: false },
    ])(
      '$name: the alarm (and tick) make no ModifyInstanceNetworkSpec',
      async ({ fault, withTick }) => {
        // Prepare
        await system.cloud.clock.advance(900);
        const seen = watch();
        await setFault(fault);
        // Act
        const alarm = await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() }));
        const ticks = withTick ? await tick() : [];
        await fetch(`${admin()}/faults`, { method: 'DELETE' });
        // Assess
        expect(alarm.status).toBe(500);
        expect(ticks.every((t) => !t.ok)).toBe(true);
        expect(seen.modifies()).toEqual([]);
      },
      60_000,
    );

    it('the same alarm places an order once Tablestore is back (the refusal above was the outage)', async () => {
      await system.cloud.clock.advance(600);
      const seen = watch();
      const response = await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() }));
      expect(await response.json()).toMatchObject({ outcome: 'applied' });
      expect(seen.modifies()).toHaveLength(1);
    });
  });

  describe('the RAM policy grants exactly the actions the functions call', () => {
    it('matches the actions the emulators saw from the built bundles, with no wildcard', async () => {
      // Prepare: the cases above ran ticks, alarms, changes and ticks with state; one more of each.
      await system.cloud.clock.advance(600);
      await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() }));
      await tick();
      const template = await readTemplate(`${ROOT}template.yml`, { WebhookToken: WEBHOOK_TOKEN, OtsInstanceName: 'bwscaler', CodeBucket: LOCAL_CODE_BUCKET });
      // Act: every action since the harness created the tables (CreateTable and friends are setup).
      const firstFunctionCall = system.runner.invocations[0]?.at ?? 0;
      const rpc = system.cloud.world.calls.filter((c) => c.time >= firstFunctionCall).map((c) => `${c.service}:${c.action}`);
      const ots = system.cloud.ots
        .calls()
        .filter((c) => c.time >= firstFunctionCall && !['CreateTable', 'ListTable', 'DescribeTable', 'UpdateTable'].includes(c.action));
      const called = [...new Set([...rpc, ...ots.map((c) => `ots:${c.action}`)])].sort();
      // Assess
      expect(template.ramActions.filter((action) => action.includes('*'))).toEqual([]);
      // The one exception: Function Compute itself writes the functions' stdout to the Simple Log
      // Service store with the role (LogConfig), so the role needs log:PostLogStoreLogs although no
      // bundle calls it. test/deploy/consistency.test.ts pins it to exactly that store.
      const FC_USES_ON_THE_ROLES_BEHALF = ['log:PostLogStoreLogs'];
      expect(called).toEqual(template.ramActions.filter((action) => !FC_USES_ON_THE_ROLES_BEHALF.includes(action)));
      expect(template.ramActions).toEqual(expect.arrayContaining(FC_USES_ON_THE_ROLES_BEHALF));
    });
  });

  describe('no credential reaches a log line', () => {
    it('every line printed under SDK errors, faults and refused credentials is free of the secret, the STS token and signatures', async () => {
      // Prepare: faults that make pop-core and the Tablestore SDK fail in every way they can.
      const admin = system.cloud.endpoints.admin;
      await fetch(`${admin}/faults`, {
        method: 'POST',
        body: JSON.stringify([
          { service: 'ecs', action: 'DescribeInstances', html502: true, rate: 1, count: 1 },
          { service: 'ecs', action: 'DescribeInstances', code: 'InternalError', rate: 1, count: 1 },
          { service: 'cms', code: 'Throttling', rate: 1, count: 2 },
        ]),
      });
      await system.cloud.clock.advance(600);
      await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 99, timestamp: now() }));
      await tick();
      await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 98, timestamp: now() }));
      await fetch(`${admin}/faults`, { method: 'DELETE' });
      // Refused credentials: the cloud forgets the key's secret, so every signature stops matching.
      const key = system.cloud.world.accessKeys[0];
      if (!key) throw new Error('the fixture has no key');
      const secret = key.secret;
      key.secret = 'rotated-away-by-the-test-0000000000';
      try {
        await tick();
        await post(alarmCallback({ instanceId: 'i-sec-web-1', curValue: 97, timestamp: now() }));
      } finally {
        key.secret = secret;
      }

      // Act
      const lines = system.runner.invocations.flatMap((invocation) => [
        ...invocation.logs,
        invocation.error?.message ?? '',
        JSON.stringify(invocation.result ?? ''),
      ]);
      const text = lines.join('\n');

      // Assess: the errors happened (this test would pass vacuously otherwise) ...
      expect(text).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId|OTSAuthFailed/);
      expect(text).toMatch(/HTML502|not JSON|SyntaxError|InternalError/);
      // ... and no line carries a credential.
      const forbidden = [STS.secret, STS.securityToken, 'Signature=', 'SecurityToken=', 'x-ots-signature', 'x-ots-ststoken'];
      for (const needle of forbidden)
        expect(
          lines.filter((line) => line.includes(needle)),
          needle,
        ).toEqual([]);
    }, 60_000);
  });
});
