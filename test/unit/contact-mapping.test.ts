import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CONTACT_FIELDS } from '../../companion/src/core/contact.ts';
import type { ContactField, ContactFields } from '../../companion/src/core/contact.ts';
import { contactFieldEquals, normaliseContact } from '../../companion/src/core/normalise.ts';
import {
  SALESFORCE_CONTACT_FIELDS,
  fromSalesforceContact,
  toSalesforceContact,
} from '../../companion/src/core/salesforce-contact.ts';
import type { SalesforceContactRecord } from '../../companion/src/core/salesforce-contact.ts';
import {
  GRAPH_CONTACT_FIELDS,
  birthdayFromGraph,
  birthdayToGraph,
  fromGraphContact,
  toGraphContact,
} from '../../companion/src/core/graph-contact.ts';
import type { GraphContact } from '../../companion/src/core/graph-contact.ts';

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const messyText = fc.string({
  unit: fc.constantFrom('a', 'Z', 'é', 'e\u0301', 'ß', '李', '😀', ' ', '\t', '\u00a0', '\n', '\r\n', '-', '.', '+', '1'),
  maxLength: 12,
});
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const calendarDate = fc
  .date({ min: new Date('1700-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const address = fc.record(
  { street: messyText, city: messyText, state: messyText, postalCode: messyText, country: messyText },
  { requiredKeys: [] },
);
const contactFields: fc.Arbitrary<ContactFields> = fc.record(
  {
    firstName: messyText,
    lastName: messyText,
    email: messyText,
    businessPhone: messyText,
    mobilePhone: messyText,
    homePhone: messyText,
    otherPhone: messyText,
    fax: messyText,
    title: messyText,
    department: messyText,
    company: messyText,
    mailingAddress: address,
    otherAddress: address,
    birthday: fc.oneof(calendarDate, messyText),
    notes: messyText,
  },
  { requiredKeys: [] },
);

/** Applies a PATCH body the way Graph does: top-level properties replace, null clears. */
function applyGraphPatch(contact: GraphContact, body: Partial<GraphContact>): GraphContact {
  return { ...contact, ...body };
}

function pick(fields: ContactFields, keys: readonly ContactField[]): ContactFields {
  return Object.fromEntries(keys.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]])) as ContactFields;
}

