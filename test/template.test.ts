import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTemplate, type TemplateSummary } from '../local-cloud/fc/template';
import { CONFIG_VARIABLES } from '../src/config';
import { buildOnce, ROOT } from '../src/sim/system';

/** Function Compute timer cron: six fields, seconds first (facts §5.4). */
function isSixFieldCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return false;
  try {
    new Cron(expression, { paused: true });
    return true;
  } catch {
    return false;
  }
}

describe('template.yml (ROS)', () => {
  let template: TemplateSummary;
  let dist: string;
  beforeAll(async () => {
    template = await readTemplate(join(ROOT, 'template.yml'), { Policy: 'version: 1', WebhookToken: 'x'.repeat(24), CodeBucket: 'b' });
    dist = await buildOnce();
  }, 120_000);

  it('declares the two FC 3.0 functions on nodejs20 with a handler that exists in the built bundle', async () => {
    expect(template.functions.map((f) => f.functionName).sort()).toEqual(['bwscaler-alarm', 'bwscaler-schedule']);
    for (const fn of template.functions) {
      expect(fn.runtime).toBe('nodejs20');
      const [file, exported] = fn.handler.split('.') as [string, string];
      const bundle = join(dist, fn.functionName.replace('bwscaler-', ''), `${file}.js`);
      expect(existsSync(bundle), bundle).toBe(true);
      const loaded = await import(bundle);
      expect(typeof (loaded.default?.[exported] ?? loaded[exported])).toBe('function');
    }
  });

  it('gives the schedule function a valid six-field cron and the alarm function a POST HTTP trigger', () => {
    const schedule = template.functions.find((f) => f.functionName === 'bwscaler-schedule');
    const timer = schedule?.triggers.find((t) => t.type === 'timer');
    expect(timer?.cronExpression && isSixFieldCron(timer.cronExpression)).toBe(true);
    expect(JSON.parse(timer?.payload ?? '')).toEqual({ shard: 0, of: 1 });
    const alarm = template.functions.find((f) => f.functionName === 'bwscaler-alarm');
    expect(alarm?.triggers).toEqual([expect.objectContaining({ type: 'http', methods: ['POST'] })]);
  });

  it('passes only environment variables the configuration knows', () => {
    for (const fn of template.functions) {
      for (const name of Object.keys(fn.env)) expect(CONFIG_VARIABLES as readonly string[]).toContain(name);
    }
  });

  it('grants no wildcard action', () => {
    expect(template.ramActions.length).toBeGreaterThan(0);
    expect(template.ramActions.filter((a) => a.includes('*'))).toEqual([]);
  });
});
