/**
 * Microsoft Graph v1.0 event ⇄ canonical event.
 * Resource: https://learn.microsoft.com/en-us/graph/api/resources/event
 * Times: https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone
 *
 * Graph expresses times as a wall clock plus a zone name, Windows or IANA, in whatever zone the
 * `Prefer: outlook.timezone` header asked for (UTC by default); the zone the event was scheduled
 * in is originalStartTimeZone. The canonical model wants a UTC instant plus that scheduling zone,
 * and calendar dates for all-day events.
 */
import type { MappingWarning } from './contact.ts';
import { EVENT_FIELDS } from './event.ts';
import type { Attendee, AttendeeResponse, EventField, EventFields, EventKind, MappedEvent, ShowAs } from './event.ts';
import { normaliseDate, normaliseEvent, normaliseInstant } from './event-normalise.ts';
import { htmlToText, textToHtml } from './event-text.ts';
import { recurrenceFromGraph, recurrenceToGraph } from './recurrence.ts';
import type { GraphPatternedRecurrence } from './recurrence.ts';
import { addDaysToDate, ianaToWindows, resolveZone, utcToZoned, zonedToUtc } from './timezones.ts';

export interface GraphDateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface GraphEventEmailAddress {
  name?: string;
  address?: string;
}

export interface GraphAttendee {
  type: 'required' | 'optional' | 'resource';
  emailAddress: GraphEventEmailAddress;
  status?: { response: string; time?: string };
}

export interface GraphEvent {
  id?: string;
  '@odata.etag'?: string;
  changeKey?: string;
  subject?: string | null;
  body?: { contentType: 'html' | 'text'; content: string } | null;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  isAllDay?: boolean;
  location?: { displayName?: string | null } | null;
  showAs?: string;
  sensitivity?: 'normal' | 'personal' | 'private' | 'confidential';
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  organizer?: { emailAddress: GraphEventEmailAddress };
  attendees?: GraphAttendee[];
  type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  seriesMasterId?: string | null;
  originalStart?: string | null;
  originalStartTimeZone?: string;
  originalEndTimeZone?: string;
  recurrence?: GraphPatternedRecurrence | null;
  categories?: string[];
  isCancelled?: boolean;
  isOrganizer?: boolean;
  /** Set by the app that created the event (for us: the create's idempotency key); returned only then. */
  transactionId?: string;
  [k: string]: unknown;
}

export interface GraphEventOptions {
  /** Outlook category that marks an event for sync in 'selected' mode; default 'Salesforce'. */
  category: string;
  selection: 'all' | 'selected';
  /** The rep's IANA zone, used when Graph gives none. */
  defaultTimeZone: string;
}

/** Graph holds every canonical event field. */
export const GRAPH_EVENT_FIELDS: readonly EventField[] = EVENT_FIELDS;

const KINDS: Readonly<Record<NonNullable<GraphEvent['type']>, EventKind>> = {
  singleInstance: 'single',
  occurrence: 'occurrence',
  exception: 'exception',
  seriesMaster: 'seriesMaster',
};

const SHOW_AS: ReadonlySet<string> = new Set<ShowAs>(['free', 'tentative', 'busy', 'oof', 'workingElsewhere']);

