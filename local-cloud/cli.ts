// `bwscaler cloud [--port N] [--fixture FILE] [--clock manual|wall] [--start ISO] [--quiet] [--env]`:
// the local Alibaba Cloud as a process. Its first stdout line is one JSON object with the endpoints
// and credentials (nothing is printed before it); logs go to stderr; SIGINT/SIGTERM stop it cleanly.
// With --env it starts itself in the background instead and prints the `export` lines a shell needs
// to point the bwscaler commands at it: `eval "$(bwscaler cloud --env --clock wall)"`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LocalCloudEndpoints, startLocalCloud } from './cloud';
import { LocalCloudInputError } from './errors';

const USAGE = `usage: bwscaler cloud [--port N] [--fixture FILE] [--clock manual|wall] [--start 2026-11-02T00:00:00Z] [--quiet] [--env]

Runs the local Alibaba Cloud: ECS, CloudMonitor and Tablestore emulators and an admin API, on one
127.0.0.1 port. Its first stdout line is a JSON object with the endpoints and the credentials;
request logs go to stderr; Ctrl-C stops it.

  --port N         the port (default: a free one)
  --fixture FILE   the account and fleet, as JSON (examples/local-cloud-fixture.json; default: the
                   demo fleet examples/policy.yaml manages)
  --clock manual   (default) time stands still until the admin API advances it
                   (POST /_admin/clock {"advanceSeconds": N}); it starts at --start, by default
                   2026-11-02T00:00:00Z, so "the last day" on this machine's clock finds nothing
  --clock wall     time is this machine's clock: the fleet's traffic is generated in real time,
                   and "the last day" has a day of datapoints ("real" is accepted for it too)
  --start ISO      the clock's start (manual), or the date the wall clock is shifted to
  --quiet          no request log
  --env            start in the background and print "export BWSCALER_...=..." lines for a shell,
                   with the process id to stop it: eval "$(bwscaler cloud --env --clock wall)"

exit codes: 0 stopped cleanly, 1 it could not start (a bad fixture, a busy port), 2 usage`;

/** Single-quoted for a POSIX shell: safe whatever the value holds. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The variables the bwscaler commands read (src/config.ts and the commands' help), for this cloud.
 * The policy is the demo fleet's only when the cloud runs the demo fleet.
 */
export function environmentLines(endpoints: LocalCloudEndpoints, options: { demoFleet: boolean }): string[] {
  const variables: Array<[string, string | undefined]> = [
    ['BWSCALER_REGION', endpoints.region],
    ['BWSCALER_ECS_ENDPOINT', endpoints.ecs],
    ['BWSCALER_CMS_ENDPOINT', endpoints.cms],
    ['BWSCALER_OTS_ENDPOINT', endpoints.ots],
    ['BWSCALER_OTS_INSTANCE', endpoints.otsInstance],
    ['ALIBABA_CLOUD_ACCESS_KEY_ID', endpoints.accessKeyId],
    ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', endpoints.accessKeySecret],
    ['ALIBABA_CLOUD_SECURITY_TOKEN', endpoints.securityToken],
    ['BWSCALER_POLICY', options.demoFleet ? fileURLToPath(new URL('../examples/policy.yaml', import.meta.url)) : undefined],
  ];
  return variables.filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

/**
 * --env: the cloud runs on in a detached child (its stdout a pipe to this process, its stderr
 * discarded), this process prints the exports from the child's first line and exits, so a shell's
 * command substitution ends while the cloud keeps running.
 */
async function startInBackground(args: string[], demoFleet: boolean): Promise<number> {
  const bin = fileURLToPath(new URL('../bin/bwscaler.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'cloud', ...args.filter((arg) => arg !== '--env'), '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string | undefined>((resolve) => {
    lines.once('line', resolve);
    child.once('exit', () => resolve(undefined));
  });
  lines.close();
  child.stdout.destroy();
  if (first === undefined) {
    console.error('bwscaler cloud: the background cloud stopped before it listened; run it without --env to see why');
    return 1;
  }
  child.unref();
  const endpoints = JSON.parse(first) as LocalCloudEndpoints;
  console.log(`# the local cloud runs as process ${child.pid}; stop it with: kill ${child.pid}`);
  console.log(`# admin API: ${endpoints.admin}`);
  for (const line of environmentLines(endpoints, { demoFleet })) console.log(line);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  let values: { port?: string; fixture?: string; clock?: string; start?: string; quiet?: boolean; env?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        fixture: { type: 'string' },
        clock: { type: 'string' },
        start: { type: 'string' },
        quiet: { type: 'boolean' },
        env: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`bwscaler cloud: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`bwscaler cloud: --port must be an integer 0-65535, got "${values.port}"\n${USAGE}`);
    return 2;
  }
  const clockFlag = values.clock ?? 'manual';
  if (clockFlag !== 'wall' && clockFlag !== 'real' && clockFlag !== 'manual') {
    console.error(`bwscaler cloud: --clock must be manual or wall, got "${clockFlag}"\n${USAGE}`);
    return 2;
  }
  // "wall" is the name the help uses; the clock module calls the same clock "real".
  const clock = clockFlag === 'manual' ? 'manual' : 'real';
  const start = values.start === undefined ? undefined : Date.parse(values.start);
  if (start !== undefined && Number.isNaN(start)) {
    console.error(`bwscaler cloud: --start must be an ISO 8601 date, got "${values.start}"\n${USAGE}`);
    return 2;
  }

  if (values.env) return startInBackground(args, values.fixture === undefined);

  let cloud: Awaited<ReturnType<typeof startLocalCloud>>;
  try {
    cloud = await startLocalCloud({
      port,
      clock,
      ...(values.fixture !== undefined ? { fixture: values.fixture } : {}),
      ...(start !== undefined ? { start } : {}),
      ...(values.quiet
        ? {}
        : {
            onCall: (c) =>
              console.error(
                JSON.stringify({
                  time: new Date(c.time).toISOString(),
                  service: c.service,
                  action: c.action,
                  code: c.code,
                  instanceId: c.instanceId,
                  fault: c.fault,
                }),
              ),
          }),
    });
  } catch (error) {
    const detail = error instanceof LocalCloudInputError ? error.message : String(error);
    console.error(`bwscaler cloud: ${detail}`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(cloud.endpoints)}\n`);
  console.error(
    `local cloud listening on ${cloud.endpoints.ecs} (clock ${clock === 'real' ? 'wall' : 'manual'}, ${cloud.world.instances.size} instances); Ctrl-C stops it`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await cloud.close();
  return 0;
}
