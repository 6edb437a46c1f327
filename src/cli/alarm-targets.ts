// What setup-alarms needs besides the threshold rules: the contact group every CloudMonitor alert
// rule names (and the contact in it), and the event-triggered alert rules on the custom events the
// functions publish (bwscaler_needs_human, bwscaler_blocked, bwscaler_applied; src/adapters/cms-telemetry.ts).
//
// Each piece is planned from what the account holds, and written only when it differs, so a second
// run with the same inputs writes nothing. The APIs and what the local cloud checks:
// docs/reference/cloudmonitor.md §6.
import { z } from 'zod';
import { TELEMETRY_EVENTS } from '../adapters/cms-telemetry';
import { callRpc, parseResponse, type RpcClient, type RpcParams } from '../adapters/pop';
import { CloudApiError, ConfigError } from '../errors';

/** Every event rule this command owns starts with this, as its threshold rules do. */
export const EVENT_RULE_PREFIX = 'bwscaler-';

/** The custom events bwscaler publishes, by the key `--events` takes. */
export const ALARM_EVENTS = {
  needs_human: { ruleName: 'bwscaler-needs-human', eventName: TELEMETRY_EVENTS.needsHuman, description: 'bwscaler: a block only the account owner can clear' },
  blocked: { ruleName: 'bwscaler-blocked', eventName: TELEMETRY_EVENTS.blocked, description: "bwscaler: the provider's downgrade quota refused a change" },
  applied: { ruleName: 'bwscaler-applied', eventName: TELEMETRY_EVENTS.applied, description: 'bwscaler: a bandwidth change was ordered' },
} as const;
export type AlarmEventKey = keyof typeof ALARM_EVENTS;
export const ALARM_EVENT_KEYS = Object.keys(ALARM_EVENTS) as AlarmEventKey[];

/**
 * EventPattern.N.Product is required, and its documented values are the cloud services of
 * DescribeSystemEventMetaList; the value for a CUSTOM rule is not documented. bwscaler sends this
 * one and checks the rule after the first run (docs/reference/cloudmonitor.md §6 says how).
 */
export const CUSTOM_EVENT_PRODUCT = 'CustomEvent';
/** One notice per rule per hour at most: an incident that blocks a fleet must not page 500 times. */
export const EVENT_SILENCE_SECONDS = 3600;
/** The contact target's Id in the rule (PutEventRuleTargets replaces a target with the same Id). */
export const CONTACT_TARGET_ID = '1';
/** "4: Alert notifications are sent by using DingTalk and emails" (PutEventRuleTargets SDK model). */
export const CONTACT_TARGET_LEVEL = '4';
/** PutContact's ContactName: 2 to 40 letters, digits, "." or "_", starting with a letter (ALIYUN::CMS::Contact). */
export const CONTACT_NAME = /^[A-Za-z][A-Za-z0-9._]{1,39}$/;
export const DEFAULT_CONTACT_NAME = 'bwscaler_oncall';

const PAGE_SIZE = 100;
const MAX_PAGES = 100;

export type PlannedResult = 'create' | 'update' | 'unchanged';

export interface ContactSettings {
  groupName: string;
  /** Given with --contact-email / --contact-dingtalk: the contact the group must hold. */
  contact?: { name: string; mail?: string; dingWebhook?: string };
}

export interface ContactPlan {
  group: { name: string; result: PlannedResult; contacts: string[] };
  contact?: { name: string; result: PlannedResult };
  writes: Array<{ action: 'PutContact' | 'PutContactGroup'; params: RpcParams }>;
}

const resultSchema = z.object({ Success: z.boolean().optional(), Code: z.union([z.string(), z.number()]).optional(), Message: z.string().optional() }).loose();

const groupListSchema = z
  .object({
    Total: z.coerce.number().optional(),
    ContactGroupList: z
      .object({
        ContactGroup: z
          .array(
            z
              .object({ Name: z.string(), Describe: z.string().optional(), Contacts: z.object({ Contact: z.array(z.string()).default([]) }).optional() })
              .loose(),
          )
          .default([]),
      })
      .default({ ContactGroup: [] }),
  })
  .loose();

const contactListSchema = z
  .object({
    Contacts: z
      .object({
        Contact: z
          .array(
            z.object({ Name: z.string(), Channels: z.object({ Mail: z.string().optional(), DingWebHook: z.string().optional() }).loose().optional() }).loose(),
          )
          .default([]),
      })
      .default({ Contact: [] }),
  })
  .loose();

const eventRuleListSchema = z
  .object({
    Total: z.coerce.number().optional(),
    EventRules: z.object({ EventRule: z.array(z.object({ Name: z.string() }).loose()).default([]) }).default({ EventRule: [] }),
  })
  .loose();

const targetListSchema = z
  .object({
    ContactParameters: z
      .object({ ContactParameter: z.array(z.object({ Id: z.coerce.string(), ContactGroupName: z.string(), Level: z.coerce.string() }).loose()).default([]) })
      .default({ ContactParameter: [] }),
  })
  .loose();

