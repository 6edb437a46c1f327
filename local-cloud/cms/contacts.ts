// Alert contacts and contact groups (CMS 2019-01-01): PutContact, DescribeContactList,
// PutContactGroup, DescribeContactGroupList. Alert rules name a contact group; the group holds the
// contacts; a contact holds the channels a notice reaches (email, DingTalk robot, ...).
//
// Sources (docs/reference/cloudmonitor.md §6):
// - PutContact: https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-putcontact
//   (ContactName and Describe required; Channels.Mail / Channels.DingWebHook / Channels.SMS /
//   Channels.AliIM; "at least one of email and DingTalk robot"; an email address or phone number
//   "receives an activation link, and is added to the contacts only after activation"; Lang zh-cn|en).
//   Name rule from ALIYUN::CMS::Contact (https://www.alibabacloud.com/help/ros/developer-reference/aliyun-cms-contact):
//   2 to 40 characters, letters, digits, "." and "_", starting with a letter.
// - DescribeContactList: https://www.alibabacloud.com/help/tc/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-describecontactlist
//   (PageSize default 100, PageNumber default 1, ContactName, ChanelType Mail|DingWebHook and
//   ChanelValue, spelled so; Contacts.Contact[] with Name, Desc, Lang, CreateTime, UpdateTime, Channels).
// - PutContactGroup: https://www.alibabacloud.com/help/en/doc-detail/114929.htm (ContactGroupName
//   required, Describe, EnableSubscribed, ContactNames.N with N 1 to 100; errors 400
//   InvalidParameterValue "Illegal parameters.", 404 ContactGroup.NotExists, 403 InvalidAuthorization).
// - DescribeContactGroupList: Alibaba's generated SDK model (com.aliyun.cms20190101.models.
//   DescribeContactGroupListResponseBody): ContactGroupList.ContactGroup[] {Name, Describe,
//   Contacts.Contact[], EnableSubscribed, EnabledWeeklyReport, CreateTime, UpdateTime} and
//   ContactGroups.ContactGroup[] (the names), Total.
//
// Harsher than the docs say, on purpose: a group may list only contacts that exist (the docs say
// nothing; an unknown name is refused with InvalidParameterValue rather than silently dropped), a
// DingTalk webhook must be an https URL, an email address must look like one.
import { RpcError } from '../model';
import { indexedValues, page } from './lists';
import { invalidParameter, missingParameter, optional, positiveInteger, required } from './params';

export interface Contact {
  name: string;
  describe: string;
  lang?: 'zh-cn' | 'en';
  channels: { Mail?: string; DingWebHook?: string; SMS?: string; AliIM?: string };
  /**
   * Email and SMS reach the contact only after the recipient follows the activation link; the local
   * cloud never sends one, so these stay unactivated (a notice shows which channels would deliver).
   */
  activated: { Mail: boolean; SMS: boolean };
  createdAt: number;
  updatedAt: number;
}

export interface ContactGroup {
  name: string;
  describe: string;
  enableSubscribed: boolean;
  contactNames: string[];
  createdAt: number;
  updatedAt: number;
}

export interface ContactBook {
  handlers: {
    PutContact(params: Record<string, string>, now: number): unknown;
    DescribeContactList(params: Record<string, string>): unknown;
    PutContactGroup(params: Record<string, string>, now: number): unknown;
    DescribeContactGroupList(params: Record<string, string>): unknown;
  };
  contact(name: string): Contact | undefined;
  group(name: string): ContactGroup | undefined;
  contacts(): Contact[];
  groups(): ContactGroup[];
}

