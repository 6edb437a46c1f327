// Reads the ROS template (template.yml) the way the local Function Compute runner needs it: which
// functions exist, their handler, memory and environment, and their timer and HTTP triggers.
// Intrinsic functions are resolved with the parameters and pseudo parameters given.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { LocalCloudInputError } from '../errors';

export interface TemplateTrigger {
  name: string;
  type: 'timer' | 'http';
  cronExpression?: string;
  enable?: boolean;
  payload?: string;
  methods?: string[];
}

export interface TemplateFunction {
  /** The logical id in the template, e.g. AlarmFunction. */
  logicalId: string;
  functionName: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  env: Record<string, string>;
  triggers: TemplateTrigger[];
}

export interface TemplateParameter {
  Type?: string;
  Default?: unknown;
  NoEcho?: boolean;
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  AllowedValues?: unknown[];
}

export interface TemplateSummary {
  parameters: Record<string, TemplateParameter>;
  functions: TemplateFunction[];
  /** RAM actions the role grants. */
  ramActions: string[];
  raw: Record<string, unknown>;
}

type Json = unknown;

interface ResolveContext {
  params: Record<string, string>;
  /** Values of Fn::GetAtt [Resource, Attribute], as far as the runner knows them. */
  attributes: Record<string, string>;
}

function resolve(value: Json, ctx: ResolveContext, path: string): Json {
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, ctx, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Json>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, Json];
      if (key === 'Ref') {
        const name = String(arg);
        if (!(name in ctx.params)) throw new LocalCloudInputError(`${path}: Ref to unknown parameter "${name}"`);
        return ctx.params[name];
      }
      if (key === 'Fn::Sub') {
        return String(arg).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (!(name in ctx.params)) throw new LocalCloudInputError(`${path}: Fn::Sub refers to unknown "${name}"`);
          return ctx.params[name] as string;
        });
      }
      if (key === 'Fn::GetAtt') {
        const [resource, attribute] = arg as [string, string];
        return ctx.attributes[`${resource}.${attribute}`] ?? `${resource}.${attribute}`;
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, ctx, `${path}.${k}`)]));
  }
  return value;
}

/**
 * ROS validates parameter values before it creates anything: a parameter without a Default must be
 * given, and AllowedPattern, MinLength, MaxLength and AllowedValues hold for every value
 * (https://help.aliyun.com/en/ros/user-guide/overview-10). All problems are reported at once.
 */
function checkParameters(parameters: Record<string, TemplateParameter>, values: Record<string, string>): void {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(parameters)) {
    const value = values[name];
    if (value === undefined) {
      problems.push(`Parameters.${name}: required (no Default) and not given`);
      continue;
    }
    if (spec.AllowedPattern !== undefined && !new RegExp(spec.AllowedPattern).test(value))
      problems.push(`Parameters.${name}: does not match ${spec.AllowedPattern}`);
    if (spec.MinLength !== undefined && value.length < spec.MinLength) problems.push(`Parameters.${name}: shorter than ${spec.MinLength}`);
    if (spec.MaxLength !== undefined && value.length > spec.MaxLength) problems.push(`Parameters.${name}: longer than ${spec.MaxLength}`);
    if (spec.AllowedValues !== undefined && !spec.AllowedValues.map(String).includes(value))
      problems.push(`Parameters.${name}: not one of ${spec.AllowedValues.join(', ')}`);
  }
  if (problems.length > 0) throw new LocalCloudInputError(`template parameters: ${problems.join('; ')}`);
}

