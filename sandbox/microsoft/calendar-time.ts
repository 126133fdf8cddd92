import { findIana } from 'windows-iana';

/**
 * Wall-clock arithmetic for event times. A "wall" value is the local date and time expressed as
 * the milliseconds a UTC clock would show for the same fields; it keeps DST out of recurrence
 * expansion and is converted to an instant only through a zone.
 */
export interface Zone {
  /** As the client wrote it (Windows or IANA); Graph echoes names as given. */
  name: string;
  iana: string;
}

export const UTC: Zone = { name: 'UTC', iana: 'UTC' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(iana, f);
  }
  return f;
}

function isIana(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Exchange takes Windows zone names; Graph also accepts IANA names. Anything else is refused. */
export function resolveZone(name: string): Zone | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const windows = findIana(trimmed)[0];
  if (windows) return { name: trimmed, iana: windows };
  return isIana(trimmed) ? { name: trimmed, iana: trimmed } : undefined;
}

function offsetAt(iana: string, utcMs: number): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(iana).formatToParts(new Date(whole))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - whole;
}

export const utcToWall = (utcMs: number, iana: string): number => utcMs + offsetAt(iana, utcMs);

/** Two passes settle the offset; a wall time inside a spring-forward gap lands after the gap. */
export function wallToUtc(wall: number, iana: string): number {
  const first = wall - offsetAt(iana, wall);
  return wall - offsetAt(iana, first);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Graph's DateTimeTimeZone.dateTime: seven fractional digits and no zone suffix. */
export function formatWall(wall: number): string {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.0000000`;
}

export const formatDate = (wall: number): string => formatWall(wall).slice(0, 10);

export const isMidnight = (wall: number): boolean => wall % 86_400_000 === 0;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A dateTime as Graph reads it: local to `zone` unless it carries its own offset, in which case
 * the instant is kept and re-expressed in the zone.
 */
export function parseWall(text: string, zone: Zone): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const suffix = m[7];
  if (!suffix) return wall;
  const offsetMin = suffix === 'Z' ? 0 : (suffix.startsWith('-') ? -1 : 1) * (Number(suffix.slice(1, 3)) * 60 + Number(suffix.slice(4, 6)));
  return utcToWall(wall - offsetMin * 60_000, zone.iana);
}

/** Window parameters (startDateTime/endDateTime): an offset-less value means UTC. */
export function parseInstant(text: string): number | undefined {
  return parseWall(text, UTC);
}
