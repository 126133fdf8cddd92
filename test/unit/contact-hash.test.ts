import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { CONTACT_FIELDS } from '../../companion/src/core/contact.ts';
import type { ContactField, ContactFields } from '../../companion/src/core/contact.ts';
import { hashContactFields } from '../../companion/src/core/hash.ts';
import { contactFieldEquals } from '../../companion/src/core/normalise.ts';

const SALT = 'test-salt-0123456789';

const sample: ContactFields = {
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann@example.com',
  businessPhone: '+1 415 555 0100',
  mobilePhone: '+1 415 555 0100',
  homePhone: '+1 415 555 0102',
  otherPhone: '+1 415 555 0103',
  fax: '+1 415 555 0104',
  title: 'VP',
  department: 'Sales',
  company: 'Acme',
  mailingAddress: { street: '1 Market St', city: 'San Francisco', state: 'CA', postalCode: '94105', country: 'USA' },
  otherAddress: { city: 'Oakland' },
  birthday: '1984-02-29',
  notes: 'Likes golf.',
};

describe('hashContactFields: shape', () => {
  it('has exactly one entry per canonical field, in CONTACT_FIELDS order', () => {
    assert.deepEqual(Object.keys(hashContactFields(sample, SALT)), [...CONTACT_FIELDS]);
    assert.deepEqual(Object.keys(hashContactFields({}, SALT)), [...CONTACT_FIELDS]);
  });

  it('every hash is 22 base64url characters', () => {
    for (const hash of Object.values(hashContactFields(sample, SALT))) assert.match(hash, /^[A-Za-z0-9_-]{22}$/);
  });

  it('is HMAC-SHA256(salt, field NUL canonical-JSON) in base64url, first 22 characters', () => {
    const expected = (field: string, payload: string): string =>
      createHmac('sha256', SALT).update(`${field}\u0000${payload}`).digest('base64url').slice(0, 22);
    const hashes = hashContactFields({ firstName: ' Ann ', otherAddress: { city: 'Oakland', street: '2 Elm' } }, SALT);
    assert.equal(hashes.firstName, expected('firstName', '"Ann"'));
    assert.equal(hashes.otherAddress, expected('otherAddress', '{"city":"Oakland","street":"2 Elm"}'));
    assert.equal(hashes.lastName, expected('lastName', '\u0000absent'));
  });

  it('refuses an empty salt', () => {
    assert.throws(() => hashContactFields(sample, ''), TypeError);
  });
});

describe('hashContactFields: equal inputs hash alike', () => {
  const cases: { name: string; a: ContactFields; b: ContactFields }[] = [
    {
      name: 'address key order',
      a: { mailingAddress: { street: '1 Market St', city: 'SF', postalCode: '94105' } },
      b: { mailingAddress: { postalCode: '94105', city: 'SF', street: '1 Market St' } },
    },
    { name: 'field order of the contact', a: { firstName: 'Ann', lastName: 'Lee' }, b: { lastName: 'Lee', firstName: 'Ann' } },
    { name: 'whitespace and e-mail case', a: { firstName: '  Ann ', email: 'ANN@Example.com' }, b: { firstName: 'Ann', email: 'ann@example.com' } },
    { name: 'absent, undefined and blank', a: {}, b: { firstName: undefined, lastName: '', notes: ' \r\n ', otherAddress: { city: ' ' } } },
    { name: 'CRLF vs LF notes', a: { notes: 'a\r\nb\r\n' }, b: { notes: 'a\nb' } },
    { name: 'NFC vs NFD unicode', a: { lastName: 'Mu\u0308ller', firstName: 'Jose\u0301' }, b: { lastName: 'Müller', firstName: 'José' } },
    { name: 'invalid birthday vs absent', a: { birthday: '2023-02-29' }, b: {} },
  ];
  for (const { name, a, b } of cases) {
    it(name, () => assert.deepEqual(hashContactFields(a, SALT), hashContactFields(b, SALT)));
  }
});

describe('hashContactFields: different inputs hash apart', () => {
  it('a different salt changes every field hash, including absent ones', () => {
    const one = hashContactFields(sample, SALT);
    const other = hashContactFields(sample, `${SALT}!`);
    for (const field of CONTACT_FIELDS) assert.notEqual(one[field], other[field], field);
  });

  it('the same value in two fields hashes differently', () => {
    const hashes = hashContactFields(sample, SALT);
    assert.equal(sample.businessPhone, sample.mobilePhone);
    assert.notEqual(hashes.businessPhone, hashes.mobilePhone);
    assert.equal(new Set(Object.values(hashContactFields({}, SALT))).size, CONTACT_FIELDS.length);
  });

  const cases: { name: string; field: ContactField; a: ContactFields; b: ContactFields }[] = [
    { name: 'name case', field: 'firstName', a: { firstName: 'ann' }, b: { firstName: 'Ann' } },
    { name: 'absent vs the text "null"', field: 'title', a: {}, b: { title: 'null' } },
    { name: 'absent vs the sentinel-like text', field: 'notes', a: {}, b: { notes: '\u0000absent' } },
    { name: 'one address component', field: 'mailingAddress', a: { mailingAddress: { city: 'SF' } }, b: { mailingAddress: { city: 'SF', state: 'CA' } } },
    { name: 'component moved between keys', field: 'otherAddress', a: { otherAddress: { city: 'X' } }, b: { otherAddress: { state: 'X' } } },
    { name: 'birthday day', field: 'birthday', a: { birthday: '2000-02-28' }, b: { birthday: '2000-02-29' } },
    { name: 'phone formatting is kept', field: 'homePhone', a: { homePhone: '555 0100' }, b: { homePhone: '5550100' } },
    { name: 'unicode letters', field: 'lastName', a: { lastName: '王' }, b: { lastName: '汪' } },
  ];
  for (const { name, field, a, b } of cases) {
    it(name, () => assert.notEqual(hashContactFields(a, SALT)[field], hashContactFields(b, SALT)[field]));
  }
});

describe('hashContactFields: properties', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'A', ' ', '\r\n', 'é', 'e\u0301', '1'), maxLength: 6 });
  const fields = fc.record(
    {
      firstName: text,
      email: text,
      notes: text,
      mailingAddress: fc.record({ street: text, city: text, country: text }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  it('equal hashes exactly when contactFieldEquals says equal', () => {
    fc.assert(
      fc.property(fields, fields, (a, b) => {
        const ha = hashContactFields(a, SALT);
        const hb = hashContactFields(b, SALT);
        for (const field of ['firstName', 'email', 'notes', 'mailingAddress'] as const) {
          assert.equal(ha[field] === hb[field], contactFieldEquals(field, a, b), field);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and independent of address key order', () => {
    fc.assert(
      fc.property(fields, (a) => {
        const reversed: ContactFields = { ...a };
        if (a.mailingAddress) {
          reversed.mailingAddress = Object.fromEntries(Object.entries(a.mailingAddress).reverse());
        }
        assert.deepEqual(hashContactFields(reversed, SALT), hashContactFields(a, SALT));
      }),
      { numRuns: 200 },
    );
  });
});
