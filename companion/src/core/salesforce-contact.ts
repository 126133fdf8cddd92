/**
 * Salesforce Contact ⇄ canonical contact. Field names follow CONTACT_SOQL_FIELDS in sf-schema.ts.
 *
 * Mapping is lossless: nothing is truncated here. Salesforce refuses an over-long value
 * (STRING_TOO_LONG) and the engine reports it for that one contact, which is better than
 * silently syncing a shortened name or note back to the mailbox.
 */
import { CONTACT_FIELDS } from './contact.ts';
import type { ContactField, ContactFields, MappingWarning, PostalAddress } from './contact.ts';
import { normaliseAddress, normaliseBirthday, normaliseField, normaliseContact } from './normalise.ts';

type Nullable = string | null;

export interface SalesforceContactRecord {
  Id?: string;
  OwnerId?: string;
  SystemModstamp?: string;
  FirstName?: Nullable;
  LastName?: Nullable;
  Email?: Nullable;
  Phone?: Nullable;
  MobilePhone?: Nullable;
  HomePhone?: Nullable;
  OtherPhone?: Nullable;
  Fax?: Nullable;
  Title?: Nullable;
  Department?: Nullable;
  AccountId?: Nullable;
  Account?: { Name?: Nullable } | null;
  MailingStreet?: Nullable;
  MailingCity?: Nullable;
  MailingState?: Nullable;
  MailingPostalCode?: Nullable;
  MailingCountry?: Nullable;
  OtherStreet?: Nullable;
  OtherCity?: Nullable;
  OtherState?: Nullable;
  OtherPostalCode?: Nullable;
  OtherCountry?: Nullable;
  Birthdate?: Nullable;
  Description?: Nullable;
}

/** Salesforce holds every canonical field (company through the Account relationship). */
export const SALESFORCE_CONTACT_FIELDS: readonly ContactField[] = CONTACT_FIELDS;

type ScalarField = Exclude<ContactField, 'company' | 'mailingAddress' | 'otherAddress'>;
type SalesforceScalar = keyof SalesforceContactRecord & string;

const SCALAR_FIELDS: Readonly<Record<ScalarField, SalesforceScalar>> = {
  firstName: 'FirstName',
  lastName: 'LastName',
  email: 'Email',
  businessPhone: 'Phone',
  mobilePhone: 'MobilePhone',
  homePhone: 'HomePhone',
  otherPhone: 'OtherPhone',
  fax: 'Fax',
  title: 'Title',
  department: 'Department',
  birthday: 'Birthdate',
  notes: 'Description',
};

type AddressField = 'mailingAddress' | 'otherAddress';

/** Salesforce compound address fields: prefix + component, e.g. MailingPostalCode. */
const ADDRESS_PREFIX: Readonly<Record<AddressField, 'Mailing' | 'Other'>> = {
  mailingAddress: 'Mailing',
  otherAddress: 'Other',
};

const ADDRESS_SUFFIX: Readonly<Record<keyof PostalAddress, string>> = {
  street: 'Street',
  city: 'City',
  state: 'State',
  postalCode: 'PostalCode',
  country: 'Country',
};

const ADDRESS_COMPONENTS = Object.keys(ADDRESS_SUFFIX) as (keyof PostalAddress)[];

function invalidBirthday(source: string): MappingWarning {
  // The value itself stays out of the message: warnings end up in logs and status records.
  return { field: 'birthday', code: 'invalid', message: `${source} is not a calendar date (YYYY-MM-DD); ignored` };
}

function isPresent(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function readAddress(record: SalesforceContactRecord, field: AddressField): PostalAddress | undefined {
  const raw: Record<string, unknown> = {};
  for (const component of ADDRESS_COMPONENTS) {
    raw[component] = record[`${ADDRESS_PREFIX[field]}${ADDRESS_SUFFIX[component]}` as SalesforceScalar];
  }
  return normaliseAddress(raw);
}

export function fromSalesforceContact(record: SalesforceContactRecord): {
  fields: ContactFields;
  warnings: MappingWarning[];
} {
  const warnings: MappingWarning[] = [];
  const raw: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(SCALAR_FIELDS)) raw[field] = record[name];
  raw.mailingAddress = readAddress(record, 'mailingAddress');
  raw.otherAddress = readAddress(record, 'otherAddress');
  raw.company = record.Account?.Name;

  if (isPresent(record.Birthdate) && normaliseBirthday(record.Birthdate) === undefined) {
    warnings.push(invalidBirthday('Birthdate'));
  }
  // CDC payloads and some queries carry AccountId without the relationship; reading that as
  // "no company" would make the engine clear the company on the mailbox side.
  if (isPresent(record.AccountId) && record.Account === undefined) {
    warnings.push({
      field: 'company',
      code: 'unresolved',
      message: 'AccountId is set but Account.Name was not queried; company left absent',
    });
  }
  return { fields: normaliseContact(raw as ContactFields), warnings };
}

/**
 * Builds the body of a Contact insert or update from the fields to set. A key present with
 * undefined (or a value that normalises to absent) becomes null, which clears the field.
 */
export function toSalesforceContact(set: Partial<ContactFields>): {
  record: Record<string, string | null>;
  accountName?: string | null;
  warnings: MappingWarning[];
} {
  const record: Record<string, string | null> = {};
  const warnings: MappingWarning[] = [];
  const has = (field: ContactField): boolean => Object.hasOwn(set, field);

  for (const [field, name] of Object.entries(SCALAR_FIELDS) as [ScalarField, SalesforceScalar][]) {
    if (!has(field)) continue;
    const value = normaliseField(field, set[field]);
    // Cleared rather than skipped: the canonical value is absent, so both sides must agree.
    if (field === 'birthday' && value === undefined && isPresent(set.birthday)) {
      warnings.push(invalidBirthday('birthday'));
    }
    record[name] = value ?? null;
  }

  for (const field of ['mailingAddress', 'otherAddress'] as const) {
    if (!has(field)) continue;
    // An address is one sync unit: all five components are written, so no stale part survives.
    const address = normaliseAddress(set[field]) ?? {};
    for (const component of ADDRESS_COMPONENTS) {
      record[`${ADDRESS_PREFIX[field]}${ADDRESS_SUFFIX[component]}`] = address[component] ?? null;
    }
  }

  if (!has('company')) return { record, warnings };
  // Company lives on Account; only the connector can look an Account up (or decide not to).
  return { record, accountName: normaliseField('company', set.company) ?? null, warnings };
}
