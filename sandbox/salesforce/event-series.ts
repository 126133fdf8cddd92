/**
 * Lightning event series (IsRecurrence2), as the docs describe it:
 * - The series itself is an Event row with GroupEventType '3' ("IsRecurrence2 Series Pattern":
 *   "an event representing an event series recurrence pattern", Event object reference). Every
 *   occurrence, the first included, is a separate Event row with GroupEventType '0'. The CDC
 *   guide's "Recurring Activities" example shows exactly that: one CREATE for the series record,
 *   then one for the first occurrence, at the same time, in one transaction.
 * - Series record and occurrences share ActivityRecurrence2Id, a read-only key (prefix 828) of
 *   the series (CDC example; Event got the field with ActivityRecurrence2ExceptionId in a later
 *   release). RecurrenceActivityId is Salesforce Classic only ("the ID of the main record of the
 *   Salesforce Classic recurring event") and stays null on series rows.
 * - REST "Delete Lightning Experience Event Series": a plain DELETE of an occurrence removes only
 *   it; DELETE …/fromThisEventOnwards removes it and every later one, and from the first
 *   occurrence that is the whole series.
 * - CDC guide: a pattern change deletes and recreates the occurrences; past ones stay, flagged
 *   IsRecurrence2Exclusion ("Historical Event, Not Following Recurrence").
 *
 * Not settled by the docs, so the emulator's reading: the id an insert returns is the series
 * record's (it is created first in the CDC example, and the mapping reads a GroupEventType '3'
 * row as the series master); the 828 key is derived from that id (the hidden object behind it is
 * not exposed); fromThisEventOnwards on the series record itself also removes the whole series.
 * The expansion bound (100 occurrences, two years) is the emulator's; the docs found give none.
 */
import rrule from 'rrule';
import { isIanaZone, utcToWall, wallToUtc } from '../common/zones.ts';
import { SfError } from './errors.ts';
import { checksumSuffix } from './ids.ts';
import { dateInZone } from './event-rules.ts';
import type { ObjectDef } from './schema.ts';
import { FromNewId, type StoredRecord, type Transaction } from './store.ts';
import { dateOf } from './values.ts';

const { rrulestr } = rrule;

export const MAX_OCCURRENCES = 100;
const HORIZON_MS = 730 * 86_400_000;

/** Fields an occurrence shares with its series; times are computed per occurrence. */
const SHARED = [
  'OwnerId',
  'Subject',
  'Location',
  'Description',
  'ShowAs',
  'IsPrivate',
  'IsReminderSet',
  'WhoId',
  'WhatId',
  'AccountId',
  'IsAllDayEvent',
  'IsRecurrence2',
  'Recurrence2PatternText',
  'Recurrence2PatternTimeZone',
  'Recurrence2PatternVersion',
  'Recurrence2PatternStartDate',
  'ActivityRecurrence2Id',
  'IsGroupEvent',
] as const;

/** GroupEventType of the series record ("IsRecurrence2 Series Pattern"). */
export const SERIES_PATTERN = '3';

/** The series key (ActivityRecurrence2Id, prefix 828), derived from the series record's id. */
export const seriesKeyFor = (eventId: string): string => {
  const id15 = `828${eventId.slice(3, 15)}`;
  return id15 + checksumSuffix(id15);
};

/** Insert values of a series record: the key is filled in once the record has its id. */
export const seriesRecordValues = (): Record<string, unknown> => ({
  GroupEventType: SERIES_PATTERN,
  RecurrenceActivityId: null,
  ActivityRecurrence2Id: new FromNewId(seriesKeyFor),
});

export const isSeriesRecord = (v: Readonly<Record<string, unknown>> | undefined): boolean =>
  v?.['IsRecurrence2'] === true && v['GroupEventType'] === SERIES_PATTERN;

export const isOccurrence = (v: Readonly<Record<string, unknown>> | undefined): boolean =>
  v?.['IsRecurrence2'] === true && v['GroupEventType'] !== SERIES_PATTERN && v['IsChild'] !== true;

/** Content fields a series edit carries to occurrences that were not edited on their own. */
export const PROPAGATED = ['Subject', 'Location', 'Description', 'ShowAs', 'IsPrivate', 'IsReminderSet', 'WhoId', 'WhatId', 'AccountId'];

