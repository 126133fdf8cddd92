/**
 * The attendee step of an events pass (engine/event-relations-sync.ts, called by syncUserEvents),
 * over the in-memory sides and store: what it writes, when it writes nothing, and that a failing
 * lookup never costs the pass its event writes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EmailMatches, EventRelationRow } from '../../companion/src/core/event-attendees.ts';
import { syncUserEvents, type EventSyncDeps } from '../../companion/src/engine/event-sync.ts';
import type { EventRelationsPort, RelationInsert, StatusChange, WhoUpdate } from '../../companion/src/ports/event-relations.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import type { SyncUser } from '../../companion/src/ports/salesforce.ts';
import { FakeMailboxEvents, FakeSalesforceEvents, LogicalClock } from '../support/event-sides.ts';
import { createMemoryStore } from '../support/memory-store.ts';

const USER_ID = '005000000000001AAA';
const COLLEAGUE = '005000000000002AAA';
const CONTACT = '003000000000001AAA';
const NOW = new Date('2026-11-22T05:00:00Z');

class FakeRelations implements EventRelationsPort {
  failLookup = false;
  /** Ann's address on two contacts, until the rep merges them. */
  annTwice = false;
  lookups = 0;
  readonly inserted: Array<RelationInsert & { id: string }> = [];
  readonly who: WhoUpdate[] = [];
  readonly statusWrites: StatusChange[] = [];
  async lookupByEmail(_as: string, emails: string[]): Promise<Map<string, EmailMatches>> {
    this.lookups++;
    if (this.failLookup) throw new Error("MALFORMED_QUERY: WHERE Email IN ('ann@customer.example')");
    const people: Record<string, EmailMatches> = {
      'ann@customer.example': { contacts: this.annTwice ? [CONTACT, '003000000000002AAA'] : [CONTACT], leads: [], users: [] },
      'colleague@example.com': { contacts: [], leads: [], users: [COLLEAGUE] },
    };
    return new Map(emails.map((e) => [e, people[e] ?? { contacts: [], leads: [], users: [] }]));
  }
  async listRelations(eventIds: string[]): Promise<EventRelationRow[]> {
    const emails: Record<string, string> = { [CONTACT]: 'ann@customer.example', [COLLEAGUE]: 'colleague@example.com' };
    return this.inserted
      .filter((r) => eventIds.includes(r.eventId))
      .map((r) => ({ id: r.id, eventId: r.eventId, relationId: r.relationId, isInvitee: r.isInvitee, isParent: r.isParent, isWhat: false, email: emails[r.relationId], status: r.status ?? 'New' }));
  }
  async insertRelations(_as: string, items: RelationInsert[]): Promise<WriteResult[]> {
    return items.map((item) => {
      const id = `0RE${this.inserted.length}`;
      this.inserted.push({ ...item, id });
      return { ok: true, id, version: '' };
    });
  }
  async deleteRelations(_as: string, ids: string[]): Promise<WriteResult[]> {
    return ids.map((id) => ({ ok: true, id, version: '' }));
  }
  async setWho(_as: string, items: WhoUpdate[]): Promise<WriteResult[]> {
    this.who.push(...items);
    return items.map((w) => ({ ok: true, id: w.eventId, version: '' }));
  }
  async setStatuses(_as: string, items: StatusChange[]): Promise<WriteResult[]> {
    this.statusWrites.push(...items);
    for (const item of items) {
      const row = this.inserted.find((r) => r.id === item.id);
      if (row) row.status = item.status;
    }
    return items.map((s) => ({ ok: true, id: s.id, version: '' }));
  }
}

function user(autoRelate: boolean): SyncUser {
  return {
    userId: USER_ID,
    username: 'rep@example.com',
    email: 'rep@example.com',
    timeZoneSidKey: 'Europe/Berlin',
    configuration: {
      id: 'a00000000000001',
      name: 'Test',
      contacts: { enabled: false, direction: 'both', filter: 'owned' },
      events: { enabled: true, direction: 'both', selection: 'all', category: 'Salesforce', series: false, privateEvents: false, autoRelate, propagateDeletes: true, windowDaysBack: 30, windowDaysAhead: 60 },
      conflictPolicy: 'salesforce_wins',
      maxDeleteShare: 1,
    },
  };
}

function rig() {
  const clock = new LogicalClock();
  const sf = new FakeSalesforceEvents(clock, USER_ID);
  const mb = new FakeMailboxEvents(clock);
  const store = createMemoryStore();
  const relations = new FakeRelations();
  const deps: EventSyncDeps = { salesforce: sf, mailbox: mb, store, clock: { now: () => NOW }, log: () => {}, salt: 'salt', keys: { newKey: () => 'k' }, relations };
  const meeting = mb.userCreate(
    {
      subject: 'Deal review',
      start: '2026-11-24T09:00:00Z',
      end: '2026-11-24T10:00:00Z',
      timeZone: 'Europe/Berlin',
      attendees: [
        { email: 'ann@customer.example', type: 'required' },
        { email: 'colleague@example.com', type: 'optional' },
      ],
    },
    [],
  );
  return { sf, mb, store, relations, deps, meeting };
}