/** A call whose answer says Success: false is a refusal, as an HTTP error is (CloudMonitor does both). */
export async function cmsWrite(cms: RpcClient, action: string, params: RpcParams): Promise<void> {
  // POST: parameters in the body; pop-core puts a GET's full URL (webhooks, tokens) in its errors.
  const body = await callRpc(cms, action, params, { method: 'POST' });
  const result = parseResponse(resultSchema, body, action);
  if (result.Success === false) {
    const code = String(result.Code ?? 'Unsuccessful');
    throw new CloudApiError(`${action} failed: ${code}: ${result.Message ?? ''}`, code, 'rejected');
  }
}

async function cmsRead<T>(cms: RpcClient, action: string, params: RpcParams, schema: z.ZodType<T>): Promise<T> {
  return parseResponse(schema, await callRpc(cms, action, params, { method: 'POST' }), action);
}

/** Every contact group of the account (DescribeContactGroupList, paged). */
async function listContactGroups(cms: RpcClient): Promise<Array<{ name: string; describe: string; contacts: string[] }>> {
  const groups: Array<{ name: string; describe: string; contacts: string[] }> = [];
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    const list = await cmsRead(cms, 'DescribeContactGroupList', { PageNumber: String(pageNumber), PageSize: String(PAGE_SIZE) }, groupListSchema);
    const rows = list.ContactGroupList.ContactGroup;
    for (const row of rows) groups.push({ name: row.Name, describe: row.Describe ?? '', contacts: row.Contacts?.Contact ?? [] });
    if (rows.length < PAGE_SIZE || (list.Total !== undefined && groups.length >= list.Total)) return groups;
  }
  throw new CloudApiError(`DescribeContactGroupList: more than ${MAX_PAGES} pages`, 'InvalidResponse.Paging', 'retryable');
}

/**
 * The writes that make the contact group usable. Without --contact-email/--contact-dingtalk the group
 * must already exist (CloudMonitor requires a group on every rule, and a group without a contact
 * reaches nobody); with them, the contact is created or updated and added to the group, which is
 * created if missing. Members the group already has stay.
 */
export async function planContactGroup(cms: RpcClient, settings: ContactSettings): Promise<ContactPlan> {
  const existing = (await listContactGroups(cms)).find((group) => group.name === settings.groupName);
  const { contact } = settings;
  if (contact === undefined) {
    if (existing === undefined) {
      throw new ConfigError(
        `contact group "${settings.groupName}" does not exist, and every CloudMonitor alert rule needs one: ` +
          'pass --contact-email ADDRESS and/or --contact-dingtalk URL to create it with one contact, ' +
          'or --contact-group NAME of an existing group (CloudMonitor console: Alerts > Alert Contacts)',
      );
    }
    return { group: { name: existing.name, result: 'unchanged', contacts: existing.contacts }, writes: [] };
  }

  const writes: ContactPlan['writes'] = [];
  const listed = await cmsRead(cms, 'DescribeContactList', { ContactName: contact.name, PageSize: String(PAGE_SIZE) }, contactListSchema);
  const current = listed.Contacts.Contact.find((row) => row.Name === contact.name);
  // An unset channel may come back absent or as "": both mean none.
  const channel = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const sameChannels =
    current !== undefined && channel(current.Channels?.Mail) === contact.mail && channel(current.Channels?.DingWebHook) === contact.dingWebhook;
  const contactResult: PlannedResult = current === undefined ? 'create' : sameChannels ? 'unchanged' : 'update';
  if (contactResult !== 'unchanged') {
    writes.push({
      action: 'PutContact',
      params: {
        ContactName: contact.name,
        Describe: 'bwscaler alarms (setup-alarms)',
        ...(contact.mail !== undefined && { 'Channels.Mail': contact.mail }),
        ...(contact.dingWebhook !== undefined && { 'Channels.DingWebHook': contact.dingWebhook }),
      },
    });
  }
  const members = existing?.contacts ?? [];
  const groupResult: PlannedResult = existing === undefined ? 'create' : members.includes(contact.name) ? 'unchanged' : 'update';
  const contacts = members.includes(contact.name) ? members : [...members, contact.name];
  if (groupResult !== 'unchanged') {
    writes.push({
      action: 'PutContactGroup',
      params: {
        ContactGroupName: settings.groupName,
        Describe: existing?.describe || 'bwscaler alarms',
        // PutContactGroup states the whole membership: the members it had, and the contact.
        ...Object.fromEntries(contacts.map((name, i) => [`ContactNames.${i + 1}`, name])),
      },
    });
  }
  return { group: { name: settings.groupName, result: groupResult, contacts }, contact: { name: contact.name, result: contactResult }, writes };
}

export interface EventRulePlan {
  ruleName: string;
  eventName: string;
  contactGroup: string;
  result: PlannedResult;
  /** PutEventRule when the rule differs, PutEventRuleTargets when its contact target does. */
  writes: Array<{ action: 'PutEventRule' | 'PutEventRuleTargets'; params: RpcParams }>;
}

