import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cron } from 'croner';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTemplate, readTemplateText, type TemplateSummary } from '../local-cloud/fc/template';
import { CONFIG_VARIABLES } from '../src/config';
import { buildOnce, ROOT } from '../src/sim/system';

/** Function Compute timer cron: six fields, seconds first (docs/reference/alibaba-cloud.md §5.4). */
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

const REQUIRED = { WebhookToken: 'x'.repeat(24), CodeBucket: 'bwscaler-code', OtsInstanceName: 'bwscaler' };

describe('template.yml (ROS)', () => {
  let template: TemplateSummary;
  let dist: string;
  beforeAll(async () => {
    template = await readTemplate(join(ROOT, 'template.yml'), REQUIRED);
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

  it('names the functions after the stack, so a second stack in the account and region does not collide', async () => {
    const second = await readTemplate(join(ROOT, 'template.yml'), { ...REQUIRED, 'ALIYUN::StackName': 'bwscaler-staging' });
    expect(second.functions.map((f) => f.functionName).sort()).toEqual(['bwscaler-staging-alarm', 'bwscaler-staging-schedule']);
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

describe('the local reader checks parameters as ROS does before it creates anything', () => {
  let text: string;
  beforeAll(async () => {
    text = await readFile(join(ROOT, 'template.yml'), 'utf8');
  });

  it.each([
    {
      name: 'a required parameter left out',
      params: { WebhookToken: REQUIRED.WebhookToken, CodeBucket: REQUIRED.CodeBucket },
      mentions: 'Parameters.OtsInstanceName: required',
    },
    { name: 'a mixed-case Tablestore name', params: { ...REQUIRED, OtsInstanceName: 'BwScaler' }, mentions: 'Parameters.OtsInstanceName: does not match' },
    { name: 'a token shorter than MinLength', params: { ...REQUIRED, WebhookToken: 'short' }, mentions: 'Parameters.WebhookToken: shorter than 24' },
    {
      name: 'a notify URL over MaxLength',
      params: { ...REQUIRED, NotifyUrl: `https://x/${'a'.repeat(1100)}` },
      mentions: 'Parameters.NotifyUrl: longer than 1024',
    },
  ])('refuses $name', ({ params, mentions }) => {
    expect(() => readTemplateText(text, params)).toThrow(mentions);
  });
});