/** Parses template text; `params` overrides parameter defaults; pseudo parameters get local values. */
export function readTemplateText(text: string, params: Record<string, string> = {}): TemplateSummary {
  const raw = parse(text) as Record<string, unknown>;
  if (raw?.ROSTemplateFormatVersion !== '2015-09-01') {
    throw new LocalCloudInputError('template: expected ROSTemplateFormatVersion "2015-09-01"');
  }
  const parameters = (raw.Parameters ?? {}) as TemplateSummary['parameters'];
  const values: Record<string, string> = {
    'ALIYUN::Region': 'cn-hangzhou',
    'ALIYUN::StackId': 'local',
    // Function names derive from the stack name (template.yml); locally they come out as
    // bwscaler-alarm and bwscaler-schedule, the names the runner and the tests use.
    'ALIYUN::StackName': 'bwscaler',
    'ALIYUN::TenantId': '1234567890',
    'ALIYUN::AccountId': '1234567890',
  };
  for (const [name, spec] of Object.entries(parameters)) {
    if (spec.Default !== undefined) values[name] = String(spec.Default);
  }
  Object.assign(values, params);
  checkParameters(parameters, values);
  const resources = (raw.Resources ?? {}) as Record<string, { Type: string; Properties?: Record<string, Json> }>;
  const attributes: Record<string, string> = {};
  const ctx: ResolveContext = { params: values, attributes };
  for (const [id, res] of Object.entries(resources)) {
    if (res.Type === 'ALIYUN::FC3::Function') {
      attributes[`${id}.FunctionName`] = String(resolve(res.Properties?.FunctionName, ctx, `Resources.${id}.Properties.FunctionName`));
    }
  }

  const functions: TemplateFunction[] = [];
  for (const [id, res] of Object.entries(resources)) {
    if (res.Type !== 'ALIYUN::FC3::Function') continue;
    const p = res.Properties ?? {};
    const env = resolve(p.EnvironmentVariables ?? {}, ctx, `Resources.${id}.Properties.EnvironmentVariables`);
    functions.push({
      logicalId: id,
      functionName: attributes[`${id}.FunctionName`] as string,
      handler: String(p.Handler),
      runtime: String(p.Runtime),
      memorySize: Number(p.MemorySize ?? 128),
      timeout: Number(p.Timeout ?? 3),
      env: Object.fromEntries(Object.entries(env as Record<string, Json>).map(([k, v]) => [k, String(v)])),
      triggers: [],
    });
  }
  for (const [id, res] of Object.entries(resources)) {
    if (res.Type !== 'ALIYUN::FC3::Trigger') continue;
    const p = resolve(res.Properties ?? {}, ctx, `Resources.${id}.Properties`) as Record<string, Json>;
    const fn = functions.find((f) => f.functionName === p.FunctionName);
    if (!fn) throw new LocalCloudInputError(`Resources.${id}.Properties.FunctionName: no function "${String(p.FunctionName)}"`);
    const config = (p.TriggerConfig ?? {}) as Record<string, Json>;
    const type = String(p.TriggerType);
    if (type !== 'timer' && type !== 'http') continue;
    fn.triggers.push({
      name: String(p.TriggerName),
      type,
      cronExpression: config.cronExpression === undefined ? undefined : String(config.cronExpression),
      enable: config.enable === undefined ? undefined : Boolean(config.enable),
      payload: config.payload === undefined ? undefined : String(config.payload),
      methods: Array.isArray(config.methods) ? config.methods.map(String) : undefined,
    });
  }

  const ramActions = new Set<string>();
  for (const res of Object.values(resources)) {
    if (res.Type !== 'ALIYUN::RAM::Role') continue;
    const policies = (res.Properties?.Policies ?? []) as Array<{ PolicyDocument?: { Statement?: Array<{ Action?: string | string[] }> } }>;
    for (const policy of policies) {
      for (const statement of policy.PolicyDocument?.Statement ?? []) {
        for (const action of [statement.Action ?? []].flat()) ramActions.add(action);
      }
    }
  }
  return { parameters, functions, ramActions: [...ramActions].sort(), raw };
}

export async function readTemplate(path: string, params: Record<string, string> = {}): Promise<TemplateSummary> {
  return readTemplateText(await readFile(path, 'utf8'), params);
}
