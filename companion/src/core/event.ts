/**
 * The canonical calendar event: what Syncline considers "the same event" in Salesforce and in a
 * mailbox. Each key of EventFields is a sync unit (hashed, compared, merged on its own), like
 * ContactFields. Times are kept as instants plus the zone they were scheduled in, so a DST change
 * or a rep in another zone never moves an event; all-day events are calendar dates, never instants.
 *
 * Shared contract for the event mappings (graph-event.ts, salesforce-event.ts, recurrence.ts):
 * change it only together with them.
 */

export type Weekday = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';

/**
 * A series pattern, the common ground of Graph patternedRecurrence and RFC 5545 RRULE
 * (Salesforce Recurrence2PatternText). What neither can express is reported by the mapping, not guessed.
 */
export interface Recurrence {
  freq: 'daily' | 'weekly' | 'monthly' | 'yearly';
  /** Every `interval` days/weeks/months/years, ≥ 1. */
  interval: number;
  /** weekly: the days; monthly/yearly relative: the weekday(s) of the `setPos`-th week. */
  byDay?: Weekday[];
  /** monthly/yearly by date: day of the month, 1..31. */
  byMonthDay?: number;
  /** yearly: month 1..12. */
  byMonth?: number;
  /** monthly/yearly relative: 1..4 first..fourth, -1 last. */
  setPos?: 1 | 2 | 3 | 4 | -1;
  /** Week start for weekly patterns (Graph firstDayOfWeek, RRULE WKST). */
  weekStart?: Weekday;
  /** First occurrence's date (YYYY-MM-DD) in `timeZone`. */
  startDate: string;
  /** End: last possible date (YYYY-MM-DD, inclusive), or a number of occurrences; neither = no end. */
  until?: string;
  count?: number;
  /** IANA zone the pattern is evaluated in. */
  timeZone: string;
}

export type AttendeeType = 'required' | 'optional' | 'resource';
export type AttendeeResponse = 'none' | 'accepted' | 'tentative' | 'declined' | 'organizer';

export interface Attendee {
  /** Lower-cased address; the identity of an attendee on every side. */
  email: string;
  name?: string;
  type: AttendeeType;
  response?: AttendeeResponse;
}

export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';

export interface EventFields {
  subject?: string;
  /**
   * Timed event: the UTC instant, 'YYYY-MM-DDTHH:mm:ssZ'. All-day event: the first date, 'YYYY-MM-DD'.
   */
  start?: string;
  /** Timed: UTC instant (exclusive). All-day: the day after the last date (exclusive), 'YYYY-MM-DD'. */
  end?: string;
  isAllDay?: boolean;
  /** IANA zone the event was scheduled in (the organizer's, or the rep's for Salesforce-made events). */
  timeZone?: string;
  location?: string;
  /** Plain text; line breaks are '\n'. */
  description?: string;
  showAs?: ShowAs;
  isPrivate?: boolean;
  /** Minutes before start; absent = no reminder. */
  reminderMinutes?: number;
  organizer?: { email: string; name?: string };
  /** Sorted by email so order never counts as a change. Organizer excluded. */
  attendees?: Attendee[];
  /** Only on a series master. */
  recurrence?: Recurrence;
}

export type EventField = keyof EventFields;

export const EVENT_FIELDS: readonly EventField[] = [
  'subject',
  'start',
  'end',
  'isAllDay',
  'timeZone',
  'location',
  'description',
  'showAs',
  'isPrivate',
  'reminderMinutes',
  'organizer',
  'attendees',
  'recurrence',
] as const;

/** Where an item sits in a series, on either side. */
export type EventKind = 'single' | 'seriesMaster' | 'occurrence' | 'exception';

/**
 * An event as a mapping returns it: the fields plus what the engine needs around them —
 * its place in a series and whether the rep selected it for sync (category / private rules).
 */
export interface MappedEvent {
  fields: EventFields;
  kind: EventKind;
  /** Occurrence / exception: the series master's id on the same side. */
  seriesMasterId?: string;
  /** Occurrence / exception: the slot it fills — the start it had in the pattern (UTC instant or date). */
  originalStart?: string;
  /** Graph: carries the configured category (e.g. 'Salesforce'); Salesforce events are always selected. */
  selected: boolean;
  /** Cancelled occurrence of a series (Graph isCancelled, Salesforce deleted child). */
  cancelled?: boolean;
}