/** Fields whose change on the series regenerates its occurrences. */
export const CRITICAL = [
  'Recurrence2PatternText',
  'Recurrence2PatternTimeZone',
  'StartDateTime',
  'ActivityDateTime',
  'EndDateTime',
  'DurationInMinutes',
  'IsAllDayEvent',
  'ActivityDate',
];

export function patternError(text: unknown): SfError | undefined {
  if (typeof text !== 'string' || text.trim() === '') {
    return new SfError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Recurrence2PatternText]', ['Recurrence2PatternText']);
  }
  try {
    rrulestr(text, { dtstart: new Date(0) });
    return undefined;
  } catch {
    return new SfError('FIELD_INTEGRITY_EXCEPTION', `Recurrence Pattern: invalid RRULE: ${text}`, ['Recurrence2PatternText']);
  }
}

/** Wall-clock time in `zone` of an instant, expressed as if it were UTC. */
/**
 * Occurrence starts, first included, bounded. Expanded in the pattern's zone so a 09:00 meeting
 * stays at 09:00 across daylight-saving changes; all-day series expand on UTC midnights.
 */
export function occurrenceStarts(series: Readonly<Record<string, unknown>>): number[] {
  const first = series['StartDateTime'];
  if (typeof first !== 'number') return [];
  const zone = series['IsAllDayEvent'] !== true && isIanaZone(series['Recurrence2PatternTimeZone']) ? series['Recurrence2PatternTimeZone'] : 'UTC';
  const local = utcToWall(first, zone);
  const rule = rrulestr(String(series['Recurrence2PatternText']), { dtstart: new Date(local) });
  const limit = local + HORIZON_MS;
  const out = rule.all((d, i) => i < MAX_OCCURRENCES && d.getTime() <= limit).map((d) => wallToUtc(d.getTime(), zone));
  return out.length && out[0] === first ? out : [first, ...out.filter((t) => t > first)].slice(0, MAX_OCCURRENCES);
}

export function ownerZone(tx: Transaction, values: Readonly<Record<string, unknown>>): string {
  const owner = typeof values['OwnerId'] === 'string' ? tx.get(values['OwnerId']) : undefined;
  const zone = owner?.values['TimeZoneSidKey'];
  return typeof zone === 'string' ? zone : 'UTC';
}

/** The occurrences (first included) of the series whose record is `seriesId`. */
export function occurrencesOf(tx: Transaction, seriesId: string): StoredRecord[] {
  const key = tx.get(seriesId)?.values['ActivityRecurrence2Id'];
  if (typeof key !== 'string') return [];
  return tx.list('Event').filter((r) => r.values['ActivityRecurrence2Id'] === key && isOccurrence(r.values));
}

/** The series record an occurrence belongs to. */
export function seriesRecordOf(tx: Transaction, occurrence: Readonly<Record<string, unknown>>): StoredRecord | undefined {
  const key = occurrence['ActivityRecurrence2Id'];
  if (typeof key !== 'string') return undefined;
  return tx.list('Event').find((r) => r.values['ActivityRecurrence2Id'] === key && isSeriesRecord(r.values));
}

/**
 * An occurrence's reminder: as long before its own start as the series' reminder is before the
 * series start (each occurrence is an Event row with its own ReminderDateTime).
 */
function reminderAt(series: Readonly<Record<string, unknown>>, at: number): number | null {
  const start = series['StartDateTime'];
  const reminder = series['ReminderDateTime'];
  return series['IsReminderSet'] === true && typeof start === 'number' && typeof reminder === 'number' ? at - (start - reminder) : null;
}

