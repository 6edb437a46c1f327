// Reads the three deployment descriptions (template.yml for ROS, s.yaml for Serverless Devs,
// deploy/terraform/*.tf.json for Terraform) into one shape, so that the build can bound their
// environments and test/deploy/consistency.test.ts can hold them to the same system.
//
// References are normalised to the ROS parameter names: `${OtsInstanceName}`, `${NotifyUrl}`, … —
// Terraform's var.ots_instance_name and Serverless Devs' vars.otsInstanceName both become
// ${OtsInstanceName}. The account, region and deployment name become ${AccountId}, ${Region} and ${Name}
// (ROS: ALIYUN::TenantId, ALIYUN::Region, ALIYUN::StackName).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export type DeploymentKind = 'ros' | 'serverless-devs' | 'terraform';
export type FunctionKey = 'alarm' | 'schedule';

export interface DeployedTrigger {
  name: string;
  type: string;
  qualifier?: string;
  authType?: string;
  methods?: string[];
  cronExpression?: string;
  enable?: boolean;
  payload?: string;
}

export interface DeployedFunction {
  /** With references, e.g. "${Name}-alarm". */
  name: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  /** Values with references, e.g. "https://${OtsInstanceName}.${Region}.ots.aliyuncs.com". */
  env: Record<string, string>;
  triggers: DeployedTrigger[];
}

export interface DeployedTable {
  name: string;
  primaryKey: Array<{ name: string; type: 'INTEGER' | 'STRING' }>;
  timeToLive: number;
  maxVersions: number;
}

export interface RamStatement {
  effect: string;
  /** Raw: a list in every description (the test checks the type). */
  action: unknown;
  resource: unknown;
}

export interface Setting {
  maxLength?: number;
  pattern?: string;
  /** ROS NoEcho, Terraform sensitive. */
  secret?: boolean;
  /** Serverless Devs: read from the deploying shell's environment (`${env('…')}`), not written in s.yaml. */
  fromEnvironment?: boolean;
}

export interface Deployment {
  kind: DeploymentKind;
  file: string;
  functions: Record<FunctionKey, DeployedFunction>;
  /** Undefined where the description does not create the tables (Serverless Devs: init-tables does). */
  tables?: DeployedTable[];
  /** Network types the Tablestore instance accepts, when the description creates it. */
  otsNetwork?: string[];
  /** Undefined where the description does not create the role (Serverless Devs: the shipped policy file). */
  ramStatements?: RamStatement[];
  /** The constraints the description itself declares on its inputs (ROS parameters, Terraform validations). */
  settings: Record<string, Setting>;
}

/**
 * Upper bounds on the values of references no parameter bounds: pseudo parameters. Region ids run to
 * 16 characters today (e.g. ap-southeast-1, cn-heyuan-acdr-1); account ids are 16 digits.
 */
export const PSEUDO_BOUNDS: Record<string, number> = { Region: 32, AccountId: 20 };

/** Function Compute: "The total size of all environment variables cannot exceed 4 KB." */
export const FC_ENV_LIMIT_BYTES = 4096;

const PSEUDO: Record<string, string> = {
  'ALIYUN::Region': 'Region',
  'ALIYUN::TenantId': 'AccountId',
  'ALIYUN::AccountId': 'AccountId',
  'ALIYUN::StackName': 'Name',
};

/** Where a description spells a word differently from the ROS parameter (Terraform's dingtalk_secret). */
const ALIASES: Record<string, string> = { DingtalkSecret: 'DingTalkSecret' };
const pascal = (name: string) => {
  const spelled = name.replace(/(^|[_-])([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());
  return ALIASES[spelled] ?? spelled;
};

function fail(file: string, where: string, what: string): never {
  throw new Error(`${file}: ${where}: ${what}`);
}

function functionKey(file: string, where: string, name: string): FunctionKey {
  if (name.endsWith('-alarm')) return 'alarm';
  if (name.endsWith('-schedule')) return 'schedule';
  return fail(file, where, `function name "${name}" ends in neither -alarm nor -schedule`);
}

// ---------------------------------------------------------------------------------------------- ROS

function rosValue(file: string, where: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0] as [string, unknown];
      if (fn === 'Ref') return `\${${PSEUDO[String(arg)] ?? String(arg)}}`;
      if (fn === 'Fn::Sub') return String(arg).replace(/\$\{([^}]+)\}/g, (_, name: string) => `\${${PSEUDO[name] ?? name}}`);
      if (fn === 'Fn::GetAtt') return `\${${(arg as string[]).join('.')}}`;
    }
  }
  return fail(file, where, `cannot read ${JSON.stringify(value)}`);
}

