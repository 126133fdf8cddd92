/**
 * Event reads (as the integration user, SOQL) and writes (as the rep, through sObject
 * Collections). Mapping, the 14-day rule and the series model live in core/salesforce-event.ts;
 * this module only moves records and turns every outcome into a per-item result.
 */
import type { MappingWarning } from '../../core/contact.ts';
import type { EventFields } from '../../core/event.ts';
import { fromSalesforceEvent, salesforceSeriesKey, SALESFORCE_EVENT_LIMITS, toSalesforceEvent, type SalesforceEventRecord } from '../../core/salesforce-event.ts';
import { isCalendarDate } from '../../core/normalise.ts';
import { addDaysToDate, formatInstant, parseInstant, utcToZoned } from '../../core/timezones.ts';
import type { Log } from '../../ports/log.ts';
import type { EventWindow } from '../../ports/mailbox-events.ts';
import type { EventUpdate, SalesforceEvent } from '../../ports/salesforce.ts';
import type { Actor, SalesforceApi } from './api.ts';
import {
  actorOrFail,
  confirmGone,
  IN_CLAUSE_IDS,
  itemFailure,
  runCollections,
  subjectOf,
  withWarnings,
  type CollectionTarget,
  type Pending,
  type SalesforceWriteResult,
} from './collections.ts';
import { classify, describeRequestError, safeCode, SalesforceApiError } from './errors.ts';
import { chunk, isSalesforceId, soqlIdList, soqlString, to18 } from './soql.ts';

/**
 * The Event fields the connector reads: everything fromSalesforceEvent / toSalesforceEvent look
 * at (SalesforceEventRecord). IsRecurrence marks a Salesforce Classic series record, which the
 * mapping reports instead of taking it for a single event; WhoId / WhatId decide whether an
 * event may be made private.
 */
const EVENT_SOQL_FIELDS = [
  'Id',
  'OwnerId',
  'SystemModstamp',
  'Subject',
  'StartDateTime',
  'EndDateTime',
  'ActivityDate',
  'ActivityDateTime',
  'DurationInMinutes',
  'IsAllDayEvent',
  'Location',
  'Description',
  'ShowAs',
  'IsPrivate',
  'IsReminderSet',
  'ReminderDateTime',
  'IsRecurrence',
  'IsRecurrence2',
  'Recurrence2PatternText',
  'Recurrence2PatternTimeZone',
  'IsRecurrence2Exception',
  'IsRecurrence2Exclusion',
  'Recurrence2PatternStartDate',
  'RecurrenceActivityId',
  'GroupEventType',
  'ActivityRecurrence2Id',
  'IsChild',
  'IsGroupEvent',
  'WhoId',
  'WhatId',
] as const;

const SELECT_EVENT = `SELECT ${EVENT_SOQL_FIELDS.join(', ')} FROM Event`;

const EVENTS: CollectionTarget = { sobject: 'Event', noun: 'event' };

/** An all-day event spans at most this many dates (14 days, the Salesforce multiday maximum). */
const MAX_ALL_DAY_DATES = SALESFORCE_EVENT_LIMITS.maxDurationMinutes / (24 * 60);

/** Every Event id starts with the object's key prefix. */
const EVENT_KEY_PREFIX = '00U';

export const isEventId = (id: unknown): id is string => isSalesforceId(id) && id.startsWith(EVENT_KEY_PREFIX);

function toSideItem(row: SalesforceEventRecord, userTimeZone: string): SalesforceEvent | undefined {
  if (!isSalesforceId(row.Id)) return undefined;
  const { event, warnings } = fromSalesforceEvent(row, { userTimeZone });
  const stamp = typeof row.SystemModstamp === 'string' ? row.SystemModstamp : '';
  const seriesKey = event.kind === 'seriesMaster' ? salesforceSeriesKey(row) : undefined;
  return {
    id: row.Id,
    version: stamp,
    ...(stamp !== '' ? { modifiedAt: stamp } : {}),
    data: event,
    ownerId: typeof row.OwnerId === 'string' ? row.OwnerId : '',
    isChild: row.IsChild === true,
    whoId: typeof row.WhoId === 'string' && row.WhoId !== '' ? row.WhoId : null,
    ...(seriesKey !== undefined ? { seriesKey } : {}),
    warnings,
  };
}

