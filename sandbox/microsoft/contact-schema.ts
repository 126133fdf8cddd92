import { isRecord } from './is-record.ts';

/**
 * The Graph v1.0 contact resource: which properties exist, which are writable, and how a
 * request body is checked. Rendering order follows a real GET response.
 */
type Kind = 'string' | 'strings' | 'emails' | 'address' | 'datetime';

const WRITABLE: Record<string, Kind> = {
  categories: 'strings',
  birthday: 'datetime',
  fileAs: 'string',
  displayName: 'string',
  givenName: 'string',
  initials: 'string',
  middleName: 'string',
  nickName: 'string',
  surname: 'string',
  title: 'string',
  yomiGivenName: 'string',
  yomiSurname: 'string',
  yomiCompanyName: 'string',
  generation: 'string',
  imAddresses: 'strings',
  jobTitle: 'string',
  companyName: 'string',
  department: 'string',
  officeLocation: 'string',
  profession: 'string',
  businessHomePage: 'string',
  assistantName: 'string',
  manager: 'string',
  homePhones: 'strings',
  mobilePhone: 'string',
  businessPhones: 'strings',
  spouseName: 'string',
  personalNotes: 'string',
  children: 'strings',
  emailAddresses: 'emails',
  homeAddress: 'address',
  businessAddress: 'address',
  otherAddress: 'address',
};

/** Server-owned; accepted in a body and ignored, as Graph does with an echoed resource. */
const READ_ONLY = new Set(['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId']);

/**
 * Exchange's per-property entry limits. EmailAddresses (3) and BusinessPhones (2) are observed
 * Graph errors; HomePhones and ImAddresses follow the Outlook form's slots.
 */
const MAX_ENTRIES: Record<string, { name: string; max: number }> = {
  emailAddresses: { name: 'EmailAddresses', max: 3 },
  businessPhones: { name: 'BusinessPhones', max: 2 },
  homePhones: { name: 'HomePhones', max: 2 },
  imAddresses: { name: 'ImAddresses', max: 3 },
};

const ADDRESS_KEYS = new Set(['street', 'city', 'state', 'countryOrRegion', 'postalCode']);
const EMAIL_KEYS = new Set(['name', 'address']);

export const CONTACT_PROPERTIES = ['id', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'parentFolderId', ...Object.keys(WRITABLE)];
export const EXTENDED_RELATIONSHIP = 'singleValueExtendedProperties';

export type ContactProps = Record<string, unknown>;
export interface ExtendedProperty {
  id: string;
  value: string;
}
export interface InputError {
  status: number;
  code: string;
  message: string;
}
export type ParsedContact = { ok: true; props: ContactProps; extended: ExtendedProperty[] } | { ok: false; error: InputError };

