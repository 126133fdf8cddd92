/**
 * EventRelation reads and writes and the e-mail lookups behind the attendee mapping
 * (core/event-attendees.ts decides; this module only moves records). Lookups run as the rep,
 * relation reads as the integration user, writes as the rep through sObject Collections.
 */
import type { EmailMatches, EventRelationRow } from '../../core/event-attendees.ts';
import type { Log } from '../../ports/log.ts';
import type { RelationInsert, StatusChange, WhoUpdate } from '../../ports/event-relations.ts';
import type { SalesforceApi } from './api.ts';
import {
  actorOrFail,
  confirmGone,
  IN_CLAUSE_IDS,
  itemFailure,
  runCollections,
  type CollectionTarget,
  type Pending,
  type SalesforceWriteResult,
} from './collections.ts';
import { classify } from './errors.ts';
import { chunk, chunkByLength, isSalesforceId, soqlIdList, soqlString, to18 } from './soql.ts';

const RELATIONS: CollectionTarget = { sobject: 'EventRelation', noun: 'event relation' };
const EVENTS: CollectionTarget = { sobject: 'Event', noun: 'event' };

/** Like the Account-name lookup: keeps each GET /query URL far below the request-line limit. */
const EMAIL_BUDGET = 6000;

const hasPrefix = (id: unknown, ...prefixes: string[]): id is string => isSalesforceId(id) && prefixes.some((p) => id.startsWith(p));
const EVENT_PREFIX = '00U';
const RELATION_PREFIX = '0RE';
/** WhoId takes a contact or a lead. */
const WHO_PREFIXES = ['003', '00Q'];

/** Codes a delete may get for a row that is not there; confirmed by a read before counting as deleted. */

interface EmailRow {
  Id?: unknown;
  Email?: unknown;
}

/** Addresses are compared lower-cased; SOQL's = and IN on Email ignore case as well. */
const lower = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined);

const LOOKUPS: ReadonlyArray<{ key: keyof EmailMatches; what: string; from: string; where: string }> = [
  { key: 'contacts', what: 'contact e-mail lookup', from: 'Contact', where: '' },
  // A converted lead lives on as the contact it became; relating the lead would hide that.
  { key: 'leads', what: 'lead e-mail lookup', from: 'Lead', where: 'IsConverted = false AND ' },
  { key: 'users', what: 'user e-mail lookup', from: 'User', where: 'IsActive = true AND ' },
];

export async function lookupByEmail(api: SalesforceApi, asUserId: string, emails: string[]): Promise<Map<string, EmailMatches>> {
  const wanted = [...new Set(emails.map(lower).filter((e): e is string => e !== undefined))];
  const found = new Map<string, { contacts: string[]; leads: string[]; users: string[] }>();
  for (const e of wanted) found.set(e, { contacts: [], leads: [], users: [] });
  if (wanted.length === 0) return found;
  const actor = await api.actorFor(asUserId);
  for (const part of chunkByLength(wanted, IN_CLAUSE_IDS, EMAIL_BUDGET)) {
    const inList = `(${part.map(soqlString).join(',')})`;
    for (const l of LOOKUPS) {
      const rows = await api.query<EmailRow>(actor, l.what, `SELECT Id, Email FROM ${l.from} WHERE ${l.where}Email IN ${inList}`);
      for (const r of rows) {
        const entry = found.get(lower(r.Email) ?? '');
        if (entry && isSalesforceId(r.Id) && !entry[l.key].includes(to18(r.Id))) entry[l.key].push(to18(r.Id));
      }
    }
  }
  return found;
}

