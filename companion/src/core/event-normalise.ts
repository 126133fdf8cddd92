/**
 * Normalisation of canonical events, the event twin of normalise.ts: every comparison and hash
 * goes through here, so spellings a person cannot see (CRLF, '.0000000' fractions, an offset
 * instead of Z, attendee order or case) never look like a change and never ping-pong writes.
 */
import { EVENT_FIELDS } from './event.ts';
import type { Attendee, AttendeeResponse, AttendeeType, EventField, EventFields, Recurrence, ShowAs, Weekday } from './event.ts';
import { canonicalJson, isCalendarDate, normaliseNotes } from './normalise.ts';
import { formatInstant, parseInstant, windowsToIana } from './timezones.ts';

const SHOW_AS: ReadonlySet<string> = new Set<ShowAs>(['free', 'tentative', 'busy', 'oof', 'workingElsewhere']);
const ATTENDEE_TYPES: ReadonlySet<string> = new Set<AttendeeType>(['required', 'optional', 'resource']);
const RESPONSES: ReadonlySet<string> = new Set<AttendeeResponse>(['none', 'accepted', 'tentative', 'declined', 'organizer']);
const WEEKDAYS: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

function oneLine(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.normalize('NFC').replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}

function email(value: unknown): string | undefined {
  return oneLine(value)?.toLowerCase();
}

/** Any ISO instant (Z or offset, with or without fractions) → 'YYYY-MM-DDTHH:mm:ssZ'. */
export function normaliseInstant(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return formatInstant(parseInstant(value));
  } catch {
    return undefined;
  }
}

/**
 * An all-day bound is a date. A date-time spelling of the same day ('2025-06-06T00:00:00') is
 * accepted by taking its date: all-day values never pass through a zone.
 */
export function normaliseDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = value.trim().slice(0, 10);
  return isCalendarDate(date) ? date : undefined;
}

function normaliseZone(value: unknown): string | undefined {
  return typeof value === 'string' ? windowsToIana(value) : undefined;
}

/** Only true is stored: false and absent mean the same, and must hash alike on both sides. */
function flag(value: unknown): true | undefined {
  return value === true ? true : undefined;
}

function normaliseAttendees(value: unknown, organizer: string | undefined): Attendee[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const byEmail = new Map<string, Attendee>();
  for (const entry of value as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const source = entry as Record<string, unknown>;
    const address = email(source.email);
    // The organizer is its own field; listing them again would make the same change twice.
    if (address === undefined || address === organizer || byEmail.has(address)) continue;
    const attendee: Attendee = {
      email: address,
      type: typeof source.type === 'string' && ATTENDEE_TYPES.has(source.type) ? (source.type as AttendeeType) : 'required',
    };
    const name = oneLine(source.name);
    if (name !== undefined) attendee.name = name;
    if (typeof source.response === 'string' && RESPONSES.has(source.response)) {
      attendee.response = source.response as AttendeeResponse;
    }
    byEmail.set(address, attendee);
  }
  // Kept in the order the mailbox lists them: the rep's status names attendees by that position.
  const list = [...byEmail.values()];
  return list.length === 0 ? undefined : list;
}

/**
 * Structural clean-up only: byDay in week order without repeats, absent keys left out. Whether
 * a pattern is expressible on a side is recurrence.ts's business, not normalisation's.
 */
function normaliseRecurrence(value: unknown): Recurrence | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const source = value as Recurrence;
  if (!['daily', 'weekly', 'monthly', 'yearly'].includes(source.freq)) return undefined;
  const startDate = normaliseDate(source.startDate);
  const timeZone = normaliseZone(source.timeZone);
  if (startDate === undefined || timeZone === undefined) return undefined;
  const result: Recurrence = {
    freq: source.freq,
    interval: Number.isInteger(source.interval) && source.interval >= 1 ? source.interval : 1,
    startDate,
    timeZone,
  };
  const byDay = WEEKDAYS.filter((day) => source.byDay?.includes(day));
  if (byDay.length > 0) result.byDay = byDay;
  if (source.byMonthDay !== undefined) result.byMonthDay = source.byMonthDay;
  if (source.byMonth !== undefined) result.byMonth = source.byMonth;
  if (source.setPos !== undefined) result.setPos = source.setPos;
  if (source.weekStart !== undefined && WEEKDAYS.includes(source.weekStart)) result.weekStart = source.weekStart;
  const until = normaliseDate(source.until);
  if (until !== undefined) result.until = until;
  else if (Number.isInteger(source.count) && (source.count ?? 0) >= 1) result.count = source.count;
  return result;
}

/**
 * Absent keys are left out altogether (never set to undefined) so equality, JSON and hashes all
 * see one shape. start/end follow isAllDay: dates for all-day events, canonical instants
 * otherwise; a value of the wrong kind is dropped rather than guessed into the other kind.
 */
export function normaliseEvent(fields: EventFields): EventFields {
  const allDay = flag(fields.isAllDay);
  const organizerEmail = email(fields.organizer?.email);
  const bound = allDay ? normaliseDate : normaliseInstant;
  const candidate: Record<EventField, unknown> = {
    subject: oneLine(fields.subject),
    start: bound(fields.start),
    end: bound(fields.end),
    isAllDay: allDay,
    timeZone: normaliseZone(fields.timeZone),
    location: oneLine(fields.location),
    description: normaliseNotes(fields.description),
    showAs: typeof fields.showAs === 'string' && SHOW_AS.has(fields.showAs) ? fields.showAs : undefined,
    isPrivate: flag(fields.isPrivate),
    reminderMinutes:
      typeof fields.reminderMinutes === 'number' && Number.isInteger(fields.reminderMinutes) && fields.reminderMinutes >= 0
        ? fields.reminderMinutes
        : undefined,
    organizer:
      organizerEmail === undefined
        ? undefined
        : oneLine(fields.organizer?.name) === undefined
          ? { email: organizerEmail }
          : { email: organizerEmail, name: oneLine(fields.organizer?.name) },
    attendees: normaliseAttendees(fields.attendees, organizerEmail),
    recurrence: normaliseRecurrence(fields.recurrence),
  };
  const result: EventFields = {};
  const target = result as Record<EventField, unknown>;
  for (const field of EVENT_FIELDS) {
    if (candidate[field] !== undefined) target[field] = candidate[field];
  }
  return result;
}

/** start/end depend on isAllDay, so fields are compared within their whole event. */
/**
 * A normalised field as compared and hashed: attendees in address order, since the order a
 * meeting lists its people in is no edit (normaliseEvent keeps the mailbox's order for display).
 */
export function comparableValue(field: EventField, normalised: EventFields): EventFields[EventField] {
  if (field !== 'attendees' || normalised.attendees === undefined) return normalised[field];
  return [...normalised.attendees].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

export function eventFieldEquals(field: EventField, a: EventFields, b: EventFields): boolean {
  const left = comparableValue(field, normaliseEvent(a));
  const right = comparableValue(field, normaliseEvent(b));
  if (left === undefined || right === undefined) return left === right;
  return canonicalJson(left) === canonicalJson(right);
}
