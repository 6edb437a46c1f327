// `bwscaler cloud [--port N] [--fixture FILE] [--clock real|manual] [--start ISO] [--quiet]`: the
// local Alibaba Cloud as a process. Its first stdout line is one JSON object with the endpoints and
// credentials (nothing is printed before it); logs go to stderr; SIGINT/SIGTERM stop it cleanly.
import { parseArgs } from 'node:util';
import { startLocalCloud } from './cloud';
import { LocalCloudInputError } from './errors';

const USAGE = 'usage: bwscaler cloud [--port N] [--fixture FILE] [--clock real|manual] [--start 2026-11-02T00:00:00Z] [--quiet]';

export async function run(args: string[]): Promise<number> {
  let values: { port?: string; fixture?: string; clock?: string; start?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        fixture: { type: 'string' },
        clock: { type: 'string' },
        start: { type: 'string' },
        quiet: { type: 'boolean' },
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
  const clock = values.clock ?? 'manual';
  if (clock !== 'real' && clock !== 'manual') {
    console.error(`bwscaler cloud: --clock must be real or manual, got "${clock}"\n${USAGE}`);
    return 2;
  }
  const start = values.start === undefined ? undefined : Date.parse(values.start);
  if (start !== undefined && Number.isNaN(start)) {
    console.error(`bwscaler cloud: --start must be an ISO 8601 date, got "${values.start}"\n${USAGE}`);
    return 2;
  }

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
  console.error(`local cloud listening on ${cloud.endpoints.ecs} (clock ${clock}, ${cloud.world.instances.size} instances); Ctrl-C stops it`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await cloud.close();
  return 0;
}
