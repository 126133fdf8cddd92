/**
 * A series pattern told in another zone. A pattern names calendar days (Mondays, the 15th) in the
 * zone it is evaluated in, and an instant can fall on another day elsewhere: 17:00 on a Monday in
 * Los Angeles is Tuesday morning in Sydney. Salesforce evaluates every series in the zone of the
 * rep who saves it, so a mailbox series from another zone must name the rep's days there, or its
 * occurrences land a day off. Pure: data in, data out.
 */
import type { Recurrence, Weekday } from './event.ts';
import { isCalendarDate } from './normalise.ts';
import { addDaysToDate, utcToZoned } from './timezones.ts';

const WEEKDAYS: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const DAY_MS = 86_400_000;

export type ZonedRecurrence = { recurrence: Recurrence; problem?: undefined } | { recurrence?: undefined; problem: string };

const shiftDay = (day: Weekday, by: number): Weekday => WEEKDAYS[(((WEEKDAYS.indexOf(day) + by) % 7) + 7) % 7]!;

/** A day of the month that exists in every month, both before and after the shift. */
const steadyDay = (day: number, by: number): boolean => day >= 1 && day <= 28 && day + by >= 1 && day + by <= 28;

/**
 * `r` (whose first occurrence starts at `start`) evaluated in `zone` instead of r.timeZone, with
 * the same first instant: the days it names move by as many days as the first start's date
 * differs between the two zones. Later occurrences keep their instants except while the two
 * zones' clock changes disagree (an hour off, two across hemispheres), which no pattern can
 * avoid. A pattern whose days cannot follow the move is a problem, not a guess: the n-th weekday
 * of a month (the day after the second Monday is not always the second Tuesday), and days of the
 * month past the 28th, or that would leave the month.
 */
export function recurrenceInZone(r: Recurrence, start: string | undefined, zone: string): ZonedRecurrence {
  if (r.timeZone === zone || start === undefined || isCalendarDate(start)) return { recurrence: { ...r, timeZone: zone } };
  let by: number;
  try {
    by = Math.round((Date.parse(`${utcToZoned(start, zone).slice(0, 10)}T00:00:00Z`) - Date.parse(`${utcToZoned(start, r.timeZone).slice(0, 10)}T00:00:00Z`)) / DAY_MS);
  } catch {
    return { problem: `the series zone ${r.timeZone} or ${zone} is unknown` };
  }
  if (!Number.isFinite(by)) return { problem: `the series start cannot be placed in ${zone}` };
  if (by === 0) return { recurrence: { ...r, timeZone: zone } };
  const out: Recurrence = { ...r, timeZone: zone, startDate: addDaysToDate(r.startDate, by) };
  if (r.until !== undefined) out.until = addDaysToDate(r.until, by);
  const why = `it repeats on days of ${r.timeZone}, and in ${zone} its occurrences fall ${Math.abs(by)} day${Math.abs(by) === 1 ? '' : 's'} ${by > 0 ? 'later' : 'earlier'}`;
  if (r.setPos !== undefined) return { problem: `${why}, which a pattern by the n-th weekday of a month cannot follow` };
  if (r.byMonthDay !== undefined) {
    if (!steadyDay(r.byMonthDay, by)) return { problem: `${why}, which a pattern on day ${r.byMonthDay} of the month cannot follow` };
    out.byMonthDay = r.byMonthDay + by;
  }
  if (r.byDay !== undefined) out.byDay = r.byDay.map((day) => shiftDay(day, by));
  // Every other week keeps its weeks only if the week starts move with the days.
  if (r.freq === 'weekly' && r.interval > 1) out.weekStart = shiftDay(r.weekStart ?? 'MO', by);
  return { recurrence: out };
}
