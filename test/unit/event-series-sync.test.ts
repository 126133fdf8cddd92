/**
 * The per-occurrence step of an events pass (engine/event-series-sync.ts) against small in-memory
 * sides: which series a pass visits, what it writes, what it keeps in the store (hashes only), and
 * that a failed read or write postpones a series instead of losing or guessing anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventFields, MappedEvent, Recurrence } from '../../companion/src/core/event.ts';
import { eventModel } from '../../companion/src/core/event-plan.ts';
import type { EventLink, SideItem } from '../../companion/src/core/sync-types.ts';
import { instancesWindow, syncSeriesInstances, type SeriesStepDeps, type SeriesStepInput } from '../../companion/src/engine/event-series-sync.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import type { MailboxSeriesInstance } from '../../companion/src/ports/mailbox-events.ts';
import type { SalesforceEvent, SalesforceOccurrence } from '../../companion/src/ports/salesforce.ts';
import { createMemoryStore } from '../support/memory-store.ts';

const SALT = 'series-sync-test-salt';
const model = eventModel(SALT);
const RECURRENCE: Recurrence = { freq: 'daily', interval: 1, startDate: '2026-03-02', count: 4, timeZone: 'UTC' };
const MASTER: EventFields = { subject: 'Stand-up', start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:15:00Z', isAllDay: false, timeZone: 'UTC', recurrence: RECURRENCE, isPrivate: false };
const WINDOW = { start: '2026-03-01T00:00:00Z', end: '2026-03-31T00:00:00Z' };
const slot = (i: number) => `2026-03-0${2 + i}T09:00:00Z`;
const instance = (i: number, over: EventFields = {}): EventFields => {
  const { recurrence: _r, ...rest } = MASTER;
  return { ...rest, start: slot(i), end: slot(i).replace('09:00', '09:15'), ...over };
};

class Sides {
  sfRows: SalesforceOccurrence[] = [0, 1, 2, 3].map((i) => ({ id: `sf${i}`, version: 'v', fields: instance(i), isException: false }));
  mbInstances: MailboxSeriesInstance[] = [0, 1, 2, 3].map((i) => ({ id: `mb${i}`, kind: 'occurrence', fields: instance(i), originalStart: slot(i), version: 'v' }));
  calls: string[] = [];
  failNext = new Set<string>();
  store = createMemoryStore();

  private maybeFail(name: string): void {
    this.calls.push(name);
    if (this.failNext.delete(name)) throw new Error('boom');
  }

  deps(): SeriesStepDeps {
    const ok = (id: string): WriteResult => ({ ok: true, id, version: 'v2' });
    return {
      salt: SALT,
      log: () => {},
      store: this.store,
      salesforce: {
        getEvents: async () => [],
        seriesOccurrences: async (ids) => {
          this.maybeFail('sf.seriesOccurrences');
          return new Map(ids.map((id) => [id, structuredClone(this.sfRows)]));
        },
        updateEvents: async (_u, items) => {
          this.maybeFail('sf.updateEvents');
          for (const it of items) {
            const row = this.sfRows.find((r) => r.id === it.id)!;
            row.fields = { ...row.fields, ...it.set };
            row.isException = true;
          }
          return items.map((it) => ok(it.id));
        },
        deleteEvents: async (_u, ids) => {
          this.maybeFail('sf.deleteEvents');
          this.sfRows = this.sfRows.filter((r) => !ids.includes(r.id));
          return ids.map(ok);
        },
      },
      mailbox: {
        getEvents: async () => [],
        seriesInstances: async () => {
          this.maybeFail('mb.seriesInstances');
          return structuredClone(this.mbInstances);
        },
        updateEvents: async (_m, items) => {
          this.maybeFail('mb.updateEvents');
          for (const it of items) {
            const inst = this.mbInstances.find((r) => r.id === it.id)!;
            inst.fields = { ...inst.fields, ...it.set };
            inst.kind = 'exception';
          }
          return items.map((it) => ok(it.id));
        },
        deleteEvents: async (_m, ids) => {
          this.maybeFail('mb.deleteEvents');
          this.mbInstances = this.mbInstances.filter((r) => !ids.includes(r.id));
          return ids.map(ok);
        },
      },
    };
  }
}

const LINK: EventLink = { userId: 'u1', sfId: 'S1', mbId: 'M1', sfVersion: '', mbVersion: '', hashes: model.hash(MASTER) };
const sfMaster = (fields: EventFields = MASTER): SalesforceEvent => ({
  id: 'S1',
  version: 'v',
  data: { fields, kind: 'seriesMaster', selected: true },
  ownerId: 'u1',
  isChild: false,
  seriesKey: 'K1',
  warnings: [],
});
const mbMaster = (fields: EventFields = MASTER): SideItem<MappedEvent> => ({ id: 'M1', version: 'v', data: { fields, kind: 'seriesMaster', selected: true } });

function input(over: Partial<SeriesStepInput> = {}): SeriesStepInput {
  return {
    userId: 'u1',
    email: 'rep@example.com',
    zone: 'UTC',
    window: WINDOW,
    opts: { category: 'Salesforce', selection: 'all', defaultTimeZone: 'UTC' },
    direction: 'both',
    conflictPolicy: 'salesforce_wins',
    propagateDeletes: true,
    maxDeleteShare: 0.5,
    links: [LINK],
    all: true,
    revisit: new Set(),
    written: new Set(),
    salesforceSeen: [sfMaster()],
    mailboxSeen: [mbMaster()],
    unattributedRemoval: false,
    now: '2026-03-01T12:00:00.000Z',
    ...over,
  };
}

test('a mailbox exception is written to the Salesforce row of its slot, and the slot is kept as hashes only', async () => {
  const s = new Sides();
  s.mbInstances[2] = { ...s.mbInstances[2]!, kind: 'exception', fields: instance(2, { location: 'Room 7' }) };
  const out = await syncSeriesInstances(s.deps(), input());
  assert.deepEqual(out.writes, { mailbox: 0, salesforce: 1 });
  assert.equal(s.sfRows[2]!.fields.location, 'Room 7');
  assert.deepEqual(out.errors, []);
  const [row] = await s.store.seriesSlots('u1', ['S1']);
  assert.equal(row?.mbId, 'M1');
  const text = JSON.stringify(row);
  assert.doesNotMatch(text, /2026|Room 7/, 'neither the slot time nor the value is stored');
  // The next pass finds both sides agreeing and writes nothing.
  const again = await syncSeriesInstances(s.deps(), input());
  assert.deepEqual(again.writes, { mailbox: 0, salesforce: 0 });
});

test('a Salesforce row deleted cancels the mailbox occurrence; with deletes not propagated nothing is written', async () => {
  const off = new Sides();
  off.sfRows.splice(1, 1);
  const kept = await syncSeriesInstances(off.deps(), input({ propagateDeletes: false }));
  assert.deepEqual(kept.writes, { mailbox: 0, salesforce: 0 });
  assert.equal(off.mbInstances.length, 4);
  const on = new Sides();
  on.sfRows.splice(1, 1);
  const out = await syncSeriesInstances(on.deps(), input());
  assert.deepEqual(on.mbInstances.map((i) => i.id), ['mb0', 'mb2', 'mb3']);
  assert.deepEqual(out.writes, { mailbox: 1, salesforce: 0 });
});

test('an incremental pass visits only series a change names, and series left to revisit', async () => {
  const quiet = new Sides();
  const none = await syncSeriesInstances(quiet.deps(), input({ all: false, salesforceSeen: [], mailboxSeen: [] }));
  assert.deepEqual(quiet.calls, [], 'nothing read');
  assert.deepEqual(none.revisit, []);
  const member: SideItem<MappedEvent> = { id: 'mb1', version: 'v', data: { fields: instance(1), kind: 'exception', seriesMasterId: 'M1', selected: true } };
  const named = new Sides();
  await syncSeriesInstances(named.deps(), input({ all: false, salesforceSeen: [sfMaster()], mailboxSeen: [mbMaster(), member] }));
  assert.ok(named.calls.includes('mb.seriesInstances'));
  const revisit = new Sides();
  await syncSeriesInstances(revisit.deps(), input({ all: false, revisit: new Set(['S1']) }));
  assert.ok(revisit.calls.includes('sf.seriesOccurrences'));
  const removal = new Sides();
  await syncSeriesInstances(removal.deps(), input({ all: false, unattributedRemoval: true }));
  assert.ok(removal.calls.includes('sf.seriesOccurrences'), 'a removal no series can be named for visits every series');
});

test('masters written this pass, or not holding the same pattern, are not compared slot by slot', async () => {
  const written = new Sides();
  written.mbInstances[0] = { ...written.mbInstances[0]!, kind: 'exception', fields: instance(0, { subject: 'x' }) };
  const out = await syncSeriesInstances(written.deps(), input({ written: new Set(['S1']) }));
  assert.deepEqual(out.revisit, ['S1'], 'visited next pass, once both masters are read again');
  assert.deepEqual(written.calls, []);
  const apart = new Sides();
  const other = { ...MASTER, recurrence: { ...RECURRENCE, count: 6 } };
  await syncSeriesInstances(apart.deps(), input({ mailboxSeen: [mbMaster(other)] }));
  assert.deepEqual(apart.calls, [], 'no common slots: nothing read, nothing written');
});

test('a failed read postpones the series with a row; a failed write is reported and retried', async () => {
  const s = new Sides();
  s.failNext.add('mb.seriesInstances');
  const out = await syncSeriesInstances(s.deps(), input());
  assert.deepEqual(out.revisit, ['S1']);
  assert.equal(out.retrying, true);
  assert.deepEqual(out.errors.map((e) => [e.code, e.itemId]), [['request_failed', 'S1']]);
  const w = new Sides();
  w.mbInstances[3] = { ...w.mbInstances[3]!, kind: 'exception', fields: instance(3, { subject: 'Moved on' }) };
  w.failNext.add('sf.updateEvents');
  const failed = await syncSeriesInstances(w.deps(), input());
  assert.deepEqual(failed.errors.map((e) => [e.code, e.itemId, e.side]), [['request_failed', 'sf3', 'salesforce']]);
  assert.deepEqual(failed.revisit, ['S1']);
  const [row] = await w.store.seriesSlots('u1', ['S1']);
  assert.ok(row && Object.values(row.slots).every((h) => h.subject === undefined), 'the subject that failed to land is not agreed');
  const retried = await syncSeriesInstances(w.deps(), input({ all: false, revisit: new Set(failed.revisit) }));
  assert.deepEqual(retried.writes, { mailbox: 0, salesforce: 1 });
  assert.equal(w.sfRows[3]!.fields.subject, 'Moved on');
});

test('the same field edited on both sides: the policy decides, and the conflict is recorded on the losing occurrence', async () => {
  const s = new Sides();
  s.sfRows[1] = { ...s.sfRows[1]!, isException: true, fields: instance(1, { subject: 'SF name' }) };
  s.mbInstances[1] = { ...s.mbInstances[1]!, kind: 'exception', fields: instance(1, { subject: 'Mailbox name' }) };
  const out = await syncSeriesInstances(s.deps(), input({ conflictPolicy: 'mailbox_wins' }));
  assert.equal(s.sfRows[1]!.fields.subject, 'Mailbox name');
  assert.deepEqual(out.conflicts.map((c) => [c.itemId, c.fields[0], c.side]), [['sf1', 'subject', 'salesforce']]);
  assert.doesNotMatch(JSON.stringify(out.conflicts), /SF name|Mailbox name/);
});

test('a side that suddenly lists few occurrences does not cancel the rest on the other side (safety valve)', async () => {
  const long: Recurrence = { ...RECURRENCE, count: 20 };
  const master = { ...MASTER, recurrence: long };
  const day = (i: number) => new Date(Date.parse(slot(0)) + i * 86_400_000).toISOString().replace('.000Z', 'Z');
  const inst = (i: number) => ({ ...instance(0), start: day(i), end: day(i).replace('09:00', '09:15') });
  const s = new Sides();
  s.sfRows = [0, 1, 2].map((i) => ({ id: `sf${i}`, version: 'v', fields: inst(i), isException: false }));
  s.mbInstances = Array.from({ length: 20 }, (_, i) => ({ id: `mb${i}`, kind: 'occurrence' as const, fields: inst(i), originalStart: day(i), version: 'v' }));
  const link = { ...LINK, hashes: model.hash(master) };
  const out = await syncSeriesInstances(s.deps(), input({ links: [link], salesforceSeen: [sfMaster(master)], mailboxSeen: [mbMaster(master)] }));
  assert.equal(s.mbInstances.length, 20, 'no mailbox occurrence cancelled');
  assert.deepEqual(out.errors.map((e) => [e.code, e.itemId]), [['mass_delete_occurrences', 'M1']]);
  assert.match(out.errors[0]!.message, /17 of 20 occurrences/);
  // Below the limit, cancels go through.
  s.sfRows = Array.from({ length: 17 }, (_, i) => ({ id: `sf${i}`, version: 'v', fields: inst(i), isException: false }));
  const fine = await syncSeriesInstances(s.deps(), input({ links: [link], salesforceSeen: [sfMaster(master)], mailboxSeen: [mbMaster(master)] }));
  assert.deepEqual(fine.errors, []);
  assert.equal(s.mbInstances.length, 17);
});

test('the mailbox is read a pattern period around the window, at least a week', () => {
  assert.deepEqual(instancesWindow(WINDOW, RECURRENCE), { start: '2026-02-22T00:00:00Z', end: '2026-04-07T00:00:00Z' });
  assert.deepEqual(instancesWindow(WINDOW, { ...RECURRENCE, freq: 'monthly', interval: 2 }), { start: '2025-12-29T00:00:00Z', end: '2026-06-01T00:00:00Z' });
});
