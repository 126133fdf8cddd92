/**
 * Where each instance of an event series sits: its slot, the start the pattern gave it.
 *
 * Slots are what the two sides have in common. Graph names the slot of every occurrence and
 * exception (originalStart); Salesforce keeps none for an edited occurrence, so its rows are
 * placed by a rule (event-series-assign.ts). Slots are the canonical start strings: a UTC
 * instant 'YYYY-MM-DDTHH:mm:ssZ' for timed series, 'YYYY-MM-DD' for all-day ones, so the same
 * occurrence has the same key on both sides and in the store.
 */
import type { EventField, EventFields, Recurrence } from './event.ts';
import { eventFieldEquals, normaliseEvent } from './event-normalise.ts';
import { isCalendarDate } from './normalise.ts';
import { nextOccurrences, recurrenceProblem } from './recurrence.ts';
import { addDaysToDate, formatInstant, parseInstant, utcToZoned, zonedToUtc } from './timezones.ts';

/** UTC instants; start inclusive, end exclusive. */
export interface TimeWindow {
  start: string;
  end: string;
}

export interface SeriesSlots {
  /** In series order. */
  slots: string[];
  /** The listing stopped at a cap: what lies after the last slot is unknown, not empty. */
  capped: boolean;
  /** Why no slot could be computed (unsupported pattern, unknown zone, unreadable start). */
  problem?: string;
}

/**
 * A window holds at most this many slots (a daily series over a multi-year window); the rest is
 * left for a later window rather than held in memory at once.
 */
export const MAX_SERIES_SLOTS = 1000;
/**
 * A counted series is listed from its start (its count runs from there); past this many
 * occurrences before the window's end the listing stops. Open-ended series start near the window.
 */
export const MAX_PATTERN_SCAN = 10_000;

/** The fields an instance holds on its own; organizer, attendees and the pattern are the master's. */
export const INSTANCE_FIELDS: readonly EventField[] = [
  'subject',
  'start',
  'end',
  'isAllDay',
  'location',
  'description',
  'showAs',
  'isPrivate',
  'reminderMinutes',
] as const;

/** What an unedited instance takes over from its master; its times come from the slot. */
const INHERITED: readonly EventField[] = ['subject', 'isAllDay', 'location', 'description', 'showAs', 'isPrivate', 'reminderMinutes'];

const DAY_MS = 86_400_000;

