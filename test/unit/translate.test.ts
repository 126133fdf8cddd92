import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translate, TranslateError } from '../../companion/src/core/translate.ts';

test('Salesforce contact → Graph contact: values normalised, company carried, Salesforce-only fields reported as dropped', () => {
  const t = translate('salesforce:contact', 'graph:contact', {
    FirstName: '  Ada ',
    LastName: 'Lovelace',
    Email: 'ADA@Example.com',
    Fax: '+1 555 0100',
    Account: { Name: 'Analytical Engines' },
    MailingCity: 'London',
  });
  assert.equal(t.record.givenName, 'Ada');
  assert.equal(t.record.companyName, 'Analytical Engines');
  assert.deepEqual((t.record.emailAddresses as Array<{ address: string }>).map((e) => e.address), ['ada@example.com']);
  assert.equal((t.record.businessAddress as { city?: string }).city, 'London');
  assert.ok(!('fax' in t.record));
  assert.deepEqual(t.warnings.map((w) => `${w.stage}:${w.field}:${w.code}`), ['write:fax:dropped']);
  assert.equal(t.canonical.fax, '+1 555 0100');
});

test('Graph contact → Salesforce contact: company becomes Account.Name, an invalid birthday is a read warning', () => {
  const t = translate('graph:contact', 'salesforce:contact', {
    givenName: 'Grace',
    surname: 'Hopper',
    companyName: 'US Navy',
    birthday: 'not-a-date',
    emailAddresses: [{ address: 'grace@navy.example' }, { address: 'second@navy.example' }],
  });
  assert.equal(t.record.LastName, 'Hopper');
  assert.equal(t.record.Email, 'grace@navy.example');
  assert.deepEqual(t.record.Account, { Name: 'US Navy' });
  assert.ok(!('Birthdate' in t.record) || t.record.Birthdate === null);
  assert.ok(t.warnings.some((w) => w.stage === 'read' && w.field === 'birthday'));
});

test('refuses input that is not one object, and kinds that cannot map', () => {
  assert.throws(() => translate('graph:contact', 'salesforce:contact', [{}]), TranslateError);
  assert.throws(() => translate('graph:contact', 'salesforce:contact', 'x'), TranslateError);
  assert.throws(() => translate('graph:contact', 'graph:contact', {}), /nothing to map/);
});
