/**
 * The StateStore contract as executable checks, so every implementation — PGlite, PostgreSQL, an
 * in-memory fake in engine tests — is held to the same behaviour. Each check gets a fresh, migrated,
 * empty store. Test files register them with their runner; nothing here depends on one.
 */
import assert from 'node:assert/strict';
import type { ContactLink, EventLink, ItemErrorRow, StateStore, UserStatusRow } from '../ports/state.ts';

export type StoreCheck = (store: StateStore) => Promise<void>;

function link(userId: string, sfId: string, mbId: string, extra: Partial<ContactLink> = {}): ContactLink {
  return { userId, sfId, mbId, sfVersion: '', mbVersion: '', hashes: {}, ...extra };
}

function eventLink(userId: string, sfId: string, mbId: string, extra: Partial<EventLink> = {}): EventLink {
  return { userId, sfId, mbId, sfVersion: '', mbVersion: '', hashes: {}, ...extra };
}

function error(userId: string, itemId: string, extra: Partial<ItemErrorRow> = {}): ItemErrorRow {
  return {
    userId,
    side: 'mailbox',
    itemId,
    code: 'WRITE_REJECTED',
    message: `item ${itemId}: field Email rejected`,
    fields: ['Email'],
    at: '2024-05-01T10:00:00.000Z',
    ...extra,
  };
}

