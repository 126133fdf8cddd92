/**
 * Field values inside the store: text as string, numbers as number, booleans as boolean, dates as
 * "YYYY-MM-DD", datetimes as epoch milliseconds, ids as canonical 18-character strings, absent as
 * null. These helpers convert to and from what the REST API and CDC put on the wire.
 */
import type { FieldDef } from './schema.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function isValidDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * Epoch ms of an ISO-8601 datetime as Salesforce accepts it (offset optional, meaning UTC), or
 * undefined. Salesforce keeps whole seconds, so the fraction is dropped.
 */
export function parseDateTime(s: string): number | undefined {
  const m = DATETIME.exec(s);
  if (!m) return undefined;
  if (!isValidDate(`${m[1]}-${m[2]}-${m[3]}`)) return undefined;
  const [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h, mi, sec);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

export const truncateToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** REST format: 2024-05-01T12:34:56.000+0000. */
export const formatDateTimeRest = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/** CDC (CometD JSON) format: 2024-05-01T12:34:56.000Z. */
export const formatDateTimeIso = (ms: number): string => new Date(ms).toISOString();

export const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A stored value as the REST API returns it. */
export function toRest(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime' && typeof value === 'number') return formatDateTimeRest(value);
  return value;
}

/** A stored value as a CDC payload carries it. */
export function toCdc(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime' && typeof value === 'number') return formatDateTimeIso(value);
  return value;
}

/** Whether two stored values are the same (for "did this update change the field"). */
export const sameValue = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null);