/**
 * Runs a query per chunk of (valid) ids, each id once in either form; `where` gets the IN list.
 * Every row carries EVENT_SOQL_FIELDS.
 */
export async function queryByIds(api: SalesforceApi, what: string, ids: string[], where: (inList: string) => string): Promise<SalesforceEventRecord[]> {
  const out: SalesforceEventRecord[] = [];
  for (const part of chunk([...new Set(ids.map(to18))], IN_CLAUSE_IDS)) {
    out.push(...(await api.query<SalesforceEventRecord>(api.integration, what, `${SELECT_EVENT} WHERE ${where(soqlIdList(part))}`)));
  }
  return out;
}

function windowInstant(value: string, which: string): number {
  try {
    return parseInstant(value);
  } catch {
    throw new SalesforceApiError(`event window ${which} is not an instant`, 'INVALID_WINDOW', 'rejected');
  }
}

/** The date of an instant in the rep's zone; UTC when the zone is unknown (the mapping warns about it). */
function localDate(ms: number, zone: string): string {
  const instant = formatInstant(ms);
  try {
    return utcToZoned(instant, zone).slice(0, 10);
  } catch {
    return instant.slice(0, 10);
  }
}

/**
 * The user's events that overlap the window, invitee copies excluded: timed events by their
 * instants, all-day events by their dates in the rep's zone (an event whose dates touch the
 * window's dates overlaps). The series record of every listed occurrence comes too, even when
 * the series started before the window, so an occurrence never arrives without its series.
 */
export async function listOwnedEvents(api: SalesforceApi, userId: string, window: EventWindow, userTimeZone: string): Promise<SalesforceEvent[]> {
  if (!isSalesforceId(userId)) throw new SalesforceApiError('not a Salesforce user id', 'INVALID_ID', 'rejected');
  const startMs = windowInstant(window.start, 'start');
  const endMs = windowInstant(window.end, 'end');
  if (endMs < startMs) throw new SalesforceApiError('event window ends before it starts', 'INVALID_WINDOW', 'rejected');
  const firstDate = localDate(startMs, userTimeZone);
  // The window's end is exclusive: a window ending at local midnight does not touch the next date.
  const lastDate = localDate(endMs > startMs ? endMs - 1 : endMs, userTimeZone);
  // ActivityDate is an all-day event's first date; one that began up to 13 dates before the
  // window may still reach into it, and is kept below only if it does.
  const earliestStart = addDaysToDate(firstDate, -(MAX_ALL_DAY_DATES - 1));
  const owner = `OwnerId = ${soqlString(userId)} AND IsChild = false`;
  const soql =
    `${SELECT_EVENT} WHERE ${owner} AND (` +
    `(IsAllDayEvent = false AND StartDateTime < ${formatInstant(endMs)} AND EndDateTime > ${formatInstant(startMs)})` +
    ` OR (IsAllDayEvent = true AND ActivityDate >= ${earliestStart} AND ActivityDate <= ${lastDate}))`;
  const rows = await api.query<SalesforceEventRecord>(api.integration, 'event list', soql);

  const out: SalesforceEvent[] = [];
  const seen = new Set<string>();
  const seriesListed = new Set<string>();
  const seriesWanted = new Set<string>();
  const add = (item: SalesforceEvent | undefined): void => {
    if (!item || seen.has(to18(item.id))) return;
    seen.add(to18(item.id));
    out.push(item);
  };
  for (const row of rows) {
    const item = toSideItem(row, userTimeZone);
    if (!item) continue;
    const f = item.data.fields;
    if (f.isAllDay === true && f.start !== undefined && f.end !== undefined && isCalendarDate(f.start) && isCalendarDate(f.end)) {
      const lastDay = addDaysToDate(f.end, -1);
      if (lastDay < firstDate || f.start > lastDate) continue;
    }
    if (item.data.kind === 'seriesMaster') {
      const key = salesforceSeriesKey(row);
      if (key !== undefined) seriesListed.add(key);
    } else if (item.data.seriesMasterId !== undefined && isSalesforceId(item.data.seriesMasterId) && !isEventId(item.data.seriesMasterId)) {
      // A Lightning series key (not the Event id a Classic occurrence names, which is not mapped).
      seriesWanted.add(item.data.seriesMasterId);
    }
    add(item);
  }
  const missingSeries = [...seriesWanted].filter((k) => !seriesListed.has(k));
  if (missingSeries.length > 0) {
    const series = await queryByIds(api, 'event series list', missingSeries, (inList) => `${owner} AND GroupEventType = '3' AND ActivityRecurrence2Id IN ${inList}`);
    for (const row of series) add(toSideItem(row, userTimeZone));
  }
  return out;
}