function rosStatement(file: string, where: string, statement: Record<string, unknown>): RamStatement {
  const list = (v: unknown, key: string) => (Array.isArray(v) ? v.map((x, i) => rosValue(file, `${where}.${key}[${i}]`, x)) : v);
  return { effect: String(statement.Effect), action: list(statement.Action, 'Action'), resource: list(statement.Resource, 'Resource') };
}

const ROS_NETWORK: Record<string, string[]> = { NORMAL: ['CLASSIC', 'INTERNET', 'VPC'], VPC: ['VPC'], VPC_CONSOLE: ['VPC'] };

export function readRos(file: string): Deployment {
  const raw = parse(readFileSync(file, 'utf8')) as {
    Parameters?: Record<string, { MaxLength?: number; AllowedPattern?: string; NoEcho?: boolean }>;
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const settings: Record<string, Setting> = {};
  for (const [name, p] of Object.entries(raw.Parameters ?? {})) {
    settings[name] = {
      ...(p.MaxLength !== undefined ? { maxLength: p.MaxLength } : {}),
      ...(p.AllowedPattern ? { pattern: p.AllowedPattern } : {}),
      ...(p.NoEcho ? { secret: true } : {}),
    };
  }
  const functions: Partial<Record<FunctionKey, DeployedFunction>> = {};
  const byLogicalId: Record<string, DeployedFunction> = {};
  const tables: DeployedTable[] = [];
  let otsNetwork: string[] | undefined;
  const ramStatements: RamStatement[] = [];
  for (const [id, res] of Object.entries(raw.Resources)) {
    const p = res.Properties;
    const where = `Resources.${id}.Properties`;
    if (res.Type === 'ALIYUN::FC3::Function') {
      const name = rosValue(file, `${where}.FunctionName`, p.FunctionName);
      const env = Object.fromEntries(
        Object.entries((p.EnvironmentVariables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, rosValue(file, `${where}.EnvironmentVariables.${k}`, v)]),
      );
      const fn: DeployedFunction = {
        name,
        handler: String(p.Handler),
        runtime: String(p.Runtime),
        memorySize: Number(p.MemorySize),
        timeout: Number(p.Timeout),
        env,
        triggers: [],
      };
      functions[functionKey(file, `${where}.FunctionName`, name)] = fn;
      byLogicalId[id] = fn;
    } else if (res.Type === 'ALIYUN::OTS::Table') {
      tables.push({
        name: String(p.TableName),
        primaryKey: (p.PrimaryKey as Array<{ Name: string; Type: string }>).map((k) => ({ name: k.Name, type: k.Type.toUpperCase() as 'INTEGER' | 'STRING' })),
        timeToLive: Number(p.TimeToLive),
        maxVersions: Number(p.MaxVersions),
      });
    } else if (res.Type === 'ALIYUN::OTS::Instance') {
      otsNetwork = p.Network === undefined ? undefined : ROS_NETWORK[String(p.Network)];
    } else if (res.Type === 'ALIYUN::RAM::Role') {
      for (const [i, policy] of ((p.Policies ?? []) as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>).entries()) {
        for (const [j, s] of policy.PolicyDocument.Statement.entries()) ramStatements.push(rosStatement(file, `${where}.Policies[${i}].Statement[${j}]`, s));
      }
    }
  }
  for (const [id, res] of Object.entries(raw.Resources)) {
    if (res.Type !== 'ALIYUN::FC3::Trigger') continue;
    const p = res.Properties;
    const target = p.FunctionName as { 'Fn::GetAtt'?: [string, string] };
    const fn = byLogicalId[target['Fn::GetAtt']?.[0] ?? ''];
    if (!fn) fail(file, `Resources.${id}.Properties.FunctionName`, 'expected Fn::GetAtt of a function in this template');
    const config = p.TriggerConfig as Record<string, unknown>;
    fn.triggers.push(
      trigger(String(p.TriggerName), String(p.TriggerType), p.Qualifier, config, (v, key) =>
        rosValue(file, `Resources.${id}.Properties.TriggerConfig.${key}`, v),
      ),
    );
  }
  return { kind: 'ros', file, functions: complete(file, functions), tables, ...(otsNetwork ? { otsNetwork } : {}), ramStatements, settings };
}

function trigger(name: string, type: string, qualifier: unknown, config: Record<string, unknown>, value: (v: unknown, key: string) => string): DeployedTrigger {
  const t: DeployedTrigger = { name, type };
  if (qualifier !== undefined) t.qualifier = String(qualifier);
  if (config.authType !== undefined) t.authType = value(config.authType, 'authType');
  if (Array.isArray(config.methods)) t.methods = config.methods.map((m, i) => value(m, `methods[${i}]`));
  if (config.cronExpression !== undefined) t.cronExpression = value(config.cronExpression, 'cronExpression');
  if (config.enable !== undefined) t.enable = config.enable === true || config.enable === 'true';
  if (config.payload !== undefined) t.payload = value(config.payload, 'payload');
  return t;
}

function complete(file: string, functions: Partial<Record<FunctionKey, DeployedFunction>>): Record<FunctionKey, DeployedFunction> {
  if (!functions.alarm || !functions.schedule)
    fail(file, 'functions', `expected an -alarm and a -schedule function, found ${Object.keys(functions).join(', ') || 'none'}`);
  return functions as Record<FunctionKey, DeployedFunction>;
}

// ----------------------------------------------------------------------------------- Serverless Devs

/** s.yaml's environment variables map to the ROS parameter of the same setting. */
const ENV_SETTING: Record<string, string> = {
  BWSCALER_REGION: 'Region',
  BWSCALER_OTS_INSTANCE: 'OtsInstanceName',
  BWSCALER_WEBHOOK_TOKEN: 'WebhookToken',
  BWSCALER_NOTIFY_URL: 'NotifyUrl',
  BWSCALER_DINGTALK_SECRET: 'DingTalkSecret',
};

export function readServerlessDevs(file: string): Deployment & { vars: Record<string, string> } {
  const raw = parse(readFileSync(file, 'utf8')) as {
    edition?: string;
    vars?: Record<string, string>;
    resources: Record<string, { component: string; props: Record<string, unknown> }>;
  };
  if (raw.edition !== '3.0.0') fail(file, 'edition', 'expected 3.0.0 (Serverless Devs 3 with the fc3 component)');
  const vars = raw.vars ?? {};
  const value = (where: string, v: unknown): string => {
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') return fail(file, where, `cannot read ${JSON.stringify(v)}`);
    return v.replace(/\$\{([^}]+)\}/g, (_, expr: string) => {
      const varRef = /^vars\.([A-Za-z0-9_]+)$/.exec(expr);
      if (varRef) {
        const name = varRef[1] as string;
        if (!(name in vars)) fail(file, where, `\${vars.${name}} is not declared under vars`);
        return `\${${name === 'region' ? 'Region' : pascal(name)}}`;
      }
      if (expr === "config('AccountID')") return `\${AccountId}`;
      return fail(file, where, `unknown reference \${${expr}}`);
    });
  };
  const settings: Record<string, Setting> = {};
  for (const [name, v] of Object.entries(vars)) {
    const fromEnv = /^\$\{env\('([A-Z0-9_]+)'\)\}$/.exec(String(v));
    const setting = name === 'region' ? 'Region' : pascal(name);
    if (fromEnv && ENV_SETTING[fromEnv[1] as string] !== setting) fail(file, `vars.${name}`, `reads ${fromEnv[1]}, which is not the variable of ${setting}`);
    settings[setting] = fromEnv ? { fromEnvironment: true } : {};
  }
  const functions: Partial<Record<FunctionKey, DeployedFunction>> = {};
  for (const [id, res] of Object.entries(raw.resources)) {
    const where = `resources.${id}.props`;
    if (res.component !== 'fc3') fail(file, `resources.${id}.component`, `expected fc3, got ${res.component}`);
    const p = res.props;
    const name = value(`${where}.functionName`, p.functionName);
    const env = Object.fromEntries(
      Object.entries((p.environmentVariables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, value(`${where}.environmentVariables.${k}`, v)]),
    );
    const triggers = ((p.triggers ?? []) as Array<Record<string, unknown>>).map((t, i) =>
      trigger(String(t.triggerName), String(t.triggerType), t.qualifier, (t.triggerConfig ?? {}) as Record<string, unknown>, (v, key) =>
        value(`${where}.triggers[${i}].triggerConfig.${key}`, v),
      ),
    );
    functions[functionKey(file, `${where}.functionName`, name)] = {
      name,
      handler: String(p.handler),
      runtime: String(p.runtime),
      memorySize: Number(p.memorySize),
      timeout: Number(p.timeout),
      env,
      triggers,
    };
  }
  return { kind: 'serverless-devs', file, functions: complete(file, functions), settings, vars };
}

