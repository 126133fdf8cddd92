import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf, rowsToPublish, StatusPublisher, withItemNotes, type Published } from '../../companion/src/engine/status-publisher.ts';
import { userStatusRecord } from '../../companion/src/connectors/salesforce/user-status.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import type { ItemErrorRow, PublishedUserStatus, StateStore } from '../../companion/src/ports/state.ts';
import type { SalesforcePort } from '../../companion/src/ports/salesforce.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';

const row = (over: Partial<PublishedUserStatus> = {}): PublishedUserStatus => ({
  userId: '005000000000001AAA',
  state: 'idle',
  contactsLinked: 10,
  contactsFailed: 0,
  unresolvedItems: 0,
  conflictsDecided: 0,
  lastSyncToMailbox: '2026-11-22T10:00:00.000Z',
  lastSyncToSalesforce: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  ...over,
});
const MIN = 60_000;

test('a user never published is sent', () => {
  assert.equal(rowsToPublish([row()], new Map(), 0, 15 * MIN).length, 1);
});

test('what an admin acts on is sent at once; a new last-sync time waits for the refresh interval', () => {
  const published = new Map<string, Published>();
  const clockAt = 1_000_000;
  const [first] = rowsToPublish([row()], published, clockAt, 15 * MIN);
  published.set(first!.userId, { fingerprint: fingerprintOf(first!), atMs: clockAt, lastSync: `${first!.lastSyncToMailbox}|${first!.lastSyncToSalesforce}` });
  const later = row({ lastSyncToMailbox: '2026-11-22T10:01:00.000Z' });
  assert.equal(rowsToPublish([later], published, clockAt + MIN, 15 * MIN).length, 0, 'only a timestamp moved');
  assert.equal(rowsToPublish([later], published, clockAt + 15 * MIN, 15 * MIN).length, 1, 'refresh interval passed');
  assert.equal(rowsToPublish([row()], published, clockAt + 60 * MIN, 15 * MIN).length, 0, 'nothing moved at all');
  for (const change of [{ state: 'error' as const }, { contactsFailed: 1 }, { contactsLinked: 11 }, { lastErrorCode: 'REQUIRED_FIELD_MISSING' }]) {
    assert.equal(rowsToPublish([row(change)], published, clockAt + MIN, 15 * MIN).length, 1, JSON.stringify(change));
  }
});

test('event counts are part of what is published at once: the first events pass, and every change after it', () => {
  const published = new Map<string, Published>();
  const clockAt = 1_000_000;
  const publish = (r: PublishedUserStatus) => published.set(r.userId, { fingerprint: fingerprintOf(r), atMs: clockAt, lastSync: `${r.lastSyncToMailbox}|${r.lastSyncToSalesforce}` });
  const contactsOnly = row();
  publish(contactsOnly);
  // No events pass yet → first one, even with nothing linked: blank and 0 are different in Salesforce.
  assert.equal(rowsToPublish([row({ eventsLinked: 0, eventsFailed: 0 })], published, clockAt + MIN, 15 * MIN).length, 1, 'first events pass');
  const withEvents = row({ eventsLinked: 7, eventsFailed: 0 });
  publish(withEvents);
  assert.equal(rowsToPublish([withEvents], published, clockAt + MIN, 15 * MIN).length, 0, 'nothing moved');
  for (const change of [{ eventsLinked: 8 }, { eventsFailed: 1 }, { eventsLinked: undefined, eventsFailed: undefined }]) {
    assert.equal(rowsToPublish([row({ eventsLinked: 7, eventsFailed: 0, ...change })], published, clockAt + MIN, 15 * MIN).length, 1, JSON.stringify(change));
  }
  // The contact counts still move it on their own, and a timestamp alone still waits.
  assert.equal(rowsToPublish([row({ eventsLinked: 7, eventsFailed: 0, contactsLinked: 11 })], published, clockAt + MIN, 15 * MIN).length, 1);
  assert.equal(rowsToPublish([row({ eventsLinked: 7, eventsFailed: 0, lastSyncToSalesforce: '2026-11-22T10:01:00.000Z' })], published, clockAt + MIN, 15 * MIN).length, 0);
});

test('the Salesforce record carries the event counts, and null (blank) before the first events pass', () => {
  const F = SF.userStatus.fields;
  const withEvents = userStatusRecord(row({ eventsLinked: 7, eventsFailed: 2 }));
  assert.equal(withEvents[F.eventsSynced], 7);
  assert.equal(withEvents[F.eventsFailed], 2);
  assert.equal(withEvents[F.contactsSynced], 10);
  assert.equal(withEvents[F.contactsFailed], 0);
  const zero = userStatusRecord(row({ eventsLinked: 0, eventsFailed: 0 }));
  assert.equal(zero[F.eventsSynced], 0, 'a measured zero is written as 0');
  assert.equal(zero[F.eventsFailed], 0);
  const contactsOnly = userStatusRecord(row());
  // Null, as the record writes every other absent value: never a zero that was not measured.
  assert.ok(F.eventsSynced in contactsOnly && F.eventsFailed in contactsOnly);
  assert.equal(contactsOnly[F.eventsSynced], null);
  assert.equal(contactsOnly[F.eventsFailed], null);
  assert.equal(contactsOnly[F.lastErrorCode], null, 'the same style as the other absent values');
});

