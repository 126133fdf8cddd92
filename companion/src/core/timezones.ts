/**
 * Time-zone names and wall-clock ⇄ instant conversion.
 *
 * Graph reports zones as Windows names ("Pacific Standard Time"), as IANA names (the calendar API
 * accepts both, https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone) or as
 * "UTC"; Salesforce gives the rep's IANA zone (User.TimeZoneSidKey). The canonical model keeps
 * IANA names. Names come from windows-iana (CLDR windowsZones); offsets come from the ICU data
 * behind Intl, so no hand-written table has to follow DST law changes.
 */
import { findIana, findWindows } from 'windows-iana';
import type { MappingWarning } from './contact.ts';

const UTC_NAMES: ReadonlySet<string> = new Set(['utc', 'etc/utc', 'z', 'gmt', 'etc/gmt', 'utc+00:00', 'coordinated universal time']);

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/**
 * A formatter per zone, null for names ICU does not know. Memoised because building one is far
 * slower than using it; the cache holds only derived, deterministic data.
 */
function formatter(zone: string): Intl.DateTimeFormat | null {
  let cached = formatters.get(zone);
  if (cached === undefined) {
    try {
      cached = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        era: 'short',
      });
    } catch {
      cached = null;
    }
    formatters.set(zone, cached);
  }
  return cached;
}

function isIana(zone: string): boolean {
  // Intl also accepts offsets like "+05:00", which are not zones with rules; require a region name.
  return (zone.includes('/') || zone === 'UTC') && formatter(zone) !== null;
}

/** Windows or IANA name (or "UTC") → an IANA name ICU knows, or undefined when it is neither. */
export function windowsToIana(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  if (UTC_NAMES.has(trimmed.toLowerCase())) return 'UTC';
  if (isIana(trimmed)) return trimmed;
  // The first entry is CLDR's territory "001" default, the zone Windows itself means by the name.
  const candidate = findIana(trimmed).find((zone) => formatter(zone) !== null);
  return candidate;
}

/** IANA name → the Windows name that covers it, or undefined (no Windows zone for it). */
export function ianaToWindows(zone: string): string | undefined {
  const trimmed = zone.trim();
  if (UTC_NAMES.has(trimmed.toLowerCase())) return 'UTC';
  return findWindows(trimmed)[0];
}

/**
 * The IANA zone for a name from either side. An absent name is normal (the fallback is the rep's
 * zone); a name that cannot be resolved is reported, because times read in the fallback may be
 * off by the difference between the two zones.
 */
export function resolveZone(name: string | undefined, fallback: string): { zone: string; warning?: MappingWarning } {
  if (name === undefined || name.trim() === '') return { zone: fallback };
  const zone = windowsToIana(name);
  if (zone !== undefined) return { zone };
  return {
    zone: fallback,
    warning: { field: 'timeZone', code: 'unresolved', message: `time zone "${name}" is unknown; read as ${fallback}` },
  };
}

// ---------------------------------------------------------------------------------------------
// Wall clock ⇄ instant
// ---------------------------------------------------------------------------------------------

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function formatUtc(ms: number, suffix: string): string {
  const date = new Date(ms);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${suffix}`
  );
}

function parseFields(match: RegExpExecArray): number[] {
  return [1, 2, 3, 4, 5, 6].map((index) => Number(match[index] ?? '0'));
}

function checkedMillis(fields: number[], text: string): number {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields;
  const ms = utcMillis(year, month, day, hour, minute, second);
  // Rejects 2025-02-30 and 24:00 instead of silently rolling them into the next day.
  if (formatUtc(ms, '') !== `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}`) {
    throw new RangeError(`not a valid date-time: "${text}"`);
  }
  return ms;
}

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  const result = formatter(zone);
  if (result === null) throw new RangeError(`unknown time zone: "${zone}"`);
  return result;
}

/** Wall-clock milliseconds (as if UTC) of an instant in a zone. */
function wallClock(ms: number, zone: string): number {
  const parts: Record<string, string> = {};
  for (const part of zoneFormatter(zone).formatToParts(new Date(ms))) parts[part.type] = part.value;
  const year = Number(parts.year) * (parts.era === 'BC' || parts.era === 'B' ? -1 : 1);
  return utcMillis(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallClock(whole, zone) - whole;
}

/** Parses a Graph-style local date-time ('YYYY-MM-DDTHH:mm[:ss[.fffffff]]'); fractions are dropped. */
export function parseLocal(local: string): number {
  const match = LOCAL.exec(local.trim());
  if (!match) throw new RangeError(`not a local date-time: "${local}"`);
  return checkedMillis(parseFields(match), local);
}

/** Parses an ISO instant with Z or an offset into epoch ms; fractions of a second are dropped. */
export function parseInstant(instant: string): number {
  const match = INSTANT.exec(instant.trim());
  if (!match) throw new RangeError(`not an instant: "${instant}"`);
  const ms = checkedMillis(parseFields(match), instant);
  const zone = (match[7] ?? 'Z').replace(':', '');
  if (zone.toUpperCase() === 'Z') return ms;
  const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * MINUTE;
  return zone.startsWith('-') ? ms + offset : ms - offset;
}

/** Epoch ms → canonical instant 'YYYY-MM-DDTHH:mm:ssZ'. */
export function formatInstant(ms: number): string {
  return formatUtc(Math.floor(ms / 1000) * 1000, 'Z');
}

/**
 * Local wall-clock time in an IANA zone → UTC instant 'YYYY-MM-DDTHH:mm:ssZ'.
 *
 * Resolves ambiguity the way RFC 5545 (3.3.5) and Temporal's "compatible" mode do, so a time
 * typed in Outlook or Salesforce lands where those clients put it:
 * - fall-back overlap (01:30 happens twice): the earlier instant, i.e. the daylight-time one;
 * - spring-forward gap (02:30 does not exist): moved forward by the gap, read with the offset in
 *   force before the change (02:30 New York on the spring-forward day → 03:30 EDT = 07:30Z).
 * Transitions are assumed at least two days apart, which holds for every zone in the tz database.
 */
export function zonedToUtc(local: string, zone: string): string {
  const wall = parseLocal(local);
  const before = offsetAt(wall - DAY, zone);
  const after = offsetAt(wall + DAY, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((utc) => wall - utc === offsetAt(utc, zone))
    .sort((a, b) => a - b);
  const first = candidates[0];
  return formatInstant(first ?? wall - before);
}

/** UTC instant (Z or offset) → local wall-clock time 'YYYY-MM-DDTHH:mm:ss' in an IANA zone. */
export function utcToZoned(instant: string, zone: string): string {
  const ms = Math.floor(parseInstant(instant) / 1000) * 1000;
  return formatUtc(wallClock(ms, zone), '');
}

/** Calendar arithmetic on 'YYYY-MM-DD' without a zone: all-day dates never pass through an instant. */
export function addDaysToDate(date: string, days: number): string {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  return formatUtc(utcMillis(year, month, day, 0, 0, 0) + days * DAY, '').slice(0, 10);
}