/** The RAM policy shipped for the Serverless Devs path, with ${Region}, ${AccountId}, ${OtsInstanceName}. */
export function readPolicyFile(file: string): RamStatement[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { Statement: Array<Record<string, unknown>> };
  return doc.Statement.map((s) => ({ effect: String(s.Effect), action: s.Action, resource: s.Resource }));
}

// ---------------------------------------------------------------------------------------- Terraform

interface TfModule {
  variable?: Record<string, { sensitive?: boolean; validation?: Array<{ condition: string }> }>;
  locals?: Record<string, string>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}

export function readTerraform(dir: string): Deployment {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tf.json'));
  const module: Required<TfModule> = { variable: {}, locals: {}, resource: {} };
  for (const f of files) {
    const part = JSON.parse(readFileSync(join(dir, f), 'utf8')) as TfModule;
    Object.assign(module.variable, part.variable);
    Object.assign(module.locals, part.locals);
    for (const [type, byName] of Object.entries(part.resource ?? {})) module.resource[type] = { ...module.resource[type], ...byName };
  }
  const file = join(dir, '*.tf.json');
  const LOCALS: Record<string, string> = { 'local.region': 'Region', 'local.account_id': 'AccountId', 'alicloud_ots_instance.state.name': 'OtsInstanceName' };
  const value = (where: string, v: unknown): string => {
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') return fail(file, where, `cannot read ${JSON.stringify(v)}`);
    return v.replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
      const varRef = /^var\.([a-z0-9_]+)$/.exec(expr);
      if (varRef) {
        if (!(varRef[1]! in module.variable)) fail(file, where, `${expr} is not a declared variable`);
        return `\${${pascal(varRef[1]!)}}`;
      }
      if (expr in LOCALS) return `\${${LOCALS[expr]}}`;
      return whole;
    });
  };
  const settings: Record<string, Setting> = {};
  for (const [name, v] of Object.entries(module.variable)) {
    const setting: Setting = v.sensitive ? { secret: true } : {};
    for (const { condition } of v.validation ?? []) {
      const max = /length\(var\.[a-z0-9_]+\) <= (\d+)/.exec(condition);
      if (max) setting.maxLength = Number(max[1]);
      const pattern = /regex\("([^"]+)", var\.[a-z0-9_]+\)/.exec(condition);
      if (pattern) setting.pattern = pattern[1]!;
    }
    settings[pascal(name)] = setting;
  }
  const functions: Partial<Record<FunctionKey, DeployedFunction>> = {};
  const byAddress: Record<string, DeployedFunction> = {};
  for (const [id, p] of Object.entries(module.resource.alicloud_fcv3_function ?? {})) {
    const where = `alicloud_fcv3_function.${id}`;
    const name = value(`${where}.function_name`, p.function_name);
    const env = Object.fromEntries(
      Object.entries((p.environment_variables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, value(`${where}.environment_variables.${k}`, v)]),
    );
    const fn: DeployedFunction = {
      name,
      handler: String(p.handler),
      runtime: String(p.runtime),
      memorySize: Number(p.memory_size),
      timeout: Number(p.timeout),
      env,
      triggers: [],
    };
    functions[functionKey(file, `${where}.function_name`, name)] = fn;
    byAddress[`\${alicloud_fcv3_function.${id}.function_name}`] = fn;
  }
  for (const [id, p] of Object.entries(module.resource.alicloud_fcv3_trigger ?? {})) {
    const where = `alicloud_fcv3_trigger.${id}`;
    const fn = byAddress[String(p.function_name)];
    if (!fn) fail(file, `${where}.function_name`, 'expected a reference to an alicloud_fcv3_function of this module');
    const config = JSON.parse(value(`${where}.trigger_config`, p.trigger_config)) as Record<string, unknown>;
    fn.triggers.push(trigger(String(p.trigger_name), String(p.trigger_type), p.qualifier, config, (v) => String(v)));
  }
  const tables: DeployedTable[] = Object.values(module.resource.alicloud_ots_table ?? {}).map((p) => ({
    name: String(p.table_name),
    primaryKey: (p.primary_key as Array<{ name: string; type: string }>).map((k) => ({ name: k.name, type: k.type.toUpperCase() as 'INTEGER' | 'STRING' })),
    timeToLive: Number(p.time_to_live),
    maxVersions: Number(p.max_version),
  }));
  const instance = Object.values(module.resource.alicloud_ots_instance ?? {})[0];
  const otsNetwork = Array.isArray(instance?.network_type_acl) ? [...(instance.network_type_acl as string[])].sort() : undefined;
  const ramStatements: RamStatement[] = [];
  for (const [id, p] of Object.entries(module.resource.alicloud_ram_policy ?? {})) {
    const doc = JSON.parse(value(`alicloud_ram_policy.${id}.policy_document`, p.policy_document)) as { Statement: Array<Record<string, unknown>> };
    for (const s of doc.Statement) ramStatements.push({ effect: String(s.Effect), action: s.Action, resource: s.Resource });
  }
  return { kind: 'terraform', file, functions: complete(file, functions), tables, ...(otsNetwork ? { otsNetwork } : {}), ramStatements, settings };
}