/** PutEventRule parameters of one bwscaler event rule. */
export function eventRuleParams(key: AlarmEventKey): RpcParams {
  const { ruleName, eventName, description } = ALARM_EVENTS[key];
  return {
    RuleName: ruleName,
    EventType: 'CUSTOM',
    State: 'ENABLED',
    Description: description,
    SilenceTime: String(EVENT_SILENCE_SECONDS),
    'EventPattern.1.Product': CUSTOM_EVENT_PRODUCT,
    'EventPattern.1.NameList.1': eventName,
  };
}

export function eventTargetParams(key: AlarmEventKey, contactGroup: string): RpcParams {
  return {
    RuleName: ALARM_EVENTS[key].ruleName,
    'ContactParameters.1.Id': CONTACT_TARGET_ID,
    'ContactParameters.1.ContactGroupName': contactGroup,
    'ContactParameters.1.Level': CONTACT_TARGET_LEVEL,
  };
}

/** The account's event rules whose names start with bwscaler- (DescribeEventRuleList, paged). */
export async function listOwnedEventRules(cms: RpcClient): Promise<Map<string, Record<string, unknown>>> {
  const owned = new Map<string, Record<string, unknown>>();
  let seen = 0;
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    const list = await cmsRead(
      cms,
      'DescribeEventRuleList',
      { NamePrefix: EVENT_RULE_PREFIX, PageNumber: String(pageNumber), PageSize: String(PAGE_SIZE) },
      eventRuleListSchema,
    );
    const rows = list.EventRules.EventRule;
    seen += rows.length;
    // NamePrefix narrows; the exact check is this one.
    for (const row of rows) if (row.Name.startsWith(EVENT_RULE_PREFIX)) owned.set(row.Name, row);
    if (rows.length < PAGE_SIZE || (list.Total !== undefined && seen >= list.Total)) return owned;
  }
  throw new CloudApiError(`DescribeEventRuleList: more than ${MAX_PAGES} pages`, 'InvalidResponse.Paging', 'retryable');
}

/** Whether a listed rule is the one eventRuleParams describes; anything unreadable counts as different. */
export function eventRuleMatches(key: AlarmEventKey, listed: Record<string, unknown>): boolean {
  const wanted = eventRuleParams(key);
  const patterns = (listed.EventPattern as { EventPattern?: unknown } | undefined)?.EventPattern;
  if (!Array.isArray(patterns) || patterns.length !== 1) return false;
  const [pattern] = patterns as Array<Record<string, unknown>>;
  const names = (pattern?.NameList as { NameList?: unknown } | undefined)?.NameList;
  const emptyList = (list: string) => {
    const values = (pattern?.[list] as Record<string, unknown> | undefined)?.[list];
    return values === undefined || (Array.isArray(values) && values.length === 0);
  };
  return (
    listed.EventType === wanted.EventType &&
    listed.State === wanted.State &&
    String(listed.SilenceTime) === wanted.SilenceTime &&
    (listed.Description ?? '') === wanted.Description &&
    pattern?.Product === wanted['EventPattern.1.Product'] &&
    Array.isArray(names) &&
    names.length === 1 &&
    names[0] === wanted['EventPattern.1.NameList.1'] &&
    emptyList('LevelList') &&
    emptyList('EventTypeList') &&
    emptyList('StatusList') &&
    !pattern?.CustomFilters &&
    !pattern?.SQLFilter
  );
}

/** The writes that bring each wanted event rule, and its contact-group target, in line. */
export async function planEventRules(
  cms: RpcClient,
  keys: AlarmEventKey[],
  contactGroup: string,
  owned: Map<string, Record<string, unknown>>,
): Promise<EventRulePlan[]> {
  const plans: EventRulePlan[] = [];
  for (const key of keys) {
    const { ruleName, eventName } = ALARM_EVENTS[key];
    const listed = owned.get(ruleName);
    const writes: EventRulePlan['writes'] = [];
    if (listed === undefined || !eventRuleMatches(key, listed)) writes.push({ action: 'PutEventRule', params: eventRuleParams(key) });
    let targetMatches = false;
    if (listed !== undefined) {
      const targets = await cmsRead(cms, 'DescribeEventRuleTargetList', { RuleName: ruleName }, targetListSchema);
      targetMatches = targets.ContactParameters.ContactParameter.some(
        (t) => t.Id === CONTACT_TARGET_ID && t.ContactGroupName === contactGroup && t.Level === CONTACT_TARGET_LEVEL,
      );
    }
    if (!targetMatches) writes.push({ action: 'PutEventRuleTargets', params: eventTargetParams(key, contactGroup) });
    plans.push({ ruleName, eventName, contactGroup, result: listed === undefined ? 'create' : writes.length > 0 ? 'update' : 'unchanged', writes });
  }
  return plans;
}

/** --events: a comma-separated subset of needs_human, blocked, applied. */
export function parseEventKeys(value: string): AlarmEventKey[] | string {
  const keys = value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  const unknown = keys.filter((key) => !(key in ALARM_EVENTS));
  if (keys.length === 0 || unknown.length > 0) return `expected a comma-separated list of ${ALARM_EVENT_KEYS.join(', ')}, got "${value}"`;
  return [...new Set(keys as AlarmEventKey[])];
}