/** Graph responseType → canonical response; 'notResponded' and 'none' both mean no answer yet. */
const RESPONSES: Readonly<Record<string, AttendeeResponse>> = {
  none: 'none',
  notResponded: 'none',
  organizer: 'organizer',
  accepted: 'accepted',
  tentativelyAccepted: 'tentative',
  declined: 'declined',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isSelected(raw: GraphEvent, opts: GraphEventOptions): boolean {
  if (opts.selection === 'all') return true;
  // Outlook compares category names case-insensitively, so a rep's "salesforce" counts.
  const wanted = opts.category.toLowerCase();
  return (raw.categories ?? []).some((category) => category.toLowerCase() === wanted);
}

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

const MIDNIGHT = /T00:00(?::00(?:\.0+)?)?$/;

/** A Graph time → UTC instant; the value's own zone name says how to read its wall clock. */
function instantFrom(value: GraphDateTimeTimeZone, fallback: string, warnings: MappingWarning[], field: string): string | undefined {
  const { zone, warning } = resolveZone(value.timeZone, fallback);
  if (warning) warnings.push({ ...warning, field });
  try {
    return zonedToUtc(value.dateTime, zone);
  } catch {
    warnings.push({ field, code: 'invalid', message: `${field} "${value.dateTime}" is not a date-time; ignored` });
    return undefined;
  }
}

/**
 * An all-day bound → its calendar date. Graph stores all-day bounds as midnights in the event's
 * zone and reports them as the same midnight whatever zone was asked for, so a midnight is read
 * as its date directly. Anything else (a client that converted the midnight into another zone)
 * is taken back into the event's zone; if that is still not a midnight it is widened to whole
 * days the way Exchange does on create: a start to the midnight before, an end to the one after.
 */
function dateFrom(
  value: GraphDateTimeTimeZone,
  eventZone: string,
  bound: 'start' | 'end',
  warnings: MappingWarning[],
): string | undefined {
  const dateTime = value.dateTime.trim();
  if (MIDNIGHT.test(dateTime)) return normaliseDate(dateTime);
  const instant = instantFrom(value, eventZone, warnings, bound);
  if (instant === undefined) return undefined;
  const local = utcToZoned(instant, eventZone);
  const date = local.slice(0, 10);
  if (MIDNIGHT.test(local) || bound === 'start') return date;
  return addDaysToDate(date, 1);
}

function scheduledZone(raw: GraphEvent, opts: GraphEventOptions, warnings: MappingWarning[]): string {
  // originalStartTimeZone is where the organizer scheduled the event; start.timeZone only says
  // how this response was rendered (Prefer: outlook.timezone), so it is the second choice.
  for (const name of [raw.originalStartTimeZone, raw.start?.timeZone]) {
    if (name === undefined || text(name) === undefined) continue;
    const { zone, warning } = resolveZone(name, opts.defaultTimeZone);
    if (warning) {
      warnings.push(warning);
      continue;
    }
    // A Windows name stands for several IANA zones (Pacific Standard Time: Los Angeles,
    // Vancouver…). When it is the rep's own, the rep's zone is meant, and an event we wrote
    // for a Vancouver rep must read back as Vancouver, not as a change.
    if (zone !== name.trim() && ianaToWindows(opts.defaultTimeZone) === name.trim()) return opts.defaultTimeZone;
    return zone;
  }
  return opts.defaultTimeZone;
}

/**
 * The zone name written to Graph. Graph accepts every Windows zone but only a listed subset of
 * IANA names on create/update (dateTimeTimeZone resource; microsoft-graph-docs#4758 shows the
 * TimeZoneNotSupportedException), so the Windows name is written when there is one.
 */
function graphZoneName(zone: string): string {
  return ianaToWindows(zone) ?? zone;
}

/** Graph originalStart is a UTC DateTimeOffset; all-day slots are kept as dates in the event zone. */
function originalStartFrom(raw: GraphEvent, allDay: boolean, zone: string): string | undefined {
  const instant = normaliseInstant(raw.originalStart);
  if (instant === undefined) return undefined;
  return allDay ? utcToZoned(instant, zone).slice(0, 10) : instant;
}

// ---------------------------------------------------------------------------------------------
// Graph → canonical
// ---------------------------------------------------------------------------------------------

function attendeesFrom(raw: GraphEvent, warnings: MappingWarning[]): Attendee[] {
  const result: Attendee[] = [];
  for (const entry of raw.attendees ?? []) {
    const email = text(entry.emailAddress?.address);
    if (email === undefined) {
      // Without an address there is nothing to match on either side.
      warnings.push({ field: 'attendees', code: 'dropped', message: 'an attendee without an e-mail address was left out' });
      continue;
    }
    const attendee: Attendee = { email, type: entry.type };
    const name = text(entry.emailAddress.name);
    if (name !== undefined) attendee.name = name;
    const answer = entry.status?.response;
    const response = answer !== undefined && Object.hasOwn(RESPONSES, answer) ? RESPONSES[answer] : undefined;
    if (response !== undefined) attendee.response = response;
    result.push(attendee);
  }
  return result;
}

/**
 * One Graph event → canonical event plus its place in a series.
 *
 * Occurrence items carry no fields of their own: calendarView/delta returns them as stubs (id,
 * type, seriesMasterId, start, end), and a full read of an unmodified occurrence holds only the
 * master's values. So an occurrence maps to kind 'occurrence', its series master id and the slot
 * it fills (originalStart), with empty fields; the engine resolves its content through the master.
 * An exception (a modified occurrence) carries its own fields and maps them in full.
 */
export function fromGraphEvent(raw: GraphEvent, opts: GraphEventOptions): { event: MappedEvent; warnings: MappingWarning[] } {
  const warnings: MappingWarning[] = [];
  // Own keys only: a type such as 'constructor' from a malformed payload must not hit the prototype.
  const kind = raw.type !== undefined && Object.hasOwn(KINDS, raw.type) ? KINDS[raw.type] : 'single';
  const zone = scheduledZone(raw, opts, warnings);
  const allDay = raw.isAllDay === true;

  const event: MappedEvent = { fields: {}, kind, selected: isSelected(raw, opts) };
  if (text(raw.seriesMasterId) !== undefined) event.seriesMasterId = raw.seriesMasterId as string;
  if (raw.isCancelled === true) event.cancelled = true;

  if (kind === 'occurrence') {
    // A stub has no originalStart, but an unmodified occurrence starts in its slot by definition.
    const slot = originalStartFrom(raw, allDay, zone) ?? (raw.start ? startOf(raw.start, allDay, zone, warnings) : undefined);
    if (slot !== undefined) event.originalStart = slot;
    return { event, warnings };
  }

  const fields: EventFields = { timeZone: zone };
  if (allDay) {
    fields.isAllDay = true;
    if (raw.start) fields.start = dateFrom(raw.start, zone, 'start', warnings);
    if (raw.end) fields.end = dateFrom(raw.end, zone, 'end', warnings);
    if (fields.start !== undefined && (fields.end === undefined || fields.end <= fields.start)) {
      // Outlook never saves a zero-length all-day event; one day is what Exchange would make of it.
      fields.end = addDaysToDate(fields.start, 1);
    }
  } else {
    if (raw.start) fields.start = instantFrom(raw.start, zone, warnings, 'start');
    if (raw.end) fields.end = instantFrom(raw.end, zone, warnings, 'end');
  }

  fields.subject = text(raw.subject);
  const body = raw.body;
  if (body && text(body.content) !== undefined) {
    fields.description = body.contentType === 'html' ? htmlToText(body.content) : body.content;
  }
  fields.location = text(raw.location?.displayName);

  if (raw.showAs !== undefined) {
    if (SHOW_AS.has(raw.showAs)) fields.showAs = raw.showAs as ShowAs;
    else {
      // 'unknown' (and any value added later) blocks the time in Outlook's own free/busy view.
      fields.showAs = 'busy';
      warnings.push({ field: 'showAs', code: 'unresolved', message: `showAs "${raw.showAs}" read as busy` });
    }
  }
  // 'personal' is a label, not an access restriction: delegates still see the details.
  if (raw.sensitivity === 'private' || raw.sensitivity === 'confidential') fields.isPrivate = true;
  if (raw.isReminderOn === true && typeof raw.reminderMinutesBeforeStart === 'number') {
    fields.reminderMinutes = raw.reminderMinutesBeforeStart;
  }

  const organizer = text(raw.organizer?.emailAddress?.address);
  if (organizer !== undefined) {
    const name = text(raw.organizer?.emailAddress.name);
    fields.organizer = name === undefined ? { email: organizer } : { email: organizer, name };
  }
  fields.attendees = attendeesFrom(raw, warnings);

  if (kind === 'seriesMaster' && raw.recurrence) {
    const mapped = recurrenceFromGraph(raw.recurrence, zone);
    warnings.push(...mapped.warnings);
    if (mapped.recurrence !== undefined) fields.recurrence = mapped.recurrence;
  }
  if (kind === 'exception') {
    const slot = originalStartFrom(raw, allDay, zone);
    if (slot !== undefined) event.originalStart = slot;
  }

  event.fields = normaliseEvent(fields);
  return { event, warnings };
}

function startOf(value: GraphDateTimeTimeZone, allDay: boolean, zone: string, warnings: MappingWarning[]): string | undefined {
  return allDay ? dateFrom(value, zone, 'start', warnings) : instantFrom(value, zone, warnings, 'start');
}

// ---------------------------------------------------------------------------------------------
// canonical → Graph
// ---------------------------------------------------------------------------------------------

type TimeField = 'start' | 'end' | 'isAllDay' | 'timeZone';
const TIME_FIELDS: readonly TimeField[] = ['start', 'end', 'isAllDay', 'timeZone'];

/**
 * start, end, isAllDay and timeZone are written together: Graph reads each bound against the
 * zone named next to it and isAllDay against both, so writing one alone could move the others.
 * Values not in `set` come from `current`.
 */
function writeTimes(
  set: Partial<EventFields>,
  opts: GraphEventOptions & { current?: GraphEvent },
  body: Partial<GraphEvent>,
  warnings: MappingWarning[],
): void {
  const known: EventFields = opts.current ? fromGraphEvent(opts.current, opts).event.fields : {};
  const merged = normaliseEvent({
    ...Object.fromEntries(TIME_FIELDS.map((field) => [field, known[field]])),
    ...Object.fromEntries(TIME_FIELDS.filter((field) => Object.hasOwn(set, field)).map((field) => [field, set[field]])),
  });
  const zone = merged.timeZone ?? opts.defaultTimeZone;
  if (merged.start === undefined || merged.end === undefined) {
    warnings.push({
      field: merged.start === undefined ? 'start' : 'end',
      code: 'invalid',
      message: `an event needs a start and an end of the ${merged.isAllDay ? 'date' : 'date-time'} kind; times not written`,
    });
    return;
  }
  if (merged.end <= merged.start) {
    warnings.push({ field: 'end', code: 'invalid', message: 'end is not after start; times not written' });
    return;
  }
  const timeZone = graphZoneName(zone);
  if (merged.isAllDay) {
    // Midnights in the event's zone, as Graph requires; the dates never pass through an instant.
    body.start = { dateTime: `${merged.start}T00:00:00`, timeZone };
    body.end = { dateTime: `${merged.end}T00:00:00`, timeZone };
  } else {
    body.start = { dateTime: utcToZoned(merged.start, zone), timeZone };
    body.end = { dateTime: utcToZoned(merged.end, zone), timeZone };
  }
  body.isAllDay = merged.isAllDay === true;
}

function sameCategory(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The body of an event POST or PATCH. Only keys present in `set` are written; a key present
 * with undefined clears the property. Pass `current` (the event as last read) on a PATCH: the
 * time fields are written as one unit and need the values `set` does not carry, sensitivity
 * keeps 'confidential'/'personal' where isPrivate did not change meaning, and attendee names
 * are kept. Organizer and attendee responses are Graph's own and never written.
 */
export function toGraphEvent(
  set: Partial<EventFields>,
  opts: GraphEventOptions & { current?: GraphEvent; create?: boolean },
): { body: Partial<GraphEvent>; warnings: MappingWarning[] } {
  const body: Partial<GraphEvent> = {};
  const warnings: MappingWarning[] = [];
  const has = (field: EventField): boolean => Object.hasOwn(set, field);
  const value = normaliseEvent(set as EventFields);

  if (has('subject')) body.subject = value.subject ?? '';
  if (TIME_FIELDS.some(has) || opts.create === true) writeTimes(set, opts, body, warnings);
  // An empty display name clears the location; a null location object is not accepted everywhere.
  if (has('location')) body.location = { displayName: value.location ?? '' };
  if (has('description')) body.body = { contentType: 'html', content: textToHtml(value.description ?? '') };
  if (has('showAs')) body.showAs = value.showAs ?? 'busy';

  if (has('isPrivate')) {
    const current = opts.current?.sensitivity;
    const currentPrivate = current === 'private' || current === 'confidential';
    if (value.isPrivate === true) body.sensitivity = currentPrivate && current ? current : 'private';
    else body.sensitivity = current === 'personal' ? 'personal' : 'normal';
  }

  if (has('reminderMinutes')) {
    body.isReminderOn = value.reminderMinutes !== undefined;
    if (value.reminderMinutes !== undefined) body.reminderMinutesBeforeStart = value.reminderMinutes;
  }

  if (has('organizer') && opts.current !== undefined) {
    const currentOrganizer = opts.current.organizer?.emailAddress.address?.toLowerCase();
    if (value.organizer !== undefined && value.organizer.email !== currentOrganizer) {
      // Graph makes the mailbox owner the organizer; the property cannot be reassigned by a PATCH.
      warnings.push({ field: 'organizer', code: 'dropped', message: 'the organizer of a Microsoft 365 event cannot be changed; not written' });
    }
  }

  if (has('attendees')) {
    const names = new Map(
      (opts.current?.attendees ?? []).map((entry) => [entry.emailAddress.address?.toLowerCase() ?? '', entry.emailAddress.name]),
    );
    body.attendees = (value.attendees ?? []).map((attendee) => {
      const name = attendee.name ?? names.get(attendee.email);
      return {
        type: attendee.type,
        emailAddress: name === undefined ? { address: attendee.email } : { address: attendee.email, name },
      };
    });
  }

  if (has('recurrence')) {
    if (value.recurrence === undefined) body.recurrence = null;
    else {
      const mapped = recurrenceToGraph(value.recurrence);
      warnings.push(...mapped.warnings);
      if (mapped.value !== undefined) body.recurrence = mapped.value;
    }
  }

  if (opts.create === true && opts.selection === 'selected') {
    // Keep whatever categories are already there; only add ours, once, in any spelling.
    const categories = [...(opts.current?.categories ?? [])];
    if (!categories.some((category) => sameCategory(category, opts.category))) categories.push(opts.category);
    body.categories = categories;
  }
  return { body, warnings };
}
