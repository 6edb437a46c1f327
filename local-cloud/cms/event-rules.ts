// Event-triggered alert rules (CMS 2019-01-01): PutEventRule, PutEventRuleTargets,
// DescribeEventRuleList, DescribeEventRuleTargetList, DeleteEventRules, and the notices a CUSTOM
// rule raises when PutCustomEvent stores an event it matches.
//
// Sources (docs/reference/cloudmonitor.md §6):
// - PutEventRule: https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-puteventrule
//   and https://help.aliyun.com/document_detail/115000.html: "If the rule name does not exist, a new
//   rule is created; if it exists, the rule is modified"; RuleName and EventPattern.N.Product
//   required (N 1 to 50); EventType SYSTEM | CUSTOM; State ENABLED | DISABLED; EventPattern.N.NameList.N,
//   .LevelList.N (CRITICAL, WARN, INFO, *), .EventTypeList.N (StatusNotification, Exception,
//   Maintenance, *), .StatusList.N, .CustomFilters (a keyword the event content must contain),
//   .SQLFilter; SilenceTime; success {"Code":"200","Success":true,"Data":"1"} (Data: rows affected).
// - PutEventRuleTargets: https://www.alibabacloud.com/help/pt-br/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-puteventruletargets
//   and the SDK model PutEventRuleTargetsRequest (alibabacloud_cms20190101): RuleName required;
//   ContactParameters.N.{ContactGroupName, Id, Level} ("4: DingTalk and emails"),
//   WebhookParameters.N.{Id, Protocol (http, telnet, ping), Method (GET, POST), Url}, N 1 to 5.
// - DescribeEventRuleList: the SDK model DescribeEventRuleListResponseBody: EventRules.EventRule[]
//   {Name, EventType, State, Description, GroupId, SilenceTime, EventPattern.EventPattern[] {Product,
//   NameList.NameList[], LevelList.LevelList[], EventTypeList.EventTypeList[], CustomFilters,
//   SQLFilter}}, Total; the Terraform provider filters with NamePrefix
//   (aliyun/terraform-provider-alicloud alicloud/service_alicloud_cms.go DescribeCmsEventRule).
// - DeleteEventRules: https://alibabacloud.com/help/en/cms/developer-reference/api-cms-2019-01-01-deleteeventrules
//   (RuleNames.N required).
// - DescribeEventRuleTargetList: https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/api-describeeventruletargetlist
//   (RuleName required; ContactParameters.ContactParameter[] {ContactGroupName, Level, Id}, ...).
//
// Where the docs are silent the local cloud is harsher, and says so: the Product of a CUSTOM
// pattern is not documented (any non-empty value is accepted) but a CUSTOM pattern must name its
// events (NameList), since one without would page on every custom event of the account; LevelList,
// EventTypeList and StatusList on a CUSTOM pattern are refused (custom events carry none of them);
// SQLFilter is refused (UnsupportedParameter: the local cloud runs no SLS query language); targets
// may be put only on an existing rule, and a contact target only names an existing contact group
// (ContactGroup.NotExists, PutContactGroup's documented code); rule names are 1 to 64 letters,
// digits, "-", "_" or "."; DescribeEventRuleList pages by 10 unless told (the docs give no
// default: a small page makes callers that forget to page visibly wrong); SilenceTime defaults to
// 86,400 s as for threshold rules. Webhook targets are recorded in notices, not called.
import { RpcError } from '../model';
import { type ContactBook, contactGroupNotExists, illegalParameter } from './contacts';
import { indexedObjects, indexedValues, page } from './lists';
import { invalidParameter, missingParameter, optional, positiveInteger, required } from './params';

const MAX_PATTERNS = 50;
const MAX_LIST_VALUES = 50;
const MAX_TARGETS = 5;
const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const PATTERN_LISTS = ['NameList', 'LevelList', 'EventTypeList', 'StatusList'] as const;
const LEVELS = ['CRITICAL', 'WARN', 'INFO', '*'];
const EVENT_TYPES = ['StatusNotification', 'Exception', 'Maintenance', '*'];
/** The one contact-target level the current SDK model documents: "4: DingTalk and emails". */
const CONTACT_LEVELS = ['4'];
const DEFAULT_SILENCE_SECONDS = 86_400;

export interface EventPattern {
  product: string;
  nameList: string[];
  levelList: string[];
  eventTypeList: string[];
  statusList: string[];
  customFilters?: string;
}