/** A `set` that writes every field of `keys`, present or not, as the engine does on create. */
function fullSet(fields: ContactFields, keys: readonly ContactField[]): Partial<ContactFields> {
  return Object.fromEntries(keys.map((k) => [k, fields[k]])) as Partial<ContactFields>;
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

describe('normaliseContact', () => {
  const cases: { name: string; input: ContactFields; expected: ContactFields }[] = [
    { name: 'empty stays empty', input: {}, expected: {} },
    { name: "'' and whitespace become absent", input: { firstName: '', lastName: '  \t', notes: '\n\n' }, expected: {} },
    {
      name: 'names, title, department, company: trimmed, whitespace runs collapsed',
      input: { firstName: '  Ann  Marie ', lastName: 'van\t\tder  Berg', title: ' VP\u00a0 Sales', department: 'R & D', company: ' Acme\n Ltd ' },
      expected: { firstName: 'Ann Marie', lastName: 'van der Berg', title: 'VP Sales', department: 'R & D', company: 'Acme Ltd' },
    },
    { name: 'email trimmed and lower-cased', input: { email: '  Ann.Lee@Example.COM ' }, expected: { email: 'ann.lee@example.com' } },
    {
      name: 'phones trimmed only, formatting kept',
      input: { businessPhone: ' +44 (20)  7946-0000 ', mobilePhone: '07700 900123', fax: ' 555.0100 ext. 2 ' },
      expected: { businessPhone: '+44 (20)  7946-0000', mobilePhone: '07700 900123', fax: '555.0100 ext. 2' },
    },
    {
      name: 'address components trimmed, multi-line street kept with LF',
      input: { mailingAddress: { street: ' 1 High St \r\n\r\n Flat 2 ', city: ' Leeds ', postalCode: 'LS1 1AA ', country: '' } },
      expected: { mailingAddress: { street: '1 High St\nFlat 2', city: 'Leeds', postalCode: 'LS1 1AA' } },
    },
    { name: 'address with no components is absent', input: { otherAddress: { street: ' ', city: '' } }, expected: {} },
    { name: 'valid birthday kept', input: { birthday: '1990-05-15' }, expected: { birthday: '1990-05-15' } },
    { name: 'leap day in a leap year', input: { birthday: '2000-02-29' }, expected: { birthday: '2000-02-29' } },
    { name: 'leap day in a non-leap year is absent', input: { birthday: '1900-02-29' }, expected: {} },
    { name: 'month 13 is absent', input: { birthday: '1990-13-01' }, expected: {} },
    { name: 'day 31 in April is absent', input: { birthday: '1990-04-31' }, expected: {} },
    { name: 'year 0 is absent', input: { birthday: '0000-01-01' }, expected: {} },
    { name: 'non-ISO birthday is absent', input: { birthday: '15/05/1990' }, expected: {} },
    { name: 'date-time birthday is absent', input: { birthday: '1990-05-15T00:00:00Z' }, expected: {} },
    {
      name: 'notes: CRLF/CR → LF, trailing spaces and blank lines removed, indentation kept',
      input: { notes: '\r\n  Met at expo.  \r\n\r\n  - likes golf\t\rcall back   \r\n\r\n  ' },
      expected: { notes: '  Met at expo.\n\n  - likes golf\ncall back' },
    },
    {
      name: 'unicode: composed and decomposed forms unify (NFC)',
      input: { firstName: 'Jose\u0301', lastName: 'Müller', company: '株式会社  テスト' },
      expected: { firstName: 'Jos\u00e9', lastName: 'Müller', company: '株式会社 テスト' },
    },
    {
      name: 'unknown keys are dropped',
      input: { firstName: 'Ann', ...({ AccountId: '001' } as object) } as ContactFields,
      expected: { firstName: 'Ann' },
    },
  ];
  for (const { name, input, expected } of cases) {
    it(name, () => assert.deepEqual(normaliseContact(input), expected));
  }

  it('leaves no key with an undefined value', () => {
    const result = normaliseContact({ firstName: undefined, lastName: 'Lee', email: '' });
    assert.deepEqual(Object.keys(result), ['lastName']);
  });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(contactFields, (fields) => {
        const once = normaliseContact(fields);
        assert.deepEqual(normaliseContact(once), once);
      }),
      { numRuns: 500 },
    );
  });
});