function dayDiff(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * An upper bound on the occurrences up to `lastDate`, so the listing stops near the window
 * instead of running on (supported shapes have at most one occurrence per date).
 */
function occurrencesUpTo(r: Recurrence, lastDate: string): number {
  const days = dayDiff(r.startDate, lastDate);
  if (days < 0) return 0;
  switch (r.freq) {
    case 'daily':
      return Math.floor(days / r.interval) + 1;
    case 'weekly':
      return (Math.floor(days / (7 * r.interval)) + 2) * Math.max(1, r.byDay?.length ?? 1);
    case 'monthly':
      return Math.floor(days / 28 / r.interval) + 2;
    case 'yearly':
      return Math.floor(days / 365 / r.interval) + 2;
  }
}

/**
 * The same open-ended pattern, started at least one period before `date` instead of years
 * earlier, so an old series costs no more than a new one. Whole periods keep the phase (weekly
 * weeks, every-n-months months), and whatever the later start leaves out of its first period lies
 * before `date`. A counted series is left alone: its count runs from the real start.
 */
function fastForward(r: Recurrence, date: string): Recurrence {
  if (r.count !== undefined) return r;
  const days = dayDiff(r.startDate, date);
  const [year = 1, month = 1] = r.startDate.split('-').map(Number);
  switch (r.freq) {
    case 'daily':
    case 'weekly': {
      const period = r.freq === 'daily' ? r.interval : 7 * r.interval;
      const periods = Math.floor(days / period) - 1;
      return periods > 0 ? { ...r, startDate: addDaysToDate(r.startDate, periods * period) } : r;
    }
    case 'monthly': {
      const periods = Math.floor(Math.floor(days / 31) / r.interval) - 1;
      if (periods <= 0) return r;
      const index = year * 12 + (month - 1) + periods * r.interval;
      return { ...r, startDate: `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01` };
    }
    case 'yearly': {
      const periods = Math.floor(Math.floor(days / 366) / r.interval) - 1;
      return periods > 0 ? { ...r, startDate: `${String(year + periods * r.interval).padStart(4, '0')}-01-01` } : r;
    }
  }
}

/** When a slot begins: all-day slots at midnight in the series zone, where the rep sees them begin. */
export function slotMs(slot: string, zone: string): number {
  return parseInstant(isCalendarDate(slot) ? zonedToUtc(`${slot}T00:00:00`, zone) : slot);
}

/**
 * The slots of a pattern whose start falls in `window`. `firstStart` is the master's canonical
 * start: a date makes the slots dates, an instant makes them that wall-clock time in the
 * pattern's zone on each date (so a 09:00 Berlin series is 08:00Z in winter, 07:00Z in summer).
 */
export function seriesSlots(recurrence: Recurrence, window: TimeWindow, firstStart: string): SeriesSlots {
  const problem = recurrenceProblem(recurrence);
  if (problem !== undefined) return { slots: [], capped: false, problem };
  const zone = recurrence.timeZone;
  const allDay = isCalendarDate(firstStart);
  try {
    const from = parseInstant(window.start);
    const to = parseInstant(window.end);
    const time = allDay ? '00:00:00' : utcToZoned(firstStart, zone).slice(11, 19);
    // A day's slack: the last slot's date in the zone may lie after the window end's UTC date.
    const lastDate = addDaysToDate(utcToZoned(window.end, zone).slice(0, 10), 1);
    const pattern = fastForward(recurrence, addDaysToDate(utcToZoned(window.start, zone).slice(0, 10), -1));
    const wanted = Math.min(occurrencesUpTo(pattern, lastDate), pattern.count ?? Number.POSITIVE_INFINITY);
    const scanned = Math.min(wanted, MAX_PATTERN_SCAN);
    const dates = nextOccurrences(pattern, scanned);
    const last = dates[dates.length - 1];
    let capped = scanned < wanted && dates.length === scanned && last !== undefined && last < lastDate;
    const slots: string[] = [];
    for (const date of dates) {
      const slot = allDay ? date : zonedToUtc(`${date}T${time}`, zone);
      const at = slotMs(slot, zone);
      if (at < from || at >= to) continue;
      if (slots.length === MAX_SERIES_SLOTS) {
        capped = true;
        break;
      }
      slots.push(slot);
    }
    return { slots, capped };
  } catch {
    return { slots: [], capped: false, problem: `the window, the series start or the zone "${zone}" cannot be read` };
  }
}

export interface SeriesMaster {
  recurrence: Recurrence;
  /** The master's own fields; start/end are those of the first occurrence. */
  fields: EventFields;
}

/** What an unedited instance in `slot` holds: the master's values, moved to the slot. */
export function patternInstance(master: EventFields, slot: string): EventFields {
  const n = normaliseEvent(master);
  const out: EventFields = {};
  const target = out as Record<EventField, unknown>;
  for (const field of INHERITED) if (n[field] !== undefined) target[field] = n[field];
  out.start = slot;
  if (n.start !== undefined && n.end !== undefined) {
    if (n.isAllDay === true && isCalendarDate(slot)) out.end = addDaysToDate(slot, dayDiff(n.start, n.end));
    else if (n.isAllDay !== true && !isCalendarDate(slot)) out.end = formatInstant(parseInstant(slot) + parseInstant(n.end) - parseInstant(n.start));
  }
  return normaliseEvent(out);
}

/** The instance fields in which `fields` differs from the unedited instance of `slot`. */
export function fieldsOffPattern(master: EventFields, slot: string, fields: EventFields): EventField[] {
  const expected = patternInstance(master, slot);
  return INSTANCE_FIELDS.filter((field) => !eventFieldEquals(field, fields, expected));
}
