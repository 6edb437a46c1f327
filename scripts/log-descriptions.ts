// Reads the Simple Log Service part of the three deployment descriptions (template.yml, s.yaml with
// deploy/serverless-devs/log-index.json, deploy/terraform/*.tf.json) into one comparable shape, with
// references normalised the way scripts/deployments.ts does: `${Name}`, `${AccountId}`, `${Region}`.
// test/deploy/consistency.test.ts holds the three to the same project, store, index and LogConfig.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface LogDescription {
  kind: 'ros' | 'serverless-devs' | 'terraform';
  /** Undefined where the description does not create it (Serverless Devs: README commands do). */
  project?: string;
  logstore?: string;
  retentionDays?: number;
  indexKeys: string[];
  fullText: boolean;
  /** Each function's LogConfig {project, logstore}, references resolved to names. */
  functions: Record<'alarm' | 'schedule', { project: string; logstore: string }>;
}

const ROS_PSEUDO: Record<string, string> = {
  'ALIYUN::StackName': 'Name',
  'ALIYUN::TenantId': 'AccountId',
  'ALIYUN::AccountId': 'AccountId',
  'ALIYUN::Region': 'Region',
};

function keyOf(name: string): 'alarm' | 'schedule' {
  if (name.endsWith('-alarm')) return 'alarm';
  if (name.endsWith('-schedule')) return 'schedule';
  throw new Error(`function name "${name}" ends in neither -alarm nor -schedule`);
}

function complete(file: string, functions: Partial<LogDescription['functions']>): LogDescription['functions'] {
  if (!functions.alarm || !functions.schedule) throw new Error(`${file}: both functions need a log configuration`);
  return functions as LogDescription['functions'];
}

export function readRosLogs(file: string): LogDescription {
  const raw = parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const projects = new Map<string, string>();
  const sub = (v: unknown): string => {
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    const [fn, arg] = Object.entries(v as Record<string, unknown>)[0] ?? [];
    if (fn === 'Fn::Sub') return String(arg).replace(/\$\{([^}]+)\}/g, (_, n: string) => `\${${ROS_PSEUDO[n] ?? n}}`);
    if (fn === 'Ref') return `\${${ROS_PSEUDO[String(arg)] ?? String(arg)}}`;
    if (fn === 'Fn::GetAtt') {
      const [id, attr] = arg as [string, string];
      const name = projects.get(id);
      if (attr === 'Name' && name) return name;
    }
    throw new Error(`${file}: cannot read ${JSON.stringify(v)}`);
  };
  const resources = Object.entries(raw.Resources);
  for (const [id, r] of resources) if (r.Type === 'ALIYUN::SLS::Project') projects.set(id, sub(r.Properties.Name));
  const out: LogDescription = { kind: 'ros', indexKeys: [], fullText: false, functions: {} as LogDescription['functions'] };
  const functions: Partial<LogDescription['functions']> = {};
  for (const [, r] of resources) {
    const p = r.Properties;
    if (r.Type === 'ALIYUN::SLS::Project') out.project = sub(p.Name);
    if (r.Type === 'ALIYUN::SLS::Logstore') {
      out.logstore = sub(p.LogstoreName);
      if (p.TTL !== undefined) out.retentionDays = Number(p.TTL);
    }
    if (r.Type === 'ALIYUN::SLS::Index') {
      const keys = (p.KeyIndices ?? []) as Array<{ Name: string; JsonKeyIndices?: Array<{ Name: string }> }>;
      out.indexKeys = keys.flatMap((k) => [k.Name, ...(k.JsonKeyIndices ?? []).map((j) => `${k.Name}.${j.Name}`)]).sort();
      out.fullText = Boolean((p.FullTextIndex as { Enable?: boolean } | undefined)?.Enable);
    }
    if (r.Type === 'ALIYUN::FC3::Function') {
      const config = p.LogConfig as { Project: unknown; Logstore: unknown } | undefined;
      if (config) functions[keyOf(sub(p.FunctionName))] = { project: sub(config.Project), logstore: sub(config.Logstore) };
    }
  }
  out.functions = complete(file, functions);
  return out;
}