export interface ContactTarget {
  id: string;
  contactGroupName: string;
  level: string;
}

export interface WebhookTarget {
  id: string;
  protocol: string;
  method: string;
  url: string;
}

export interface EventRule {
  name: string;
  eventType: 'SYSTEM' | 'CUSTOM';
  state: 'ENABLED' | 'DISABLED';
  description: string;
  groupId?: string;
  silenceTimeSeconds: number;
  patterns: EventPattern[];
  contactTargets: ContactTarget[];
  webhookTargets: WebhookTarget[];
  /** When the rule last raised a notice (its SilenceTime counts from here). */
  notifiedAt?: number;
}

/** What a matched custom event would send: to each contact group's contacts, and each webhook. */
export interface EventNotice {
  ruleName: string;
  eventName: string;
  content: string;
  at: number;
  contactGroups: Array<{ name: string; contacts: Array<{ name: string; channels: string[] }> }>;
  webhooks: string[];
}

export interface EventRuleService {
  handlers: {
    PutEventRule(params: Record<string, string>): unknown;
    PutEventRuleTargets(params: Record<string, string>): unknown;
    DescribeEventRuleList(params: Record<string, string>): unknown;
    DescribeEventRuleTargetList(params: Record<string, string>): unknown;
    DeleteEventRules(params: Record<string, string>): unknown;
  };
  /** Called with each custom event PutCustomEvent stored. */
  onCustomEvent(event: { eventName: string; content: string; groupId: string }, now: number): void;
  rules(): EventRule[];
  notices(): EventNotice[];
}

function unsupported(name: string, why: string): RpcError {
  return new RpcError(400, 'UnsupportedParameter', `The parameter "${name}" is not supported by the local CloudMonitor: ${why}.`);
}