/** Existing events among ids, wherever they sit in time; malformed or missing ids are simply absent. */
export async function getEvents(api: SalesforceApi, ids: string[], userTimeZone: string): Promise<SalesforceEvent[]> {
  const valid = ids.filter(isSalesforceId);
  const rows = await queryByIds(api, 'event get', valid, (inList) => `Id IN ${inList}`);
  const out: SalesforceEvent[] = [];
  for (const row of rows) {
    const item = toSideItem(row, userTimeZone);
    if (item) out.push(item);
  }
  return out;
}

// ─── writes ──────────────────────────────────────────────────────────────────────────────

/** A write the mapping refused: not sent, and not worth retrying until the event changes. */
function refused(target: Pick<Pending, 'index' | 'id'>, errors: MappingWarning[], warnings: MappingWarning[]): SalesforceWriteResult {
  const fields = [...new Set(errors.map((e) => e.field))];
  const reasons = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  const message = `${subjectOf(EVENTS, target)} not sent; Salesforce would refuse it (${reasons})`;
  return withWarnings(itemFailure(target.id, 'invalid', message, false, fields), warnings);
}

/** Resolves the acting rep only when something is to be sent; if that fails, those items fail. */
async function actorForPending(api: SalesforceApi, asUserId: string, pending: Pending[], results: SalesforceWriteResult[]): Promise<Actor | undefined> {
  if (pending.length === 0) return undefined;
  const failed: SalesforceWriteResult[] = new Array(pending.length);
  const actor = await actorOrFail(api, asUserId, pending.length, failed, pending.map((p) => p.id ?? ''));
  if (!actor) {
    pending.forEach((p, i) => {
      const r = failed[i];
      if (r) results[p.index] = withWarnings(r, p.warnings);
    });
  }
  return actor;
}

export async function createEvents(
  api: SalesforceApi,
  asUserId: string,
  items: Array<{ ownerId: string; data: EventFields }>,
  userTimeZone: string,
  log: Log,
): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const pending: Pending[] = [];
  items.forEach((item, index) => {
    if (!isSalesforceId(item.ownerId)) {
      results[index] = itemFailure(undefined, 'INVALID_ID', `new event #${index + 1} has no valid owner id`, false);
      return;
    }
    const m = toSalesforceEvent(item.data, { userTimeZone });
    if (m.errors.length > 0) {
      results[index] = refused({ index }, m.errors, m.warnings);
      return;
    }
    // Nulls only clear fields; a new record has nothing to clear.
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m.record)) if (v !== null) body[k] = v;
    // A pattern alone does not make a series: the insert must also say IsRecurrence2 (settable on
    // create only), or the org keeps a single event with the pattern text beside it.
    if (typeof body.Recurrence2PatternText === 'string') body.IsRecurrence2 = true;
    body.OwnerId = item.ownerId;
    pending.push({ index, body, warnings: [...m.warnings] });
  });
  const actor = await actorForPending(api, asUserId, pending, results);
  if (actor) await runCollections(api, actor, EVENTS, 'create', pending, results, log);
  return results;
}

/** The records as they are now, by 18-character id; ids that are gone are absent. */
async function readCurrent(api: SalesforceApi, ids: string[]): Promise<Map<string, SalesforceEventRecord>> {
  const rows = await queryByIds(api, 'event read before update', ids, (inList) => `Id IN ${inList}`);
  const out = new Map<string, SalesforceEventRecord>();
  for (const row of rows) if (isSalesforceId(row.Id)) out.set(to18(row.Id), row);
  return out;
}

