/**
 * Salesforce Event ⇄ canonical event.
 *
 * Facts used here come from the Event object reference (API 62.0 / Summer '26,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_event.htm)
 * and the Change Data Capture guide's "Tasks and Events" notes; see the report of issue 3 for
 * the full list. The ones that shape the code:
 * - StartDateTime / EndDateTime / ActivityDateTime / ReminderDateTime are UTC instants.
 * - All-day events: IsAllDayEvent, ActivityDate (a date, "don't alter it for time zones") and
 *   DurationInMinutes; with neither duration nor end the event lasts one day.
 * - "Multiday events can't exceed 14 days" (and need the org's multiday setting above 1440 min).
 * - Subject is a nillable combobox (not required), Subject and Location hold 255 characters,
 *   Description 32,000. Over-long values are refused, never truncated, as for contacts.
 * - ShowAs is a restricted picklist: Busy, OutOfOffice ("Out of Office"), Free.
 * - Private events can't be related to contacts, leads or records (WhoId / WhatId).
 * - Lightning event series: Recurrence2PatternText is an RRULE subset, creatable (API 52.0+) but
 *   not updatable; IsRecurrence2 and Recurrence2PatternTimeZone are read-only. The series is an
 *   Event row of its own with GroupEventType '3' ("IsRecurrence2 Series Pattern", object
 *   reference); every occurrence, the first included, is another row with GroupEventType '0'
 *   (CDC guide, "Recurring Activities": one change event for the series record, one per
 *   occurrence). Series record and occurrences share ActivityRecurrence2Id (prefix 828), so an
 *   occurrence's seriesMasterId is that key, not an Event Id; salesforceSeriesKey gives the same
 *   key for the series record. The series record is found with
 *   `GroupEventType = '3' AND ActivityRecurrence2Id = <key>`.
 * - RecurrenceActivityId is Salesforce Classic only ("the ID of the main record of the Salesforce
 *   Classic recurring event"); it is null on event series rows.
 * - IsChild marks an invitee's copy of a group event (OwnerId = the invitee), not an occurrence.
 *
 * Errors (the whole event is skipped) are returned instead of a record Salesforce would refuse
 * or, worse, accept in a different shape than the mailbox has.
 */
import type { MappingWarning } from './contact.ts';
import type { EventField, EventFields, EventKind, MappedEvent, Recurrence, ShowAs } from './event.ts';
import { isCalendarDate } from './normalise.ts';
import { recurrenceInZone } from './recurrence-zone.ts';
import { recurrenceFromRRule, recurrenceToRRule, sameRecurrence } from './recurrence.ts';
import { addDaysToDate, formatInstant, parseInstant, utcToZoned, zonedToUtc } from './timezones.ts';

export interface SalesforceEventRecord {
  Id?: string;
  OwnerId?: string;
  SystemModstamp?: string;
  Subject?: string | null;
  StartDateTime?: string | null;
  EndDateTime?: string | null;
  ActivityDate?: string | null;
  ActivityDateTime?: string | null;
  DurationInMinutes?: number | null;
  IsAllDayEvent?: boolean;
  Location?: string | null;
  Description?: string | null;
  ShowAs?: string | null;
  IsPrivate?: boolean;
  IsReminderSet?: boolean;
  ReminderDateTime?: string | null;
  IsRecurrence2?: boolean;
  Recurrence2PatternText?: string | null;
  Recurrence2PatternTimeZone?: string | null;
  IsRecurrence2Exception?: boolean;
  IsRecurrence2Exclusion?: boolean;
  Recurrence2PatternStartDate?: string | null;
  RecurrenceActivityId?: string | null;
  /** '3' on the record of a Lightning event series; '0'/'1' on others (occurrences included). */
  GroupEventType?: string | null;
  /** The series key shared by a Lightning series record and its occurrences. */
  ActivityRecurrence2Id?: string | null;
  IsChild?: boolean;
  IsGroupEvent?: boolean;
  WhoId?: string | null;
  WhatId?: string | null;
  [k: string]: unknown;
}

/**
 * The canonical fields held on the Event record itself. Not here:
 * - organizer and attendees: Salesforce holds them as OwnerId and EventRelation rows, mapped by
 *   the attendee mapping, so this mapping neither reads nor writes them;
 * - timeZone: Salesforce keeps no zone per event (only the rep's User.TimeZoneSidKey, and a
 *   read-only series zone); fromSalesforceEvent fills it with that zone for the other side's
 *   benefit, but it is not a Salesforce value to compare or merge.
 */