function oneOf(name: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw invalidParameter(name, `expected one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}

function parsePatterns(params: Record<string, string>, eventType: 'SYSTEM' | 'CUSTOM'): EventPattern[] {
  const known = (field: string) =>
    field === 'Product' || field === 'CustomFilters' || field === 'SQLFilter' || PATTERN_LISTS.some((list) => new RegExp(`^${list}\\.\\d+$`).test(field));
  const entries = indexedObjects(params, 'EventPattern', MAX_PATTERNS, known);
  if (entries.length === 0) throw missingParameter('EventPattern.1.Product');
  return entries.map(({ n, fields }) => {
    const at = `EventPattern.${n}`;
    const product = fields.Product;
    if (product === undefined || product.trim() === '') throw missingParameter(`${at}.Product`);
    if (fields.SQLFilter !== undefined)
      throw unsupported(`${at}.SQLFilter`, 'SQL event filtering uses the Log Service query syntax, which the local cloud does not run');
    const lists = Object.fromEntries(PATTERN_LISTS.map((list) => [list, indexedValues(fields, list, MAX_LIST_VALUES, `${at}.${list}`)])) as Record<
      (typeof PATTERN_LISTS)[number],
      string[]
    >;
    for (const level of lists.LevelList) oneOf(`${at}.LevelList`, level, LEVELS);
    for (const type of lists.EventTypeList) oneOf(`${at}.EventTypeList`, type, EVENT_TYPES);
    if (eventType === 'CUSTOM') {
      if (lists.NameList.length === 0) throw missingParameter(`${at}.NameList.1`);
      for (const list of ['LevelList', 'EventTypeList', 'StatusList'] as const) {
        if (lists[list].length > 0) throw unsupported(`${at}.${list}.1`, 'custom events carry no level, type or status');
      }
    }
    const customFilters = fields.CustomFilters?.trim() === '' ? undefined : fields.CustomFilters;
    return {
      product,
      nameList: lists.NameList,
      levelList: lists.LevelList,
      eventTypeList: lists.EventTypeList,
      statusList: lists.StatusList,
      ...(customFilters !== undefined && { customFilters }),
    };
  });
}

function parseTargets<T>(
  params: Record<string, string>,
  prefix: string,
  fieldNames: readonly string[],
  parse: (at: string, fields: Record<string, string>) => T,
): T[] {
  return indexedObjects(params, prefix, MAX_TARGETS, (field) => fieldNames.includes(field)).map(({ n, fields }) => parse(`${prefix}.${n}`, fields));
}

function field(fields: Record<string, string>, at: string, name: string): string {
  const value = fields[name];
  if (value === undefined || value.trim() === '') throw missingParameter(`${at}.${name}`);
  return value;
}

/** Replaces targets with the same Id and keeps the others: "adds or modifies" the rule's targets. */
function merge<T extends { id: string }>(current: T[], incoming: T[]): T[] {
  const byId = new Map(current.map((t) => [t.id, t]));
  for (const t of incoming) byId.set(t.id, t);
  return [...byId.values()];
}

export function createEventRuleService(contacts: ContactBook): EventRuleService {
  const rules = new Map<string, EventRule>();
  const notices: EventNotice[] = [];

  const existingRule = (params: Record<string, string>): EventRule => {
    const name = required(params, 'RuleName');
    const rule = rules.get(name);
    if (rule === undefined) throw illegalParameter('RuleName', `no event-triggered alert rule is named "${name}" (create it with PutEventRule first)`);
    return rule;
  };

  return {
    rules: () => [...rules.values()].map((rule) => structuredClone(rule)),
    notices: () => notices.map((notice) => structuredClone(notice)),

    onCustomEvent(event, now) {
      for (const rule of rules.values()) {
        if (rule.state !== 'ENABLED' || rule.eventType !== 'CUSTOM') continue;
        if (rule.groupId !== undefined && rule.groupId !== event.groupId) continue;
        const matched = rule.patterns.some(
          (p) => p.nameList.includes(event.eventName) && (p.customFilters === undefined || event.content.includes(p.customFilters)),
        );
        if (!matched) continue;
        if (rule.notifiedAt !== undefined && now - rule.notifiedAt < rule.silenceTimeSeconds * 1000) continue;
        rule.notifiedAt = now;
        notices.push({
          ruleName: rule.name,
          eventName: event.eventName,
          content: event.content,
          at: now,
          contactGroups: rule.contactTargets.map((target) => {
            const group = contacts.group(target.contactGroupName);
            return {
              name: target.contactGroupName,
              // Only channels that can deliver: a DingTalk robot at once, email and SMS once activated.
              contacts: (group?.contactNames ?? []).map((name) => {
                const contact = contacts.contact(name);
                const channels: string[] = [];
                if (contact?.channels.DingWebHook !== undefined) channels.push('DingWebHook');
                if (contact?.channels.Mail !== undefined && contact.activated.Mail) channels.push('Mail');
                if (contact?.channels.SMS !== undefined && contact.activated.SMS) channels.push('SMS');
                return { name, channels };
              }),
            };
          }),
          webhooks: rule.webhookTargets.map((target) => target.url),
        });
      }
    },

    handlers: {
      PutEventRule(params) {
        const name = required(params, 'RuleName');
        if (!RULE_NAME.test(name)) throw invalidParameter('RuleName', `1 to 64 letters, digits, "-", "_" or ".", got "${name}"`);
        const eventType = oneOf('EventType', optional(params, 'EventType') ?? 'SYSTEM', ['SYSTEM', 'CUSTOM']) as 'SYSTEM' | 'CUSTOM';
        const state = oneOf('State', optional(params, 'State') ?? 'ENABLED', ['ENABLED', 'DISABLED']) as 'ENABLED' | 'DISABLED';
        const groupId = optional(params, 'GroupId');
        if (groupId !== undefined && !/^\d+$/.test(groupId)) throw invalidParameter('GroupId', `a numeric application group id, got "${groupId}"`);
        const silenceTimeSeconds = positiveInteger(params, 'SilenceTime', DEFAULT_SILENCE_SECONDS);
        const patterns = parsePatterns(params, eventType);
        const previous = rules.get(name);
        rules.set(name, {
          name,
          eventType,
          state,
          description: optional(params, 'Description') ?? '',
          ...(groupId !== undefined && { groupId }),
          silenceTimeSeconds,
          patterns,
          // PutEventRule states the rule; its targets are PutEventRuleTargets' business and stay.
          contactTargets: previous?.contactTargets ?? [],
          webhookTargets: previous?.webhookTargets ?? [],
          ...(previous?.notifiedAt !== undefined && { notifiedAt: previous.notifiedAt }),
        });
        return { Code: '200', Success: true, Data: '1', Message: '' };
      },

      PutEventRuleTargets(params) {
        const rule = existingRule(params);
        for (const key of Object.keys(params)) {
          if (/^(FcParameters|MnsParameters|SlsParameters|OpenApiParameters)\./.test(key)) {
            throw unsupported(key, 'the local cloud delivers event notices to contact groups and webhooks only');
          }
        }
        const contactTargets = parseTargets(params, 'ContactParameters', ['ContactGroupName', 'Id', 'Level'], (at, fields) => {
          const contactGroupName = field(fields, at, 'ContactGroupName');
          if (contacts.group(contactGroupName) === undefined) throw contactGroupNotExists(contactGroupName);
          return { id: field(fields, at, 'Id'), contactGroupName, level: oneOf(`${at}.Level`, field(fields, at, 'Level'), CONTACT_LEVELS) };
        });
        const webhookTargets = parseTargets(params, 'WebhookParameters', ['Id', 'Protocol', 'Method', 'Url'], (at, fields) => {
          const protocol = field(fields, at, 'Protocol');
          if (protocol !== 'http') throw unsupported(`${at}.Protocol`, `only http callbacks are emulated, got "${protocol}"`);
          const url = field(fields, at, 'Url');
          let parsed: URL | undefined;
          try {
            parsed = new URL(url);
          } catch {
            parsed = undefined;
          }
          if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
            throw invalidParameter(`${at}.Url`, `expected an http(s) URL, got "${url}"`);
          return { id: field(fields, at, 'Id'), protocol, method: oneOf(`${at}.Method`, field(fields, at, 'Method'), ['GET', 'POST']), url };
        });
        if (contactTargets.length === 0 && webhookTargets.length === 0) throw missingParameter('ContactParameters.1.ContactGroupName');
        rule.contactTargets = merge(rule.contactTargets, contactTargets);
        rule.webhookTargets = merge(rule.webhookTargets, webhookTargets);
        return { Code: '200', Success: true, Message: '', ParameterCount: String(contactTargets.length + webhookTargets.length), FailedParameterCount: '0' };
      },

      DescribeEventRuleList(params) {
        const prefix = optional(params, 'NamePrefix');
        const groupId = optional(params, 'GroupId');
        const pageNumber = positiveInteger(params, 'PageNumber', 1);
        const pageSize = positiveInteger(params, 'PageSize', 10);
        const matching = [...rules.values()]
          .filter((rule) => prefix === undefined || rule.name.startsWith(prefix))
          .filter((rule) => groupId === undefined || rule.groupId === groupId)
          .sort((a, b) => a.name.localeCompare(b.name));
        return {
          Code: '200',
          Success: true,
          Total: matching.length,
          EventRules: {
            EventRule: page(matching, pageNumber, pageSize).map((rule) => ({
              Name: rule.name,
              EventType: rule.eventType,
              State: rule.state,
              Description: rule.description,
              GroupId: rule.groupId ?? '',
              SilenceTime: rule.silenceTimeSeconds,
              EventPattern: {
                EventPattern: rule.patterns.map((p) => ({
                  Product: p.product,
                  NameList: { NameList: [...p.nameList] },
                  LevelList: { LevelList: [...p.levelList] },
                  EventTypeList: { EventTypeList: [...p.eventTypeList] },
                  StatusList: { StatusList: [...p.statusList] },
                  CustomFilters: p.customFilters ?? '',
                  SQLFilter: '',
                })),
              },
            })),
          },
        };
      },

      DescribeEventRuleTargetList(params) {
        const rule = rules.get(required(params, 'RuleName'));
        return {
          Code: '200',
          Success: true,
          ContactParameters: {
            ContactParameter: (rule?.contactTargets ?? []).map((t) => ({ Id: t.id, ContactGroupName: t.contactGroupName, Level: t.level })),
          },
          WebhookParameters: {
            WebhookParameter: (rule?.webhookTargets ?? []).map((t) => ({ Id: t.id, Protocol: t.protocol, Method: t.method, Url: t.url })),
          },
          FcParameters: { FCParameter: [] },
          MnsParameters: { MnsParameter: [] },
          SlsParameters: { SlsParameter: [] },
          OpenApiParameters: { OpenApiParameters: [] },
        };
      },

      DeleteEventRules(params) {
        const names = indexedValues(params, 'RuleNames', 100);
        if (names.length === 0) throw missingParameter('RuleNames.1');
        // An unknown name is not an error: a retried delete must succeed (as DeleteMetricRules).
        for (const name of names) rules.delete(name);
        return { Code: '200', Success: true, Message: 'success' };
      },
    },
  };
}
