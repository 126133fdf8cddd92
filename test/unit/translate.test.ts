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

test('Graph event → Salesforce event: a Windows zone across the DST change becomes the right UTC times', () => {
  const t = translate('graph:event', 'salesforce:event', {
    subject: 'Quarterly review',
    body: { contentType: 'html', content: '<p>Agenda:</p><p>Numbers &amp; plans</p>' },
    start: { dateTime: '2026-03-29T09:00:00.0000000', timeZone: 'W. Europe Standard Time' },
    end: { dateTime: '2026-03-29T10:30:00.0000000', timeZone: 'W. Europe Standard Time' },
    attendees: [{ type: 'required', emailAddress: { address: 'Ada@Example.com' }, status: { response: 'accepted' } }],
  }, { timeZone: 'Europe/Berlin' });
  assert.equal(t.record.StartDateTime, '2026-03-29T07:00:00Z', '09:00 CEST, the first day of summer time');
  assert.equal(t.record.DurationInMinutes, 90);
  assert.equal(t.record.Description, 'Agenda:\nNumbers & plans');
  assert.deepEqual(t.errors, []);
  assert.deepEqual(t.relations, [{ email: 'ada@example.com', as: 'invitee', status: 'Accepted' }], 'the attendee, with her answer as Status');
  assert.deepEqual(t.warnings.filter((w) => w.field === 'attendees'), []);
});

test("Graph event → Salesforce: the relations its people would become, and why a room, the rep and a private event's people would not", () => {
  const meeting = {
    subject: 'Site walk',
    isOrganizer: true,
    organizer: { emailAddress: { address: 'Rep@Us.test' } },
    start: { dateTime: '2026-05-04T09:00:00', timeZone: 'UTC' },
    end: { dateTime: '2026-05-04T10:00:00', timeZone: 'UTC' },
    attendees: [
      { type: 'optional', emailAddress: { address: 'bo@client.test' }, status: { response: 'tentativelyAccepted' } },
      { type: 'resource', emailAddress: { address: 'room-1@us.test' }, status: { response: 'accepted' } },
      { type: 'required', emailAddress: { address: 'cy@client.test' }, status: { response: 'none' } },
    ],
  };
  const t = translate('graph:event', 'salesforce:event', meeting);
  assert.deepEqual(t.relations, [
    { email: 'bo@client.test', as: 'invitee', status: 'Maybe' },
    { email: 'cy@client.test', as: 'invitee', status: 'New' },
  ]);
  const about = t.warnings.filter((w) => w.field === 'attendees').map((w) => w.message);
  assert.ok(about.some((m) => /attendee 2 of 3 is a room/.test(m)), about.join('; '));
  assert.ok(about.some((m) => /optional/.test(m)), about.join('; '));

  const invited = translate('graph:event', 'salesforce:event', { ...meeting, isOrganizer: false, organizer: { emailAddress: { address: 'host@client.test' } } });
  assert.deepEqual(invited.relations?.at(-1), { email: 'host@client.test', as: 'organizer' }, 'an outside organizer is related, not invited');

  const hidden = translate('graph:event', 'salesforce:event', { ...meeting, sensitivity: 'private' });
  assert.deepEqual(hidden.relations, []);
  assert.ok(hidden.warnings.some((w) => w.field === 'attendees' && /private/.test(w.message)));
});

test('Salesforce all-day event → Graph: the same calendar dates in the rep\'s zone', () => {
  const t = translate('salesforce:event', 'graph:event', { Subject: 'Trade fair', IsAllDayEvent: true, ActivityDate: '2026-10-24', DurationInMinutes: 4320 }, { timeZone: 'Pacific/Auckland' });
  assert.equal((t.record.start as { dateTime: string }).dateTime, '2026-10-24T00:00:00');
  assert.equal((t.record.end as { dateTime: string }).dateTime, '2026-10-27T00:00:00');
  assert.equal(t.record.isAllDay, true);
});

test('an event Salesforce would refuse (over 14 days) is reported as an error, not written half', () => {
  const t = translate('graph:event', 'salesforce:event', {
    subject: 'Too long',
    start: { dateTime: '2026-03-01T09:00:00', timeZone: 'UTC' },
    end: { dateTime: '2026-03-16T09:00:00', timeZone: 'UTC' },
  });
  assert.equal(t.errors?.[0]?.field, 'end');
  assert.throws(() => translate('graph:event', 'salesforce:contact', {}), /cannot map a event to a contact/);
});
