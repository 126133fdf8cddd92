/**
 * Event's time fields as the object reference describes them: StartDateTime and ActivityDateTime
 * are one value; a timed event needs DurationInMinutes or EndDateTime (both allowed if they
 * agree) and the other is derived; an all-day event keeps its date in ActivityDate, its times at
 * midnight UTC, defaults to one day, and its EndDateTime is the start of its last day. Multiday
 * events are capped at 14 days. Only the shape of the duration error is from a real org log
 * ("Duration must be between 0 and 1440 minutes" with multiday events off); the other messages
 * are the emulator's own wording.
 */
import { SfError } from './errors.ts';
import { dateOf } from './values.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** 14 days, the multiday event maximum. */
export const MAX_DURATION_MINUTES = 14 * 24 * 60;

export const durationError = (): SfError =>
  new SfError('FIELD_INTEGRITY_EXCEPTION', `Duration must be between 0 and ${MAX_DURATION_MINUTES} minutes`, ['DurationInMinutes']);

const required = (field: string): SfError => new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${field}]`, [field]);

/** The calendar date of an instant in an IANA zone (the owner's), as Salesforce shows ActivityDate. */
export function dateInZone(ms: number, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  } catch {
    return dateOf(ms);
  }
}

const utcMidnight = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export interface TimeInput {
  /** Stored values after this write (existing merged with the new ones). */
  merged: Readonly<Record<string, unknown>>;
  /** Fields this write names. */
  given: ReadonlySet<string>;
  /** Existing record values on update. */
  existing?: Readonly<Record<string, unknown>>;
  ownerTimeZone: string;
}

export interface TimeResult {
  set: Record<string, unknown>;
  errors: SfError[];
}

export function deriveEventTimes(input: TimeInput): TimeResult {
  const { merged } = input;
  const start = startOf(input);
  if (start instanceof SfError) return { set: {}, errors: [start] };
  const allDay = merged['IsAllDayEvent'] === true;
  const span = allDay ? allDaySpan(input, start) : timedSpan(input, start);
  if (span instanceof SfError) return { set: {}, errors: [span] };
  const set: Record<string, unknown> = {
    StartDateTime: span.start,
    ActivityDateTime: span.start,
    EndDateTime: span.end,
    DurationInMinutes: span.minutes,
    ActivityDate: allDay ? dateOf(span.start) : dateInZone(span.start, input.ownerTimeZone),
    EndDate: allDay ? dateOf(span.end) : dateInZone(span.end, input.ownerTimeZone),
  };
  return { set, errors: [] };
}

function startOf({ merged, given, existing }: TimeInput): number | SfError {
  const s = given.has('StartDateTime') ? num(merged['StartDateTime']) : undefined;
  const a = given.has('ActivityDateTime') ? num(merged['ActivityDateTime']) : undefined;
  if (s !== undefined && a !== undefined && s !== a) {
    return new SfError('FIELD_INTEGRITY_EXCEPTION', 'StartDateTime and ActivityDateTime must match', ['StartDateTime', 'ActivityDateTime']);
  }
  const allDay = merged['IsAllDayEvent'] === true;
  if (allDay) {
    const date = given.has('ActivityDate') && typeof merged['ActivityDate'] === 'string' ? merged['ActivityDate'] : undefined;
    const fromTime = s ?? a;
    if (date !== undefined && fromTime !== undefined && dateOf(fromTime) !== date) {
      return new SfError('FIELD_INTEGRITY_EXCEPTION', 'ActivityDate and StartDateTime must match', ['ActivityDate', 'StartDateTime']);
    }
    const chosen = date ?? (fromTime !== undefined ? dateOf(fromTime) : undefined) ?? stringOr(existing?.['ActivityDate']);
    return chosen ? utcMidnight(chosen) : required('ActivityDate');
  }
  const chosen = s ?? a ?? num(existing?.['StartDateTime']);
  return chosen ?? required('StartDateTime');
}

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface Span {
  start: number;
  end: number;
  minutes: number;
}

function timedSpan({ merged, given, existing }: TimeInput, start: number): Span | SfError {
  const end = given.has('EndDateTime') ? num(merged['EndDateTime']) : undefined;
  const minutes = given.has('DurationInMinutes') ? num(merged['DurationInMinutes']) : undefined;
  let span: Span;
  if (end !== undefined) {
    const fromEnd = Math.round((end - start) / MINUTE_MS);
    if (minutes !== undefined && minutes !== fromEnd) {
      return new SfError('FIELD_INTEGRITY_EXCEPTION', 'DurationInMinutes and EndDateTime do not add up to the same amount of time', [
        'DurationInMinutes',
        'EndDateTime',
      ]);
    }
    span = { start, end, minutes: fromEnd };
  } else if (minutes !== undefined) {
    span = { start, end: start + minutes * MINUTE_MS, minutes };
  } else {
    // A moved start keeps the event's length, as dragging it in the calendar does.
    const kept = existing && existing['IsAllDayEvent'] !== true ? num(existing['DurationInMinutes']) : undefined;
    if (kept === undefined) return required('DurationInMinutes');
    span = { start, end: start + kept * MINUTE_MS, minutes: kept };
  }
  return span.minutes < 0 || span.minutes > MAX_DURATION_MINUTES ? durationError() : span;
}

function allDaySpan({ merged, given, existing }: TimeInput, start: number): Span | SfError {
  const end = given.has('EndDateTime') ? num(merged['EndDateTime']) : undefined;
  const minutes = given.has('DurationInMinutes') ? num(merged['DurationInMinutes']) : undefined;
  let days: number;
  if (end !== undefined) {
    days = Math.round((utcMidnight(dateOf(end)) - start) / DAY_MS) + 1;
    if (minutes !== undefined && minutes !== days * 1440) {
      return new SfError('FIELD_INTEGRITY_EXCEPTION', 'DurationInMinutes and EndDateTime do not add up to the same amount of time', [
        'DurationInMinutes',
        'EndDateTime',
      ]);
    }
  } else if (minutes !== undefined) {
    days = Math.max(1, Math.ceil(minutes / 1440));
    if (minutes < 0) days = 0;
  } else {
    const kept = existing?.['IsAllDayEvent'] === true ? num(existing['DurationInMinutes']) : undefined;
    days = kept !== undefined ? Math.max(1, Math.ceil(kept / 1440)) : 1;
  }
  if (days < 1 || days * 1440 > MAX_DURATION_MINUTES) return durationError();
  return { start, end: start + (days - 1) * DAY_MS, minutes: days * 1440 };
}