export function readServerlessDevsLogs(file: string, indexFile: string): LogDescription {
  const raw = parse(readFileSync(file, 'utf8')) as { resources: Record<string, { props: Record<string, unknown> }> };
  const value = (v: unknown): string =>
    String(v).replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
      if (expr === 'vars.name') return `\${Name}`;
      if (expr === "config('AccountID')") return `\${AccountId}`;
      if (expr === 'vars.region') return `\${Region}`;
      return whole;
    });
  const functions: Partial<LogDescription['functions']> = {};
  for (const { props } of Object.values(raw.resources)) {
    const config = props.logConfig as { project: unknown; logstore: unknown } | undefined;
    if (config) functions[keyOf(value(props.functionName))] = { project: value(config.project), logstore: value(config.logstore) };
  }
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { line?: unknown; keys?: Record<string, { json_keys?: Record<string, unknown> }> };
  const indexKeys = Object.entries(index.keys ?? {}).flatMap(([name, key]) => [name, ...Object.keys(key.json_keys ?? {}).map((j) => `${name}.${j}`)]);
  return { kind: 'serverless-devs', indexKeys: indexKeys.sort(), fullText: index.line !== undefined, functions: complete(file, functions) };
}

export function readTerraformLogs(dir: string): LogDescription {
  type Resources = Record<string, Record<string, Record<string, unknown>>>;
  const resource: Resources = {};
  for (const f of readdirSync(dir).filter((name) => name.endsWith('.tf.json'))) {
    const part = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { resource?: Resources };
    for (const [type, byName] of Object.entries(part.resource ?? {})) resource[type] = { ...resource[type], ...byName };
  }
  const one = (type: string) => {
    const entries = Object.entries(resource[type] ?? {});
    if (entries.length !== 1) throw new Error(`${dir}: expected exactly one ${type}, found ${entries.length}`);
    return entries[0] as [string, Record<string, unknown>];
  };
  const base = (v: unknown): string =>
    String(v).replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
      if (expr === 'var.name') return `\${Name}`;
      if (expr === 'local.account_id') return `\${AccountId}`;
      if (expr === 'local.region') return `\${Region}`;
      return whole;
    });
  const [projectId, project] = one('alicloud_log_project');
  const [storeId, store] = one('alicloud_log_store');
  const [, index] = one('alicloud_log_store_index');
  const projectName = base(project.project_name);
  const storeName = base(store.logstore_name);
  const value = (v: unknown): string =>
    base(v)
      .replaceAll(`\${alicloud_log_project.${projectId}.project_name}`, projectName)
      .replaceAll(`\${alicloud_log_store.${storeId}.logstore_name}`, storeName);
  const functions: Partial<LogDescription['functions']> = {};
  for (const p of Object.values(resource.alicloud_fcv3_function ?? {})) {
    const config = p.log_config as { project: unknown; logstore: unknown } | undefined;
    if (config) functions[keyOf(base(p.function_name))] = { project: value(config.project), logstore: value(config.logstore) };
  }
  if (value(store.project_name) !== projectName) throw new Error(`${dir}: the log store is not in the module's log project`);
  return {
    kind: 'terraform',
    project: projectName,
    logstore: storeName,
    ...(store.retention_period === undefined ? {} : { retentionDays: Number(store.retention_period) }),
    indexKeys: ((index.field_search ?? []) as Array<{ name: string; json_keys?: Array<{ name: string }> }>)
      .flatMap((k) => [k.name, ...(k.json_keys ?? []).map((j) => `${k.name}.${j.name}`)])
      .sort(),
    fullText: index.full_text !== undefined,
    functions: complete(dir, functions),
  };
}

export function readLogDescriptions(root: string): LogDescription[] {
  return [
    readRosLogs(join(root, 'template.yml')),
    readServerlessDevsLogs(join(root, 's.yaml'), join(root, 'deploy/serverless-devs/log-index.json')),
    readTerraformLogs(join(root, 'deploy/terraform')),
  ];
}