describe('attendee relations in the events pass', () => {
  it('relates the contact and invites the colleague once, and does nothing more while the people stay the same', async () => {
    const r = rig();
    await syncUserEvents(r.deps, user(true));
    const [sfId] = [...r.sf.events.keys()];
    assert.deepEqual(
      r.relations.inserted.map((i) => [i.eventId, i.relationId, i.isParent, i.isInvitee]).sort(),
      [
        [sfId, CONTACT, true, true],
        [sfId, COLLEAGUE, false, true],
      ].sort(),
    );
    assert.deepEqual(r.relations.who, [{ eventId: sfId, whoId: CONTACT }]);
    // The meeting is edited, its people are not: no new lookup.
    r.mb.userEdit(r.meeting, { location: 'Room 2' });
    await syncUserEvents(r.deps, user(true));
    assert.equal(r.relations.lookups, 1);
  });

  it('a failing lookup costs the pass nothing but the relations, names no address, and is tried again when the event is read', async () => {
    const r = rig();
    r.relations.failLookup = true;
    const outcome = await syncUserEvents(r.deps, user(true));
    assert.equal(r.sf.events.size, 1, 'the event itself was still created');
    assert.equal((await r.store.eventLinks(USER_ID)).length, 1, 'and linked');
    const problem = outcome.standing.find((e) => e.code === 'request_failed');
    assert.ok(problem, 'the failure is on the rep status');
    assert.doesNotMatch(problem.message, /@/, 'an address reached the status rows');
    r.relations.failLookup = false;
    r.mb.userEdit(r.meeting, { location: 'Room 2' });
    await syncUserEvents(r.deps, user(true));
    assert.equal(r.relations.inserted.length, 2);
  });

  it('with auto-relate off only the colleague is invited; switching it on relates the contact at the next read', async () => {
    const r = rig();
    await syncUserEvents(r.deps, user(false));
    assert.deepEqual(r.relations.inserted.map((i) => i.relationId), [COLLEAGUE]);
    r.mb.userEdit(r.meeting, { location: 'Room 2' });
    await syncUserEvents(r.deps, user(true));
    assert.deepEqual(r.relations.inserted.map((i) => i.relationId).sort(), [COLLEAGUE, CONTACT].sort());
  });

  it("writes each invitee's response as its Status, and again only when an attendee answers otherwise", async () => {
    const r = rig();
    r.mb.userEdit(r.meeting, {
      attendees: [
        { email: 'ann@customer.example', type: 'required', response: 'none' },
        { email: 'colleague@example.com', type: 'optional', response: 'tentative' },
      ],
    });
    await syncUserEvents(r.deps, user(true));
    const statusOf = (relationId: string) => r.relations.inserted.find((i) => i.relationId === relationId)?.status;
    assert.equal(statusOf(CONTACT), 'New');
    assert.equal(statusOf(COLLEAGUE), 'Maybe', 'a tentative answer is Maybe in Salesforce');
    assert.equal(r.relations.statusWrites.length, 0, 'new rows carry their Status; nothing to restate');

    r.mb.userEdit(r.meeting, {
      attendees: [
        { email: 'ann@customer.example', type: 'required', response: 'accepted' },
        { email: 'colleague@example.com', type: 'optional', response: 'tentative' },
      ],
    });
    await syncUserEvents(r.deps, user(true));
    const annRow = r.relations.inserted.find((i) => i.relationId === CONTACT)?.id;
    assert.deepEqual(r.relations.statusWrites, [{ id: annRow, status: 'Accepted' }], 'only the row whose answer changed');
    assert.equal(r.relations.inserted.length, 2, 'nobody was related twice');

    r.mb.userEdit(r.meeting, { location: 'Room 2' });
    await syncUserEvents(r.deps, user(true));
    assert.equal(r.relations.statusWrites.length, 1, 'the same answers write nothing more');
  });

  it('an ambiguous attendee stays reported while nothing changes, and is related at the next read once the rep cleans up the duplicate', async () => {
    const r = rig();
    r.relations.annTwice = true;
    await syncUserEvents(r.deps, user(true));
    const [sfId] = [...r.sf.events.keys()];
    const unresolved = async () => (await r.store.itemErrors(USER_ID, 'event')).filter((e) => e.itemId === sfId && e.code === 'unresolved');
    assert.equal((await unresolved()).length, 1);
    assert.ok(!r.relations.inserted.some((i) => i.relationId === CONTACT));
    await syncUserEvents(r.deps, user(true));
    assert.equal((await unresolved()).length, 1, 'a quiet pass keeps the report');
    // The rep merges the two contacts in Salesforce; the meeting itself is edited later.
    r.relations.annTwice = false;
    r.mb.userEdit(r.meeting, { location: 'Room 2' });
    await syncUserEvents(r.deps, user(true));
    assert.ok(r.relations.inserted.some((i) => i.relationId === CONTACT), 'related once the address matches one contact');
    assert.deepEqual(await unresolved(), [], 'and no longer reported');
  });
});