// -------------------------------------------------------------------------------------- the bound

/**
 * The largest environment a function can be given: every reference at the longest value its bound
 * allows, the whole serialised as JSON (keys, values, quotes, separators: more than FC can count, so
 * the bound errs on the safe side). A reference without a bound is an error: its size is unknown.
 */
export function largestEnvironmentBytes(env: Record<string, string>, bounds: Record<string, number>): number {
  const widest: Record<string, string> = {};
  for (const [key, template] of Object.entries(env)) {
    widest[key] = template.replace(/\$\{([^}]+)\}/g, (_, ref: string) => {
      const bound = bounds[ref];
      if (bound === undefined) throw new Error(`${key}: \${${ref}} has no length bound (a MaxLength on the parameter)`);
      return 'x'.repeat(bound);
    });
  }
  return Buffer.byteLength(JSON.stringify(widest), 'utf8');
}

/** Length bounds from the ROS parameters (ROS enforces MaxLength at CreateStack) and the pseudo parameters. */
export function lengthBounds(ros: Deployment): Record<string, number> {
  const bounds: Record<string, number> = { ...PSEUDO_BOUNDS };
  for (const [name, s] of Object.entries(ros.settings)) if (s.maxLength !== undefined) bounds[name] = s.maxLength;
  return bounds;
}

