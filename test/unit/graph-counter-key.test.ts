import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphCounterKey } from '../../sandbox/microsoft/counter-key.ts';

test('Graph request counters group by endpoint: ids of users, folders, contacts, calendars and events are placeholders', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/v1.0/users/ada@x.example/contactFolders/AAMkF/contacts/delta', 'GET /v1.0/users/{u}/contactFolders/{f}/contacts/delta'],
    ['PATCH', '/v1.0/users/ada@x.example/contacts/AAMkC1', 'PATCH /v1.0/users/{u}/contacts/{id}'],
    ['GET', '/v1.0/users/ada@x.example/events/AAMkE1', 'GET /v1.0/users/{u}/events/{id}'],
    ['GET', '/v1.0/users/ada@x.example/events/AAMkE1/instances', 'GET /v1.0/users/{u}/events/{id}/instances'],
    ['GET', '/v1.0/users/ada@x.example/calendars/AAMkCal/events', 'GET /v1.0/users/{u}/calendars/{c}/events'],
    ['GET', '/v1.0/users/ada@x.example/calendarView/delta', 'GET /v1.0/users/{u}/calendarView/delta'],
    ['POST', '/tenant-guid/oauth2/v2.0/token', 'POST /{tenant}/oauth2/v2.0/token'],
  ];
  for (const [method, path, key] of cases) assert.equal(graphCounterKey(method, path), key, path);
});
