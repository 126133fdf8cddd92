/**
 * The per-occurrence step of an events pass (engine/event-series-sync.ts) against small in-memory
 * sides: which series a pass visits, what it writes, what it keeps in the store (hashes only), and
 * that a failed read or write postpones a series instead of losing or guessing anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventFields, MappedEvent, Recurrence } from '../../companion/src/core/event.ts';
import { eventModel, INVITED_KEY } from '../../companion/src/core/event-plan.ts';
import type { SideItem } from '../../companion/src/core/sync-types.ts';
import { syncSeriesInstances, type SeriesStepInput } from '../../companion/src/engine/event-series-sync.ts';
import { beyondListing, instancesWindow } from '../../companion/src/engine/series-mailbox-read.ts';
import { zonedToUtc } from '../../companion/src/core/timezones.ts';
import { dailySeries, mbMaster as mbMasterOf, seriesLink, seriesStepInput, sfMaster as sfMasterOf, SeriesSides } from '../support/series-sides.ts';

const SALT = 'series-sync-test-salt';
const model = eventModel(SALT);
const { recurrence: RECURRENCE, master: MASTER, slot, instance } = dailySeries(4);
const WINDOW = { start: '2026-03-01T00:00:00Z', end: '2026-03-31T00:00:00Z' };

const sides = () => new SeriesSides(4, (i) => instance(i), slot);

const LINK = seriesLink(MASTER, SALT);
const sfMaster = (fields: EventFields = MASTER) => sfMasterOf(fields);
const mbMaster = (fields: EventFields = MASTER) => mbMasterOf(fields);
const input = (over: Partial<SeriesStepInput> = {}) => seriesStepInput(MASTER, SALT, over);

test('a mailbox exception is written to the Salesforce row of its slot, and the slot is kept as hashes only', async () => {
  const s = sides();
  s.mbInstances[2] = { ...s.mbInstances[2]!, kind: 'exception', fields: instance(2, { location: 'Room 7' }) };
  const out = await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(out.writes, { mailbox: 0, salesforce: 1 });
  assert.equal(s.sfRows[2]!.fields.location, 'Room 7');
  assert.deepEqual(out.errors, []);
  const [row] = await s.store.seriesSlots('u1', ['S1']);
  assert.equal(row?.mbId, 'M1');
  const text = JSON.stringify(row);
  assert.doesNotMatch(text, /2026|Room 7/, 'neither the slot time nor the value is stored');
  // The next pass finds both sides agreeing and writes nothing.
  const again = await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(again.writes, { mailbox: 0, salesforce: 0 });
});

test('a Salesforce row deleted cancels the mailbox occurrence; with deletes not propagated nothing is written', async () => {
  const off = sides();
  off.sfRows.splice(1, 1);
  const kept = await syncSeriesInstances(off.deps(SALT), input({ propagateDeletes: false }));
  assert.deepEqual(kept.writes, { mailbox: 0, salesforce: 0 });
  assert.equal(off.mbInstances.length, 4);
  const on = sides();
  on.sfRows.splice(1, 1);
  const out = await syncSeriesInstances(on.deps(SALT), input());
  assert.deepEqual(on.mbInstances.map((i) => i.id), ['mb0', 'mb2', 'mb3']);
  assert.deepEqual(out.writes, { mailbox: 1, salesforce: 0 });
});

test('an incremental pass visits only series a change names, and series left to revisit', async () => {
  const quiet = sides();
  const none = await syncSeriesInstances(quiet.deps(SALT), input({ all: false, salesforceSeen: [], mailboxSeen: [] }));
  assert.deepEqual(quiet.calls, [], 'nothing read');
  assert.deepEqual(none.revisit, []);
  const member: SideItem<MappedEvent> = { id: 'mb1', version: 'v', data: { fields: instance(1), kind: 'exception', seriesMasterId: 'M1', selected: true } };
  const named = sides();
  await syncSeriesInstances(named.deps(SALT), input({ all: false, salesforceSeen: [sfMaster()], mailboxSeen: [mbMaster(), member] }));
  assert.ok(named.calls.includes('mb.seriesInstances'));
  const revisit = sides();
  await syncSeriesInstances(revisit.deps(SALT), input({ all: false, revisit: new Set(['S1']) }));
  assert.ok(revisit.calls.includes('sf.seriesOccurrences'));
  const removal = sides();
  await syncSeriesInstances(removal.deps(SALT), input({ all: false, unattributedRemoval: true }));
  assert.ok(removal.calls.includes('sf.seriesOccurrences'), 'a removal no series can be named for visits every series');
});

test('masters written this pass, or not holding the same pattern, are not compared slot by slot', async () => {
  const written = sides();
  written.mbInstances[0] = { ...written.mbInstances[0]!, kind: 'exception', fields: instance(0, { subject: 'x' }) };
  const out = await syncSeriesInstances(written.deps(SALT), input({ written: new Set(['S1']) }));
  assert.deepEqual(out.revisit, ['S1'], 'visited next pass, once both masters are read again');
  assert.deepEqual(written.calls, []);
  const apart = sides();
  const other = { ...MASTER, recurrence: { ...RECURRENCE, count: 6 } };
  await syncSeriesInstances(apart.deps(SALT), input({ mailboxSeen: [mbMaster(other)] }));
  assert.deepEqual(apart.calls, [], 'no common slots: nothing read, nothing written');
});

test('a failed read postpones the series with a row; a failed write is reported and retried', async () => {
  const s = sides();
  s.failNext('mb.seriesInstances');
  const out = await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(out.revisit, ['S1']);
  assert.equal(out.retrying, true);
  assert.deepEqual(out.errors.map((e) => [e.code, e.itemId]), [['request_failed', 'S1']]);
  const w = sides();
  w.mbInstances[3] = { ...w.mbInstances[3]!, kind: 'exception', fields: instance(3, { subject: 'Moved on' }) };
  w.failNext('sf.updateEvents');
  const failed = await syncSeriesInstances(w.deps(SALT), input());
  assert.deepEqual(failed.errors.map((e) => [e.code, e.itemId, e.side]), [['request_failed', 'sf3', 'salesforce']]);
  assert.deepEqual(failed.revisit, ['S1']);
  const [row] = await w.store.seriesSlots('u1', ['S1']);
  assert.ok(row && Object.values(row.slots).every((h) => h.subject === undefined), 'the subject that failed to land is not agreed');
  const retried = await syncSeriesInstances(w.deps(SALT), input({ all: false, revisit: new Set(failed.revisit) }));
  assert.deepEqual(retried.writes, { mailbox: 0, salesforce: 1 });
  assert.equal(w.sfRows[3]!.fields.subject, 'Moved on');
});

test('the same field edited on both sides: the policy decides, and the conflict is recorded on the losing occurrence', async () => {
  const s = sides();
  s.sfRows[1] = { ...s.sfRows[1]!, isException: true, fields: instance(1, { subject: 'SF name' }) };
  s.mbInstances[1] = { ...s.mbInstances[1]!, kind: 'exception', fields: instance(1, { subject: 'Mailbox name' }) };
  const out = await syncSeriesInstances(s.deps(SALT), input({ conflictPolicy: 'mailbox_wins' }));
  assert.equal(s.sfRows[1]!.fields.subject, 'Mailbox name');
  assert.deepEqual(out.conflicts.map((c) => [c.itemId, c.fields[0], c.side]), [['sf1', 'subject', 'salesforce']]);
  assert.doesNotMatch(JSON.stringify(out.conflicts), /SF name|Mailbox name/);
});

test('a side that suddenly lists few occurrences does not cancel the rest on the other side (safety valve)', async () => {
  const long: Recurrence = { ...RECURRENCE, count: 20 };
  const master = { ...MASTER, recurrence: long };
  const day = (i: number) => new Date(Date.parse(slot(0)) + i * 86_400_000).toISOString().replace('.000Z', 'Z');
  const inst = (i: number) => ({ ...instance(0), start: day(i), end: day(i).replace('09:00', '09:15') });
  const s = sides();
  s.sfRows = [0, 1, 2].map((i) => ({ id: `sf${i}`, version: 'v', fields: inst(i), isException: false }));
  s.mbInstances = Array.from({ length: 20 }, (_, i) => ({ id: `mb${i}`, kind: 'occurrence' as const, fields: inst(i), originalStart: day(i), version: 'v' }));
  const link = { ...LINK, hashes: model.hash(master) };
  const out = await syncSeriesInstances(s.deps(SALT), input({ links: [link], salesforceSeen: [sfMaster(master)], mailboxSeen: [mbMaster(master)] }));
  assert.equal(s.mbInstances.length, 20, 'no mailbox occurrence cancelled');
  assert.deepEqual(out.errors.map((e) => [e.code, e.itemId]), [['mass_delete_occurrences', 'M1']]);
  assert.match(out.errors[0]!.message, /17 of 20 occurrences/);
  // Below the limit, cancels go through.
  s.sfRows = Array.from({ length: 17 }, (_, i) => ({ id: `sf${i}`, version: 'v', fields: inst(i), isException: false }));
  const fine = await syncSeriesInstances(s.deps(SALT), input({ links: [link], salesforceSeen: [sfMaster(master)], mailboxSeen: [mbMaster(master)] }));
  assert.deepEqual(fine.errors, []);
  assert.equal(s.mbInstances.length, 17);
});

test('a series someone else organizes: occurrences flow to Salesforce only, never into the organizer’s meeting', async () => {
  const s = sides();
  s.sfRows[1] = { ...s.sfRows[1]!, isException: true, fields: instance(1, { location: 'Room 9' }) };
  s.mbInstances[2] = { ...s.mbInstances[2]!, kind: 'exception', fields: instance(2, { subject: 'Moved by the organizer' }) };
  const invited = { ...LINK, hashes: { ...LINK.hashes, [INVITED_KEY]: '1' } };
  const out = await syncSeriesInstances(s.deps(SALT), input({ links: [invited] }));
  assert.deepEqual(out.writes, { mailbox: 0, salesforce: 1 });
  assert.equal(s.sfRows[2]!.fields.subject, 'Moved by the organizer');
  assert.equal(s.mbInstances[1]!.kind, 'occurrence', 'the organizer’s occurrence was not touched');
});

test('the mailbox is read a pattern period around the window, at least a week', () => {
  assert.deepEqual(instancesWindow(WINDOW, RECURRENCE), { start: '2026-02-22T00:00:00Z', end: '2026-04-07T00:00:00Z' });
  assert.deepEqual(instancesWindow(WINDOW, { ...RECURRENCE, freq: 'monthly', interval: 2 }), { start: '2025-12-29T00:00:00Z', end: '2026-06-01T00:00:00Z' });
});

test('an occurrence moved past the listed range is looked for before its slot counts as cancelled', async () => {
  // The rep cancels the last occurrence, then moves the one before it weeks out: with no later
  // occurrence, Outlook lets it go anywhere after its earlier neighbour's day.
  const s = sides();
  s.mbInstances.splice(3, 1);
  s.mbEdit('mb2', { start: '2026-04-20T09:00:00Z', end: '2026-04-20T09:15:00Z' });
  const out = await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(out.errors, []);
  assert.deepEqual(s.listings, [instancesWindow(WINDOW, RECURRENCE), beyondListing(instancesWindow(WINDOW, RECURRENCE), RECURRENCE, 'after')]);
  assert.deepEqual(s.sfRows.map((r) => r.id), ['sf0', 'sf1', 'sf2'], 'only the cancelled occurrence is deleted');
  assert.equal(s.sfRows[2]!.fields.start, '2026-04-20T09:00:00Z', 'the moved one is moved');
  assert.deepEqual(out.writes, { mailbox: 0, salesforce: 2 });
  // The moved Salesforce row now sits past its deleted neighbour's slot; the start both sides
  // agreed for its slot still places it, so the series stays quiet and placeable.
  const next = await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(next.errors, []);
  assert.deepEqual(next.writes, { mailbox: 0, salesforce: 0 });
  s.sfEdit('sf2', { location: 'Boardroom' });
  await syncSeriesInstances(s.deps(SALT), input());
  assert.equal(s.mbInstances.find((i) => i.id === 'mb2')?.fields.location, 'Boardroom', 'and its edits still reach the right occurrence');
});

test('a cancelled occurrence between two listed ones is cancelled without a further read', async () => {
  const s = sides();
  s.mbInstances.splice(1, 1);
  await syncSeriesInstances(s.deps(SALT), input());
  assert.deepEqual(s.listings, [instancesWindow(WINDOW, RECURRENCE)]);
  assert.deepEqual(s.sfRows.map((r) => r.id), ['sf0', 'sf2', 'sf3']);
});

test('the range past the listing reaches a year, or four periods of a longer pattern', () => {
  const listing = instancesWindow(WINDOW, RECURRENCE);
  assert.deepEqual(beyondListing(listing, RECURRENCE, 'after'), { start: listing.end, end: '2027-04-08T00:00:00Z' });
  assert.deepEqual(beyondListing(listing, { ...RECURRENCE, freq: 'yearly', interval: 1 }, 'before'), { start: '2022-02-19T00:00:00Z', end: listing.start });
});

test('a series held in two zones: the weeks their clocks disagree write nothing, and an edit there lands in the right row', async () => {
  // 09:00 in New York is 14:00 in London, but 13:00 London from 8 to 28 March 2026.
  const days = 35;
  const zoned = (timeZone: string): Recurrence => ({ freq: 'daily', interval: 1, startDate: '2026-03-02', count: days, timeZone });
  const first = '2026-03-02T14:00:00Z';
  const masterIn = (timeZone: string): EventFields => ({ ...MASTER, start: first, end: '2026-03-02T14:15:00Z', timeZone, recurrence: zoned(timeZone) });
  const sfM = masterIn('Europe/London');
  const mbM = masterIn('America/New_York');
  const at = (date: string, local: string, zone: string) => zonedToUtc(`${date}T${local}`, zone);
  const dates = Array.from({ length: days }, (_, i) => new Date(Date.parse('2026-03-02T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10));
  const plus15 = (t: string) => new Date(Date.parse(t) + 900_000).toISOString().replace('.000Z', 'Z');
  const { recurrence: _r, ...rest } = MASTER;
  const s = sides();
  s.sfRows = dates.map((d, i) => ({ id: `sf${i}`, version: 'v', fields: { ...rest, start: at(d, '14:00:00', 'Europe/London'), end: plus15(at(d, '14:00:00', 'Europe/London')) }, isException: false }));
  s.mbInstances = dates.map((d, i) => {
    const start = at(d, '09:00:00', 'America/New_York');
    return { id: `mb${i}`, kind: 'occurrence' as const, fields: { ...rest, start, end: plus15(start) }, originalStart: start, version: 'v' };
  });
  assert.notEqual(s.sfRows[10]!.fields.start, s.mbInstances[10]!.fields.start, '12 March: an hour apart');
  const link = { ...LINK, hashes: model.hash(sfM) };
  assert.equal(model.hash(sfM).recurrence, model.hash(mbM).recurrence);
  const twoZones = (over: Partial<SeriesStepInput> = {}) =>
    input({ window: { start: '2026-03-01T00:00:00Z', end: '2026-04-10T00:00:00Z' }, links: [link], salesforceSeen: [sfMaster(sfM)], mailboxSeen: [mbMaster(mbM)], ...over });
  const quiet = await syncSeriesInstances(s.deps(SALT), twoZones());
  assert.deepEqual(quiet.writes, { mailbox: 0, salesforce: 0 });
  assert.deepEqual(quiet.errors, []);
  s.mbEdit('mb10', { subject: 'Pipeline (with legal)' });
  s.sfEdit('sf12', { location: 'Room 3' });
  const edited = await syncSeriesInstances(s.deps(SALT), twoZones());
  assert.deepEqual(edited.writes, { mailbox: 1, salesforce: 1 });
  assert.equal(s.sfRows[10]!.fields.subject, 'Pipeline (with legal)');
  assert.equal(s.mbInstances[12]!.fields.location, 'Room 3');
  assert.notEqual(s.sfRows[10]!.fields.start, s.mbInstances[10]!.fields.start, 'neither side’s time was touched');
  const again = await syncSeriesInstances(s.deps(SALT), twoZones());
  assert.deepEqual(again.writes, { mailbox: 0, salesforce: 0 });
});

test('a write whose answer was lost is not taken for the rep’s edit on the receiving side', async () => {
  // One-way to Salesforce: the mailbox sets a location, the write lands but its answer is lost;
  // then the mailbox takes the location back. Salesforce must follow, not keep the lost write.
  const s = sides();
  const oneWay = () => input({ direction: 'mailbox_to_salesforce' });
  s.failNext('sf.updateEvents', 'applied-throw');
  s.mbEdit('mb1', { location: 'Room 1' });
  const lost = await syncSeriesInstances(s.deps(SALT), oneWay());
  assert.equal(s.sfRows[1]!.fields.location, 'Room 1', 'the write landed');
  assert.deepEqual(lost.errors.map((e) => e.code), ['request_failed']);
  s.mbEdit('mb1', { location: undefined });
  await syncSeriesInstances(s.deps(SALT), oneWay());
  assert.equal(s.sfRows[1]!.fields.location, undefined);
  // A write that failed before it applied is sent again.
  s.failNext('sf.updateEvents');
  s.mbEdit('mb2', { subject: 'Retried' });
  await syncSeriesInstances(s.deps(SALT), oneWay());
  assert.equal(s.sfRows[2]!.fields.subject, 'Stand-up');
  await syncSeriesInstances(s.deps(SALT), oneWay());
  assert.equal(s.sfRows[2]!.fields.subject, 'Retried');
});
