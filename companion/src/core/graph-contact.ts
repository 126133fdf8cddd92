/**
 * Microsoft Graph v1.0 contact ⇄ canonical contact.
 * Resource: https://learn.microsoft.com/en-us/graph/api/resources/contact
 *
 * Lightning Sync's Exchange defaults are the model: Account Name ⇄ CompanyName, Email ⇄
 * EmailAddress1, Phone ⇄ business phone, Mailing ⇄ business address, Description ⇄ notes.
 * Where Lightning Sync uses an Exchange property that Graph v1.0 does not expose (BusinessFax,
 * OtherTelephone), the field stays Salesforce-only instead of being squeezed into another slot.
 */
import { CONTACT_FIELDS } from './contact.ts';
import type { ContactField, ContactFields, MappingWarning, PostalAddress } from './contact.ts';
import { daysInMonth, isCalendarDate, normaliseAddress, normaliseContact, normaliseField } from './normalise.ts';

export interface GraphEmailAddress {
  name?: string | null;
  address?: string | null;
}

export interface GraphPhysicalAddress {
  street?: string | null;
  city?: string | null;
  state?: string | null;
  countryOrRegion?: string | null;
  postalCode?: string | null;
}

export interface GraphContact {
  id?: string;
  '@odata.etag'?: string;
  changeKey?: string;
  parentFolderId?: string;
  givenName?: string | null;
  surname?: string | null;
  middleName?: string | null;
  displayName?: string | null;
  emailAddresses?: GraphEmailAddress[];
  businessPhones?: string[];
  homePhones?: string[];
  mobilePhone?: string | null;
  jobTitle?: string | null;
  companyName?: string | null;
  department?: string | null;
  businessAddress?: GraphPhysicalAddress | null;
  homeAddress?: GraphPhysicalAddress | null;
  otherAddress?: GraphPhysicalAddress | null;
  birthday?: string | null;
  personalNotes?: string | null;
  categories?: string[];
  [other: string]: unknown;
}

/**
 * fax: the v1.0 contact has no fax property at all. otherPhone: Lightning Sync maps it to
 * Exchange OtherTelephone, also absent from v1.0; storing it as homePhones[1] would label it
 * "Home 2" in Outlook and shift into homePhone whenever homePhone is empty, so it is one-sided.
 */
export const GRAPH_CONTACT_FIELDS: readonly ContactField[] = CONTACT_FIELDS.filter(
  (field) => field !== 'fax' && field !== 'otherPhone',
);

type ScalarField = 'firstName' | 'lastName' | 'mobilePhone' | 'title' | 'department' | 'company' | 'notes';
type GraphScalar = 'givenName' | 'surname' | 'mobilePhone' | 'jobTitle' | 'department' | 'companyName' | 'personalNotes';

const SCALARS: Readonly<Record<ScalarField, GraphScalar>> = {
  firstName: 'givenName',
  lastName: 'surname',
  mobilePhone: 'mobilePhone',
  title: 'jobTitle',
  department: 'department',
  company: 'companyName',
  notes: 'personalNotes',
};

const ADDRESSES = { mailingAddress: 'businessAddress', otherAddress: 'otherAddress' } as const;

// ---------------------------------------------------------------------------------------------
// Birthday
//
// Graph types birthday as a UTC DateTimeOffset, but the instant depends on who wrote it: Graph
// clients often send midnight UTC, Exchange ActiveSync uses 11:59 UTC ("the time SHOULD be
// ignored", MS-ASCNTC Birthday), and classic Outlook stores local midnight converted to UTC
// (e.g. 22:00Z the day before in Central Europe). Rounding to the nearest UTC midnight reads all
// of these as the intended date for writers in UTC−11:59 … UTC+12. We write 11:59Z because a
// client that shows the instant in its own zone then shows the same date from UTC−11 to UTC+12.
// ---------------------------------------------------------------------------------------------

