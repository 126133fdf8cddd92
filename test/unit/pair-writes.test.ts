/**
 * Carrying out a plan's writes (engine/pair-writes.ts): a replacement (delete the old item, then
 * create the new one) never leaves both standing, and its link follows the new item.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PairPlan } from '../../companion/src/core/pair-plan.ts';
import { collectWrites, executeWrites, settle, type SideWriter } from '../../companion/src/engine/pair-writes.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';

type F = { subject?: string; pattern?: string };

function replacement(): PairPlan<F> {
  return {
    sfId: 's1',
    mbId: 'm1',
    base: { userId: 'u1', sfId: 's1', mbId: 'm1', sfVersion: 'v1', mbVersion: 'w1', hashes: { subject: 'hs', pattern: 'hp1' } },
    agreed: {},
    conflicts: [],
    unlink: false,
    reason: 'replaced',
    replaces: 's1',
    toSalesforce: { op: 'create', data: { subject: 'Standup', pattern: 'weekly x8' }, agreed: { subject: 'hs', pattern: 'hp2' } },
  };
}

function writers(deleteResult: WriteResult, calls: string[]): Record<'mailbox' | 'salesforce', SideWriter<F>> {
  const none: SideWriter<F> = { delete: async () => [], update: async () => [], create: async () => [] };
  return {
    mailbox: none,
    salesforce: {
      delete: async (ws) => (calls.push(`delete ${ws.map((w) => w.pair.sfId).join()}`), ws.map(() => deleteResult)),
      update: async () => [],
      create: async (ws) => (calls.push(`create ${ws.length}`), ws.map(() => ({ ok: true, id: 's2', version: 'v2' }))),
    },
  };
}

it('deletes the old item first, then creates the new one, and moves the link to it', async () => {
  const pair = replacement();
  const writes = collectWrites([pair]);
  const calls: string[] = [];
  await executeWrites(writers({ ok: true, id: 's1', version: '' }, calls), writes, () => {}, 'u1');
  assert.deepEqual(calls, ['delete s1', 'create 1']);
  const s = settle('u1', [pair], writes, [], '2026-11-22T00:00:00Z', {});
  assert.deepEqual(s.removals, [{ userId: 'u1', sfId: 's1' }]);
  assert.deepEqual(s.upserts.map((l) => [l.sfId, l.mbId, l.hashes.pattern]), [['s2', 'm1', 'hp2']]);
});

it('a failed delete blocks the create: the old item and its link stay, the delete noted as unsettled, and the failure is reported', async () => {
  const pair = replacement();
  const writes = collectWrites([pair]);
  const calls: string[] = [];
  await executeWrites(writers({ ok: false, error: { code: 'UNABLE_TO_LOCK_ROW', message: 'locked', retryable: true } }, calls), writes, () => {}, 'u1');
  assert.deepEqual(calls, ['delete s1'], 'the replacement was created next to the item it replaces');
  const errors: Parameters<typeof settle>[3] = [];
  const s = settle('u1', [pair], writes, errors, '2026-11-22T00:00:00Z', {});
  assert.deepEqual(s.removals, []);
  // The delete may have landed with its answer lost: next pass must know a missing old item as its own delete.
  assert.deepEqual(s.upserts, [{ ...pair.base, unsettled: { salesforce: { delete: true } } }]);
  assert.deepEqual(errors.map((e) => e.code).sort(), ['UNABLE_TO_LOCK_ROW', 'replace_blocked']);
  assert.equal(s.retryMailbox, true, 'the mailbox change is read again next pass');
  assert.deepEqual(s.unsettledCreates, [], 'a create that never went out is not looked for');
});