/** Inserts the occurrences (the first included) whose start is at or after `from`. */
export function createOccurrences(tx: Transaction, def: ObjectDef, seriesId: string, from = -Infinity): void {
  const series = tx.get(seriesId)?.values;
  if (!series) return;
  const start = series['StartDateTime'] as number;
  const length = (series['EndDateTime'] as number) - start;
  const allDay = series['IsAllDayEvent'] === true;
  const zone = ownerZone(tx, series);
  for (const at of occurrenceStarts(series)) {
    if (at < from) continue;
    const values: Record<string, unknown> = {};
    for (const f of SHARED) values[f] = series[f] ?? null;
    Object.assign(values, {
      StartDateTime: at,
      ActivityDateTime: at,
      EndDateTime: at + length,
      DurationInMinutes: series['DurationInMinutes'],
      ActivityDate: allDay ? dateOf(at) : dateInZone(at, zone),
      EndDate: allDay ? dateOf(at + length) : dateInZone(at + length, zone),
      ReminderDateTime: reminderAt(series, at),
      GroupEventType: '0',
      RecurrenceActivityId: null,
      IsRecurrence2Exception: false,
      IsRecurrence2Exclusion: false,
      IsChild: false,
    });
    tx.insert(def, values);
  }
}

/** A critical change: future occurrences are recreated, past ones kept as historical. */
export function regenerate(tx: Transaction, def: ObjectDef, seriesId: string, now: number): void {
  for (const occ of occurrencesOf(tx, seriesId)) {
    const id = occ.values['Id'] as string;
    if ((occ.values['StartDateTime'] as number) < now) tx.update(def, id, { IsRecurrence2Exclusion: true });
    else tx.delete(def, id);
  }
  createOccurrences(tx, def, seriesId, now);
}

export function propagate(tx: Transaction, def: ObjectDef, seriesId: string, changed: Record<string, unknown>): void {
  const series = tx.get(seriesId)?.values;
  const reminder = series !== undefined && 'ReminderDateTime' in changed;
  if (!Object.keys(changed).length) return;
  for (const occ of occurrencesOf(tx, seriesId)) {
    if (occ.values['IsRecurrence2Exception'] === true || occ.values['IsRecurrence2Exclusion'] === true) continue;
    const own = reminder ? { ReminderDateTime: reminderAt(series, occ.values['StartDateTime'] as number) } : {};
    tx.update(def, occ.values['Id'] as string, { ...changed, ...own });
  }
}

export function deleteOccurrences(tx: Transaction, def: ObjectDef, seriesId: string): void {
  for (const occ of occurrencesOf(tx, seriesId)) tx.delete(def, occ.values['Id'] as string);
}

/** The series pattern cut to end just before `start` (UNTIL replaces COUNT). */
function truncatedPattern(text: string, start: number): string {
  const opts = { ...rrulestr(text).origOptions };
  delete opts.count;
  delete opts.dtstart;
  opts.until = new Date(start - 1000);
  return new rrule.RRule(opts).toString();
}

/**
 * DELETE /sobjects/Event/{id}/fromThisEventOnwards: removes the occurrence and every later one;
 * from the first occurrence (or the series record) that is the whole series. The docs require
 * IsRecurrence2 true and IsRecurrence2Exclusion false, and refuse child events; the error wording
 * is the emulator's.
 */
export function deleteFromThisEventOnwards(tx: Transaction, def: ObjectDef, id: string): SfError | undefined {
  const rec = tx.get(id)?.values;
  if (!rec || rec['IsRecurrence2'] !== true || rec['IsRecurrence2Exclusion'] === true || rec['IsChild'] === true) {
    return new SfError('INVALID_OPERATION', 'fromThisEventOnwards needs an event series occurrence with IsRecurrence2 true and IsRecurrence2Exclusion false');
  }
  const seriesId = isSeriesRecord(rec) ? id : (seriesRecordOf(tx, rec)?.values['Id'] as string | undefined);
  if (seriesId === undefined) {
    tx.delete(def, id);
    return undefined;
  }
  const from = rec['StartDateTime'] as number;
  const occurrences = occurrencesOf(tx, seriesId);
  const earlier = occurrences.filter((o) => (o.values['StartDateTime'] as number) < from);
  if (seriesId === id || earlier.length === 0) {
    deleteOccurrences(tx, def, seriesId);
    tx.delete(def, seriesId);
    return undefined;
  }
  const pattern = truncatedPattern(String(rec['Recurrence2PatternText']), from);
  for (const occ of occurrences) {
    const occId = occ.values['Id'] as string;
    if ((occ.values['StartDateTime'] as number) >= from) tx.delete(def, occId);
    else tx.update(def, occId, { Recurrence2PatternText: pattern });
  }
  tx.update(def, seriesId, { Recurrence2PatternText: pattern });
  return undefined;
}
