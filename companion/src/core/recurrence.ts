/**
 * Series patterns: Graph patternedRecurrence ⇄ canonical Recurrence ⇄ RFC 5545 RRULE (what
 * Salesforce keeps in Event.Recurrence2PatternText).
 *
 * A pattern is converted only when the other form means exactly the same dates; anything else
 * comes back as `recurrence: undefined` with an 'invalid' warning on the field 'recurrence', so
 * the engine reports the series instead of syncing a different one.
 *
 * Canonical form (so equal patterns hash equal, whichever side they came from):
 * - byDay is sorted Monday→Sunday without duplicates;
 * - weekStart is kept only for weekly patterns with interval > 1, the only case where the week
 *   start changes which dates occur (Graph always reports firstDayOfWeek, Salesforce inserts a
 *   locale-dependent WKST, so keeping it elsewhere would look like an edit);
 * - monthly/yearly patterns that leave the day implicit (RFC 5545 takes it from DTSTART) get it
 *   from startDate, weekly patterns without BYDAY get startDate's weekday.
 *
 * Relative patterns with several days (Graph daysOfWeek [mon..fri] + index last: "the last
 * weekday") are written as RRULE BYDAY=…;BYSETPOS=n; see DAY_SETS for the sets allowed
 * (https://learn.microsoft.com/en-us/graph/api/resources/recurrencepattern).
 */
import rrulePackage from 'rrule';
import type { Options as RRuleOptions } from 'rrule';
import type { MappingWarning } from './contact.ts';
import type { Recurrence, Weekday } from './event.ts';
import { addDaysToDate, formatInstant, parseInstant, resolveZone, utcToZoned, zonedToUtc } from './timezones.ts';
import { isCalendarDate } from './normalise.ts';

// rrule ships CommonJS as its Node entry point; named ESM imports of it fail at run time.
const { RRule } = rrulePackage;

export interface GraphRecurrencePattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: string[] /* 'monday'… */;
  firstDayOfWeek?: string;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
}

export interface GraphRecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface GraphPatternedRecurrence {
  pattern: GraphRecurrencePattern;
  range: GraphRecurrenceRange;
}

type SetPos = NonNullable<Recurrence['setPos']>;
type GraphIndex = NonNullable<GraphRecurrencePattern['index']>;

const WEEKDAYS: readonly Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const GRAPH_DAYS: readonly string[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const GRAPH_INDEX: Readonly<Record<GraphIndex, SetPos>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const SET_POSITIONS: ReadonlySet<number> = new Set([1, 2, 3, 4, -1]);

/**
 * Day sets a relative pattern may name: Outlook offers "day", "weekday" and "weekend day" (the
 * n-th of the set, which is RRULE BYSETPOS), and Salesforce accepts exactly these. For any other
 * set Graph only says the event "falls on the first day that satisfies the pattern", which
 * reads either as BYSETPOS or as "the n-th Thursday or the n-th Friday, whichever is first";
 * those differ, so such sets are refused rather than guessed.
 */
const DAY_SETS: ReadonlySet<string> = new Set(['MO,TU,WE,TH,FR', 'SA,SU', 'MO,TU,WE,TH,FR,SA,SU']);

/** rrule's Frequency enum values (YEARLY = 0 … SECONDLY = 6). */
const RRULE_FREQ: Readonly<Record<number, Recurrence['freq']>> = { 0: 'yearly', 1: 'monthly', 2: 'weekly', 3: 'daily' };
const FREQ_VALUE: Readonly<Record<Recurrence['freq'], number>> = { yearly: 0, monthly: 1, weekly: 2, daily: 3 };

/** The rule parts both Graph and Salesforce can mean; Salesforce documents exactly these. */
const SUPPORTED_PARTS: ReadonlySet<string> = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYSETPOS',
  'WKST',
]);

type Result = { recurrence?: Recurrence; warnings: MappingWarning[] };

function invalid(message: string): MappingWarning {
  return { field: 'recurrence', code: 'invalid', message };
}

