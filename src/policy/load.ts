// Reads a policy file (YAML, or JSON, which YAML 1.2 contains), checks it against ./schema and
// normalises it into the core's `Policy` objects. Parsed once, strictly, at cold start: every problem
// in the file is reported at once, each as `path: expected X, got Y`.
import { readFile } from 'node:fs/promises';
import { type Document, LineCounter, parseDocument, visit } from 'yaml';
import * as z from 'zod';
import type { InstanceFacts, Policy, PredictiveConfig } from '../core/types';
import { ConfigError, ValidationError } from '../errors';
import { type ParsedPolicy, policyDocumentSchema, SELECTOR_KEYS, SELECTOR_KIND } from './schema';

export interface PolicyDocument {
  /** Where the text came from (a file path, "inline", …), for messages. */
  source: string;
  /** In file order: the order decides which policy manages an instance (see selectPolicy). */
  policies: Policy[];
}

/** Parses and validates a policy document; throws ValidationError listing every problem. */
export function parsePolicyDocument(text: string, source: string): PolicyDocument {
  const data = parseYaml(text, source);
  const result = policyDocumentSchema.safeParse(data, { reportInput: true, error: defaultMessage });
  if (!result.success) throw invalidDocument(source, result.error.issues.flatMap(formatIssue));
  return { source, policies: result.data.policies.map(toPolicy) };
}

/** Reads and parses a policy file. An unreadable file is a ConfigError, an invalid one a ValidationError. */
export async function loadPolicyFile(path: string): Promise<PolicyDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read policy file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parsePolicyDocument(text, path);
}

/**
 * The policy that manages `instance`: same region, and the instance is listed in `ids` or carries ALL
 * of the policy's `tags`. The first match in file order wins, like a firewall's rule list: the
 * reader of the file can tell which policy applies without knowing any precedence rule, and a
 * specific policy is written above a broad tag-based one. (Ids cannot be claimed twice: the schema
 * rejects an id listed by two policies.)
 */
export function selectPolicy(doc: PolicyDocument, instance: InstanceFacts): Policy | undefined {
  return doc.policies.find(({ selector }) => {
    if (selector.regionId !== instance.regionId) return false;
    if ((selector.kind ?? 'ecs') !== (instance.kind ?? 'ecs')) return false;
    if (selector.instanceIds?.includes(instance.instanceId)) return true;
    const tags = selector.tags;
    return tags !== undefined && Object.entries(tags).every(([key, value]) => instance.tags[key] === value);
  });
}

// ---------------------------------------------------------------------------------------------
// Normalisation: user field names and units → the core's Policy.

/** The one selector key a parsed policy has (the schema requires exactly one), as the core's selector. */
function selectorOf(parsed: ParsedPolicy): Policy['selector'] {
  const key = SELECTOR_KEYS.find((k) => parsed[k] !== undefined) ?? 'instances';
  const selected = parsed[key];
  if (selected === undefined) throw new ValidationError('a policy without instances, eips or bandwidthPackages passed the schema');
  const kind = SELECTOR_KIND[key];
  return {
    regionId: selected.region,
    ...(kind === 'ecs' ? {} : { kind }),
    ...(selected.ids && { instanceIds: selected.ids }),
    ...(selected.tags && { tags: selected.tags }),
  };
}

