import { resolveZone, UTC, type Zone } from './calendar-time.ts';
import type { InputError } from './contact-schema.ts';
import { zoneNotSupported } from './events-schema.ts';

/**
 * `Prefer: outlook.timezone="…"`: the zone event times are returned in (UTC otherwise). Graph
 * echoes an honoured preference in Preference-Applied, next to any others it applied.
 */
export function preferredZone(headers: Record<string, string>): { zone: Zone; applied?: string } | { error: InputError } {
  for (const part of (headers.prefer ?? '').split(',').map((s) => s.trim())) {
    const m = /^outlook\.timezone\s*=\s*"?([^"]*)"?$/i.exec(part);
    if (!m) continue;
    const name = m[1] ?? '';
    const zone = resolveZone(name);
    if (!zone) return { error: zoneNotSupported(name) };
    return { zone, applied: `outlook.timezone="${zone.name}"` };
  }
  return { zone: UTC };
}

/** `Prefer: outlook.body-content-type="text"|"html"`; either is echoed when given. */
export function preferredBodyType(headers: Record<string, string>): { bodyType: 'html' | 'text'; applied?: string } {
  for (const part of (headers.prefer ?? '').split(',').map((s) => s.trim())) {
    const m = /^outlook\.body-content-type\s*=\s*"?(text|html)"?$/i.exec(part);
    const type = m?.[1]?.toLowerCase();
    if (type === 'text' || type === 'html') return { bodyType: type, applied: `outlook.body-content-type="${type}"` };
  }
  return { bodyType: 'html' };
}

/** Adds a preference to a result's Preference-Applied header. */
export function withApplied(headers: Record<string, string> | undefined, applied: string | undefined): Record<string, string> {
  const out = { ...headers };
  if (!applied) return out;
  const existing = out['Preference-Applied'];
  out['Preference-Applied'] = existing ? `${existing},${applied}` : applied;
  return out;
}