interface RelationRecord {
  Id?: unknown;
  EventId?: unknown;
  RelationId?: unknown;
  IsInvitee?: unknown;
  IsParent?: unknown;
  IsWhat?: unknown;
  Status?: unknown;
  Relation?: { Type?: unknown; Email?: unknown; Name?: unknown } | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function toRow(r: RelationRecord): EventRelationRow | undefined {
  if (!isSalesforceId(r.Id) || !isSalesforceId(r.EventId) || !isSalesforceId(r.RelationId)) return undefined;
  const row: EventRelationRow = {
    id: r.Id,
    eventId: r.EventId,
    relationId: r.RelationId,
    isInvitee: r.IsInvitee === true,
    isParent: r.IsParent === true,
    isWhat: r.IsWhat === true,
  };
  const type = text(r.Relation?.Type);
  const email = lower(r.Relation?.Email);
  const name = text(r.Relation?.Name);
  const status = text(r.Status);
  if (type !== undefined) row.type = type;
  if (email !== undefined) row.email = email;
  if (name !== undefined) row.name = name;
  if (status !== undefined) row.status = status;
  return row;
}

/** Every relation row of the events; the person's e-mail and name come through the polymorphic Relation. */
export async function listRelations(api: SalesforceApi, eventIds: string[]): Promise<EventRelationRow[]> {
  const valid = [...new Set(eventIds.filter((id) => hasPrefix(id, EVENT_PREFIX)).map(to18))];
  const out: EventRelationRow[] = [];
  for (const part of chunk(valid, IN_CLAUSE_IDS)) {
    const rows = await api.query<RelationRecord>(
      api.integration,
      'event relation list',
      'SELECT Id, EventId, RelationId, IsInvitee, IsParent, IsWhat, Status, Relation.Type, Relation.Email, Relation.Name ' +
        `FROM EventRelation WHERE EventId IN ${soqlIdList(part)}`,
    );
    for (const r of rows) {
      const row = toRow(r);
      if (row) out.push(row);
    }
  }
  return out;
}

/** Resolves the rep and sends; when the rep can't act, every pending item fails with that reason. */
async function send(
  api: SalesforceApi,
  asUserId: string,
  target: CollectionTarget,
  op: 'create' | 'update' | 'delete',
  pending: Pending[],
  results: SalesforceWriteResult[],
  log: Log,
): Promise<void> {
  if (pending.length === 0) return;
  const failed: SalesforceWriteResult[] = new Array(pending.length);
  const actor = await actorOrFail(api, asUserId, pending.length, failed, pending.map((p) => p.id ?? ''));
  if (!actor) {
    pending.forEach((p, i) => {
      const r = failed[i];
      if (r) results[p.index] = r;
    });
    return;
  }
  await runCollections(api, actor, target, op, pending, results, log);
}

export async function insertRelations(api: SalesforceApi, asUserId: string, items: RelationInsert[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const pending: Pending[] = [];
  items.forEach((item, index) => {
    if (!hasPrefix(item.eventId, EVENT_PREFIX) || !isSalesforceId(item.relationId)) {
      results[index] = itemFailure(undefined, 'INVALID_ID', `new event relation #${index + 1} has no valid event or relation id`, false);
      return;
    }
    const body = {
      EventId: item.eventId,
      RelationId: item.relationId,
      IsInvitee: item.isInvitee,
      IsParent: item.isParent,
      ...(item.status === undefined ? {} : { Status: item.status }),
    };
    pending.push({ index, body, warnings: [] });
  });
  await send(api, asUserId, RELATIONS, 'create', pending, results, log);
  return results;
}

export async function deleteRelations(api: SalesforceApi, asUserId: string, ids: string[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(ids.length);
  const pending: Pending[] = [];
  ids.forEach((id, index) => {
    // The collection DELETE takes ids of any object: only an EventRelation id may reach it.
    if (!hasPrefix(id, RELATION_PREFIX)) results[index] = itemFailure(undefined, 'INVALID_ID', `delete #${index + 1} has no valid event relation id`, false);
    else pending.push({ index, id, body: {}, warnings: [] });
  });
  await send(api, asUserId, RELATIONS, 'delete', pending, results, log);
  await confirmGone(api, 'EventRelation', pending, results, log);
  return results;
}


export async function setWho(api: SalesforceApi, asUserId: string, items: WhoUpdate[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const pending: Pending[] = [];
  items.forEach((item, index) => {
    if (!hasPrefix(item.eventId, EVENT_PREFIX) || (item.whoId !== null && !hasPrefix(item.whoId, ...WHO_PREFIXES))) {
      results[index] = itemFailure(undefined, 'INVALID_ID', `WhoId update #${index + 1} needs an event id and a contact or lead id (or null)`, false);
      return;
    }
    pending.push({ index, id: item.eventId, body: { WhoId: item.whoId }, warnings: [] });
  });
  await send(api, asUserId, EVENTS, 'update', pending, results, log);
  return results;
}

export async function setStatuses(api: SalesforceApi, asUserId: string, items: StatusChange[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const pending: Pending[] = [];
  items.forEach((item, index) => {
    if (!hasPrefix(item.id, RELATION_PREFIX)) results[index] = itemFailure(undefined, 'INVALID_ID', `response #${index + 1} has no valid event relation id`, false);
    else pending.push({ index, id: item.id, body: { Status: item.status }, warnings: [] });
  });
  await send(api, asUserId, RELATIONS, 'update', pending, results, log);
  return results;
}
