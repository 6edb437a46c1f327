// The local Alibaba Cloud as a library: ECS, VPC, CloudMonitor and Tablestore emulators plus the admin
// API on one 127.0.0.1 port, sharing one world and one clock. Tests and the simulator call
// `startLocalCloud`; `bwscaler cloud` (cli.ts) wraps it.
import { createAdmin } from './admin';
import { createClock, type LocalClock } from './clock';
import { type Cms, createCms } from './cms/index';
import { createEcs, ECS_VERSION, type Ecs } from './ecs';
import { type AccessKey, type Fixture, loadFixtureFile, parseFixture } from './fixture';
import { createOrderLag, type LagOptions, NO_LAG } from './lag';
import { createOts, type Ots } from './ots/index';
import { createRpcEndpoint, type RpcService } from './rpc';
import { startServer } from './server';
import { createVpc, DEFAULT_PACKAGE_LAG, VPC_VERSION, type Vpc } from './vpc/index';
import { type CallRecord, createWorld, type World } from './world';

export const CMS_VERSION = '2019-01-01';

/** What a client needs to reach the local cloud; `bwscaler cloud` prints this as its first line. */
export interface LocalCloudEndpoints {
  ecs: string;
  /** VPC API 2016-04-28 (EIPs, Internet Shared Bandwidth); the product reads it as BWSCALER_VPC_ENDPOINT. */
  vpc: string;
  cms: string;
  ots: string;
  admin: string;
  region: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Present when the fixture's first key is an STS key. */
  securityToken?: string;
  otsInstance: string;
}

export interface LocalCloud {
  endpoints: LocalCloudEndpoints;
  world: World;
  clock: LocalClock;
  ecs: Ecs;
  vpc: Vpc;
  cms: Cms;
  ots: Ots;
  close(): Promise<void>;
}

export interface LocalCloudOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** A fixture object, or the path of a JSON fixture file; without one, the demo fleet. */
  fixture?: Fixture | string;
  /**
   * 'manual' (default): time moves only through the admin API or `clock.advance`, so the 5-minute
   * lock and temporary upgrades are testable in milliseconds. 'real' follows the wall clock.
   */
  clock?: 'real' | 'manual';
  /** Clock start (epoch ms); manual default 2026-11-02T00:00:00Z. */
  start?: number;
  /** Seed of the fault-injection dice. */
  seed?: number;
  onCall?: (call: CallRecord) => void;
  /**
   * The time clients stamp their requests with (RPC Timestamp, Tablestore x-ots-date); the wall clock
   * by default. A simulation whose functions run on the simulated clock (local-cloud/fc) passes the
   * cloud's own clock here, so the freshness checks compare like with like.
   */
  wallNow?: () => number;
  /**
   * The provider's processing delay for orders (lag.ts). Off by default for the emulator's own unit
   * tests; the e2e system, `npm start` and the chaos run turn it on with DEFAULT_LAG.
   */
  lag?: LagOptions;
  /**
   * How long an Internet Shared Bandwidth change stays Modifying (vpc/index.ts). Unlike `lag` it is on
   * by default, since the API documents the change as asynchronous; { minMs: 0, maxMs: 0 } turns it off.
   */
  packageLag?: LagOptions;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const clock = createClock(options.clock ?? 'manual', options.start);
  try {
    const fixture =
      typeof options.fixture === 'string' ? await loadFixtureFile(options.fixture, clock.now()) : parseFixture(options.fixture ?? {}, clock.now());
    const world = createWorld(fixture, clock, options.seed);
    const ecs = createEcs(world, createOrderLag(options.lag ?? NO_LAG));
    const vpc = createVpc(world, createOrderLag(options.packageLag ?? DEFAULT_PACKAGE_LAG));
    const cms = createCms(world);
    const ots = createOts({ clock, accessKeys: world.accessKeys, instanceName: world.otsInstance, ...(options.wallNow ? { wallNow: options.wallNow } : {}) });

    // Order matters: ECS reverts temporary upgrades before CloudMonitor evaluates alarms, so an
    // alarm at EndTime sees the reverted bandwidth.
    clock.onAdvance((now) => ecs.onAdvance(now));
    clock.onAdvance((now) => vpc.onAdvance(now));
    clock.onAdvance((now) => cms.alarms.evaluate(now));

    const services: RpcService[] = [
      { name: 'ecs', version: ECS_VERSION, hostId: 'ecs.aliyuncs.com', handlers: ecs.handlers },
      { name: 'vpc', version: VPC_VERSION, hostId: 'vpc.aliyuncs.com', handlers: vpc.handlers },
      { name: 'cms', version: CMS_VERSION, hostId: `metrics.${world.regionId}.aliyuncs.com`, handlers: cms.handlers },
    ];
    const rpc = createRpcEndpoint(world, services, {
      ...(options.onCall ? { onCall: options.onCall } : {}),
      ...(options.wallNow ? { wallNow: options.wallNow } : {}),
    });
    const admin = createAdmin({ world, clock, ecs, vpc, cms, ots });
    const server = await startServer({ rpc, admin, ots: (req, body) => ots.handle(req, body) }, options.port ?? 0);

    const base = `http://127.0.0.1:${server.port}`;
    const key = world.accessKeys[0] as AccessKey;
    return {
      endpoints: {
        ecs: base,
        vpc: base,
        cms: base,
        ots: base,
        admin: `${base}/_admin`,
        region: world.regionId,
        accessKeyId: key.id,
        accessKeySecret: key.secret,
        ...(key.securityToken ? { securityToken: key.securityToken } : {}),
        otsInstance: world.otsInstance,
      },
      world,
      clock,
      ecs,
      vpc,
      cms,
      ots,
      async close() {
        clock.stop();
        await server.close();
      },
    };
  } catch (error) {
    clock.stop();
    throw error;
  }
}