export interface Descriptions {
  ros: Deployment;
  serverlessDevs: Deployment & { vars: Record<string, string> };
  terraform: Deployment;
  serverlessDevsPolicy: RamStatement[];
}

export function readDescriptions(root: string): Descriptions {
  return {
    ros: readRos(join(root, 'template.yml')),
    serverlessDevs: readServerlessDevs(join(root, 's.yaml')),
    terraform: readTerraform(join(root, 'deploy/terraform')),
    serverlessDevsPolicy: readPolicyFile(join(root, 'deploy/serverless-devs/ram-policy.json')),
  };
}

/** One line per description and function: its largest environment; throws when one can exceed the limit. */
export function checkEnvironmentSizes(root: string): string[] {
  const d = readDescriptions(root);
  const bounds = lengthBounds(d.ros);
  const lines: string[] = [];
  const over: string[] = [];
  for (const deployment of [d.ros, d.serverlessDevs, d.terraform]) {
    for (const key of ['alarm', 'schedule'] as const) {
      const bytes = largestEnvironmentBytes(deployment.functions[key].env, bounds);
      lines.push(`${deployment.kind} ${key}: environment at most ${bytes} of ${FC_ENV_LIMIT_BYTES} bytes`);
      if (bytes > FC_ENV_LIMIT_BYTES) over.push(`${deployment.file} ${key}: ${bytes} bytes`);
    }
  }
  if (over.length > 0) throw new Error(`Function Compute refuses environments over ${FC_ENV_LIMIT_BYTES} bytes in total: ${over.join('; ')}`);
  return lines;
}