describe('contactFieldEquals', () => {
  const cases: { field: ContactField; a: ContactFields; b: ContactFields; equal: boolean }[] = [
    { field: 'email', a: { email: 'A@B.com' }, b: { email: ' a@b.com' }, equal: true },
    { field: 'firstName', a: { firstName: 'Ann' }, b: { firstName: 'ann' }, equal: false },
    { field: 'firstName', a: {}, b: { firstName: '  ' }, equal: true },
    { field: 'firstName', a: {}, b: { firstName: 'Ann' }, equal: false },
    { field: 'notes', a: { notes: 'a\r\nb  \r\n' }, b: { notes: 'a\nb' }, equal: true },
    {
      field: 'mailingAddress',
      a: { mailingAddress: { city: 'Leeds', street: '1 High St' } },
      b: { mailingAddress: { street: ' 1 High St', city: 'Leeds', country: '' } },
      equal: true,
    },
    { field: 'mailingAddress', a: { mailingAddress: { city: 'Leeds' } }, b: { mailingAddress: { city: 'York' } }, equal: false },
    { field: 'birthday', a: { birthday: '2001-02-29' }, b: {}, equal: true },
    { field: 'businessPhone', a: { businessPhone: '555 0100' }, b: { businessPhone: '5550100' }, equal: false },
    { field: 'lastName', a: { lastName: 'Mu\u0308ller' }, b: { lastName: 'Müller' }, equal: true },
  ];
  for (const { field, a, b, equal } of cases) {
    it(`${field}: ${JSON.stringify(a)} vs ${JSON.stringify(b)} → ${equal}`, () => {
      assert.equal(contactFieldEquals(field, a, b), equal);
      assert.equal(contactFieldEquals(field, b, a), equal);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Salesforce
// ---------------------------------------------------------------------------------------------

const fullSalesforceRecord: SalesforceContactRecord = {
  Id: '003000000000001AAA',
  OwnerId: '005000000000001AAA',
  SystemModstamp: '2024-01-02T03:04:05.000+0000',
  FirstName: 'Ann',
  LastName: 'Lee',
  Email: 'Ann.Lee@Example.com',
  Phone: '+1 415 555 0100',
  MobilePhone: '+1 415 555 0101',
  HomePhone: '+1 415 555 0102',
  OtherPhone: '+1 415 555 0103',
  Fax: '+1 415 555 0104',
  Title: 'VP Sales',
  Department: 'Sales',
  AccountId: '001000000000001AAA',
  Account: { Name: 'Acme Ltd' },
  MailingStreet: '1 Market St\nSuite 100',
  MailingCity: 'San Francisco',
  MailingState: 'CA',
  MailingPostalCode: '94105',
  MailingCountry: 'USA',
  OtherStreet: '2 Elm St',
  OtherCity: 'Oakland',
  OtherState: null,
  OtherPostalCode: null,
  OtherCountry: null,
  Birthdate: '1984-02-29',
  Description: 'Met at Dreamforce.\nLikes golf.',
};

const fullCanonical: ContactFields = {
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann.lee@example.com',
  businessPhone: '+1 415 555 0100',
  mobilePhone: '+1 415 555 0101',
  homePhone: '+1 415 555 0102',
  otherPhone: '+1 415 555 0103',
  fax: '+1 415 555 0104',
  title: 'VP Sales',
  department: 'Sales',
  company: 'Acme Ltd',
  mailingAddress: { street: '1 Market St\nSuite 100', city: 'San Francisco', state: 'CA', postalCode: '94105', country: 'USA' },
  otherAddress: { street: '2 Elm St', city: 'Oakland' },
  birthday: '1984-02-29',
  notes: 'Met at Dreamforce.\nLikes golf.',
};

describe('fromSalesforceContact', () => {
  const cases: { name: string; record: SalesforceContactRecord; fields: ContactFields; warnings: string[] }[] = [
    { name: 'every field', record: fullSalesforceRecord, fields: fullCanonical, warnings: [] },
    {
      name: 'nulls and blanks are absent',
      record: { Id: '003', LastName: 'Lee', FirstName: null, Email: '', Account: null, AccountId: null, MailingCity: '  ' },
      fields: { lastName: 'Lee' },
      warnings: [],
    },
    {
      name: 'invalid Birthdate → absent and an invalid warning',
      record: { LastName: 'Lee', Birthdate: '2023-02-29' },
      fields: { lastName: 'Lee' },
      warnings: ['birthday:invalid'],
    },
    {
      name: 'AccountId without the Account relationship → company absent, unresolved warning',
      record: { LastName: 'Lee', AccountId: '001000000000001AAA' },
      fields: { lastName: 'Lee' },
      warnings: ['company:unresolved'],
    },
    {
      name: 'Account with a null Name → company absent, no warning',
      record: { LastName: 'Lee', AccountId: '001000000000001AAA', Account: { Name: null } },
      fields: { lastName: 'Lee' },
      warnings: [],
    },
    {
      name: 'unicode names survive',
      record: { FirstName: 'Zoë', LastName: '王', Account: { Name: 'Société  Générale' } },
      fields: { firstName: 'Zoë', lastName: '王', company: 'Société Générale' },
      warnings: [],
    },
  ];
  for (const { name, record, fields, warnings } of cases) {
    it(name, () => {
      const result = fromSalesforceContact(record);
      assert.deepEqual(result.fields, fields);
      assert.deepEqual(result.warnings.map((w) => `${w.field}:${w.code}`), warnings);
    });
  }

  it('keeps contact content out of warning messages', () => {
    const { warnings } = fromSalesforceContact({ LastName: 'Lee', Birthdate: '1990-02-30' });
    assert.ok(warnings.every((w) => !w.message.includes('1990-02-30')));
  });
});

describe('toSalesforceContact', () => {
  const cases: {
    name: string;
    set: Partial<ContactFields>;
    record: Record<string, string | null>;
    accountName?: string | null;
    warnings?: string[];
  }[] = [
    { name: 'empty set writes nothing', set: {}, record: {} },
    { name: 'only present keys are written', set: { firstName: ' Ann ', email: 'A@B.COM' }, record: { FirstName: 'Ann', Email: 'a@b.com' } },
    {
      name: 'present-but-undefined and blank clear the field',
      set: { title: undefined, department: '   ', businessPhone: undefined },
      record: { Title: null, Department: null, Phone: null },
    },
    {
      name: 'phones, notes and birthday use their Salesforce names',
      set: { businessPhone: '1', mobilePhone: '2', homePhone: '3', otherPhone: '4', fax: '5', notes: 'n\r\n', birthday: '2000-02-29' },
      record: { Phone: '1', MobilePhone: '2', HomePhone: '3', OtherPhone: '4', Fax: '5', Description: 'n', Birthdate: '2000-02-29' },
    },
    {
      name: 'an address writes all five components',
      set: { mailingAddress: { city: 'Leeds', street: '1 High St' } },
      record: { MailingStreet: '1 High St', MailingCity: 'Leeds', MailingState: null, MailingPostalCode: null, MailingCountry: null },
    },
    {
      name: 'a present-but-undefined address clears all five',
      set: { otherAddress: undefined },
      record: { OtherStreet: null, OtherCity: null, OtherState: null, OtherPostalCode: null, OtherCountry: null },
    },
    { name: 'company → accountName', set: { company: ' Acme  Ltd ' }, record: {}, accountName: 'Acme Ltd' },
    { name: 'cleared company → accountName null', set: { company: undefined }, record: {}, accountName: null },
    {
      name: 'invalid birthday clears with a warning',
      set: { birthday: '1999-02-29' },
      record: { Birthdate: null },
      warnings: ['birthday:invalid'],
    },
  ];
  for (const { name, set, record, accountName, warnings = [] } of cases) {
    it(name, () => {
      const result = toSalesforceContact(set);
      assert.deepEqual(result.record, record);
      assert.equal(Object.hasOwn(result, 'accountName'), Object.hasOwn(set, 'company'));
      assert.equal(result.accountName, accountName);
      assert.deepEqual(result.warnings.map((w) => `${w.field}:${w.code}`), warnings);
    });
  }

  it('does not truncate over-long values', () => {
    const notes = 'x'.repeat(40_000);
    const lastName = 'L'.repeat(300);
    const { record, warnings } = toSalesforceContact({ notes, lastName });
    assert.equal(record.Description, notes);
    assert.equal(record.LastName, lastName);
    assert.deepEqual(warnings, []);
  });

  it('never writes Id, OwnerId or AccountId', () => {
    const { record } = toSalesforceContact(fullSet(fullCanonical, SALESFORCE_CONTACT_FIELDS));
    for (const key of ['Id', 'OwnerId', 'AccountId', 'SystemModstamp']) assert.equal(Object.hasOwn(record, key), false);
  });
});

describe('Salesforce round trips', () => {
  it('SALESFORCE_CONTACT_FIELDS covers every canonical field', () => {
    assert.deepEqual([...SALESFORCE_CONTACT_FIELDS], [...CONTACT_FIELDS]);
  });

  it('SF → canonical → SF gives back the record', () => {
    const { fields } = fromSalesforceContact(fullSalesforceRecord);
    const { record, accountName } = toSalesforceContact(fullSet(fields, SALESFORCE_CONTACT_FIELDS));
    const expected = { ...fullSalesforceRecord, Email: 'ann.lee@example.com' } as Record<string, unknown>;
    for (const key of ['Id', 'OwnerId', 'SystemModstamp', 'AccountId', 'Account']) delete expected[key];
    assert.deepEqual(record, expected);
    assert.equal(accountName, 'Acme Ltd');
  });

  it('canonical → SF → canonical is the identity on normalised fields (property)', () => {
    fc.assert(
      fc.property(contactFields, (raw) => {
        const fields = normaliseContact(raw);
        const { record, accountName } = toSalesforceContact(fullSet(fields, SALESFORCE_CONTACT_FIELDS));
        const back = fromSalesforceContact({ ...record, Account: accountName === null ? null : { Name: accountName } });
        assert.deepEqual(back.fields, fields);
        assert.deepEqual(back.warnings, []);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Graph
// ---------------------------------------------------------------------------------------------

const fullGraphContact: GraphContact = {
  id: 'AAMkAD-1',
  '@odata.etag': 'W/"CQAAABYAAA"',
  changeKey: 'CQAAABYAAA',
  parentFolderId: 'AAMkAD-folder',
  givenName: 'Ann',
  middleName: 'M.',
  surname: 'Lee',
  displayName: 'Ann M. Lee',
  emailAddresses: [
    { name: 'Ann M. Lee', address: 'Ann.Lee@Example.com' },
    { name: 'Ann (home)', address: 'ann@home.example' },
    { name: 'old', address: 'ann@old.example' },
  ],
  businessPhones: ['+1 415 555 0100', '+1 415 555 0199'],
  homePhones: ['+1 415 555 0102', '+1 415 555 0198'],
  mobilePhone: '+1 415 555 0101',
  jobTitle: 'VP Sales',
  companyName: 'Acme Ltd',
  department: 'Sales',
  businessAddress: { street: '1 Market St\r\nSuite 100', city: 'San Francisco', state: 'CA', countryOrRegion: 'USA', postalCode: '94105' },
  homeAddress: { street: '9 Home Rd', city: 'Berkeley' },
  otherAddress: { street: '2 Elm St', city: 'Oakland', state: '', countryOrRegion: null, postalCode: '' },
  birthday: '1984-02-29T11:59:00Z',
  personalNotes: 'Met at Dreamforce.\r\nLikes golf.\r\n',
  categories: ['Salesforce'],
  assistantName: 'Bob',
};

const graphCanonical: ContactFields = pick(fullCanonical, GRAPH_CONTACT_FIELDS);

describe('GRAPH_CONTACT_FIELDS', () => {
  it('is every canonical field except fax and otherPhone', () => {
    assert.deepEqual(
      [...GRAPH_CONTACT_FIELDS],
      CONTACT_FIELDS.filter((f) => f !== 'fax' && f !== 'otherPhone'),
    );
  });
});

describe('birthdayFromGraph', () => {
  const cases: [string, string | undefined][] = [
    ['1990-05-15T00:00:00Z', '1990-05-15'], // midnight UTC (Graph doc example)
    ['1990-05-15T11:59:00Z', '1990-05-15'], // Exchange / ActiveSync convention
    ['1990-05-15T11:59:00.0000000Z', '1990-05-15'],
    ['1990-05-14T22:00:00Z', '1990-05-15'], // Outlook local midnight in CEST (UTC+2)
    ['1990-05-15T07:00:00Z', '1990-05-15'], // local midnight in PDT (UTC−7)
    ['1990-05-14T12:00:00Z', '1990-05-15'], // local midnight in NZST (UTC+12)
    ['1990-05-15T11:00:00Z', '1990-05-15'], // local midnight in SST (UTC−11)
    ['1990-05-15T00:00:00+02:00', '1990-05-15'],
    ['1990-05-15T00:00:00-0500', '1990-05-15'],
    ['1990-05-15', '1990-05-15'],
    ['1990-12-31T22:00:00Z', '1991-01-01'], // year rollover
    ['2000-02-28T23:00:00Z', '2000-02-29'], // into a leap day
    ['2001-02-28T23:00:00Z', '2001-03-01'], // no leap day in 2001
    ['2024-02-29T11:59:00Z', '2024-02-29'],
    ['1604-07-04T11:59:00Z', '1604-07-04'], // Outlook's "no year" placeholder is still a real date
    ['0001-01-01T00:00:00Z', '0001-01-01'],
    ['0001-01-01T00:00:00+14:00', undefined], // would land in year 0
    ['2001-02-29T11:59:00Z', undefined],
    ['1990-05-15T25:00:00Z', undefined],
    ['1990-05-15T00:00:00+15:00', undefined],
    ['not a date', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(birthdayFromGraph(input), expected));
  }

  it('reads local midnight written from any zone UTC−11 … UTC+12 as the same date', () => {
    for (let offset = -11 * 60; offset <= 12 * 60; offset += 15) {
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      for (const date of ['2000-01-01', '2000-02-29', '2000-03-01', '1999-12-31']) {
        assert.equal(birthdayFromGraph(`${date}T00:00:00${zone}`), date, `${date} at ${zone}`);
      }
    }
  });

  it('round-trips every date through birthdayToGraph (property)', () => {
    fc.assert(fc.property(calendarDate, (date) => birthdayFromGraph(birthdayToGraph(date)) === date), { numRuns: 1000 });
  });

  it('writes 11:59 UTC so zones UTC−11 … UTC+12 see the same calendar day', () => {
    assert.equal(birthdayToGraph('1984-02-29'), '1984-02-29T11:59:00Z');
  });
});

describe('fromGraphContact', () => {
  const cases: { name: string; raw: GraphContact; fields: ContactFields; warnings?: string[] }[] = [
    { name: 'every mapped property; homeAddress, middleName, categories ignored', raw: fullGraphContact, fields: graphCanonical },
    { name: 'empty contact', raw: { id: 'x' }, fields: {} },
    {
      name: 'primary e-mail/phone is the first non-empty entry',
      raw: {
        surname: 'Lee',
        emailAddresses: [{ name: 'x', address: '' }, { address: null }, { address: 'B@X.com' }],
        businessPhones: ['', ' ', '555 0100'],
        homePhones: [],
      },
      fields: { lastName: 'Lee', email: 'b@x.com', businessPhone: '555 0100' },
    },
    {
      name: 'displayName becomes lastName when given and surname are empty',
      raw: { displayName: ' Front  Desk ', givenName: null, surname: '' },
      fields: { lastName: 'Front Desk' },
    },
    { name: 'displayName ignored when a name part exists', raw: { displayName: 'Ann Lee', givenName: 'Ann' }, fields: { firstName: 'Ann' } },
    {
      name: 'address with only empty components is absent',
      raw: { surname: 'Lee', businessAddress: { street: '', city: null, state: ' ' } },
      fields: { lastName: 'Lee' },
    },
    {
      name: 'fax-like or unknown properties never set fax/otherPhone',
      raw: { surname: 'Lee', businessFax: '555', otherPhone: '556', homePhones: ['1', '2'] },
      fields: { lastName: 'Lee', homePhone: '1' },
    },
    {
      name: 'invalid birthday → absent with a warning',
      raw: { surname: 'Lee', birthday: '2023-02-29T11:59:00Z' },
      fields: { lastName: 'Lee' },
      warnings: ['birthday:invalid'],
    },
    { name: 'null birthday is simply absent', raw: { surname: 'Lee', birthday: null }, fields: { lastName: 'Lee' } },
    {
      name: 'unicode names',
      raw: { givenName: 'Ｊｏｓé', surname: 'O\u2019Brien-Ñúñez', companyName: 'Ünïcode GmbH' },
      fields: { firstName: 'Ｊｏｓé', lastName: 'O\u2019Brien-Ñúñez', company: 'Ünïcode GmbH' },
    },
  ];
  for (const { name, raw, fields, warnings = [] } of cases) {
    it(name, () => {
      const result = fromGraphContact(raw);
      assert.deepEqual(result.fields, fields);
      assert.deepEqual(result.warnings.map((w) => `${w.field}:${w.code}`), warnings);
    });
  }
});

describe('toGraphContact', () => {
  const cases: {
    name: string;
    set: Partial<ContactFields>;
    current?: GraphContact;
    body: Partial<GraphContact>;
    warnings?: string[];
  }[] = [
    { name: 'empty set writes nothing', set: {}, body: {} },
    {
      name: 'scalars map and undefined clears with null',
      set: { title: 'CEO', department: undefined, company: ' Acme ', mobilePhone: '', notes: 'a\r\nb ' },
      body: { jobTitle: 'CEO', department: null, companyName: 'Acme', mobilePhone: null, personalNotes: 'a\nb' },
    },
    {
      name: 'name change recomputes displayName with the current middle name',
      set: { firstName: 'Anne' },
      current: fullGraphContact,
      body: { givenName: 'Anne', displayName: 'Anne M. Lee' },
    },
    {
      name: 'clearing both names clears displayName',
      set: { firstName: undefined, lastName: undefined },
      current: { givenName: 'Ann', surname: 'Lee', displayName: 'Ann Lee' },
      body: { givenName: null, surname: null, displayName: null },
    },
    {
      name: 'email replaces the primary and keeps secondaries',
      set: { email: 'New@Example.com' },
      current: fullGraphContact,
      body: {
        emailAddresses: [
          { name: 'Ann M. Lee', address: 'new@example.com' },
          { name: 'Ann (home)', address: 'ann@home.example' },
          { name: 'old', address: 'ann@old.example' },
        ],
      },
    },
    {
      name: 'email equal to a secondary is not duplicated',
      set: { email: 'ANN@home.example' },
      current: fullGraphContact,
      body: {
        emailAddresses: [
          { name: 'Ann M. Lee', address: 'ann@home.example' },
          { name: 'old', address: 'ann@old.example' },
        ],
      },
    },
    {
      name: 'clearing email drops the primary and promotes the next',
      set: { email: undefined },
      current: fullGraphContact,
      body: { emailAddresses: [{ name: 'Ann (home)', address: 'ann@home.example' }, { name: 'old', address: 'ann@old.example' }] },
    },
    {
      name: 'email entry named after the new display name when names change too',
      set: { email: 'a@b.c', firstName: 'Zoë', lastName: 'Ng' },
      body: { givenName: 'Zoë', surname: 'Ng', displayName: 'Zoë Ng', emailAddresses: [{ name: 'Zoë Ng', address: 'a@b.c' }] },
    },
    {
      name: 'email entry named after the address when no name is known',
      set: { email: 'a@b.c' },
      body: { emailAddresses: [{ name: 'a@b.c', address: 'a@b.c' }] },
    },
    {
      name: 'phones replace the first entry and keep the rest',
      set: { businessPhone: '555 1111', homePhone: undefined },
      current: fullGraphContact,
      body: { businessPhones: ['555 1111', '+1 415 555 0199'], homePhones: ['+1 415 555 0198'] },
    },
    {
      name: 'addresses: every component written, absent ones null',
      set: { mailingAddress: { city: 'Leeds' }, otherAddress: undefined },
      body: {
        businessAddress: { street: null, city: 'Leeds', state: null, postalCode: null, countryOrRegion: null },
        otherAddress: { street: null, city: null, state: null, postalCode: null, countryOrRegion: null },
      },
    },
    { name: 'birthday written at 11:59 UTC', set: { birthday: '2000-02-29' }, body: { birthday: '2000-02-29T11:59:00Z' } },
    { name: 'birthday cleared with null', set: { birthday: undefined }, body: { birthday: null } },
    {
      name: 'invalid birthday → cleared with a warning',
      set: { birthday: '2001-02-29' },
      body: { birthday: null },
      warnings: ['birthday:invalid'],
    },
    {
      name: 'fax and otherPhone are dropped with a warning',
      set: { fax: '555', otherPhone: '556', lastName: 'Lee' },
      body: { surname: 'Lee', displayName: 'Lee' },
      warnings: ['fax:dropped', 'otherPhone:dropped'],
    },
    { name: 'clearing fax/otherPhone is silent', set: { fax: undefined, otherPhone: '' }, body: {} },
  ];
  for (const { name, set, current, body, warnings = [] } of cases) {
    it(name, () => {
      const result = toGraphContact(set, current);
      assert.deepEqual(result.body, body);
      assert.deepEqual(result.warnings.map((w) => `${w.field}:${w.code}`), warnings);
    });
  }

  it('does not mutate current', () => {
    const current = structuredClone(fullGraphContact);
    toGraphContact({ email: undefined, businessPhone: 'x', firstName: 'Z' }, current);
    assert.deepEqual(current, fullGraphContact);
  });
});

describe('Graph round trips', () => {
  it('Graph → canonical → Graph leaves the contact unchanged in substance', () => {
    const { fields } = fromGraphContact(fullGraphContact);
    const { body, warnings } = toGraphContact(fullSet(fields, GRAPH_CONTACT_FIELDS), fullGraphContact);
    assert.deepEqual(warnings, []);
    const after = applyGraphPatch(fullGraphContact, body);
    assert.deepEqual(fromGraphContact(after).fields, fields);
    assert.deepEqual(after.emailAddresses?.slice(1), fullGraphContact.emailAddresses?.slice(1));
    assert.deepEqual(after.businessPhones, fullGraphContact.businessPhones);
    assert.deepEqual(after.homePhones, fullGraphContact.homePhones);
    assert.deepEqual(after.homeAddress, fullGraphContact.homeAddress);
    assert.equal(after.displayName, 'Ann M. Lee');
  });

  it('canonical → Graph (create) → canonical keeps every Graph field (property)', () => {
    fc.assert(
      fc.property(contactFields, (raw) => {
        const fields = normaliseContact(raw);
        const { body } = toGraphContact(fields);
        assert.deepEqual(fromGraphContact(body).fields, pick(fields, GRAPH_CONTACT_FIELDS));
      }),
      { numRuns: 300 },
    );
  });

  it('an update applied over an existing contact reads back as the update (property)', () => {
    fc.assert(
      fc.property(contactFields, contactFields, (before, update) => {
        const created = applyGraphPatch({ id: 'x' }, toGraphContact(normaliseContact(before)).body);
        const set = fullSet(normaliseContact(update), GRAPH_CONTACT_FIELDS);
        const after = applyGraphPatch(created, toGraphContact(set, created).body);
        const expected = pick(normaliseContact(update), GRAPH_CONTACT_FIELDS);
        // Clearing a primary e-mail or phone may promote a kept secondary, so only set ones are checked.
        const got = fromGraphContact(after).fields;
        for (const field of GRAPH_CONTACT_FIELDS) {
          if (['email', 'businessPhone', 'homePhone'].includes(field) && expected[field] === undefined) continue;
          assert.deepEqual(got[field], expected[field], field);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('SF → canonical → Graph → canonical → SF preserves every field Graph can hold', () => {
    const { fields } = fromSalesforceContact(fullSalesforceRecord);
    const graph = applyGraphPatch({ id: 'new' }, toGraphContact(fields).body);
    const back = fromGraphContact(graph).fields;
    assert.deepEqual(back, pick(fields, GRAPH_CONTACT_FIELDS));
    const { record } = toSalesforceContact(fullSet(back, GRAPH_CONTACT_FIELDS));
    assert.equal(record.Birthdate, '1984-02-29');
    assert.equal(record.MailingStreet, '1 Market St\nSuite 100');
  });
});