export async function updateEvents(
  api: SalesforceApi,
  asUserId: string,
  items: EventUpdate[],
  userTimeZone: string,
  log: Log,
): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(items.length);
  const valid: Array<{ index: number; item: EventUpdate }> = [];
  items.forEach((item, index) => {
    if (!isEventId(item.id)) results[index] = itemFailure(undefined, 'INVALID_ID', `update #${index + 1} has no valid event id`, false);
    else valid.push({ index, item });
  });
  if (valid.length === 0) return results;

  let current: Map<string, SalesforceEventRecord>;
  try {
    current = await readCurrent(api, valid.map((v) => v.item.id));
  } catch (err) {
    // Start, end and all-day are written as one unit from the current record: without it, nothing is sent.
    const c = classify(err);
    log('warn', 'salesforce event read before update failed', { user: asUserId, records: valid.length, code: c.code, status: c.status });
    const retryable = err instanceof SalesforceApiError ? err.retryable : c.kind !== 'rejected';
    const text = err instanceof SalesforceApiError ? err.message : describeRequestError('event read before update', c);
    for (const v of valid) results[v.index] = itemFailure(v.item.id, safeCode(c.code), text, retryable);
    return results;
  }

  const pending: Pending[] = [];
  for (const { index, item } of valid) {
    const record = current.get(to18(item.id));
    if (!record) {
      results[index] = itemFailure(item.id, 'ENTITY_IS_DELETED', `Salesforce event ${item.id} does not exist or is deleted (ENTITY_IS_DELETED)`, false);
      continue;
    }
    const m = toSalesforceEvent(item.set, { userTimeZone, current: record });
    if (m.errors.length > 0) {
      results[index] = refused({ index, id: item.id }, m.errors, m.warnings);
      continue;
    }
    // Nothing Salesforce holds changes (e.g. only fields it keeps elsewhere): no request.
    if (Object.keys(m.record).length === 0) results[index] = withWarnings({ ok: true, id: item.id, version: '' }, m.warnings);
    else pending.push({ index, id: item.id, body: { ...m.record }, warnings: [...m.warnings] });
  }
  const actor = await actorForPending(api, asUserId, pending, results);
  if (actor) await runCollections(api, actor, EVENTS, 'update', pending, results, log);
  return results;
}

export async function deleteEvents(api: SalesforceApi, asUserId: string, ids: string[], log: Log): Promise<SalesforceWriteResult[]> {
  const results: SalesforceWriteResult[] = new Array(ids.length);
  const pending: Pending[] = [];
  ids.forEach((id, index) => {
    // The collection DELETE takes ids of any object: only an Event id (prefix 00U) may reach it.
    if (!isEventId(id)) results[index] = itemFailure(undefined, 'INVALID_ID', `delete #${index + 1} has no valid event id`, false);
    else pending.push({ index, id, body: {}, warnings: [] });
  });
  const actor = await actorForPending(api, asUserId, pending, results);
  if (!actor) return results;
  let series: Map<string, string>;
  try {
    series = await seriesRecordsAmong(api, pending.map((p) => p.id as string));
  } catch (err) {
    // Whether an id is a series decides how it is deleted: unread, nothing is sent.
    const c = classify(err);
    log('warn', 'salesforce event read before delete failed', { user: asUserId, records: pending.length, code: c.code, status: c.status });
    for (const p of pending) results[p.index] = itemFailure(p.id, safeCode(c.code), describeRequestError('event read before delete', c), c.kind !== 'rejected');
    return results;
  }
  const seriesPending = pending.filter((p) => series.has(to18(p.id as string)));
  const plain = pending.filter((p) => !series.has(to18(p.id as string)));
  const leftover = await deleteSeries(api, actor, seriesPending, series, results, log);
  plain.push(...leftover);
  await runCollections(api, actor, EVENTS, 'delete', plain, results, log);
  await confirmGone(api, 'Event', plain, results, log);
  return results;
}