const typeError = (prop: string, type: string): InputError => ({
  status: 400,
  code: 'RequestBodyRead',
  message: `Cannot convert the literal value of property '${prop}' to the expected type '${type}'.`,
});
const unknownProperty = (prop: string, type: string): InputError => ({
  status: 400,
  code: 'RequestBodyRead',
  message: `The property '${prop}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
});

/** Checks a POST or PATCH body; values become the stored form (null clears a property). */
export function parseContactInput(body: unknown): ParsedContact {
  if (!isRecord(body)) return { ok: false, error: { status: 400, code: 'BadRequest', message: 'Empty Payload. JSON content expected.' } };
  const props: ContactProps = {};
  let extended: ExtendedProperty[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('@odata.') || READ_ONLY.has(key)) continue;
    if (key === EXTENDED_RELATIONSHIP) {
      const parsed = parseExtended(value);
      if ('error' in parsed) return { ok: false, error: parsed.error };
      extended = parsed.list;
      continue;
    }
    const kind = WRITABLE[key];
    if (!kind) return { ok: false, error: unknownProperty(key, 'Microsoft.OutlookServices.Contact') };
    const parsed = parseValue(key, kind, value);
    if ('error' in parsed) return { ok: false, error: parsed.error };
    props[key] = parsed.value;
  }
  return { ok: true, props, extended };
}

function parseValue(key: string, kind: Kind, value: unknown): { value: unknown } | { error: InputError } {
  if (value === null) return { value: null };
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? { value } : { error: typeError(key, 'Edm.String') };
    case 'datetime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return { error: typeError(key, 'Edm.DateTimeOffset') };
      return { value: new Date(value).toISOString().replace('.000Z', 'Z') };
    }
    case 'strings': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return { error: typeError(key, 'Collection(Edm.String)') };
      return limitEntries(key, value) ?? { value: [...value] };
    }
    case 'emails': {
      if (!Array.isArray(value)) return { error: typeError(key, 'Collection(Microsoft.OutlookServices.EmailAddress)') };
      const list: Array<Record<string, string>> = [];
      for (const item of value) {
        const parsed = parseStringObject(key, item, EMAIL_KEYS, 'Microsoft.OutlookServices.EmailAddress');
        if ('error' in parsed) return parsed;
        list.push(parsed.value);
      }
      return limitEntries(key, list) ?? { value: list };
    }
    case 'address':
      return parseStringObject(key, value, ADDRESS_KEYS, 'Microsoft.OutlookServices.PhysicalAddress');
  }
}

function parseStringObject(
  prop: string,
  value: unknown,
  keys: Set<string>,
  type: string,
): { value: Record<string, string> } | { error: InputError } {
  if (!isRecord(value)) return { error: typeError(prop, type) };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('@odata.')) continue;
    if (!keys.has(k)) return { error: unknownProperty(k, type) };
    if (v === null) continue;
    if (typeof v !== 'string') return { error: typeError(k, 'Edm.String') };
    out[k] = v;
  }
  return { value: out };
}

function limitEntries(key: string, list: unknown[]): { error: InputError } | undefined {
  const limit = MAX_ENTRIES[key];
  if (!limit || list.length <= limit.max) return undefined;
  return {
    error: {
      status: 400,
      code: 'ErrorInvalidArgument',
      message: `The multi value property ${limit.name} has ${list.length} entries, that exceeds the max allowed value of ${limit.max}`,
    },
  };
}

function parseExtended(value: unknown): { list: ExtendedProperty[] } | { error: InputError } {
  if (!Array.isArray(value)) return { error: typeError(EXTENDED_RELATIONSHIP, 'Collection(microsoft.graph.singleValueLegacyExtendedProperty)') };
  const list: ExtendedProperty[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.id !== 'string' || typeof item.value !== 'string') {
      return { error: { status: 400, code: 'ErrorInvalidProperty', message: 'The extended property is missing its id or value.' } };
    }
    list.push({ id: item.id, value: item.value });
  }
  return { list };
}

/** Exchange fills displayName when the client leaves it empty. */
export function derivedDisplayName(props: ContactProps): string {
  const names = ['givenName', 'middleName', 'surname'].map((k) => props[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  if (names.length) return names.join(' ');
  if (typeof props.companyName === 'string' && props.companyName) return props.companyName;
  const emails = props.emailAddresses;
  if (Array.isArray(emails) && isRecord(emails[0]) && typeof emails[0].address === 'string') return emails[0].address;
  return '';
}

/** The stored value rendered as Graph renders it (unset collections are [], addresses {}). */
export function renderValue(key: string, props: ContactProps): unknown {
  const kind = WRITABLE[key];
  const v = props[key];
  if (kind === 'strings') return Array.isArray(v) ? [...(v as string[])] : [];
  if (kind === 'emails') {
    // Exchange reports the address as the name when no name was given.
    return Array.isArray(v) ? (v as Array<Record<string, string>>).map((e) => ({ name: e.name ?? e.address ?? '', address: e.address ?? '' })) : [];
  }
  if (kind === 'address') return isRecord(v) ? { ...v } : {};
  if (key === 'fileAs' || key === 'personalNotes') return v ?? '';
  return v ?? null;
}

export const WRITABLE_PROPERTIES = Object.keys(WRITABLE);
