/**
 * Normalisation of canonical contacts. Every comparison and every hash goes through here, so
 * two sides that hold "the same" value in slightly different spellings (trailing spaces, CRLF
 * vs LF, upper-case e-mail) never look changed and never ping-pong writes.
 *
 * Rules are deliberately conservative: they only erase differences a person cannot see or
 * that a vendor introduces on its own (Outlook's CRLF, Salesforce's trailing newline). Phone
 * numbers keep their formatting because reformatting them would rewrite what the rep typed.
 */
import { CONTACT_FIELDS } from './contact.ts';
import type { ContactField, ContactFields, PostalAddress } from './contact.ts';

type TextField = Exclude<ContactField, 'mailingAddress' | 'otherAddress' | 'birthday' | 'notes'>;

const ADDRESS_KEYS: readonly (keyof PostalAddress)[] = ['street', 'city', 'state', 'postalCode', 'country'];

/** Fields shown as one-line labels, where a double space is always an accident. */
const COLLAPSED_FIELDS: ReadonlySet<ContactField> = new Set<ContactField>([
  'firstName',
  'lastName',
  'title',
  'department',
  'company',
]);

// NFC first: Outlook and Salesforce may store "é" composed or decomposed; both must compare equal.
function baseText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.normalize('NFC').trim();
  return text === '' ? undefined : text;
}

function collapsed(value: unknown): string | undefined {
  return baseText(value)?.replace(/\s+/g, ' ');
}

function unifyLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Street is multi-line on both systems (Salesforce MailingStreet is a text area, Graph street
 * holds CRLF), so lines are kept; only the invisible parts around them go.
 */
function normaliseStreet(value: unknown): string | undefined {
  const text = baseText(value);
  if (text === undefined) return undefined;
  const lines = unifyLineEnds(text)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === 0 ? undefined : lines.join('\n');
}

export function normaliseAddress(address: unknown): PostalAddress | undefined {
  if (address === null || typeof address !== 'object') return undefined;
  const source = address as Record<string, unknown>;
  const result: PostalAddress = {};
  for (const key of ADDRESS_KEYS) {
    const value = key === 'street' ? normaliseStreet(source[key]) : baseText(source[key]);
    if (value !== undefined) result[key] = value;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Year 0 does not exist in the Gregorian calendar Salesforce and Exchange use, so it is refused. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function normaliseBirthday(value: unknown): string | undefined {
  const text = baseText(value);
  return text !== undefined && isCalendarDate(text) ? text : undefined;
}

/**
 * Trailing spaces and blank lines are invisible in both UIs but Outlook and Salesforce add or
 * strip them on their own. Leading indentation is content, so only leading blank lines go.
 */
export function normaliseNotes(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const lines = unifyLineEnds(value.normalize('NFC'))
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines.length === 0 ? undefined : lines.join('\n');
}

/**
 * Phones are only trimmed: "+44 20 7946 0000" and "020 7946 0000" may be the same line, but
 * deciding that needs a country and a numbering plan, and rewriting the rep's format is worse.
 */
function normaliseText(field: TextField, value: unknown): string | undefined {
  // Domains are case-insensitive and no mail system in scope treats local parts otherwise.
  if (field === 'email') return baseText(value)?.toLowerCase().normalize('NFC');
  if (COLLAPSED_FIELDS.has(field)) return collapsed(value);
  return baseText(value);
}

/** The normalised value of one field; undefined means absent. */
export function normaliseField<F extends ContactField>(field: F, value: unknown): ContactFields[F] | undefined;
export function normaliseField(field: ContactField, value: unknown): string | PostalAddress | undefined {
  switch (field) {
    case 'mailingAddress':
    case 'otherAddress':
      return normaliseAddress(value);
    case 'birthday':
      return normaliseBirthday(value);
    case 'notes':
      return normaliseNotes(value);
    default:
      return normaliseText(field, value);
  }
}

/**
 * Absent keys are left out of the result altogether (not set to undefined), so deep equality,
 * JSON and hashing all see the same shape. Keys that are not canonical fields are dropped.
 */
export function normaliseContact(fields: ContactFields): ContactFields {
  const result: ContactFields = {};
  const target = result as Record<ContactField, unknown>;
  for (const field of CONTACT_FIELDS) {
    const value = normaliseField(field, fields[field]);
    if (value !== undefined) target[field] = value;
  }
  return result;
}

/** Key order inside an address must not matter, so values are compared in a canonical form. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function contactFieldEquals(field: ContactField, a: ContactFields, b: ContactFields): boolean {
  const left = normaliseField(field, a[field]);
  const right = normaliseField(field, b[field]);
  if (left === undefined || right === undefined) return left === right;
  return canonicalJson(left) === canonicalJson(right);
}
