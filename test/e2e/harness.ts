// The e2e tests run the built functions against the local cloud with the provider's processing delay
// on (local-cloud/lag.ts): an order shows in DescribeInstances seconds to minutes after it is placed.
import { DEFAULT_LAG } from '../../local-cloud/lag';
import { type SystemOptions, startSystem as startBareSystem } from '../../src/sim/system';

export { alarmCallback, type System, WEBHOOK_TOKEN } from '../../src/sim/system';

export function startSystem(options: SystemOptions = {}) {
  return startBareSystem({ ...options, cloud: { lag: DEFAULT_LAG, ...options.cloud } });
}
