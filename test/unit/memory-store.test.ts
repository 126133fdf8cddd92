/**
 * The in-memory StateStore used by engine tests (test/support/memory-store.ts) held to the same
 * contract as the SQL store, so an engine test over it sees the store the companion really uses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateStoreChecks } from '../../companion/src/store/state-store-contract.ts';
import { createMemoryStore } from '../support/memory-store.ts';

describe('in-memory state store', () => {
  // Every contract check runs: none needs SQL-only facilities.
  for (const [name, check] of Object.entries(stateStoreChecks)) {
    it(name, async () => {
      const store = createMemoryStore();
      await store.migrate();
      await check(store);
    });
  }

  it('hands out copies: changing a returned link does not change the store', async () => {
    const store = createMemoryStore();
    await store.saveEventLinks([{ userId: 'u1', sfId: 's', mbId: 'm', sfVersion: '', mbVersion: '', hashes: { subject: 'h' } }], []);
    const [first] = await store.eventLinks('u1');
    first!.hashes.subject = 'changed';
    first!.mbId = 'other';
    assert.deepEqual(await store.eventLinks('u1'), [{ userId: 'u1', sfId: 's', mbId: 'm', sfVersion: '', mbVersion: '', hashes: { subject: 'h' } }]);
  });
});
