import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflictRows, conflictsOnRecord, isFailureRow } from '../../companion/src/engine/item-rows.ts';
import type { ItemErrorRow } from '../../companion/src/ports/state.ts';
import type { PairPlan } from '../../companion/src/core/pair-plan.ts';

const row = (over: Partial<ItemErrorRow>): ItemErrorRow => ({
  userId: '005000000000001AAA',
  side: 'mailbox',
  itemId: 'AAMkAD1',
  code: 'policy_conflict',
  message: 'location was changed on both sides since the last sync; the value from Salesforce was kept (policy salesforce_wins)',
  fields: ['location'],
  at: '2026-11-20T10:00:00.000Z',
  ...over,
});

test('a decided conflict stays on record for a week, until a newer decision on the same item and field replaces it', () => {
  const now = Date.parse('2026-11-22T10:00:00.000Z');
  const location = row({});
  const subject = row({ fields: ['subject'] });
  const old = row({ itemId: 'AAMkAD2', at: '2026-11-15T09:59:59.000Z' });
  const failure = row({ code: 'request_failed', itemId: 'AAMkAD3' });
  const kept = conflictsOnRecord([location, subject, old, failure], [row({ at: '2026-11-22T10:00:00.000Z' })], now);
  assert.deepEqual([...kept], [subject], 'the location row is replaced, the week-old one gone, the failure is not a conflict');
  assert.ok(conflictsOnRecord([row({ at: '2026-11-15T10:00:00.000Z' })], [], now).size === 1, 'exactly a week old is still on record');
});

test('notes (unresolved, decided conflicts, a value the other side cannot hold) are not failures', () => {
  assert.deepEqual(
    ['unresolved', 'policy_conflict', 'dropped', 'request_failed', 'invalid', 'REQUIRED_FIELD_MISSING'].map((code) => isFailureRow({ code })),
    [false, false, false, true, true, true],
  );
});

test('a conflict row names the losing copy and the field, and says whether the copies were just paired or both edited', () => {
  const pair = (reason: PairPlan<unknown>['reason']): PairPlan<unknown> => ({
    sfId: '003000000000001AAA',
    mbId: 'AAMkAD1',
    agreed: {},
    conflicts: [{ field: 'lastName', winner: 'salesforce' }],
    unlink: false,
    reason,
  });
  const [paired] = conflictRows('005000000000001AAA', [pair('paired')], 'salesforce_wins', '2026-11-22T10:00:00.000Z');
  const [edited] = conflictRows('005000000000001AAA', [{ ...pair('changed'), conflicts: [{ field: 'lastName', winner: 'mailbox' }] }], 'mailbox_wins', '2026-11-22T10:00:00.000Z');
  assert.deepEqual([paired!.side, paired!.itemId, paired!.fields], ['mailbox', 'AAMkAD1', ['lastName']]);
  assert.equal(paired!.message, 'lastName differed between the two copies when they were paired; the value from Salesforce was kept (policy salesforce_wins)');
  assert.deepEqual([edited!.side, edited!.itemId], ['salesforce', '003000000000001AAA']);
  assert.equal(edited!.message, 'lastName was changed on both sides since the last sync; the value from the mailbox was kept (policy mailbox_wins)');
});