function refuse(message: string, warnings: MappingWarning[] = []): Result {
  return { warnings: [...warnings, invalid(message)] };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** Weekday of a calendar date, without any zone: all-day and pattern dates are zone-free. */
function weekdayOf(date: string): Weekday {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  const sundayFirst = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return WEEKDAYS[(sundayFirst + 6) % 7] as Weekday;
}

function sortDays(days: readonly Weekday[]): Weekday[] {
  return WEEKDAYS.filter((day) => days.includes(day));
}

/** The canonical form described at the top of this file. */
function canonical(r: Recurrence): Recurrence {
  const result: Recurrence = { freq: r.freq, interval: r.interval, startDate: r.startDate, timeZone: r.timeZone };
  if (r.byDay !== undefined && r.byDay.length > 0) result.byDay = sortDays(r.byDay);
  if (r.byMonthDay !== undefined) result.byMonthDay = r.byMonthDay;
  if (r.byMonth !== undefined) result.byMonth = r.byMonth;
  if (r.setPos !== undefined) result.setPos = r.setPos;
  if (r.freq === 'weekly' && r.interval > 1 && r.weekStart !== undefined) result.weekStart = r.weekStart;
  if (r.until !== undefined) result.until = r.until;
  if (r.count !== undefined) result.count = r.count;
  return result;
}

/**
 * Why a canonical pattern is not one of the shapes both sides share, or undefined when it is.
 * Shapes: daily; weekly with days; monthly/yearly by date; monthly/yearly by the n-th weekday.
 */
export function recurrenceProblem(r: Recurrence): string | undefined {
  if (!isPositiveInteger(r.interval)) return 'interval must be a whole number ≥ 1';
  if (!isCalendarDate(r.startDate)) return 'startDate is not a calendar date';
  if (r.until !== undefined && !isCalendarDate(r.until)) return 'until is not a calendar date';
  if (r.until !== undefined && r.until < r.startDate) return 'the series ends before it starts';
  if (r.count !== undefined && !isPositiveInteger(r.count)) return 'count must be a whole number ≥ 1';
  if (r.until !== undefined && r.count !== undefined) return 'a series ends by date or by count, not both';
  if (r.byDay?.some((day) => !WEEKDAYS.includes(day))) return 'byDay holds an unknown weekday';
  if (r.byMonthDay !== undefined && !(Number.isInteger(r.byMonthDay) && r.byMonthDay >= 1 && r.byMonthDay <= 31)) {
    return 'byMonthDay must be 1..31';
  }
  if (r.byMonth !== undefined && !(Number.isInteger(r.byMonth) && r.byMonth >= 1 && r.byMonth <= 12)) {
    return 'byMonth must be 1..12';
  }
  if (r.setPos !== undefined && !SET_POSITIONS.has(r.setPos)) return 'setPos must be 1..4 or -1';
  const hasDays = r.byDay !== undefined && r.byDay.length > 0;
  if (r.setPos !== undefined && r.byDay !== undefined && r.byDay.length > 1 && !DAY_SETS.has(sortDays(r.byDay).join(','))) {
    return 'several weekdays at a position are supported only as weekdays, weekend days or every day';
  }
  const relative = hasDays && r.setPos !== undefined;
  const absolute = r.byMonthDay !== undefined && !hasDays && r.setPos === undefined;
  switch (r.freq) {
    case 'daily':
      return hasDays || r.byMonthDay !== undefined || r.byMonth !== undefined || r.setPos !== undefined
        ? 'a daily pattern takes no days, month or position'
        : undefined;
    case 'weekly':
      if (!hasDays) return 'a weekly pattern needs its days';
      return r.byMonthDay !== undefined || r.byMonth !== undefined || r.setPos !== undefined
        ? 'a weekly pattern takes no day of month, month or position'
        : undefined;
    case 'monthly':
      if (r.byMonth !== undefined) return 'a monthly pattern takes no month';
      return relative || absolute ? undefined : 'a monthly pattern needs a day of the month, or weekdays with a position';
    case 'yearly':
      if (r.byMonth === undefined) return 'a yearly pattern needs its month';
      return relative || absolute ? undefined : 'a yearly pattern needs a day of the month, or weekdays with a position';
    default:
      return 'unknown frequency';
  }
}

/** Whether two patterns name the same dates in the same zone (canonical forms compared). */
export function sameRecurrence(a: Recurrence | undefined, b: Recurrence | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function checked(r: Recurrence, warnings: MappingWarning[]): Result {
  const value = canonical(r);
  const problem = recurrenceProblem(value);
  return problem === undefined ? { recurrence: value, warnings } : refuse(problem, warnings);
}

// ---------------------------------------------------------------------------------------------
// Graph
// ---------------------------------------------------------------------------------------------

function graphDays(days: readonly string[] | undefined): Weekday[] | undefined {
  if (days === undefined || days.length === 0) return undefined;
  const result: Weekday[] = [];
  for (const day of days) {
    const index = GRAPH_DAYS.indexOf(day.toLowerCase());
    if (index < 0) return undefined;
    result.push(WEEKDAYS[index] as Weekday);
  }
  return result;
}

function toGraphDay(day: Weekday): string {
  return GRAPH_DAYS[WEEKDAYS.indexOf(day)] as string;
}

/**
 * `eventTimeZone` is the IANA zone of the series master's start; range.recurrenceTimeZone
 * (Windows or IANA name) takes precedence because Graph evaluates startDate/endDate in it.
 */
export function recurrenceFromGraph(r: GraphPatternedRecurrence, eventTimeZone: string): Result {
  const warnings: MappingWarning[] = [];
  const { pattern, range } = r;
  let timeZone = eventTimeZone;
  if (range.recurrenceTimeZone !== undefined) {
    const resolved = resolveZone(range.recurrenceTimeZone, eventTimeZone);
    timeZone = resolved.zone;
    if (resolved.warning) warnings.push({ ...resolved.warning, field: 'recurrence' });
  }
  if (!isPositiveInteger(pattern.interval)) return refuse('Graph pattern interval must be a whole number ≥ 1', warnings);
  const value: Recurrence = { freq: 'daily', interval: pattern.interval, startDate: range.startDate, timeZone };

  const days = graphDays(pattern.daysOfWeek);
  if (pattern.daysOfWeek !== undefined && pattern.daysOfWeek.length > 0 && days === undefined) {
    return refuse('Graph daysOfWeek holds an unknown day', warnings);
  }
  // Graph documents index as optional with "first" as its default.
  const setPos = GRAPH_INDEX[pattern.index ?? 'first'];
  if (setPos === undefined) return refuse(`Graph index "${String(pattern.index)}" is unknown`, warnings);

  switch (pattern.type) {
    case 'daily':
      break;
    case 'weekly': {
      value.freq = 'weekly';
      value.byDay = days ?? [];
      // Graph's documented default week start is Sunday.
      const weekStart = graphDays([pattern.firstDayOfWeek ?? 'sunday']);
      if (weekStart === undefined) return refuse('Graph firstDayOfWeek is unknown', warnings);
      value.weekStart = weekStart[0];
      break;
    }
    case 'absoluteMonthly':
      value.freq = 'monthly';
      if (pattern.dayOfMonth !== undefined) value.byMonthDay = pattern.dayOfMonth;
      break;
    case 'relativeMonthly':
      value.freq = 'monthly';
      value.byDay = days ?? [];
      value.setPos = setPos;
      break;
    case 'absoluteYearly':
      value.freq = 'yearly';
      if (pattern.month !== undefined) value.byMonth = pattern.month;
      if (pattern.dayOfMonth !== undefined) value.byMonthDay = pattern.dayOfMonth;
      break;
    case 'relativeYearly':
      value.freq = 'yearly';
      if (pattern.month !== undefined) value.byMonth = pattern.month;
      value.byDay = days ?? [];
      value.setPos = setPos;
      break;
    default:
      return refuse(`Graph pattern type "${String(pattern.type)}" is unknown`, warnings);
  }

  switch (range.type) {
    case 'endDate':
      if (range.endDate === undefined) return refuse('Graph range of type endDate has no endDate', warnings);
      value.until = range.endDate;
      break;
    case 'numbered':
      if (!isPositiveInteger(range.numberOfOccurrences)) {
        return refuse('Graph numberOfOccurrences must be a whole number ≥ 1', warnings);
      }
      value.count = range.numberOfOccurrences;
      break;
    case 'noEnd':
      // Graph reports endDate "0001-01-01" on open ranges; it means nothing here.
      break;
    default:
      return refuse(`Graph range type "${String(range.type)}" is unknown`, warnings);
  }
  return checked(value, warnings);
}

/**
 * recurrenceTimeZone is left out: Graph then evaluates the range in the event's own zone, which
 * the Graph event mapping sets from the same canonical timeZone.
 */
export function recurrenceToGraph(r: Recurrence): { value?: GraphPatternedRecurrence; warnings: MappingWarning[] } {
  const value = canonical(r);
  const problem = recurrenceProblem(value);
  if (problem !== undefined) return { warnings: [invalid(problem)] };
  const days = value.byDay?.map(toGraphDay);
  const index = (Object.keys(GRAPH_INDEX) as GraphIndex[]).find((key) => GRAPH_INDEX[key] === value.setPos);
  const relative = value.setPos !== undefined;
  let pattern: GraphRecurrencePattern;
  switch (value.freq) {
    case 'daily':
      pattern = { type: 'daily', interval: value.interval };
      break;
    case 'weekly':
      // The week start only matters for interval > 1; Sunday is Graph's own default.
      pattern = { type: 'weekly', interval: value.interval, daysOfWeek: days ?? [], firstDayOfWeek: toGraphDay(value.weekStart ?? 'SU') };
      break;
    case 'monthly':
      pattern = relative
        ? { type: 'relativeMonthly', interval: value.interval, daysOfWeek: days ?? [], ...(index ? { index } : {}) }
        : { type: 'absoluteMonthly', interval: value.interval, dayOfMonth: value.byMonthDay as number };
      break;
    case 'yearly':
      pattern = relative
        ? { type: 'relativeYearly', interval: value.interval, month: value.byMonth as number, daysOfWeek: days ?? [], ...(index ? { index } : {}) }
        : { type: 'absoluteYearly', interval: value.interval, month: value.byMonth as number, dayOfMonth: value.byMonthDay as number };
      break;
  }
  let range: GraphRecurrenceRange;
  if (value.until !== undefined) range = { type: 'endDate', startDate: value.startDate, endDate: value.until };
  else if (value.count !== undefined) range = { type: 'numbered', startDate: value.startDate, numberOfOccurrences: value.count };
  else range = { type: 'noEnd', startDate: value.startDate };
  return { value: { pattern, range }, warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// RRULE
// ---------------------------------------------------------------------------------------------

/** rrule's weekday objects: 0 = Monday … 6 = Sunday, n = the position prefix (1FR, -1SU). */
interface ParsedDay {
  weekday: number;
  n?: number;
}

function asArray<T>(value: T | T[] | null | undefined): T[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function parsedDays(value: unknown): ParsedDay[] {
  // rrule types byweekday as a union of numbers, strings and Weekday objects; parseString only
  // ever yields Weekday objects, but numbers are accepted too for safety.
  return asArray(value as ParsedDay | number | (ParsedDay | number)[] | null | undefined).map((day) =>
    typeof day === 'number' ? { weekday: day } : day,
  );
}

const TIME_OF_DAY = /T(\d{2}:\d{2}:\d{2})$/;

/**
 * The inclusive last date of a series whose RRULE says UNTIL=`raw`. UNTIL is an instant (or a
 * date for all-day series); an occurrence is part of the series when it starts at or before it.
 * So the last date is UNTIL's date in the series zone, or the day before when UNTIL falls
 * earlier that day than the series' time of day.
 */
function untilDate(raw: string, timeZone: string, startTime: string): string | undefined {
  const date = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  if (date) return `${date[1]}-${date[2]}-${date[3]}`;
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i.exec(raw);
  if (!stamp) return undefined;
  const text = `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}`;
  // A floating UNTIL (no Z) is already wall-clock time in the series zone.
  const local = stamp[7] ? utcToZoned(`${text}Z`, timeZone) : text;
  const day = local.slice(0, 10);
  const time = TIME_OF_DAY.exec(local)?.[1] ?? '00:00:00';
  return time < startTime ? addDaysToDate(day, -1) : day;
}

/**
 * Salesforce Recurrence2PatternText (or any RRULE) → canonical. `start` is the series' first
 * date 'YYYY-MM-DD', or better its first start instant: with the time of day, an UNTIL that
 * cuts a day short is read exactly (see untilDate).
 */
export function recurrenceFromRRule(rrule: string, start: string, timeZone: string): Result {
  let startDate = start;
  let startTime = '00:00:00';
  if (!isCalendarDate(start)) {
    let local: string;
    try {
      local = utcToZoned(start, timeZone);
    } catch {
      return refuse('the series start is neither a date nor an instant');
    }
    startDate = local.slice(0, 10);
    startTime = TIME_OF_DAY.exec(local)?.[1] ?? startTime;
  }

  const lines = rrule
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length !== 1) return refuse('only a single RRULE line is supported (no RDATE, EXDATE or second rule)');
  const body = (lines[0] as string).replace(/^RRULE:/i, '');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    if (part.trim() === '') continue;
    const [key = '', value = ''] = part.split('=').map((piece) => piece.trim());
    const name = key.toUpperCase();
    if (!SUPPORTED_PARTS.has(name)) return refuse(`RRULE part ${name} is not supported by Graph or Salesforce`);
    if (parts.has(name)) return refuse(`RRULE part ${name} is repeated`);
    parts.set(name, value);
  }

  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(`RRULE:${body}`);
  } catch (error) {
    return refuse(`RRULE could not be read: ${(error as Error).message}`);
  }
  const freq = options.freq === undefined ? undefined : RRULE_FREQ[options.freq];
  if (freq === undefined) return refuse(`RRULE FREQ=${parts.get('FREQ') ?? ''} is not daily, weekly, monthly or yearly`);

  const value: Recurrence = { freq, interval: options.interval ?? 1, startDate, timeZone };
  const days = parsedDays(options.byweekday);
  const positions = days.filter((day) => day.n !== undefined && day.n !== 0);
  const setPositions = asArray(options.bysetpos);
  const monthDays = asArray(options.bymonthday);
  const months = asArray(options.bymonth);

  if (positions.length > 0 && (days.length > 1 || setPositions.length > 0)) {
    return refuse('RRULE BYDAY with a position is supported for one weekday only, without BYSETPOS');
  }
  if (setPositions.length > 1) return refuse('RRULE BYSETPOS with several positions is not supported');
  const position = positions[0]?.n ?? setPositions[0];
  if (position !== undefined && !SET_POSITIONS.has(position)) return refuse('RRULE position must be 1..4 or -1');
  if (setPositions.length > 0 && days.length === 0) return refuse('RRULE BYSETPOS is supported only with BYDAY');
  if (monthDays.length > 1) return refuse('RRULE BYMONTHDAY with several days is not supported');
  if (monthDays.some((day) => day < 1)) return refuse('RRULE BYMONTHDAY counted from the month end is not supported');
  if (months.length > 1) return refuse('RRULE BYMONTH with several months is not supported');
  if (days.length > 0) value.byDay = days.map((day) => WEEKDAYS[day.weekday] as Weekday);
  if (position !== undefined) value.setPos = position as SetPos;
  if (monthDays[0] !== undefined) value.byMonthDay = monthDays[0];
  if (months[0] !== undefined) value.byMonth = months[0];
  if (options.wkst !== undefined && options.wkst !== null) {
    const weekStart = typeof options.wkst === 'number' ? options.wkst : options.wkst.weekday;
    value.weekStart = WEEKDAYS[weekStart];
  }

  // RFC 5545 takes what the rule leaves out from DTSTART; the start date is DTSTART's date.
  const [, startMonth = 1, startDay = 1] = startDate.split('-').map(Number);
  if (freq === 'weekly' && value.byDay === undefined) value.byDay = [weekdayOf(startDate)];
  if (freq === 'weekly' && value.interval > 1 && value.weekStart === undefined) value.weekStart = 'MO';
  if (freq === 'yearly' && value.byMonth === undefined && value.byDay === undefined && value.byMonthDay === undefined) {
    value.byMonth = startMonth;
  }
  if ((freq === 'monthly' || freq === 'yearly') && value.byDay === undefined && value.byMonthDay === undefined) {
    value.byMonthDay = startDay;
  }
  if (value.byDay !== undefined && value.setPos === undefined && freq !== 'weekly') {
    return refuse('RRULE BYDAY without a position in a monthly or yearly rule means every such weekday; Graph cannot say that');
  }

  const until = parts.get('UNTIL');
  if (until !== undefined) {
    let date: string | undefined;
    try {
      date = untilDate(until, timeZone, startTime);
    } catch {
      date = undefined;
    }
    if (date === undefined) return refuse('RRULE UNTIL is not a date or a date-time');
    value.until = date;
  }
  if (options.count !== undefined && options.count !== null) value.count = options.count;
  return checked(value, []);
}

function compactInstant(instant: string): string {
  return instant.replace(/[-:]/g, '');
}

/**
 * Canonical → 'RRULE:…' in the part order Salesforce stores (FREQ, BYMONTH, BYMONTHDAY, BYDAY,
 * WKST, BYSETPOS, INTERVAL, UNTIL, COUNT) with INTERVAL always present, so the text read back
 * after a save is the text written. UNTIL is the last second of the `until` date in the series
 * zone: every occurrence on that date, whatever its time, stays in the series.
 */
export function recurrenceToRRule(r: Recurrence): { text?: string; warnings: MappingWarning[] } {
  const value = canonical(r);
  const problem = recurrenceProblem(value);
  if (problem !== undefined) return { warnings: [invalid(problem)] };
  const parts: string[] = [`FREQ=${value.freq.toUpperCase()}`];
  if (value.byMonth !== undefined) parts.push(`BYMONTH=${value.byMonth}`);
  if (value.byMonthDay !== undefined) parts.push(`BYMONTHDAY=${value.byMonthDay}`);
  if (value.byDay !== undefined) parts.push(`BYDAY=${value.byDay.join(',')}`);
  if (value.weekStart !== undefined) parts.push(`WKST=${value.weekStart}`);
  if (value.setPos !== undefined) parts.push(`BYSETPOS=${value.setPos}`);
  parts.push(`INTERVAL=${value.interval}`);
  if (value.until !== undefined) {
    let last: string;
    try {
      last = formatInstant(parseInstant(zonedToUtc(`${addDaysToDate(value.until, 1)}T00:00:00`, value.timeZone)) - 1000);
    } catch {
      return { warnings: [invalid(`time zone "${value.timeZone}" is unknown; UNTIL cannot be placed`)] };
    }
    parts.push(`UNTIL=${compactInstant(last)}`);
  }
  if (value.count !== undefined) parts.push(`COUNT=${value.count}`);
  return { text: `RRULE:${parts.join(';')}`, warnings: [] };
}

function utcDate(date: string, time: [number, number, number] = [0, 0, 0]): Date {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day, ...time));
}

