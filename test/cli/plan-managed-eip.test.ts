// `bwscaler plan` says what the tick would do, so an instance whose bound EIP a policy manages reads
// MANAGED_THROUGH_EIP in plan too (src/cycle/managed-eip.ts), as the tick and the alarm path report
// it (test/e2e/managed-eip.test.ts), never EIP_BOUND.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlanRow, run as plan } from '../../src/cli/plan';
import { managedEipFixture } from '../fixtures/managed-eip';
import { type CliCloud, runCli, startCliCloud } from './support';

const POLICY = `version: 1
policies:
  - name: app
    instances: { region: cn-hangzhou, tags: { app: app } }
    bounds: { minOut: 1, maxOut: 100 }
  - name: app-eip
    eips: { region: cn-hangzhou, tags: { app: app } }
    bounds: { minOut: 5, maxOut: 200 }
    targetTracking: { target: 70, tolerance: 10 }
`;

describe('bwscaler plan for an instance served through a managed EIP', () => {
  let local: CliCloud;
  beforeAll(async () => {
    local = await startCliCloud(managedEipFixture());
    await writeFile(local.policyFile, POLICY);
    await local.cloud.clock.advance(5 * 60);
  });
  afterAll(async () => local?.close());

  it('reports the instance MANAGED_THROUGH_EIP, naming the EIP and its policy, as the tick does', async () => {
    // Act
    const result = await runCli(plan, ['--policy', local.policyFile, '--json'], local.env({ BWSCALER_VPC_ENDPOINT: local.cloud.endpoints.vpc }), () =>
      local.cloud.clock.now(),
    );

    // Assess
    const rows = Object.fromEntries((JSON.parse(result.stdout) as { rows: PlanRow[] }).rows.map((row) => [row.instanceId, row]));
    expect(rows['i-app-eip-1']).toMatchObject({ reason: 'MANAGED_THROUGH_EIP', change: 'hold' });
    expect(rows['i-app-eip-1']?.message).toContain("EIP eip-app-1's, which policy 'app-eip' manages");
    expect(rows['eip-app-1']?.policy).toBe('app-eip');
  });
});
