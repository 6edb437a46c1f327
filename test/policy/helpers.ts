// Builders for policy documents in tests: a minimal valid policy, patched per case, written as YAML.
import { stringify } from 'yaml';

export const minimalPolicy = {
  name: 'web',
  instances: { region: 'cn-hangzhou', ids: ['i-web-1'] },
  bounds: { minOut: 5, maxOut: 50 },
};

/** A document with one policy: the minimal one with `patch`'s keys replacing (not merging) its own. */
export function documentWith(patch: Record<string, unknown>): string {
  return stringify({ version: 1, policies: [{ ...minimalPolicy, ...patch }] });
}

/** A document with several policies, each built like documentWith's. */
export function documentWithPolicies(...patches: Array<Record<string, unknown>>): string {
  return stringify({ version: 1, policies: patches.map((patch) => ({ ...minimalPolicy, ...patch })) });
}