function toPolicy(parsed: ParsedPolicy): Policy {
  const { scaleUp, scaleDown } = parsed;
  // `satisfies` is the compile-time check that the schema's output covers the core's Policy type:
  // a field added to Policy, or a unit changed in the schema, fails the typecheck here.
  return {
    name: parsed.name,
    selector: selectorOf(parsed),
    mode: parsed.mode,
    paused: parsed.paused,
    bounds: parsed.bounds,
    ...(parsed.targetTracking && {
      targetTracking: { targetUtilization: parsed.targetTracking.target, tolerance: parsed.targetTracking.tolerance },
    }),
    // Bands cannot overlap, so their order carries no meaning; ascending reads best in logs.
    stepRules: parsed.steps.map((step) => ({ from: step.from, to: step.to ?? Number.POSITIVE_INFINITY, adjust: step.adjust })).sort((a, b) => a.from - b.from),
    saturation: {
      thresholdPercent: parsed.saturation.threshold,
      adjust: parsed.saturation.adjust,
      ...(parsed.saturation.temporaryUpgrade && {
        temporaryUpgrade: {
          mode: parsed.saturation.temporaryUpgrade.mode,
          durationSeconds: parsed.saturation.temporaryUpgrade.duration,
          ...(parsed.saturation.temporaryUpgrade.minimum !== undefined && { minimumMbps: parsed.saturation.temporaryUpgrade.minimum }),
          spareDowngrades: parsed.saturation.temporaryUpgrade.spareDowngrades,
        },
      }),
    },
    schedules: parsed.schedules.map((window) => ({
      name: window.name,
      cron: window.cron,
      timezone: window.timezone,
      durationSeconds: window.duration,
      ...(window.floor !== undefined && { floor: window.floor }),
      ...(window.ceiling !== undefined && { ceiling: window.ceiling }),
      ...(window.exact !== undefined && { exact: window.exact }),
      temporaryUpgrade: window.temporaryUpgrade,
    })),
    behavior: {
      scaleUpCooldownSeconds: scaleUp.cooldown,
      scaleDownCooldownSeconds: scaleDown.cooldown,
      scaleDownStabilizationSeconds: scaleDown.stabilization,
      ...(scaleUp.maxStep?.mbps !== undefined && { maxStepUpMbps: scaleUp.maxStep.mbps }),
      ...(scaleUp.maxStep?.percent !== undefined && { maxStepUpPercent: scaleUp.maxStep.percent }),
      ...(scaleDown.maxStep?.mbps !== undefined && { maxStepDownMbps: scaleDown.maxStep.mbps }),
      ...(scaleDown.maxStep?.percent !== undefined && { maxStepDownPercent: scaleDown.maxStep.percent }),
      warmupSeconds: parsed.warmup,
      maxSampleAgeSeconds: parsed.maxSampleAge,
      minHoldBeforeDowngradeSeconds: scaleDown.minHold,
      projectedCheck: scaleDown.projectedCheck,
    },
    downgradeBudget: {
      quota: parsed.downgradeBudget.quota,
      reserve: parsed.downgradeBudget.reserve,
      monthlyReset: parsed.downgradeBudget.monthlyReset,
    },
    billingUtcOffsetMinutes: parsed.billingTimeZone,
    ...(parsed.spendGuard && { spendGuard: parsed.spendGuard }),
    ...(parsed.override && { override: parsed.override }),
    ...(parsed.predictive && { predictive: predictiveConfig(parsed.predictive) }),
    autoPay: parsed.autoPay,
    allowZero: parsed.allowZero,
  } satisfies Policy;
}

