/**
 * The CDC router (engine/record-changes.ts): which users a change concerns. Deletes carry no owner,
 * so a delete of a record no link names is lost to contacts, but not to events, where it may be an
 * occurrence of a linked series (a row of its own, never linked).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeRecordChange, type RecordKind } from '../../companion/src/engine/record-changes.ts';
import type { RecordChangeEvent } from '../../companion/src/ports/salesforce.ts';
import { createMemoryStore } from '../support/memory-store.ts';

const SYNC_USERS = ['005A', '005B'];

function setup(kindOver: Partial<RecordKind> = {}) {
  const store = createMemoryStore();
  const pending: Record<string, string[]> = {};
  const enqueued: string[] = [];
  const kind: RecordKind = {
    name: 'event',
    replayCursor: 'cdc:test',
    linkedUsers: async (ids) => (ids.includes('00ULINKED') ? [{ userId: '005B', sfId: '00ULINKED' }] : []),
    owners: async () => ['005A'],
    addPending: async (userId, ids) => {
      pending[userId] = [...(pending[userId] ?? []), ...ids];
    },
    forgetListed: async () => {},
    ...kindOver,
  };
  const deps = {
    store,
    log: () => {},
    isSyncUser: (id: string) => SYNC_USERS.includes(id),
    allSyncUsers: () => SYNC_USERS,
    enqueue: async (userId: string) => {
      enqueued.push(userId);
    },
  };
  const change = (over: Partial<RecordChangeEvent>): RecordChangeEvent => ({
    replayId: 7,
    entity: 'Event',
    changeType: 'DELETE',
    recordIds: ['00UNOTLINKED'],
    changedFields: [],
    commitUser: '005Z',
    commitTimestamp: 0,
    fromUs: false,
    ...over,
  });
  return { store, pending, enqueued, route: (over: Partial<RecordChangeEvent>) => routeRecordChange(deps, kind, change(over)) };
}

test('a delete of an unlinked record goes nowhere unless the kind says such deletes matter', async () => {
  const contacts = setup({ name: 'contact' });
  await contacts.route({});
  assert.deepEqual(contacts.pending, {});
  assert.equal(await contacts.store.getCursor('cdc:test'), '7', 'the replay id still moves on');
});

test('events: an unlinked delete goes to the sync user who made it, else to every sync user', async () => {
  const byRep = setup({ unlinkedDeletesMatter: true });
  await byRep.route({ commitUser: '005A' });
  assert.deepEqual(byRep.pending, { '005A': ['00UNOTLINKED'] });
  const byAdmin = setup({ unlinkedDeletesMatter: true });
  await byAdmin.route({ commitUser: '005ADMIN' });
  assert.deepEqual(Object.keys(byAdmin.pending).sort(), SYNC_USERS);
  assert.deepEqual(byAdmin.enqueued.sort(), SYNC_USERS);
});

test('a linked record goes to its users; our own echo goes nowhere', async () => {
  const linked = setup({ unlinkedDeletesMatter: true });
  await linked.route({ recordIds: ['00ULINKED'], commitUser: '005ADMIN' });
  assert.deepEqual(linked.pending, { '005B': ['00ULINKED'] });
  const echo = setup({ unlinkedDeletesMatter: true });
  await echo.route({ fromUs: true });
  assert.deepEqual(echo.pending, {});
});

test('an update of an unlinked record without an owner asks Salesforce for it', async () => {
  const s = setup();
  await s.route({ changeType: 'UPDATE' });
  assert.deepEqual(s.pending, { '005A': ['00UNOTLINKED'] });
});