export const SALESFORCE_EVENT_FIELDS: readonly EventField[] = [
  'subject',
  'start',
  'end',
  'isAllDay',
  'location',
  'description',
  'showAs',
  'isPrivate',
  'reminderMinutes',
  'recurrence',
] as const;

/** Held through OwnerId / EventRelation rather than on the Event record. */
export const SALESFORCE_EVENT_RELATION_FIELDS: readonly EventField[] = ['organizer', 'attendees'] as const;

export const SALESFORCE_EVENT_LIMITS = {
  subject: 255,
  location: 255,
  description: 32_000,
  /** "Multiday events can't exceed 14 days"; exactly 14 days is accepted. */
  maxDurationMinutes: 14 * 24 * 60,
  /** Recurrence2PatternText "has a maximum length of 512 characters". */
  patternText: 512,
} as const;

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

const SHOW_AS_FROM_SALESFORCE: Readonly<Record<string, ShowAs>> = { Busy: 'busy', Free: 'free', OutOfOffice: 'oof' };
const SHOW_AS_TO_SALESFORCE: Readonly<Record<ShowAs, string>> = {
  busy: 'Busy',
  free: 'Free',
  oof: 'OutOfOffice',
  // Salesforce has no tentative or working-elsewhere; both still block the time, so Busy.
  tentative: 'Busy',
  workingElsewhere: 'Busy',
};

function textValue(value: unknown, multiLine: boolean): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value.normalize('NFC');
  // Salesforce text areas come back with CRLF from some clients; the canonical form is LF.
  if (multiLine) text = text.replace(/\r\n?/g, '\n');
  text = text.trim();
  return text === '' ? undefined : text;
}

/** A Salesforce date: 'YYYY-MM-DD', a midnight-UTC date-time, or (CDC payloads) epoch ms. */
function readDate(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return formatInstant(value).slice(0, 10);
  if (typeof value !== 'string') return undefined;
  const date = value.trim().slice(0, 10);
  return isCalendarDate(date) ? date : undefined;
}

/** A Salesforce date-time ('2024-05-06T17:00:00.000+0000', Z or CDC epoch ms) → epoch ms. */
function readInstant(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return parseInstant(value);
  } catch {
    return undefined;
  }
}

function dayDiff(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / (DAY_MINUTES * MINUTE));
}