export const stateStoreChecks: Record<string, StoreCheck> = {
  async 'meta: set, overwrite, missing key'(store) {
    assert.equal(await store.getMeta('k'), undefined);
    await store.setMeta('k', 'one');
    await store.setMeta('k', 'two');
    assert.equal(await store.getMeta('k'), 'two');
  },

  async 'links: upsert inserts, updates in place, round-trips hashes'(store) {
    await store.saveContactLinks(
      [
        link('u1', 'sfB', 'mbB', { sfVersion: '2024-05-01T10:00:00.000+0000', mbVersion: 'W/"1"', hashes: { Email: 'h1', LastName: 'h2' } }),
        link('u1', 'sfA', 'mbA'),
        link('u2', 'sfA', 'mbZ'),
      ],
      [],
    );
    await store.saveContactLinks([link('u1', 'sfB', 'mbB', { mbVersion: 'W/"2"', hashes: { Email: 'h3' } })], []);
    assert.deepEqual(await store.contactLinks('u1'), [
      link('u1', 'sfA', 'mbA'),
      link('u1', 'sfB', 'mbB', { mbVersion: 'W/"2"', hashes: { Email: 'h3' } }),
    ]);
    assert.deepEqual(await store.contactLinks('nobody'), []);
  },

  async 'links: by Salesforce ids across users'(store) {
    await store.saveContactLinks([link('u1', 'sfA', 'm1'), link('u2', 'sfA', 'm2'), link('u2', 'sfB', 'm3'), link('u3', 'sfC', 'm4')], []);
    const found = await store.contactLinksBySfIds(['sfA', 'sfB', 'sfA', 'missing']);
    assert.deepEqual(
      found.map((l) => `${l.userId}/${l.sfId}`).sort(),
      ['u1/sfA', 'u2/sfA', 'u2/sfB'],
    );
    assert.deepEqual(await store.contactLinksBySfIds([]), []);
  },

  async 'links: removals then upserts, so a re-created item replaces its old link'(store) {
    await store.saveContactLinks([link('u1', 'sfA', 'mA'), link('u1', 'sfB', 'mB')], []);
    // sfA re-created in the mailbox (new mailbox id, same Salesforce id); sfB deleted; mB re-created in Salesforce as sfC.
    await store.saveContactLinks([link('u1', 'sfA', 'mA2'), link('u1', 'sfC', 'mB')], [
      { userId: 'u1', sfId: 'sfA' },
      { userId: 'u1', sfId: 'sfB' },
      { userId: 'u1', sfId: 'never-existed' },
    ]);
    assert.deepEqual(await store.contactLinks('u1'), [link('u1', 'sfA', 'mA2'), link('u1', 'sfC', 'mB')]);
  },

  async 'links: a mailbox item can move between Contacts in one save'(store) {
    await store.saveContactLinks([link('u1', 'sfA', 'm1'), link('u1', 'sfB', 'm2')], []);
    await store.saveContactLinks([link('u1', 'sfA', 'm2'), link('u1', 'sfB', 'm1')], []);
    assert.deepEqual(
      (await store.contactLinks('u1')).map((l) => `${l.sfId}=${l.mbId}`),
      ['sfA=m2', 'sfB=m1'],
    );
  },

  async 'links: a failing save changes nothing (one transaction)'(store) {
    await store.saveContactLinks([link('u1', 'sfA', 'm1', { hashes: { Email: 'old' } })], []);
    // Two Contacts claiming one mailbox item for one user violates the store's invariant.
    await assert.rejects(
      store.saveContactLinks(
        [link('u1', 'sfA', 'm1', { hashes: { Email: 'new' } }), link('u1', 'sfB', 'm9'), link('u1', 'sfC', 'm9')],
        [],
      ),
    );
    assert.deepEqual(await store.contactLinks('u1'), [link('u1', 'sfA', 'm1', { hashes: { Email: 'old' } })]);
  },

  async 'links: large batches'(store) {
    const many = Array.from({ length: 1234 }, (_, i) => link('u1', `sf${String(i).padStart(5, '0')}`, `mb${i}`, { hashes: { Email: `h${i}` } }));
    await store.saveContactLinks(many, []);
    assert.equal((await store.contactLinks('u1')).length, 1234);
    await store.saveContactLinks([], many.slice(0, 1000).map((l) => ({ userId: l.userId, sfId: l.sfId })));
    const left = await store.contactLinks('u1');
    assert.equal(left.length, 234);
    assert.deepEqual(left[0], many[1000]);
  },

  async 'event links: upsert inserts, updates in place, round-trips hashes; apart from contact links'(store) {
    await store.saveEventLinks(
      [
        eventLink('u1', '00UB', 'AAMkB', { sfVersion: '2024-05-01T10:00:00.000+0000', mbVersion: 'DwAAABYA', hashes: { Subject: 'h1', Start: 'h2' } }),
        eventLink('u1', '00UA', 'AAMkA'),
        eventLink('u2', '00UA', 'AAMkZ'),
      ],
      [],
    );
    await store.saveEventLinks([eventLink('u1', '00UB', 'AAMkB', { mbVersion: 'DwAAABYB', hashes: { Subject: 'h3' } })], []);
    assert.deepEqual(await store.eventLinks('u1'), [
      eventLink('u1', '00UA', 'AAMkA'),
      eventLink('u1', '00UB', 'AAMkB', { mbVersion: 'DwAAABYB', hashes: { Subject: 'h3' } }),
    ]);
    assert.deepEqual(await store.eventLinks('nobody'), []);
    // Same ids on the contact side: separate rows, neither set sees nor disturbs the other.
    await store.saveContactLinks([link('u1', '00UA', 'AAMkA', { hashes: { Email: 'c' } })], []);
    assert.deepEqual(await store.contactLinks('u1'), [link('u1', '00UA', 'AAMkA', { hashes: { Email: 'c' } })]);
    assert.equal((await store.eventLinks('u1')).length, 2);
    await store.saveContactLinks([], [{ userId: 'u1', sfId: '00UA' }]);
    assert.deepEqual(await store.eventLinks('u1'), [
      eventLink('u1', '00UA', 'AAMkA'),
      eventLink('u1', '00UB', 'AAMkB', { mbVersion: 'DwAAABYB', hashes: { Subject: 'h3' } }),
    ]);
    await store.saveEventLinks([], [{ userId: 'u1', sfId: '00UB' }]);
    assert.deepEqual(await store.contactLinks('u1'), []);
    assert.deepEqual((await store.eventLinks('u1')).map((l) => l.sfId), ['00UA']);
  },

  async 'event links: by Salesforce ids across users, contact links not included'(store) {
    await store.saveEventLinks(
      [eventLink('u1', '00UA', 'm1'), eventLink('u2', '00UA', 'm2'), eventLink('u2', '00UB', 'm3'), eventLink('u3', '00UC', 'm4')],
      [],
    );
    await store.saveContactLinks([link('u4', '00UA', 'm5')], []);
    const found = await store.eventLinksBySfIds(['00UA', '00UB', '00UA', 'missing']);
    assert.deepEqual(found.map((l) => `${l.userId}/${l.sfId}`).sort(), ['u1/00UA', 'u2/00UA', 'u2/00UB']);
    assert.deepEqual(found.find((l) => l.userId === 'u1'), eventLink('u1', '00UA', 'm1'));
    assert.deepEqual(await store.eventLinksBySfIds([]), []);
    assert.deepEqual((await store.contactLinksBySfIds(['00UA'])).map((l) => l.userId), ['u4']);
  },

  async 'links: a parked pair and unsettled writes are kept, and cleared by the next save without them'(store) {
    const parked = eventLink('u1', '00UA', 'mA', { parked: { side: 'mailbox', gone: false } });
    const unsettled = eventLink('u1', '00UB', 'mB', { unsettled: { salesforce: { hashes: { subject: 'h9' } }, mailbox: { delete: true } } });
    await store.saveEventLinks([parked, unsettled], []);
    assert.deepEqual(await store.eventLinks('u1'), [parked, unsettled]);
    assert.deepEqual(await store.eventLinksBySfIds(['00UA']), [parked]);
    await store.saveEventLinks([eventLink('u1', '00UA', 'mA'), eventLink('u1', '00UB', 'mB', { unsettled: {} })], []);
    assert.deepEqual(await store.eventLinks('u1'), [eventLink('u1', '00UA', 'mA'), eventLink('u1', '00UB', 'mB')]);
    // Contact links carry the same states.
    await store.saveContactLinks([link('u1', '00UC', 'mC', { parked: { side: 'salesforce', gone: true } })], []);
    assert.deepEqual(await store.contactLinks('u1'), [link('u1', '00UC', 'mC', { parked: { side: 'salesforce', gone: true } })]);
  },

  async 'event links: removals then upserts, moves in one save, a failing save changes nothing'(store) {
    await store.saveEventLinks([eventLink('u1', '00UA', 'mA'), eventLink('u1', '00UB', 'mB')], []);
    // 00UA re-created in the calendar (new id); 00UB deleted; mB re-created in Salesforce as 00UC.
    await store.saveEventLinks([eventLink('u1', '00UA', 'mA2'), eventLink('u1', '00UC', 'mB')], [
      { userId: 'u1', sfId: '00UA' },
      { userId: 'u1', sfId: '00UB' },
      { userId: 'u1', sfId: 'never-existed' },
    ]);
    assert.deepEqual(await store.eventLinks('u1'), [eventLink('u1', '00UA', 'mA2'), eventLink('u1', '00UC', 'mB')]);
    // A calendar event can move between Salesforce Events in one save.
    await store.saveEventLinks([eventLink('u1', '00UA', 'mB'), eventLink('u1', '00UC', 'mA2')], []);
    assert.deepEqual((await store.eventLinks('u1')).map((l) => `${l.sfId}=${l.mbId}`), ['00UA=mB', '00UC=mA2']);
    // Two Salesforce Events claiming one calendar event: rejected, and nothing of the save lands.
    await assert.rejects(
      store.saveEventLinks([eventLink('u1', '00UA', 'mB', { hashes: { Subject: 'new' } }), eventLink('u1', '00UD', 'm9'), eventLink('u1', '00UE', 'm9')], [
        { userId: 'u1', sfId: '00UC' },
      ]),
    );
    assert.deepEqual((await store.eventLinks('u1')).map((l) => `${l.sfId}=${l.mbId}`), ['00UA=mB', '00UC=mA2']);
    assert.deepEqual((await store.eventLinks('u1'))[0]?.hashes, {});
  },

  async 'series slots: replaced per series, dropped when empty or when the link is removed'(store) {
    await store.saveEventLinks([eventLink('u1', '00UA', 'mA'), eventLink('u1', '00UB', 'mB')], []);
    const a = { sfId: '00UA', mbId: 'mA', slots: { k1: { subject: 'h1', start: 'h2' }, k2: { location: 'h3' } } };
    const b = { sfId: '00UB', mbId: 'mB', slots: { k9: { subject: 'h9' } } };
    await store.saveSeriesSlots('u1', [a, b]);
    await store.saveSeriesSlots('u2', [{ sfId: '00UA', mbId: 'other', slots: { k1: { subject: 'x' } } }]);
    assert.deepEqual(await store.seriesSlots('u1', ['00UB', '00UA', 'missing']), [a, b]);
    assert.deepEqual(await store.seriesSlots('u1', []), []);
    // Replaced whole: a slot left out of the new row is gone.
    const a2 = { sfId: '00UA', mbId: 'mA2', slots: { k2: { location: 'h4' } } };
    await store.saveSeriesSlots('u1', [a2]);
    assert.deepEqual(await store.seriesSlots('u1', ['00UA']), [a2]);
    await store.saveSeriesSlots('u1', [{ sfId: '00UA', mbId: 'mA2', slots: {} }]);
    assert.deepEqual(await store.seriesSlots('u1', ['00UA']), []);
    // Ending the link ends its slots; an upsert of the link keeps them.
    await store.saveEventLinks([eventLink('u1', '00UB', 'mB', { hashes: { subject: 'n' } })], []);
    assert.deepEqual(await store.seriesSlots('u1', ['00UB']), [b]);
    await store.saveEventLinks([], [{ userId: 'u1', sfId: '00UB' }]);
    assert.deepEqual(await store.seriesSlots('u1', ['00UB']), []);
    assert.equal((await store.seriesSlots('u2', ['00UA'])).length, 1);
  },

  async 'cursors: set, replace, delete with undefined'(store) {
    assert.equal(await store.getCursor('cdc:/data/ContactChangeEvent'), undefined);
    await store.setCursor('cdc:/data/ContactChangeEvent', '100');
    await store.setCursor('cdc:/data/ContactChangeEvent', '101');
    assert.equal(await store.getCursor('cdc:/data/ContactChangeEvent'), '101');
    await store.setCursor('cdc:/data/ContactChangeEvent', undefined);
    assert.equal(await store.getCursor('cdc:/data/ContactChangeEvent'), undefined);
    await store.setCursor('never-set', undefined);
  },

  async 'pending Salesforce ids: add is idempotent and ordered, clear removes only those'(store) {
    await store.addPendingSalesforceIds('u1', ['003A', '003B', '003A']);
    await store.addPendingSalesforceIds('u1', ['003B', '003C']);
    await store.addPendingSalesforceIds('u2', ['003A']);
    await store.addPendingSalesforceIds('u1', []);
    const pending = await store.pendingSalesforceIds('u1');
    assert.deepEqual([...pending].sort(), ['003A', '003B', '003C']);
    assert.equal(pending.length, 3);
    await store.clearPendingSalesforceIds('u1', ['003A', '003C', 'unknown']);
    assert.deepEqual(await store.pendingSalesforceIds('u1'), ['003B']);
    assert.deepEqual(await store.pendingSalesforceIds('u2'), ['003A']);
  },

  async 'pending event ids: idempotent, ordered, and kept apart from pending Salesforce (contact) ids'(store) {
    await store.addPendingEventIds('u1', ['00UA', '00UB', '00UA']);
    await store.addPendingEventIds('u1', ['00UB', '00UC']);
    await store.addPendingEventIds('u2', ['00UA']);
    await store.addPendingEventIds('u1', []);
    await store.addPendingSalesforceIds('u1', ['003A', '00UA']);
    const pending = await store.pendingEventIds('u1');
    assert.deepEqual([...pending].sort(), ['00UA', '00UB', '00UC']);
    assert.equal(pending.length, 3);
    // A contact pass clearing its ids (even one that is also pending as an event) leaves event ids alone …
    await store.clearPendingSalesforceIds('u1', ['003A', '00UA']);
    assert.deepEqual(await store.pendingSalesforceIds('u1'), []);
    assert.deepEqual([...(await store.pendingEventIds('u1'))].sort(), ['00UA', '00UB', '00UC']);
    // … and an event pass clearing its ids leaves contact ids alone.
    await store.addPendingSalesforceIds('u1', ['003B', '00UB']);
    await store.clearPendingEventIds('u1', ['00UA', '00UB', 'unknown']);
    await store.clearPendingEventIds('u1', []);
    assert.deepEqual(await store.pendingEventIds('u1'), ['00UC']);
    assert.deepEqual([...(await store.pendingSalesforceIds('u1'))].sort(), ['003B', '00UB']);
    assert.deepEqual(await store.pendingEventIds('u2'), ['00UA']);
    assert.deepEqual(await store.pendingSalesforceIds('u2'), []);
  },

  async 'item errors: replaced per user, listed per user or all'(store) {
    await store.setItemErrors('u1', [error('u1', 'a'), error('u1', 'b', { side: 'salesforce', fields: [] })]);
    await store.setItemErrors('u2', [error('u2', 'c', { at: '2024-05-01T12:00:00+02:00' })]);
    await store.setItemErrors('u1', [error('u1', 'd', { code: 'CONFLICT', fields: ['Phone', 'Email'] })]);
    assert.deepEqual(await store.itemErrors('u1'), [error('u1', 'd', { code: 'CONFLICT', fields: ['Phone', 'Email'], kind: 'contact' })]);
    // Timestamps come back in UTC.
    assert.deepEqual(await store.itemErrors('u2'), [error('u2', 'c', { at: '2024-05-01T10:00:00.000Z', kind: 'contact' })]);
    assert.equal((await store.itemErrors()).length, 2);
    await store.setItemErrors('u1', []);
    assert.deepEqual(await store.itemErrors('u1'), []);
    await assert.rejects(store.setItemErrors('u1', [error('u2', 'x')]));
  },

  async 'item errors: a contacts pass and an events pass each replace only their own kind'(store) {
    await store.setItemErrors('u1', [error('u1', 'contact-1')]);
    await store.setItemErrors('u1', [error('u1', 'event-1', { kind: 'event' }), error('u1', 'event-2', { kind: 'event' })], 'event');
    await store.setItemErrors('u1', [error('u1', 'contact-2')], 'contact');
    assert.deepEqual((await store.itemErrors('u1', 'contact')).map((e) => e.itemId), ['contact-2']);
    assert.deepEqual((await store.itemErrors('u1', 'event')).map((e) => e.itemId).sort(), ['event-1', 'event-2']);
    assert.equal((await store.itemErrors('u1')).length, 3);
    assert.equal((await store.itemErrors(undefined, 'event')).length, 2);
    await store.setItemErrors('u1', [], 'event');
    assert.deepEqual((await store.itemErrors('u1')).map((e) => e.kind), ['contact']);
    // A row of the other kind is refused rather than silently filed under the wrong one.
    await assert.rejects(store.setItemErrors('u1', [error('u1', 'x', { kind: 'event' })]));
  },

  async 'user status: event counts are kept apart from contact counts and optional'(store) {
    const row: UserStatusRow = { userId: 'u3', state: 'idle', contactsLinked: 4, contactsFailed: 1, eventsLinked: 7, eventsFailed: 2, updatedAt: '2024-05-01T10:02:00.000Z' };
    await store.saveUserStatus(row);
    assert.deepEqual(await store.getUserStatus('u3'), row);
    const { eventsLinked: _l, eventsFailed: _f, ...withoutEvents } = row;
    await store.saveUserStatus(withoutEvents);
    assert.deepEqual(await store.getUserStatus('u3'), withoutEvents);
  },

  async 'user status: save, update, clear optional fields, list'(store) {
    const full: UserStatusRow = {
      userId: 'u2',
      state: 'error',
      lastSyncToMailbox: '2024-05-01T10:00:00.000Z',
      lastSyncToSalesforce: '2024-05-01T10:01:00.000Z',
      contactsLinked: 10,
      contactsFailed: 2,
      lastErrorCode: 'GRAPH_THROTTLED',
      lastError: 'mailbox throttled the request',
      updatedAt: '2024-05-01T10:02:00.000Z',
    };
    assert.equal(await store.getUserStatus('u2'), undefined);
    await store.saveUserStatus(full);
    assert.deepEqual(await store.getUserStatus('u2'), full);
    const cleared: UserStatusRow = { userId: 'u2', state: 'idle', contactsLinked: 11, contactsFailed: 0, updatedAt: '2024-05-01T11:00:00.000Z' };
    await store.saveUserStatus(cleared);
    assert.deepEqual(await store.getUserStatus('u2'), cleared);
    await store.saveUserStatus({ ...cleared, userId: 'u1', state: 'initial_sync' });
    assert.deepEqual((await store.listUserStatus()).map((s) => `${s.userId}:${s.state}`), ['u1:initial_sync', 'u2:idle']);
  },

  async 'resetUser: forgets one user, keeps others and org-wide cursors'(store) {
    for (const u of ['u_1', 'uX1', 'u2']) {
      await store.saveContactLinks([link(u, `sf-${u}`, `mb-${u}`)], []);
      await store.saveEventLinks([eventLink(u, `ev-${u}`, `mbev-${u}`)], []);
      await store.saveSeriesSlots(u, [{ sfId: `ev-${u}`, mbId: `mbev-${u}`, slots: { s1: { subject: 'h' } } }]);
      await store.addPendingSalesforceIds(u, [`p-${u}`]);
      await store.addPendingEventIds(u, [`pe-${u}`]);
      await store.setItemErrors(u, [error(u, `e-${u}`)]);
      await store.saveUserStatus({ userId: u, state: 'idle', contactsLinked: 1, contactsFailed: 0, updatedAt: '2024-05-01T10:00:00.000Z' });
      await store.setCursor(`graph-delta:contacts:${u}`, `delta-${u}`);
    }
    await store.setCursor('cdc:/data/ContactChangeEvent', '42');
    await store.setCursor('graph-delta:contacts:xu_1', 'other user whose id ends like u_1');

    await store.resetUser('u_1');

    assert.deepEqual(await store.contactLinks('u_1'), []);
    assert.deepEqual(await store.eventLinks('u_1'), []);
    assert.deepEqual(await store.eventLinksBySfIds(['ev-u_1']), []);
    assert.deepEqual(await store.seriesSlots('u_1', ['ev-u_1']), []);
    assert.deepEqual(await store.pendingSalesforceIds('u_1'), []);
    assert.deepEqual(await store.pendingEventIds('u_1'), []);
    assert.deepEqual(await store.itemErrors('u_1'), []);
    assert.equal(await store.getUserStatus('u_1'), undefined);
    assert.equal(await store.getCursor('graph-delta:contacts:u_1'), undefined);
    // '_' must not act as a wildcard, and a longer id sharing the tail is another user.
    for (const u of ['uX1', 'u2']) {
      assert.equal((await store.contactLinks(u)).length, 1);
      assert.deepEqual(await store.eventLinks(u), [eventLink(u, `ev-${u}`, `mbev-${u}`)]);
      assert.equal((await store.seriesSlots(u, [`ev-${u}`])).length, 1);
      assert.deepEqual(await store.pendingSalesforceIds(u), [`p-${u}`]);
      assert.deepEqual(await store.pendingEventIds(u), [`pe-${u}`]);
      assert.equal((await store.itemErrors(u)).length, 1);
      assert.ok(await store.getUserStatus(u));
      assert.equal(await store.getCursor(`graph-delta:contacts:${u}`), `delta-${u}`);
    }
    assert.equal(await store.getCursor('graph-delta:contacts:xu_1'), 'other user whose id ends like u_1');
    assert.equal(await store.getCursor('cdc:/data/ContactChangeEvent'), '42');
  },
};