/**
 * The first `count` occurrence dates (YYYY-MM-DD, in the series zone), or [] for a pattern that
 * is not a supported shape. Dates are computed zone-free: a pattern names calendar days.
 *
 * Days 29–31 follow Outlook and Salesforce, not plain RFC 5545: a month (or February in a
 * yearly pattern) without that day gets its last day instead of no occurrence (Salesforce:
 * "If BYMONTHDAY is 31 and the month has fewer than 31 days, the event is created on the last
 * day of the month"). rrule expresses that as BYMONTHDAY=d,-1;BYSETPOS=1.
 */
export function nextOccurrences(r: Recurrence, count: number): string[] {
  const value = canonical(r);
  if (recurrenceProblem(value) !== undefined || count <= 0) return [];
  const options: Partial<RRuleOptions> = {
    freq: FREQ_VALUE[value.freq],
    interval: value.interval,
    dtstart: utcDate(value.startDate),
  };
  if (value.byDay !== undefined) options.byweekday = value.byDay.map((day) => WEEKDAYS.indexOf(day));
  if (value.setPos !== undefined) options.bysetpos = value.setPos;
  if (value.byMonth !== undefined) options.bymonth = value.byMonth;
  if (value.byMonthDay !== undefined) {
    if (value.byMonthDay >= 29) {
      options.bymonthday = [value.byMonthDay, -1];
      options.bysetpos = 1;
    } else {
      options.bymonthday = value.byMonthDay;
    }
  }
  if (value.weekStart !== undefined) options.wkst = WEEKDAYS.indexOf(value.weekStart);
  if (value.count !== undefined) options.count = value.count;
  if (value.until !== undefined) options.until = utcDate(value.until, [23, 59, 59]);
  return new RRule(options)
    .all((_, index) => index < count)
    .map((date) => date.toISOString().slice(0, 10));
}
