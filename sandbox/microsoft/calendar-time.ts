import { findIana } from 'windows-iana';
import { isIanaZone, utcToWall, wallToUtc } from '../common/zones.ts';

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

/** Exchange takes Windows zone names; Graph also accepts IANA names. Anything else is refused. */
export function resolveZone(name: string): Zone | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const windows = findIana(trimmed)[0];
  if (windows) return { name: trimmed, iana: windows };
  return isIanaZone(trimmed) ? { name: trimmed, iana: trimmed } : undefined;
}

export { utcToWall, wallToUtc };

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