/** The Lightning series records among ids (18-character id → series key); other ids are absent. */
async function seriesRecordsAmong(api: SalesforceApi, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const row of await queryByIds(api, 'event read before delete', ids, (inList) => `Id IN ${inList}`)) {
    const key = salesforceSeriesKey(row);
    if (isSalesforceId(row.Id) && row.GroupEventType === '3' && key !== undefined) out.set(to18(row.Id), key);
  }
  return out;
}

/**
 * Deletes whole series the way the REST guide ("Delete Lightning Experience Event Series") says:
 * DELETE …/sobjects/Event/{first occurrence}/fromThisEventOnwards. The guide is silent on a plain
 * delete of the series record (GroupEventType '3') and on whether that record goes with its
 * occurrences, so success is only reported once a read shows the series record gone; a series
 * record that outlives its occurrences is reported, never taken for deleted. A series with no
 * occurrence left to start from is returned for a plain delete (the only call that remains).
 */
async function deleteSeries(
  api: SalesforceApi,
  actor: Actor,
  pending: Pending[],
  keys: Map<string, string>,
  results: SalesforceWriteResult[],
  log: Log,
): Promise<Pending[]> {
  if (pending.length === 0) return [];
  const keyOf = (p: Pending) => keys.get(to18(p.id as string)) as string;
  const first = new Map<string, string>();
  try {
    for (const part of chunk([...new Set(pending.map(keyOf))], IN_CLAUSE_IDS)) {
      // Historical occurrences (IsRecurrence2Exclusion) cannot start a delete "from this event onwards".
      const soql =
        `SELECT Id, ActivityRecurrence2Id, StartDateTime FROM Event WHERE ActivityRecurrence2Id IN ${soqlIdList(part)}` +
        ` AND GroupEventType != '3' AND IsChild = false AND IsRecurrence2Exclusion = false ORDER BY StartDateTime ASC`;
      for (const row of await api.query<SalesforceEventRecord>(api.integration, 'event series occurrences', soql)) {
        const key = row.ActivityRecurrence2Id;
        if (typeof key === 'string' && isSalesforceId(row.Id) && !first.has(to18(key))) first.set(to18(key), row.Id);
      }
    }
  } catch (err) {
    const c = classify(err);
    log('warn', 'salesforce event series read before delete failed', { user: actor.label, records: pending.length, code: c.code, status: c.status });
    for (const p of pending) results[p.index] = itemFailure(p.id, safeCode(c.code), describeRequestError('event series read before delete', c), c.kind !== 'rejected');
    return [];
  }
  const leftover: Pending[] = [];
  const sent: Pending[] = [];
  for (const p of pending) {
    const occurrence = first.get(to18(keyOf(p)));
    if (occurrence === undefined) {
      leftover.push(p);
      continue;
    }
    try {
      await api.call(actor, 'event series delete', 'idempotent', () => ({ method: 'DELETE', url: `/sobjects/Event/${occurrence}/fromThisEventOnwards` }));
    } catch (err) {
      const c = classify(err);
      const text = err instanceof SalesforceApiError ? err.message : describeRequestError('event series delete', c);
      results[p.index] = itemFailure(p.id, safeCode(c.code), text, err instanceof SalesforceApiError ? err.retryable : c.kind !== 'rejected');
    }
    sent.push(p);
  }
  if (sent.length === 0) return leftover;
  let remaining: Set<string>;
  try {
    remaining = new Set((await seriesRecordsAmong(api, sent.map((p) => p.id as string))).keys());
  } catch (err) {
    const c = classify(err);
    log('warn', 'salesforce event series delete check failed', { records: sent.length, code: c.code, status: c.status });
    // Unconfirmed: a retry reads the series afresh and finds it gone or still there.
    for (const p of sent) results[p.index] ??= itemFailure(p.id, safeCode(c.code), describeRequestError('event series delete check', c), true);
    return leftover;
  }
  for (const p of sent) {
    if (!remaining.has(to18(p.id as string))) results[p.index] = { ok: true, id: p.id as string, version: '' };
    else {
      results[p.index] ??= itemFailure(
        p.id,
        'SERIES_NOT_DELETED',
        `Salesforce event series ${p.id as string}: its occurrences were deleted but the series record was kept; delete the series in Salesforce`,
        false,
      );
    }
  }
  return leftover;
}