test('the publisher sends changed rows once, keeps going after a rejected row, and never throws', async () => {
  let rows = [row(), row({ userId: '005000000000002AAA' })];
  const sent: PublishedUserStatus[][] = [];
  let fail = false;
  const salesforce = {
    publishUserStatus: async (r: PublishedUserStatus[]): Promise<WriteResult[]> => {
      if (fail) throw new Error('network down');
      sent.push(r);
      return r.map((x) => (x.userId.endsWith('2AAA') ? { ok: false, error: { code: 'FIELD_INTEGRITY_EXCEPTION', message: 'rejected' } } : { ok: true, id: 'a00', version: '' }));
    },
  } as unknown as SalesforcePort;
  const store = { listUserStatus: async () => rows, itemErrors: async () => [] } as unknown as StateStore;
  const warnings: string[] = [];
  const publisher = new StatusPublisher({ salesforce, store, clock: { now: () => new Date(0) }, log: (_l, m) => warnings.push(m), refreshMs: 15 * MIN });
  await publisher.flush();
  assert.equal(sent[0]!.length, 2);
  await publisher.flush();
  assert.deepEqual(sent[1]!.map((r) => r.userId), ['005000000000002AAA'], 'the rejected row is tried again, the accepted one is not');
  assert.ok(warnings.includes('user status not published to Salesforce'));
  fail = true;
  rows = [row({ state: 'error' })];
  await publisher.flush();
  assert.ok(warnings.includes('user status publishing failed'));
});

const item = (over: Partial<ItemErrorRow>): ItemErrorRow => ({
  userId: '005000000000001AAA',
  kind: 'event',
  side: 'mailbox',
  itemId: 'AAMkAD1',
  code: 'unresolved',
  message: 'event AAMkAD1: attendee 2 of 3 matches two contacts',
  fields: ['attendees'],
  at: '2026-11-22T09:00:00.000Z',
  ...over,
});

test('the published row counts what waits for the rep and the conflicts of the last week, naming the newest without values', () => {
  const now = Date.parse('2026-11-22T12:00:00.000Z');
  const other = '005000000000002AAA';
  const items = [
    item({}),
    item({ kind: 'contact', itemId: '003000000000001AAA', fields: ['companyName'] }),
    item({ code: 'policy_conflict', side: 'salesforce', itemId: '00U000000000001AAA', fields: ['location'], message: 'event 00U000000000001AAA: location changed on both sides', at: '2026-11-21T08:00:00.000Z' }),
    item({ code: 'policy_conflict', itemId: 'AAMkAD2', fields: ['subject'], at: '2026-11-22T11:00:00.000Z' }),
    item({ code: 'policy_conflict', itemId: 'AAMkAD3', fields: ['body'], at: '2026-11-14T11:00:00.000Z' }), // more than a week ago
    item({ code: 'request_failed', itemId: 'AAMkAD4' }), // a failure: counted in Events Failed, not here
    item({ userId: other, code: 'policy_conflict', itemId: 'AAMkAD9', at: '2026-11-22T11:30:00.000Z' }),
  ];
  const [mine, theirs] = withItemNotes([row(), row({ userId: other })], items, now);
  assert.equal(mine!.unresolvedItems, 2);
  assert.equal(mine!.conflictsDecided, 2, 'the conflict older than a week is not counted');
  assert.equal(mine!.lastConflict, 'event AAMkAD2: subject at 2026-11-22T11:00:00.000Z');
  assert.equal(theirs!.unresolvedItems, 0);
  assert.equal(theirs!.conflictsDecided, 1);
  const none = withItemNotes([row()], [], now)[0]!;
  assert.deepEqual([none.unresolvedItems, none.conflictsDecided, none.lastConflict], [0, 0, undefined]);

  const F = SF.userStatus.fields;
  const record = userStatusRecord(mine!);
  assert.equal(record[F.unresolvedItems], 2);
  assert.equal(record[F.conflictsDecided], 2);
  assert.equal(record[F.lastConflict], 'event AAMkAD2: subject at 2026-11-22T11:00:00.000Z');
  assert.equal(userStatusRecord(none)[F.lastConflict], null);
  const long = userStatusRecord(row({ lastConflict: `event X: ${'a, '.repeat(200)}` }))[F.lastConflict] as string;
  assert.equal(long.length, 255, 'Last_Conflict__c is Text(255)');
});

test('a newly decided conflict or item for the rep is published at once, though nothing else changed', async () => {
  let items: ItemErrorRow[] = [];
  const sent: PublishedUserStatus[][] = [];
  const salesforce = {
    publishUserStatus: async (r: PublishedUserStatus[]): Promise<WriteResult[]> => {
      sent.push(r);
      return r.map(() => ({ ok: true, id: 'a00', version: '' }));
    },
  } as unknown as SalesforcePort;
  const store = { listUserStatus: async () => [row()], itemErrors: async () => items } as unknown as StateStore;
  const publisher = new StatusPublisher({ salesforce, store, clock: { now: () => new Date('2026-11-22T12:00:00.000Z') }, log: () => {}, refreshMs: 15 * MIN });
  await publisher.flush();
  await publisher.flush();
  assert.equal(sent.length, 1, 'nothing changed: sent once');
  items = [item({ code: 'policy_conflict', fields: ['location'], at: '2026-11-22T11:59:00.000Z' })];
  await publisher.flush();
  assert.equal(sent.length, 2);
  assert.equal(sent[1]![0]!.conflictsDecided, 1);
  items = [...items, item({ itemId: 'AAMkAD5' })];
  await publisher.flush();
  assert.equal(sent[2]?.[0]?.unresolvedItems, 1);
});