function stringField(record: SalesforceEventRecord, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Start of an all-day event as an instant, for reminders: local midnight in the rep's zone. */
function allDayStartMs(date: string, zone: string): number {
  return parseInstant(zonedToUtc(`${date}T00:00:00`, zone));
}

interface Times {
  start?: string;
  end?: string;
  isAllDay: boolean;
  startMs?: number;
}

function readTimes(record: SalesforceEventRecord, zone: string, warnings: MappingWarning[]): Times {
  if (record.IsAllDayEvent === true) {
    const first = readDate(record.ActivityDate) ?? readDate(record.StartDateTime);
    if (first === undefined) {
      warnings.push({ field: 'start', code: 'invalid', message: 'all-day event without ActivityDate or StartDateTime' });
      return { isAllDay: true };
    }
    let days = 1;
    const duration = record.DurationInMinutes;
    if (typeof duration === 'number' && duration > 0) {
      days = Math.ceil(duration / DAY_MINUTES);
      if (duration % DAY_MINUTES !== 0) {
        warnings.push({ field: 'end', code: 'invalid', message: 'all-day DurationInMinutes is not whole days; rounded up' });
      }
    } else {
      // EndDateTime of an all-day event holds its last day (EndDate "supplies the date value
      // that appears in the EndDateTime field"), so the exclusive end is the day after.
      const last = readDate(record.EndDateTime);
      if (last !== undefined && last >= first) days = dayDiff(first, last) + 1;
    }
    return { isAllDay: true, start: first, end: addDaysToDate(first, days), startMs: allDayStartMs(first, zone) };
  }
  const startMs = readInstant(record.StartDateTime) ?? readInstant(record.ActivityDateTime);
  if (startMs === undefined) {
    warnings.push({ field: 'start', code: 'invalid', message: 'timed event without StartDateTime or ActivityDateTime' });
    return { isAllDay: false };
  }
  let endMs = readInstant(record.EndDateTime);
  if (endMs === undefined && typeof record.DurationInMinutes === 'number') endMs = startMs + record.DurationInMinutes * MINUTE;
  const times: Times = { isAllDay: false, start: formatInstant(startMs), startMs };
  if (endMs !== undefined) times.end = formatInstant(endMs);
  else warnings.push({ field: 'end', code: 'invalid', message: 'timed event without EndDateTime or DurationInMinutes' });
  return times;
}

/**
 * The key that ties a Lightning event series together: the series record's ActivityRecurrence2Id,
 * which is also every occurrence's seriesMasterId. Undefined for anything else.
 */
export function salesforceSeriesKey(record: SalesforceEventRecord): string | undefined {
  return record.IsRecurrence === true ? undefined : stringField(record, 'ActivityRecurrence2Id');
}

function readKind(record: SalesforceEventRecord, warnings: MappingWarning[]): Pick<MappedEvent, 'kind' | 'seriesMasterId'> {
  if (stringField(record, 'GroupEventType') === '3') return { kind: 'seriesMaster' };
  // Change events carry no IsRecurrence2 (it is missing from EventChangeEvent and from the CDC
  // guide's example), so the series key alone also marks an occurrence.
  if (record.IsRecurrence2 === true || (record.IsRecurrence !== true && salesforceSeriesKey(record) !== undefined)) {
    // Exclusions are past occurrences cut loose from a changed pattern: they no longer follow it.
    const kind: EventKind = record.IsRecurrence2Exception === true || record.IsRecurrence2Exclusion === true ? 'exception' : 'occurrence';
    const seriesMasterId = stringField(record, 'ActivityRecurrence2Id');
    if (seriesMasterId === undefined) {
      warnings.push({
        field: 'recurrence',
        code: 'unresolved',
        message: 'series occurrence without ActivityRecurrence2Id (or GroupEventType not queried); its series is unknown',
      });
      return { kind };
    }
    return { kind, seriesMasterId };
  }
  if (record.IsRecurrence === true) {
    warnings.push({
      field: 'recurrence',
      code: 'invalid',
      message: 'Salesforce Classic recurring events (IsRecurrence) are not mapped; only Lightning event series',
    });
    return { kind: 'seriesMaster' };
  }
  // Classic occurrences name their main record here; Lightning series rows never use it.
  const classicSeries = stringField(record, 'RecurrenceActivityId');
  if (classicSeries !== undefined && classicSeries !== record.Id) return { kind: 'occurrence', seriesMasterId: classicSeries };
  return { kind: 'single' };
}

export function fromSalesforceEvent(
  record: SalesforceEventRecord,
  opts: { userTimeZone: string },
): { event: MappedEvent; warnings: MappingWarning[] } {
  const warnings: MappingWarning[] = [];
  const placement = readKind(record, warnings);
  const seriesZone = placement.kind === 'seriesMaster' ? stringField(record, 'Recurrence2PatternTimeZone') : undefined;
  const zone = seriesZone ?? opts.userTimeZone;
  const fields: EventFields = { timeZone: zone };

  const subject = textValue(record.Subject, false);
  if (subject !== undefined) fields.subject = subject;
  const location = textValue(record.Location, false);
  if (location !== undefined) fields.location = location;
  const description = textValue(record.Description, true);
  if (description !== undefined) fields.description = description;

  let times: Times = { isAllDay: record.IsAllDayEvent === true };
  try {
    times = readTimes(record, zone, warnings);
  } catch {
    warnings.push({ field: 'timeZone', code: 'invalid', message: `time zone "${zone}" is unknown` });
  }
  fields.isAllDay = times.isAllDay;
  if (times.start !== undefined) fields.start = times.start;
  if (times.end !== undefined) fields.end = times.end;

  if (typeof record.ShowAs === 'string' && record.ShowAs !== '') {
    const showAs = SHOW_AS_FROM_SALESFORCE[record.ShowAs];
    if (showAs !== undefined) fields.showAs = showAs;
    else warnings.push({ field: 'showAs', code: 'invalid', message: `ShowAs "${record.ShowAs}" is not Busy, Free or OutOfOffice; ignored` });
  }
  fields.isPrivate = record.IsPrivate === true;

  if (record.IsReminderSet === true) {
    const reminderMs = readInstant(record.ReminderDateTime);
    if (reminderMs !== undefined && times.startMs !== undefined) {
      const minutes = Math.round((times.startMs - reminderMs) / MINUTE);
      if (minutes >= 0) fields.reminderMinutes = minutes;
      else warnings.push({ field: 'reminderMinutes', code: 'invalid', message: 'ReminderDateTime is after the start; ignored' });
    } else {
      warnings.push({ field: 'reminderMinutes', code: 'invalid', message: 'IsReminderSet without a readable ReminderDateTime or start' });
    }
  }

  if (placement.kind === 'seriesMaster' && record.IsRecurrence !== true) {
    const text = stringField(record, 'Recurrence2PatternText');
    const seriesStart = times.isAllDay ? times.start : times.startMs === undefined ? undefined : formatInstant(times.startMs);
    if (text === undefined || seriesStart === undefined) {
      warnings.push({ field: 'recurrence', code: 'invalid', message: 'series record without Recurrence2PatternText or start' });
    } else {
      const converted = recurrenceFromRRule(text, seriesStart, zone);
      warnings.push(...converted.warnings);
      if (converted.recurrence !== undefined) fields.recurrence = converted.recurrence;
    }
  }

  const event: MappedEvent = {
    fields,
    kind: placement.kind,
    // An invitee's copy (IsChild) mirrors the organizer's event; copying it too would duplicate it.
    selected: record.IsChild !== true,
  };
  if (placement.seriesMasterId !== undefined) event.seriesMasterId = placement.seriesMasterId;
  // Salesforce keeps no original slot for a moved occurrence; only an unmoved one's start is it.
  if (placement.kind === 'occurrence' && fields.start !== undefined) event.originalStart = fields.start;
  return { event, warnings };
}

// ---------------------------------------------------------------------------------------------
// Canonical → Salesforce
// ---------------------------------------------------------------------------------------------

const WEEKDAYS_SET = 'MO,TU,WE,TH,FR';
const WEEKEND_SET = 'SA,SU';
const ALL_DAYS_SET = 'MO,TU,WE,TH,FR,SA,SU';

/** Where the documented Recurrence2PatternText subset is narrower than RRULE, or undefined. */
export function salesforcePatternProblem(r: Recurrence): string | undefined {
  const maxInterval = r.freq === 'daily' ? 999 : r.freq === 'yearly' ? 1 : 99;
  if (r.interval > maxInterval) return `Salesforce allows INTERVAL up to ${maxInterval} for a ${r.freq} series`;
  if (r.count !== undefined && r.count > 999) return 'Salesforce allows COUNT up to 999';
  if (r.setPos !== undefined && r.byDay !== undefined && r.byDay.length > 1) {
    const days = r.byDay.join(',');
    if (days !== WEEKDAYS_SET && days !== WEEKEND_SET && days !== ALL_DAYS_SET) {
      return 'Salesforce monthly/yearly BYDAY must be one day, weekdays, weekend days or every day';
    }
  }
  return undefined;
}

function tooLong(field: string, name: string, max: number): MappingWarning {
  // The value stays out of the message: errors end up in logs and status records.
  return { field, code: 'invalid', message: `${name} is longer than ${max} characters; Salesforce would refuse it` };
}

/**
 * Builds the body of an Event insert (no `current`) or update (`current` = the record as last
 * read) from the fields to set. A key present with undefined clears the value. Non-empty
 * `errors` means: write nothing for this event.
 */
export function toSalesforceEvent(
  set: Partial<EventFields>,
  opts: { userTimeZone: string; current?: SalesforceEventRecord },
): { record: Record<string, unknown>; warnings: MappingWarning[]; errors: MappingWarning[] } {
  const record: Record<string, unknown> = {};
  const warnings: MappingWarning[] = [];
  const errors: MappingWarning[] = [];
  const has = (field: EventField): boolean => Object.hasOwn(set, field);
  const current = opts.current;
  const currentFields = current ? fromSalesforceEvent(current, { userTimeZone: opts.userTimeZone }).event.fields : undefined;
  const zone = opts.userTimeZone;

  const texts: [EventField & ('subject' | 'location' | 'description'), string, number][] = [
    ['subject', 'Subject', SALESFORCE_EVENT_LIMITS.subject],
    ['location', 'Location', SALESFORCE_EVENT_LIMITS.location],
    ['description', 'Description', SALESFORCE_EVENT_LIMITS.description],
  ];
  for (const [field, name, max] of texts) {
    if (!has(field)) continue;
    const value = textValue(set[field], field === 'description');
    if (value !== undefined && value.length > max) errors.push(tooLong(field, name, max));
    record[name] = value ?? null;
  }

  // Start, end and all-day are written together: Salesforce checks them as one unit.
  const timesChanged = has('start') || has('end') || has('isAllDay');
  let startMs: number | undefined;
  const isAllDay = has('isAllDay') ? set.isAllDay === true : (currentFields?.isAllDay ?? false);
  const start = has('start') ? set.start : currentFields?.start;
  const end = has('end') ? set.end : currentFields?.end;
  // Checked also when only the reminder changes (it needs the start), but then a problem with
  // the times Salesforce already holds is not this write's to report.
  const timeErrors: MappingWarning[] = [];
  if (timesChanged || has('reminderMinutes')) {
    if (start === undefined || end === undefined) {
      timeErrors.push({ field: 'start', code: 'invalid', message: 'an event needs both a start and an end' });
    } else if (isAllDay) {
      if (!isCalendarDate(start) || !isCalendarDate(end)) {
        timeErrors.push({ field: 'start', code: 'invalid', message: 'an all-day event needs calendar dates for start and end' });
      } else {
        const minutes = dayDiff(start, end) * DAY_MINUTES;
        if (minutes <= 0) timeErrors.push({ field: 'end', code: 'invalid', message: 'the event ends before it starts' });
        else if (minutes > SALESFORCE_EVENT_LIMITS.maxDurationMinutes) {
          timeErrors.push({ field: 'end', code: 'invalid', message: 'Salesforce events cannot last more than 14 days' });
        } else if (timesChanged) {
          record.IsAllDayEvent = true;
          record.ActivityDate = start;
          // ActivityDate and StartDateTime "must match, or one of them must be null": the date
          // at midnight UTC matches; the length travels in DurationInMinutes alone.
          record.StartDateTime = `${start}T00:00:00Z`;
          record.EndDateTime = null;
          record.ActivityDateTime = null;
          record.DurationInMinutes = minutes;
        }
        try {
          startMs = allDayStartMs(start, zone);
        } catch {
          timeErrors.push({ field: 'timeZone', code: 'invalid', message: `time zone "${zone}" is unknown` });
        }
      }
    } else {
      const from = readInstant(start);
      const to = readInstant(end);
      if (from === undefined || to === undefined || isCalendarDate(start) || isCalendarDate(end)) {
        timeErrors.push({ field: 'start', code: 'invalid', message: 'a timed event needs UTC instants for start and end' });
      } else if (to < from) {
        timeErrors.push({ field: 'end', code: 'invalid', message: 'the event ends before it starts' });
      } else if (to - from > SALESFORCE_EVENT_LIMITS.maxDurationMinutes * MINUTE) {
        timeErrors.push({ field: 'end', code: 'invalid', message: 'Salesforce events cannot last more than 14 days' });
      } else {
        startMs = from;
        if (timesChanged) {
          record.IsAllDayEvent = false;
          record.StartDateTime = formatInstant(from);
          record.EndDateTime = formatInstant(to);
          record.ActivityDateTime = formatInstant(from);
          // Both may be given "if the values add up"; a sub-minute length cannot, so it is left out.
          record.DurationInMinutes = (to - from) % MINUTE === 0 ? (to - from) / MINUTE : null;
        }
      }
    }
  }

  if (timesChanged) errors.push(...timeErrors);

  // Salesforce stores the reminder as an instant, the canonical model as minutes before start,
  // so a moved start moves the reminder even when the minutes did not change.
  const reminder = has('reminderMinutes') ? set.reminderMinutes : timesChanged ? currentFields?.reminderMinutes : undefined;
  if (has('reminderMinutes') && reminder === undefined) {
    record.IsReminderSet = false;
    record.ReminderDateTime = null;
  } else if (reminder !== undefined && (has('reminderMinutes') || timesChanged)) {
    if (!(Number.isInteger(reminder) && reminder >= 0)) {
      warnings.push({ field: 'reminderMinutes', code: 'invalid', message: 'reminder must be whole minutes before the start; not written' });
    } else if (startMs === undefined) {
      warnings.push({ field: 'reminderMinutes', code: 'unresolved', message: 'reminder not written: the event start is unknown' });
    } else {
      record.IsReminderSet = true;
      record.ReminderDateTime = formatInstant(startMs - reminder * MINUTE);
    }
  }

  if (has('showAs')) {
    const showAs = set.showAs;
    if (showAs === 'tentative' || showAs === 'workingElsewhere') {
      warnings.push({ field: 'showAs', code: 'dropped', message: `Salesforce has no "${showAs}"; written as Busy` });
    }
    record.ShowAs = showAs === undefined ? null : (SHOW_AS_TO_SALESFORCE[showAs] ?? null);
  }

  if (has('isPrivate')) {
    const isPrivate = set.isPrivate === true;
    const related = stringField(current ?? {}, 'WhoId') ?? stringField(current ?? {}, 'WhatId');
    if (isPrivate && related !== undefined) {
      errors.push({
        field: 'isPrivate',
        code: 'invalid',
        message: 'Salesforce private events cannot be related to a contact, lead or record (WhoId/WhatId set)',
      });
    }
    record.IsPrivate = isPrivate;
  }

  if (has('recurrence')) writeRecurrence(set.recurrence, current, currentFields?.recurrence, zone, start, record, warnings, errors);

  return errors.length > 0 ? { record: {}, warnings, errors } : { record, warnings, errors };
}

function localDate(start: string, zone: string): string | undefined {
  if (isCalendarDate(start)) return start;
  try {
    return utcToZoned(start, zone).slice(0, 10);
  } catch {
    return undefined;
  }
}

function writeRecurrence(
  recurrence: Recurrence | undefined,
  current: SalesforceEventRecord | undefined,
  currentRecurrence: Recurrence | undefined,
  zone: string,
  start: string | undefined,
  record: Record<string, unknown>,
  warnings: MappingWarning[],
  errors: MappingWarning[],
): void {
  let text: string | undefined;
  if (recurrence !== undefined) {
    const problem = salesforcePatternProblem(recurrence);
    if (problem !== undefined) {
      errors.push({ field: 'recurrence', code: 'invalid', message: problem });
      return;
    }
    // Salesforce evaluates a series in the zone of the rep who saves it (the series zone is
    // read-only), so the pattern is told in that zone: its days, and UNTIL.
    // 'dropped', like Tentative written as Busy: the series itself is written, and the zone is not
    // compared (comparableEvent), so the rep's zone read back never overwrites the mailbox's.
    const zoned = recurrenceInZone(recurrence, start, zone);
    if (zoned.problem !== undefined) {
      errors.push({ field: 'recurrence', code: 'invalid', message: `Salesforce holds a series only in the rep's zone ${zone}, and ${zoned.problem}` });
      return;
    }
    if (recurrence.timeZone !== zone) {
      const moved = zoned.recurrence.startDate !== recurrence.startDate ? ', its days moved with it' : '';
      warnings.push({ field: 'recurrence', code: 'dropped', message: `series zone ${recurrence.timeZone} is written as the rep's zone ${zone}${moved}` });
    }
    const converted = recurrenceToRRule(zoned.recurrence);
    if (converted.text === undefined) {
      errors.push(...converted.warnings);
      return;
    }
    if (converted.text.length > SALESFORCE_EVENT_LIMITS.patternText) {
      errors.push({ field: 'recurrence', code: 'invalid', message: 'Recurrence2PatternText would exceed 512 characters' });
      return;
    }
    if (start !== undefined && localDate(start, zone) !== zoned.recurrence.startDate) {
      warnings.push({ field: 'recurrence', code: 'invalid', message: 'the series startDate differs from the event start; Salesforce starts the series at StartDateTime' });
    }
    text = converted.text;
    recurrence = zoned.recurrence;
  }
  if (current === undefined) {
    if (text !== undefined) record.Recurrence2PatternText = text;
    return;
  }
  // Compared in one zone: Salesforce's series zone can't be written, so it can't differ by edit.
  const inZone = (r: Recurrence | undefined): Recurrence | undefined => (r === undefined ? undefined : { ...r, timeZone: zone });
  if (sameRecurrence(inZone(currentRecurrence), inZone(recurrence))) return;
  // Recurrence2PatternText has Create but not Update, and IsRecurrence2 can't change after create.
  errors.push({
    field: 'recurrence',
    code: 'invalid',
    message: 'Salesforce cannot change a series pattern (or make a single event a series) through an update; the event must be recreated',
  });
}
