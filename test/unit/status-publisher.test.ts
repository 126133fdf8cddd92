import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowsToPublish, StatusPublisher, type Published } from '../../companion/src/engine/status-publisher.ts';
import type { UserStatusRow, StateStore } from '../../companion/src/ports/state.ts';
import type { SalesforcePort } from '../../companion/src/ports/salesforce.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';

const row = (over: Partial<UserStatusRow> = {}): UserStatusRow => ({
  userId: '005000000000001AAA',
  state: 'idle',
  contactsLinked: 10,
  contactsFailed: 0,
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
  published.set(first!.userId, { fingerprint: JSON.stringify(['idle', 10, 0, '', '']), atMs: clockAt, lastSync: `${first!.lastSyncToMailbox}|${first!.lastSyncToSalesforce}` });
  const later = row({ lastSyncToMailbox: '2026-11-22T10:01:00.000Z' });
  assert.equal(rowsToPublish([later], published, clockAt + MIN, 15 * MIN).length, 0, 'only a timestamp moved');
  assert.equal(rowsToPublish([later], published, clockAt + 15 * MIN, 15 * MIN).length, 1, 'refresh interval passed');
  assert.equal(rowsToPublish([row()], published, clockAt + 60 * MIN, 15 * MIN).length, 0, 'nothing moved at all');
  for (const change of [{ state: 'error' as const }, { contactsFailed: 1 }, { contactsLinked: 11 }, { lastErrorCode: 'REQUIRED_FIELD_MISSING' }]) {
    assert.equal(rowsToPublish([row(change)], published, clockAt + MIN, 15 * MIN).length, 1, JSON.stringify(change));
  }
});

test('the publisher sends changed rows once, keeps going after a rejected row, and never throws', async () => {
  let rows = [row(), row({ userId: '005000000000002AAA' })];
  const sent: UserStatusRow[][] = [];
  let fail = false;
  const salesforce = {
    publishUserStatus: async (r: UserStatusRow[]): Promise<WriteResult[]> => {
      if (fail) throw new Error('network down');
      sent.push(r);
      return r.map((x) => (x.userId.endsWith('2AAA') ? { ok: false, error: { code: 'FIELD_INTEGRITY_EXCEPTION', message: 'rejected' } } : { ok: true, id: 'a00', version: '' }));
    },
  } as unknown as SalesforcePort;
  const store = { listUserStatus: async () => rows } as unknown as StateStore;
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