const CONTACT_NAME = /^[A-Za-z][A-Za-z0-9._]{1,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_GROUP_CONTACTS = 100;

/** PutContactGroup's documented 400: the same code for every refused value. */
export function illegalParameter(name: string, why: string): RpcError {
  return new RpcError(400, 'InvalidParameterValue', `Illegal parameters. ${name}: ${why}.`);
}

export function contactGroupNotExists(name: string): RpcError {
  return new RpcError(404, 'ContactGroup.NotExists', `ContactGroup not exists: ${name}`);
}

export function createContactBook(): ContactBook {
  const contacts = new Map<string, Contact>();
  const groups = new Map<string, ContactGroup>();

  return {
    contact: (name) => clone(contacts.get(name)),
    group: (name) => clone(groups.get(name)),
    contacts: () => [...contacts.values()].map((c) => structuredClone(c)),
    groups: () => [...groups.values()].map((g) => structuredClone(g)),
    handlers: {
      PutContact(params, now) {
        const name = required(params, 'ContactName');
        if (!CONTACT_NAME.test(name)) {
          throw invalidParameter('ContactName', `2 to 40 letters, digits, "." or "_", starting with a letter; got "${name}"`);
        }
        const describe = required(params, 'Describe');
        const mail = optional(params, 'Channels.Mail');
        const ding = optional(params, 'Channels.DingWebHook');
        const sms = optional(params, 'Channels.SMS');
        const aliIm = optional(params, 'Channels.AliIM');
        // "Specify at least one of the email address and the DingTalk chatbot."
        if (mail === undefined && ding === undefined) throw missingParameter('Channels.Mail');
        if (mail !== undefined && !EMAIL.test(mail)) throw invalidParameter('Channels.Mail', `expected an email address, got "${mail}"`);
        if (ding !== undefined && !isHttps(ding)) throw invalidParameter('Channels.DingWebHook', `expected the robot's https webhook URL, got "${ding}"`);
        const lang = optional(params, 'Lang');
        if (lang !== undefined && lang !== 'zh-cn' && lang !== 'en') throw invalidParameter('Lang', `zh-cn or en, got "${lang}"`);
        const previous = contacts.get(name);
        const channels = {
          ...(mail !== undefined && { Mail: mail }),
          ...(ding !== undefined && { DingWebHook: ding }),
          ...(sms !== undefined && { SMS: sms }),
          ...(aliIm !== undefined && { AliIM: aliIm }),
        };
        contacts.set(name, {
          name,
          describe,
          ...(lang !== undefined && { lang: lang as 'zh-cn' | 'en' }),
          channels,
          // A changed address needs a new activation.
          activated: {
            Mail: previous?.activated.Mail === true && previous.channels.Mail === mail,
            SMS: previous?.activated.SMS === true && previous.channels.SMS === sms,
          },
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
        });
        return { Code: '200', Success: true, Message: '' };
      },

      DescribeContactList(params) {
        const name = optional(params, 'ContactName');
        const chanelType = optional(params, 'ChanelType');
        const chanelValue = optional(params, 'ChanelValue');
        if (chanelType !== undefined && chanelType !== 'Mail' && chanelType !== 'DingWebHook') {
          throw invalidParameter('ChanelType', `Mail or DingWebHook, got "${chanelType}"`);
        }
        const pageNumber = positiveInteger(params, 'PageNumber', 1);
        const pageSize = positiveInteger(params, 'PageSize', 100);
        const matching = [...contacts.values()]
          .filter((c) => name === undefined || c.name === name)
          .filter(
            (c) => chanelType === undefined || (chanelValue === undefined ? c.channels[chanelType] !== undefined : c.channels[chanelType] === chanelValue),
          );
        return {
          Code: '200',
          Success: true,
          Total: matching.length,
          Contacts: {
            Contact: page(matching, pageNumber, pageSize).map((c) => ({
              Name: c.name,
              Desc: c.describe,
              Lang: c.lang ?? 'zh-cn',
              CreateTime: c.createdAt,
              UpdateTime: c.updatedAt,
              Channels: { ...c.channels },
              ContactGroups: { ContactGroup: [...groups.values()].filter((g) => g.contactNames.includes(c.name)).map((g) => g.name) },
            })),
          },
        };
      },

      PutContactGroup(params, now) {
        const name = required(params, 'ContactGroupName');
        const names = indexedValues(params, 'ContactNames', MAX_GROUP_CONTACTS);
        for (const contact of names) {
          if (!contacts.has(contact)) throw illegalParameter(`ContactNames`, `no alert contact is named "${contact}" (create it with PutContact first)`);
        }
        const subscribed = optional(params, 'EnableSubscribed');
        if (subscribed !== undefined && subscribed !== 'true' && subscribed !== 'false') {
          throw invalidParameter('EnableSubscribed', `true or false, got "${subscribed}"`);
        }
        const previous = groups.get(name);
        groups.set(name, {
          name,
          describe: optional(params, 'Describe') ?? '',
          enableSubscribed: subscribed === 'true',
          // PutContactGroup states the whole group: the contacts named, no others.
          contactNames: [...new Set(names)],
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
        });
        return { Code: '200', Success: true, Message: '' };
      },

      DescribeContactGroupList(params) {
        const pageNumber = positiveInteger(params, 'PageNumber', 1);
        const pageSize = positiveInteger(params, 'PageSize', 100);
        const listed = page([...groups.values()], pageNumber, pageSize);
        return {
          Code: '200',
          Success: true,
          Total: groups.size,
          ContactGroups: { ContactGroup: listed.map((g) => g.name) },
          ContactGroupList: {
            ContactGroup: listed.map((g) => ({
              Name: g.name,
              Describe: g.describe,
              EnableSubscribed: g.enableSubscribed,
              EnabledWeeklyReport: false,
              CreateTime: g.createdAt,
              UpdateTime: g.updatedAt,
              Contacts: { Contact: [...g.contactNames] },
            })),
          },
        };
      },
    },
  };
}

function isHttps(raw: string): boolean {
  try {
    return new URL(raw).protocol === 'https:';
  } catch {
    return false;
  }
}

function clone<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
