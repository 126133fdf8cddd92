import rrulePkg from 'rrule';
import type { Options as RRuleOptions, Weekday } from 'rrule';
import { utcToWall, wallToUtc } from './calendar-time.ts';
import type { InputError } from './contact-schema.ts';
import { isRecord } from './is-record.ts';

// rrule ships CommonJS under its "main"; Node's ESM loader only sees its default export.
const { RRule } = rrulePkg;

/** Graph's patternedRecurrence, normalised the way Graph renders it (every field present). */
export interface Recurrence {
  pattern: {
    type: PatternType;
    interval: number;
    month: number;
    dayOfMonth: number;
    daysOfWeek: string[];
    firstDayOfWeek: string;
    index: string;
  };
  range: {
    type: 'endDate' | 'noEnd' | 'numbered';
    startDate: string;
    endDate: string;
    recurrenceTimeZone: string;
    numberOfOccurrences: number;
  };
}

type PatternType = 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
const PATTERNS: PatternType[] = ['daily', 'weekly', 'absoluteMonthly', 'relativeMonthly', 'absoluteYearly', 'relativeYearly'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** Exchange's generic answer to a property it cannot accept (seen for bad recurrences and end-before-start). */
const invalid: InputError = { status: 400, code: 'ErrorPropertyValidationFailure', message: 'At least one property failed validation.' };

export function parseRecurrence(value: unknown): { value: Recurrence | null } | { error: InputError } {
  if (value === null) return { value: null };
  if (!isRecord(value) || !isRecord(value.pattern) || !isRecord(value.range)) return { error: invalid };
  const p = value.pattern;
  const r = value.range;
  const type = PATTERNS.find((t) => t === p.type);
  const rangeType = r.type === 'endDate' || r.type === 'noEnd' || r.type === 'numbered' ? r.type : undefined;
  const days = Array.isArray(p.daysOfWeek) ? p.daysOfWeek.map((d) => String(d).toLowerCase()) : [];
  if (!type || !rangeType || typeof r.startDate !== 'string' || !DATE.test(r.startDate)) return { error: invalid };
  if (days.some((d) => !DAYS.includes(d))) return { error: invalid };
  if ((type === 'weekly' || type.startsWith('relative')) && days.length === 0) return { error: invalid };
  if (rangeType === 'endDate' && (typeof r.endDate !== 'string' || !DATE.test(r.endDate) || r.endDate < r.startDate)) return { error: invalid };
  if (rangeType === 'numbered' && !(Number.isInteger(r.numberOfOccurrences) && Number(r.numberOfOccurrences) > 0)) return { error: invalid };
  const interval = Number.isInteger(p.interval) && Number(p.interval) > 0 ? Number(p.interval) : 1;
  return {
    value: {
      pattern: {
        type,
        interval,
        month: Number.isInteger(p.month) ? Number(p.month) : 0,
        dayOfMonth: Number.isInteger(p.dayOfMonth) ? Number(p.dayOfMonth) : 0,
        daysOfWeek: days,
        firstDayOfWeek: typeof p.firstDayOfWeek === 'string' ? p.firstDayOfWeek.toLowerCase() : 'sunday',
        index: typeof p.index === 'string' && p.index in INDEX ? p.index : 'first',
      },
      range: {
        type: rangeType,
        startDate: r.startDate,
        endDate: rangeType === 'endDate' ? String(r.endDate) : '0001-01-01',
        recurrenceTimeZone: typeof r.recurrenceTimeZone === 'string' ? r.recurrenceTimeZone : '',
        numberOfOccurrences: rangeType === 'numbered' ? Number(r.numberOfOccurrences) : 0,
      },
    },
  };
}

export interface SlotTimes {
  /** Instant of the occurrence's start as the pattern placed it: how Exchange names the slot. */
  originalStart: number;
  startWall: number;
}

const weekday = (name: string): Weekday => {
  const all = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU];
  return all[DAYS.indexOf(name)] ?? RRule.MO;
};

/**
 * The slots of a series in its start zone. Expansion runs on wall times so a 09:00 meeting stays
 * at 09:00 across DST; `from`/`to` (instants) bound the work, `max` caps open-ended series.
 */
export function expandSlots(
  startWall: number,
  iana: string,
  rec: Recurrence,
  bounds: { from?: number; to?: number; max: number },
): SlotTimes[] {
  const timeOfDay = ((startWall % DAY_MS) + DAY_MS) % DAY_MS;
  const dtstart = new Date(Date.parse(`${rec.range.startDate}T00:00:00Z`) + timeOfDay);
  const p = rec.pattern;
  const opts: Partial<RRuleOptions> = { dtstart, interval: p.interval, wkst: weekday(p.firstDayOfWeek) };
  const days = p.daysOfWeek.map(weekday);
  switch (p.type) {
    case 'daily':
      opts.freq = RRule.DAILY;
      break;
    case 'weekly':
      Object.assign(opts, { freq: RRule.WEEKLY, byweekday: days });
      break;
    case 'absoluteMonthly':
      Object.assign(opts, { freq: RRule.MONTHLY, bymonthday: p.dayOfMonth || dtstart.getUTCDate() });
      break;
    case 'relativeMonthly':
      Object.assign(opts, { freq: RRule.MONTHLY, byweekday: days, bysetpos: INDEX[p.index] ?? 1 });
      break;
    case 'absoluteYearly':
      Object.assign(opts, { freq: RRule.YEARLY, bymonth: p.month || dtstart.getUTCMonth() + 1, bymonthday: p.dayOfMonth || dtstart.getUTCDate() });
      break;
    case 'relativeYearly':
      Object.assign(opts, { freq: RRule.YEARLY, bymonth: p.month || dtstart.getUTCMonth() + 1, byweekday: days, bysetpos: INDEX[p.index] ?? 1 });
      break;
  }
  if (rec.range.type === 'numbered') opts.count = rec.range.numberOfOccurrences;
  if (rec.range.type === 'endDate') opts.until = new Date(Date.parse(`${rec.range.endDate}T00:00:00Z`) + DAY_MS - 1);
  const rule = new RRule(opts);
  const out: SlotTimes[] = [];
  // Wall and instant differ by at most a day, so a day of slack on each side is enough.
  const lo = bounds.from === undefined ? undefined : bounds.from - DAY_MS;
  const hi = bounds.to === undefined ? undefined : bounds.to + DAY_MS;
  rule.all((d, i) => {
    if (i >= bounds.max * 4) return false;
    const wall = d.getTime();
    if (hi !== undefined && wall > hi) return false;
    if (lo === undefined || wall >= lo) out.push({ startWall: wall, originalStart: wallToUtc(wall, iana) });
    return out.length < bounds.max;
  });
  return out;
}

/** The wall time in another zone of the same instant, for an occurrence's end. */
export const shiftWall = (utc: number, iana: string): number => utcToWall(utc, iana);