const GRAPH_BIRTHDAY = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Steps one day at a time: the shift is at most a day or two, and no Date object is needed. */
function addDays(date: string, days: number): string | undefined {
  let [year, month, day] = date.split('-').map(Number) as [number, number, number];
  for (let step = 0; step < Math.abs(days); step += 1) {
    day += Math.sign(days);
    if (day > daysInMonth(year, month)) {
      day = 1;
      month += 1;
    } else if (day < 1) {
      month -= 1;
      if (month < 1) [month, year] = [12, year - 1];
      day = daysInMonth(year, month);
    }
    if (month > 12) [month, year] = [1, year + 1];
  }
  const result = [String(year).padStart(4, '0'), String(month).padStart(2, '0'), String(day).padStart(2, '0')].join('-');
  return isCalendarDate(result) ? result : undefined;
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const hours = Number(digits.slice(1, 3));
  const minutes = Number(digits.slice(3, 5));
  if (hours > 14 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** Graph DateTimeOffset → YYYY-MM-DD, or undefined when it is not a usable date-time. */
export function birthdayFromGraph(value: string): string | undefined {
  const match = GRAPH_BIRTHDAY.exec(value.trim());
  if (!match) return undefined;
  const [, date = '', hh = '00', mm = '00', zone] = match;
  const offset = offsetMinutes(zone);
  const hours = Number(hh);
  const minutes = Number(mm);
  if (!isCalendarDate(date) || offset === undefined || hours > 23 || minutes > 59) return undefined;
  const minutesUtc = hours * 60 + minutes - offset;
  return addDays(date, Math.floor((minutesUtc + 12 * 60) / (24 * 60)));
}

export function birthdayToGraph(date: string): string {
  return `${date}T11:59:00Z`;
}

// ---------------------------------------------------------------------------------------------
// Graph → canonical
// ---------------------------------------------------------------------------------------------

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Empty slots are skipped: Graph may return "" entries, and they carry no data to sync. */
function firstPresent(values: readonly unknown[] | undefined): string | undefined {
  return (values ?? []).map(text).find((value) => value !== undefined);
}

function fromPhysicalAddress(address: GraphPhysicalAddress | null | undefined): PostalAddress | undefined {
  if (!address) return undefined;
  return normaliseAddress({
    street: address.street,
    city: address.city,
    state: address.state,
    postalCode: address.postalCode,
    country: address.countryOrRegion,
  });
}

export function fromGraphContact(raw: GraphContact): { fields: ContactFields; warnings: MappingWarning[] } {
  const warnings: MappingWarning[] = [];
  const fields: Record<string, unknown> = {};
  for (const [field, property] of Object.entries(SCALARS)) fields[field] = raw[property];

  // Salesforce requires LastName; a contact created by an app with only a display name would
  // otherwise never reach Salesforce. Writing lastName back sets surname, so this is stable.
  if (text(raw.givenName) === undefined && text(raw.surname) === undefined) fields.lastName = raw.displayName;

  fields.email = (raw.emailAddresses ?? []).map((entry) => text(entry?.address)).find((a) => a !== undefined);
  fields.businessPhone = firstPresent(raw.businessPhones);
  fields.homePhone = firstPresent(raw.homePhones);
  fields.mailingAddress = fromPhysicalAddress(raw.businessAddress);
  fields.otherAddress = fromPhysicalAddress(raw.otherAddress);

  const birthday = text(raw.birthday);
  if (birthday !== undefined) {
    fields.birthday = birthdayFromGraph(birthday);
    if (fields.birthday === undefined) {
      warnings.push({ field: 'birthday', code: 'invalid', message: 'birthday is not a usable date-time; ignored' });
    }
  }
  return { fields: normaliseContact(fields as ContactFields), warnings };
}

// ---------------------------------------------------------------------------------------------
// canonical → Graph
// ---------------------------------------------------------------------------------------------

/**
 * Replaces the primary entry of a Graph collection and keeps the others: Outlook holds up to
 * three e-mails and several phones, and Salesforce only knows the first, so the rest must
 * survive our writes. Clearing the primary promotes the next entry, which then syncs as the
 * new primary: the mailbox really does still have that address.
 */
function withPrimary<T>(
  entries: readonly T[] | undefined,
  key: (entry: T) => string | undefined,
  primary: T | undefined,
): T[] {
  const present = (entries ?? []).filter((entry) => key(entry) !== undefined);
  const rest = present.slice(1);
  if (primary === undefined) return rest;
  const primaryKey = key(primary);
  return [primary, ...rest.filter((entry) => key(entry) !== primaryKey)];
}

function composeDisplayName(given: string | undefined, middle: string | undefined, surname: string | undefined) {
  const parts = [given, middle, surname].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? null : parts.join(' ');
}

function toPhysicalAddress(address: PostalAddress | undefined): GraphPhysicalAddress {
  // Every component is written (null to clear) so the address is replaced as one unit; a null
  // address object is avoided because Graph fails contact creation on it.
  return {
    street: address?.street ?? null,
    city: address?.city ?? null,
    state: address?.state ?? null,
    postalCode: address?.postalCode ?? null,
    countryOrRegion: address?.country ?? null,
  };
}

/**
 * The body of a contact POST or PATCH. Only the keys present in `set` are written; a key
 * present with undefined clears the property (null; collections lose their primary entry).
 * On a PATCH pass `current`, the contact as last read: without it the secondary e-mails and
 * phones are not known and would be overwritten, and displayName is built from `set` alone.
 */
export function toGraphContact(
  set: Partial<ContactFields>,
  current?: GraphContact,
): { body: Partial<GraphContact>; warnings: MappingWarning[] } {
  const body: Partial<GraphContact> = {};
  const warnings: MappingWarning[] = [];
  const has = (field: ContactField): boolean => Object.hasOwn(set, field);
  const value = <F extends ContactField>(field: F): ContactFields[F] | undefined => normaliseField(field, set[field]);

  for (const [field, property] of Object.entries(SCALARS) as [ScalarField, GraphScalar][]) {
    if (has(field)) body[property] = value(field) ?? null;
  }

  if (has('firstName') || has('lastName')) {
    // Outlook lists contacts by displayName, which Graph does not recompute on PATCH.
    const given = has('firstName') ? value('firstName') : normaliseField('firstName', current?.givenName);
    const surname = has('lastName') ? value('lastName') : normaliseField('lastName', current?.surname);
    body.displayName = composeDisplayName(given, normaliseField('firstName', current?.middleName), surname);
  }

  if (has('email')) {
    const address = value('email');
    const name =
      (typeof body.displayName === 'string' ? body.displayName : undefined) ??
      normaliseField('firstName', current?.displayName) ??
      address;
    body.emailAddresses = withPrimary<GraphEmailAddress>(
      current?.emailAddresses,
      (entry) => normaliseField('email', entry?.address),
      address === undefined ? undefined : { name, address },
    );
  }

  const phoneKey = (entry: string): string | undefined => normaliseField('businessPhone', entry);
  if (has('businessPhone')) body.businessPhones = withPrimary(current?.businessPhones, phoneKey, value('businessPhone'));
  if (has('homePhone')) body.homePhones = withPrimary(current?.homePhones, phoneKey, value('homePhone'));

  for (const [field, property] of Object.entries(ADDRESSES) as [keyof typeof ADDRESSES, 'businessAddress' | 'otherAddress'][]) {
    if (has(field)) body[property] = toPhysicalAddress(value(field));
  }

  if (has('birthday')) {
    const birthday = value('birthday');
    if (birthday === undefined && typeof set.birthday === 'string' && set.birthday.trim() !== '') {
      warnings.push({ field: 'birthday', code: 'invalid', message: 'birthday is not a calendar date (YYYY-MM-DD); cleared' });
    }
    body.birthday = birthday === undefined ? null : birthdayToGraph(birthday);
  }

  for (const field of ['fax', 'otherPhone'] as const) {
    // Clearing a property Graph does not have loses nothing, so only real values are reported.
    if (has(field) && value(field) !== undefined) {
      warnings.push({ field, code: 'dropped', message: `${field} has no Microsoft Graph v1.0 contact property; not written` });
    }
  }
  return { body, warnings };
}