function predictiveConfig(p: NonNullable<ParsedPolicy['predictive']>): PredictiveConfig {
  return {
    mode: p.mode,
    triggerPercent: p.trigger,
    setPercent: p.set,
    triggerMbps: p.triggerMbps,
    setMbps: p.setMbps,
    ...(p.changesPerDay !== undefined && { changesPerDay: p.changesPerDay }),
    smallMbps: p.smallBelow,
    smallFactor: p.smallFactor,
    scaleDownPercentOfPeak: p.scaleDownAtLeast,
    peakWindowSeconds: p.peakWindow,
    lookBackSeconds: p.lookBack,
    maxLookBackSeconds: p.maxLookBack,
    holdPercent: p.holdShare,
    volatilityQuantile: p.volatilityQuantile,
    censoredPercent: p.censored,
    censoredRisePercent: p.censoredRise,
    ...(p.seasonal && {
      seasonal: {
        days: p.seasonal.days,
        minDays: p.seasonal.minDays,
        horizonSeconds: p.seasonal.horizon,
        maxRise: p.seasonal.maxRise,
        dayLengthSeconds: p.seasonal.dayLength,
        dayLengthFromData: p.seasonal.dayLengthFromData,
        ...(p.seasonal.downHorizon !== undefined && { downHorizonSeconds: p.seasonal.downHorizon }),
        ...(p.seasonal.downMaxRise !== undefined && { downMaxRise: p.seasonal.downMaxRise }),
        ...(p.seasonal.quantile !== undefined && { quantile: p.seasonal.quantile }),
        ...(p.seasonal.window !== undefined && { windowSeconds: p.seasonal.window }),
        ...(p.seasonal.windowMean !== undefined && { windowMeanSeconds: p.seasonal.windowMean }),
      },
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Text → data, and zod issues → `path: expected X, got Y`.

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice would silently drop the first value (maybe a guard).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues = yamlIssues(doc, lineCounter);
  if (issues.length > 0) throw invalidDocument(source, issues);
  try {
    // Aliases resolve here, so an alias bomb (yaml's alias-count limit) throws.
    return doc.toJS();
  } catch (error) {
    throw invalidDocument(source, [`(document): ${(error as Error).message}`], error);
  }
}

/** YAML syntax problems as `line:col: message`. */
function yamlIssues(doc: Document, lineCounter: LineCounter): string[] {
  const position = (offset: number) => lineCounter.linePos(offset);
  const issues: string[] = [];
  // `*` starts an alias in YAML, so an unquoted cron such as */5 * * * * reads as an unknown alias
  // followed by a cascade of syntax errors on its line: report it once, with the fix.
  const aliasLines = new Set<number>();
  visit(doc, {
    Alias(_, alias) {
      if (!alias.range || alias.resolve(doc)) return;
      const { line, col } = position(alias.range[0]);
      aliasLines.add(line);
      issues.push(`${line}:${col}: unknown alias "*${alias.source}"; quote a value that starts with "*", e.g. cron: "*/5 * * * *"`);
    },
  });
  for (const error of doc.errors) {
    const { line, col } = position(error.pos[0]);
    if (aliasLines.has(line)) continue;
    // The library's own wording for this one recommends one of its APIs to the reader.
    const message = error.code === 'MULTIPLE_DOCS' ? 'expected a single YAML document' : error.message;
    issues.push(`${line}:${col}: ${message.split('\n')[0]}`);
  }
  return issues;
}

function invalidDocument(source: string, issues: string[], cause?: unknown): ValidationError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ValidationError(`${source}: invalid policy file (${count})\n  ${issues.join('\n  ')}`, issues, { cause });
}

/** `policies[0].scaleDown.cooldown`; keys that are not identifiers are quoted: `tags["app.io/tier"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(segment))) text += text ? `.${String(segment)}` : String(segment);
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text || '(document)';
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return input.length === 0 ? 'an empty list' : 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input);
  return String(input);
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // defaultMessage wrote one line per key, in `issue.keys` order.
    const lines = issue.message.split('\n');
    return issue.keys.map((key, index) => `${formatPath([...issue.path, key])}: ${lines[index] ?? 'unknown key'}`);
  }
  const input = (issue as { input?: unknown }).input;
  // A check about a whole mapping ("expected ids or tags") reads better without ", got a mapping".
  const wholeObject = issue.code === 'custom' && typeof input === 'object' && input !== null && !Array.isArray(input);
  return [`${formatPath(issue.path)}: ${issue.message}${wholeObject ? '' : `, got ${describeInput(input)}`}`];
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** Messages for the issues no schema field words itself (mostly wrong types and unknown keys). */
const defaultMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys': {
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      return issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n');
    }
    case 'too_small':
      return `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};

function unknownKeyMessage(key: string, known: string[]): string {
  const suggestion = known.find((candidate) => editDistance(key.toLowerCase(), candidate.toLowerCase()) <= 2);
  if (suggestion) return `unknown key (did you mean "${suggestion}"?)`;
  return `unknown key (expected one of: ${known.join(', ')})`;
}

/** Levenshtein distance; keys are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
