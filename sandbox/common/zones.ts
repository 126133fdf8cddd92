/**
 * Wall-clock arithmetic shared by the emulators. A "wall" value is a local date and time
 * expressed as the milliseconds a UTC clock would show for the same fields; series are expanded
 * on wall time so a 09:00 meeting stays at 09:00 across DST. Written for the sandbox on purpose,
 * apart from the companion's core/timezones.ts, so an emulator cannot mirror a companion bug.
 */

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

export function isIanaZone(name: unknown): name is string {
  if (typeof name !== 'string' || name === '') return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
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
