import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { eventModel, inWindow, meetingKeyHash, planEvents, twinWindow, type EventPlanInput, type EventSideInput } from '../../companion/src/core/event-plan.ts';
import type { PairPlan } from '../../companion/src/core/pair-plan.ts';
import type { EventFields, MappedEvent } from '../../companion/src/core/event.ts';
import type { EventLink, SideItem } from '../../companion/src/core/sync-types.ts';

const SALT = 'test-salt';
const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-02-01T00:00:00Z' };
const review: EventFields = {
  subject: 'Quarterly review',
  start: '2026-12-03T14:00:00Z',
  end: '2026-12-03T15:00:00Z',
  location: 'Room 4',
  description: 'Agenda:\n1. numbers\n2. plans',
  showAs: 'busy',
  reminderMinutes: 15,
};

const weekly: EventFields = {
  subject: 'Weekly sync',
  start: '2026-12-01T10:00:00Z',
  end: '2026-12-01T10:30:00Z',
  timeZone: 'Europe/London',
  recurrence: { freq: 'weekly', interval: 1, byDay: ['TU'], startDate: '2026-12-01', count: 4, timeZone: 'Europe/London' },
};
const daily: EventFields = {
  subject: 'Stand-up',
  start: '2026-12-07T09:00:00Z',
  end: '2026-12-07T09:15:00Z',
  timeZone: 'Europe/London',
  recurrence: { freq: 'daily', interval: 1, startDate: '2026-12-07', until: '2026-12-18', timeZone: 'Europe/London' },
};

const ev = (id: string, fields: EventFields, over: Partial<MappedEvent> = {}, version = 'v1'): SideItem<MappedEvent> => ({
  id,
  version,
  data: { fields, kind: 'single', selected: true, ...over },
});
const link = (sfId: string, mbId: string, agreed: EventFields): EventLink => ({
  userId: 'u1',
  sfId,
  mbId,
  sfVersion: 'v1',
  mbVersion: 'v1',
  hashes: eventModel(SALT).hash(agreed),
});
const changes = (items: SideItem<MappedEvent>[] = [], deleted: string[] = [], found: SideItem<MappedEvent>[] = []): EventSideInput => ({ full: false, items, found, deleted });

function run(over: Partial<EventPlanInput>) {
  return planEvents({
    userId: 'u1',
    direction: 'both',
    conflictPolicy: 'salesforce_wins',
    propagateDeletes: true,
    maxDeleteShare: 0.5,
    selection: 'all',
    privateEvents: false,
    salt: SALT,
    window: WINDOW,
    links: [],
    salesforce: changes(),
    mailbox: changes(),
    heldBefore: [],
    ...over,
  });
}
function pairs(over: Partial<EventPlanInput>): PairPlan<EventFields>[] {
  const { plan } = run(over);
  assert.equal(plan.halted, false, plan.halted ? plan.message : '');
  return plan.halted ? [] : plan.pairs;
}
const setOf = (op: PairPlan<EventFields>['toMailbox']) => (op?.op === 'update' ? op.set : undefined);

test('a new Salesforce event is created in the mailbox, and a new mailbox event in Salesforce', () => {
  const ps = pairs({ salesforce: changes([ev('s1', review)]), mailbox: changes([ev('m1', { ...review, subject: 'Lunch', start: '2026-12-04T12:00:00Z', end: '2026-12-04T13:00:00Z' })]) });
  assert.deepEqual(ps.map((p) => p.reason).sort(), ['new_in_mailbox', 'new_in_salesforce']);
  assert.equal(ps.find((p) => p.sfId === 's1')!.toMailbox!.op, 'create');
  assert.equal(ps.find((p) => p.mbId === 'm1')!.toSalesforce!.op, 'create');
});

test('initial pairing by subject (any case, trimmed), start and end creates nothing', () => {
  const ps = pairs({
    salesforce: changes([ev('s1', review)]),
    mailbox: changes([ev('m1', { ...review, subject: '  QUARTERLY review ', location: 'Room 5' })]),
  });
  assert.equal(ps.length, 1);
  assert.equal(ps[0]!.reason, 'paired');
  assert.equal(ps[0]!.toMailbox?.op === 'create' || ps[0]!.toSalesforce?.op === 'create', false);
  // The spelling of the subject and the location differ; Salesforce wins under the default policy, and that is recorded.
  assert.deepEqual(ps[0]!.conflicts, [
    { field: 'subject', winner: 'salesforce' },
    { field: 'location', winner: 'salesforce' },
  ]);
  assert.deepEqual(setOf(ps[0]!.toMailbox), { subject: review.subject, location: review.location });
});

test('two mailbox events with the same subject, start and end are never paired by guess', () => {
  const ps = pairs({
    salesforce: changes([ev('s1', review)]),
    mailbox: changes([ev('m1', review), ev('m2', review)]),
  });
  assert.equal(ps.filter((p) => p.reason === 'paired').length, 0);
});

test('edits to different fields on both sides both survive', () => {
  const ps = pairs({
    links: [link('s1', 'm1', review)],
    salesforce: changes([ev('s1', { ...review, subject: 'Quarterly review (moved)' }, {}, 'v2')]),
    mailbox: changes([ev('m1', { ...review, location: 'Teams' }, {}, 'v2')]),
  });
  assert.deepEqual(setOf(ps[0]!.toMailbox), { subject: 'Quarterly review (moved)' });
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { location: 'Teams' });
  assert.deepEqual(ps[0]!.conflicts, []);
});

for (const [policy, winner] of [
  ['salesforce_wins', 'salesforce'],
  ['mailbox_wins', 'mailbox'],
] as const) {
  test(`the same field changed on both sides is decided by ${policy} and recorded`, () => {
    const ps = pairs({
      conflictPolicy: policy,
      links: [link('s1', 'm1', review)],
      salesforce: changes([ev('s1', { ...review, location: 'Room 9' })]),
      mailbox: changes([ev('m1', { ...review, location: 'Teams' })]),
    });
    assert.deepEqual(ps[0]!.conflicts, [{ field: 'location', winner }]);
    if (winner === 'salesforce') assert.deepEqual(setOf(ps[0]!.toMailbox), { location: 'Room 9' });
    else assert.deepEqual(setOf(ps[0]!.toSalesforce), { location: 'Teams' });
  });
}

test('newest wins compares the sides\' modification times', () => {
  const sf = { ...ev('s1', { ...review, location: 'Room 9' }), modifiedAt: '2026-11-20T10:00:00Z' };
  const mb = { ...ev('m1', { ...review, location: 'Teams' }), modifiedAt: '2026-11-20T11:00:00Z' };
  const ps = pairs({ conflictPolicy: 'newest_wins', links: [link('s1', 'm1', review)], salesforce: changes([sf]), mailbox: changes([mb]) });
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { location: 'Teams' });
});

test('a moved meeting carries start and end together', () => {
  const moved = { ...review, start: '2026-12-03T16:00:00Z', end: '2026-12-03T17:30:00Z' };
  const ps = pairs({ links: [link('s1', 'm1', review)], mailbox: changes([ev('m1', moved)]) });
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { start: moved.start, end: moved.end });
});

test('Tentative in the mailbox and Busy in Salesforce are not an edit (Salesforce has no Tentative)', () => {
  const ps = pairs({
    links: [link('s1', 'm1', { ...review, showAs: 'tentative' })],
    salesforce: changes([ev('s1', { ...review, showAs: 'busy' })]),
    mailbox: changes([ev('m1', { ...review, showAs: 'tentative' })]),
  });
  assert.equal(ps[0]!.toMailbox, undefined);
  assert.equal(ps[0]!.toSalesforce, undefined);
});

test('delete propagation on: a delete on one side deletes the other', () => {
  // The engine reads the other copy of a pair it saw a copy of; here Salesforce's, unedited.
  const ps = pairs({ links: [link('s1', 'm1', review)], mailbox: changes([], ['m1']), salesforce: changes([], [], [ev('s1', review)]) });
  assert.equal(ps[0]!.toSalesforce?.op, 'delete');
  assert.equal(ps[0]!.unlink, true);
  // Until that copy has been read, whether it was edited is unknown: nothing is deleted on a guess.
  assert.deepEqual(pairs({ links: [link('s1', 'm1', review)], mailbox: changes([], ['m1']) }), []);
});

test('delete propagation off: a delete leaves the other side alone, and the pair is parked so the survivor is not copied back', () => {
  const ps = pairs({ propagateDeletes: false, links: [link('s1', 'm1', review)], salesforce: changes([], ['s1']) });
  assert.equal(ps[0]!.toMailbox, undefined);
  assert.equal(ps[0]!.unlink, false);
  assert.deepEqual(ps[0]!.parked, { side: 'salesforce', gone: true });
  // Later passes leave the parked pair alone: the survivor's edits go nowhere, and it is not "new".
  const parked = { ...link('s1', 'm1', review), parked: { side: 'salesforce' as const, gone: true } };
  assert.deepEqual(pairs({ propagateDeletes: false, links: [parked], mailbox: changes([ev('m1', { ...review, location: 'Room 2' })]) }), []);
  // The survivor deleted too: the pair is forgotten.
  const gone = pairs({ propagateDeletes: false, links: [parked], mailbox: changes([], ['m1']) });
  assert.equal(gone[0]!.unlink, true);
  assert.equal(gone[0]!.toSalesforce, undefined);
});

test('a delete on one side and an edit on the other: the edit wins and the event is re-created', () => {
  const ps = pairs({ links: [link('s1', 'm1', review)], salesforce: changes([], ['s1']), mailbox: changes([ev('m1', { ...review, location: 'Teams' })]) });
  assert.equal(ps[0]!.reason, 'recreated');
  assert.equal(ps[0]!.toSalesforce?.op, 'create');
});

test('private events are not copied unless the configuration allows them', () => {
  const priv = ev('m1', { ...review, isPrivate: true });
  const off = run({ mailbox: changes([priv]) });
  assert.equal(off.plan.halted === false && off.plan.pairs.length, 0);
  assert.deepEqual(off.excluded.mailbox, { private: 1 });
  const on = pairs({ privateEvents: true, mailbox: changes([priv]) });
  assert.equal(on[0]!.toSalesforce?.op, 'create');
});

test('a synced event that becomes private: its copy is deleted (propagation on) and the private original untouched', () => {
  const ps = pairs({ links: [link('s1', 'm1', review)], mailbox: changes([ev('m1', { ...review, isPrivate: true })]), salesforce: changes([], [], [ev('s1', review)]) });
  assert.equal(ps[0]!.reason, 'left_scope_in_mailbox');
  assert.equal(ps[0]!.toSalesforce?.op, 'delete');
  assert.equal(ps[0]!.toMailbox, undefined);
});

test('a synced event that becomes private with propagation off is parked, and resumes when it is public again', () => {
  const ps = pairs({ propagateDeletes: false, links: [link('s1', 'm1', review)], salesforce: changes([ev('s1', { ...review, isPrivate: true })]) });
  assert.equal(ps[0]!.reason, 'left_scope_in_salesforce');
  assert.equal(ps[0]!.toMailbox, undefined);
  assert.deepEqual(ps[0]!.parked, { side: 'salesforce', gone: false });
  // Public again, edited meanwhile on both sides: the two resume with a normal merge instead of a second copy.
  const parked = { ...link('s1', 'm1', review), parked: { side: 'salesforce' as const, gone: false } };
  const back = pairs({
    propagateDeletes: false,
    links: [parked],
    salesforce: changes([ev('s1', { ...review, description: 'agenda' })]),
    mailbox: changes([], [], [ev('m1', { ...review, location: 'Room 2' })]),
  });
  assert.equal(back.length, 1);
  assert.equal(back[0]!.parked, undefined);
  assert.deepEqual(setOf(back[0]!.toMailbox), { description: 'agenda' });
  assert.deepEqual(setOf(back[0]!.toSalesforce), { location: 'Room 2' });
});

test('an event that left the scope is never re-created, even when its copy was edited: the copy is kept', () => {
  const ps = pairs({
    links: [link('s1', 'm1', review)],
    salesforce: changes([ev('s1', { ...review, description: 'edited in Salesforce' })]),
    mailbox: changes([ev('m1', review, { selected: false })]),
    selection: 'selected',
  });
  assert.equal(ps[0]!.reason, 'left_scope_in_mailbox');
  assert.equal(ps[0]!.toSalesforce, undefined);
  assert.equal(ps[0]!.toMailbox, undefined);
});

test('selected mode: only mailbox events with the category go to Salesforce; Salesforce events all go to the mailbox', () => {
  const { plan, excluded } = run({
    selection: 'selected',
    mailbox: changes([ev('m1', review, { selected: false }), ev('m2', { ...review, subject: 'Tagged' }, { selected: true })]),
    salesforce: changes([ev('s1', { ...review, subject: 'From Salesforce' })]),
  });
  assert.equal(plan.halted, false);
  const ps = plan.halted ? [] : plan.pairs;
  assert.deepEqual(ps.map((p) => p.reason).sort(), ['new_in_mailbox', 'new_in_salesforce']);
  assert.equal(ps.find((p) => p.reason === 'new_in_mailbox')!.mbId, 'm2');
  assert.deepEqual(excluded.mailbox, { unselected: 1 });
});

test('series off: masters, occurrences and exceptions are left out on both sides and counted', () => {
  for (const series of [false, undefined]) {
    const { plan, excluded } = run({
      series,
      salesforce: changes([ev('s1', weekly, { kind: 'seriesMaster' }), ev('s2', review, { kind: 'occurrence', seriesMasterId: 'k1' })]),
      mailbox: changes([ev('m1', review, { kind: 'occurrence', seriesMasterId: 'm0' }), ev('m2', review, { kind: 'exception', seriesMasterId: 'm0' })]),
    });
    assert.equal(plan.halted === false && plan.pairs.length, 0);
    assert.deepEqual(excluded, { salesforce: { series: 2 }, mailbox: { series: 2 } });
  }
});

test('series on: a master is copied as a whole; occurrences and exceptions are implied and not counted', () => {
  const { plan, excluded } = run({
    series: true,
    salesforce: changes([ev('s1', weekly, { kind: 'seriesMaster' }), ev('s2', { ...weekly, recurrence: undefined }, { kind: 'occurrence', seriesMasterId: 'k1' })]),
    mailbox: changes([
      ev('m1', daily, { kind: 'seriesMaster' }),
      ev('m2', { ...daily, recurrence: undefined }, { kind: 'occurrence', seriesMasterId: 'm1' }),
      ev('m3', { ...daily, recurrence: undefined, location: 'Moved' }, { kind: 'exception', seriesMasterId: 'm1' }),
    ]),
  });
  assert.equal(plan.halted, false);
  const ps = plan.halted ? [] : plan.pairs;
  assert.deepEqual(ps.map((p) => [p.reason, p.sfId ?? p.mbId]).sort(), [['new_in_mailbox', 'm1'], ['new_in_salesforce', 's1']]);
  const create = ps.find((p) => p.sfId === 's1')!.toMailbox;
  assert.deepEqual(create?.op === 'create' ? create.data.recurrence : undefined, weekly.recurrence);
  // The exception is the series step's (engine/event-series-sync.ts): never an event of its own, never counted.
  assert.deepEqual(excluded, { salesforce: {}, mailbox: {} });
});

test('series on: a master pairs by subject, first start and end, and only with a master', () => {
  const both = pairs({
    series: true,
    salesforce: changes([ev('s1', weekly, { kind: 'seriesMaster' })]),
    mailbox: changes([ev('m1', { ...weekly, subject: ' WEEKLY sync' }, { kind: 'seriesMaster' })]),
  });
  assert.deepEqual(both.map((p) => [p.reason, p.sfId, p.mbId]), [['paired', 's1', 'm1']]);
  // A single event at the first occurrence's time is another meeting: each side gets a copy of the other.
  const single = { ...weekly, recurrence: undefined };
  for (const [sf, mb] of [
    [ev('s1', weekly, { kind: 'seriesMaster' }), ev('m1', single)],
    [ev('s1', single), ev('m1', weekly, { kind: 'seriesMaster' })],
  ] as const) {
    const ps = pairs({ series: true, salesforce: changes([sf]), mailbox: changes([mb]) });
    assert.deepEqual(ps.map((p) => p.reason).sort(), ['new_in_mailbox', 'new_in_salesforce']);
  }
});

test('the meeting key of a single event is unchanged by series sync (held events are stored by its hash)', () => {
  const expected = createHmac('sha256', SALT).update(`event-key\u0000quarterly review\u0000${review.start}\u0000${review.end}`, 'utf8').digest('base64url').slice(0, 22);
  assert.equal(meetingKeyHash(review, SALT), expected);
  assert.notEqual(meetingKeyHash({ ...review, recurrence: weekly.recurrence }, SALT), expected);
});

test('series on: a master outside the window is still synced (connectors list it for its occurrences in the window)', () => {
  const old = { ...weekly, start: '2026-01-06T10:00:00Z', end: '2026-01-06T10:30:00Z', recurrence: { ...weekly.recurrence!, startDate: '2026-01-06', count: undefined } };
  const { plan, excluded } = run({ series: true, salesforce: changes([ev('s1', old, { kind: 'seriesMaster' })]) });
  assert.deepEqual(plan.halted ? [] : plan.pairs.map((p) => [p.reason, p.toMailbox?.op]), [['new_in_salesforce', 'create']]);
  assert.deepEqual(excluded.salesforce, {});
});

test('series on: the private and selected rules apply to a master; a master without a readable pattern stays out', () => {
  const { plan, excluded } = run({
    series: true,
    selection: 'selected',
    salesforce: changes([ev('s1', { ...weekly, isPrivate: true }, { kind: 'seriesMaster' }), ev('s2', { ...weekly, subject: 'No pattern', recurrence: undefined }, { kind: 'seriesMaster' })]),
    mailbox: changes([ev('m1', { ...daily, isPrivate: true }, { kind: 'seriesMaster' }), ev('m2', { ...daily, subject: 'Untagged' }, { kind: 'seriesMaster', selected: false })]),
  });
  assert.equal(plan.halted === false && plan.pairs.length, 0);
  assert.deepEqual(excluded, { salesforce: { private: 1, series: 1 }, mailbox: { private: 1, unselected: 1 } });
});

test('a cancelled meeting in the mailbox deletes its Salesforce copy', () => {
  const ps = pairs({ links: [link('s1', 'm1', review)], mailbox: changes([ev('m1', review, { cancelled: true })]), salesforce: changes([], [], [ev('s1', review)]) });
  assert.equal(ps[0]!.toSalesforce?.op, 'delete');
});

test('the window limits what is created, not what stays linked', () => {
  const far = { ...review, start: '2027-06-01T09:00:00Z', end: '2027-06-01T10:00:00Z' };
  const { plan, excluded } = run({ salesforce: changes([ev('s9', far)]) });
  assert.equal(plan.halted === false && plan.pairs.length, 0);
  assert.deepEqual(excluded.salesforce, { outside_window: 1 });
  // A linked event moved beyond the window (found by id) keeps syncing; it is not deleted.
  const ps = pairs({ links: [link('s1', 'm1', review)], mailbox: changes([], [], [ev('m1', far)]) });
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { start: far.start, end: far.end });
});

test('all-day events are in the window by their dates', () => {
  assert.equal(inWindow({ isAllDay: true, start: '2026-11-01', end: '2026-11-02' }, WINDOW), true);
  assert.equal(inWindow({ isAllDay: true, start: '2026-10-01', end: '2026-10-02' }, WINDOW), false);
  assert.equal(inWindow({ start: '2027-02-01T00:00:00Z', end: '2027-02-01T01:00:00Z' }, WINDOW), false);
});

test('one-way Salesforce → mailbox: mailbox-only events are not copied and Salesforce wins every field', () => {
  const ps = pairs({
    direction: 'salesforce_to_mailbox',
    links: [link('s1', 'm1', review)],
    salesforce: changes([ev('s1', { ...review, location: 'Room 9' })]),
    mailbox: changes([ev('m1', { ...review, location: 'Teams' }), ev('m2', { ...review, subject: 'Private lunch' })]),
  });
  assert.equal(ps.some((p) => p.reason === 'new_in_mailbox'), false);
  assert.deepEqual(setOf(ps.find((p) => p.sfId === 's1')!.toMailbox), { location: 'Room 9' });
  assert.equal(ps.find((p) => p.sfId === 's1')!.toSalesforce, undefined);
});

test('a full listing that comes back empty and would delete linked events stops the sync', () => {
  const links = Array.from({ length: 8 }, (_, i) => link(`s${i}`, `m${i}`, { ...review, subject: `r${i}` }));
  const { plan } = run({ links, mailbox: { full: true, items: [], found: [], deleted: links.map((l) => l.mbId) } });
  assert.equal(plan.halted, true);
  assert.equal(plan.halted && plan.reason, 'mailbox_empty');
  // A rep with a handful of events deleting them all is not stopped.
  const few = links.slice(0, 3);
  const survivors = changes([], [], few.map((l, i) => ev(l.sfId, { ...review, subject: `r${i}` })));
  const ps = pairs({ links: few, mailbox: { full: true, items: [], found: [], deleted: few.map((l) => l.mbId) }, salesforce: survivors });
  assert.equal(ps.filter((p) => p.toSalesforce?.op === 'delete').length, 3);
});

test('deleting more than the configured share in one pass stops the sync instead', () => {
  const links = Array.from({ length: 20 }, (_, i) => link(`s${i}`, `m${i}`, { ...review, subject: `r${i}` }));
  const survivors = changes([], [], links.slice(0, 6).map((l, i) => ev(l.mbId, { ...review, subject: `r${i}` })));
  const { plan } = run({ links, maxDeleteShare: 0.25, salesforce: changes([], links.slice(0, 6).map((l) => l.sfId)), mailbox: survivors });
  assert.equal(plan.halted && plan.reason, 'mass_delete_mailbox');
});

test('selected mode: a Salesforce event the rep already has untagged is held, not copied twice', () => {
  const { plan, held } = run({
    selection: 'selected',
    salesforce: changes([ev('s1', review), ev('s2', { ...review, subject: 'Other' })]),
    mailbox: changes([ev('m1', { ...review, subject: 'quarterly REVIEW' }, { selected: false })]),
  });
  assert.deepEqual(held.map((h) => h.sfId), ['s1']);
  // A later pass that only sees the mailbox's changes keeps the hold while the meeting is unchanged…
  const later = run({ selection: 'selected', heldBefore: held, salesforce: changes([ev('s1', review, {}, 'v2')]) });
  assert.deepEqual(later.held.map((h) => h.sfId), ['s1']);
  // …and lets go once the Salesforce meeting moves (it is no longer the rep's untagged twin).
  const moved = run({ selection: 'selected', heldBefore: held, salesforce: changes([ev('s1', { ...review, start: '2026-12-03T15:00:00Z', end: '2026-12-03T16:00:00Z' })]) });
  assert.deepEqual(moved.held, []);
  const ps = plan.halted ? [] : plan.pairs;
  assert.deepEqual(ps.map((p) => p.sfId), ['s2']);
  // Once tagged, the two pair instead of either being copied.
  const tagged = pairs({ selection: 'selected', salesforce: changes([ev('s1', review)]), mailbox: changes([ev('m1', review, { selected: true })]) });
  assert.deepEqual(tagged.map((p) => p.reason), ['paired']);
});

// ── writes whose outcome was unknown (a response lost after the write took effect) ──

test('an update that landed although its response was lost: its echo is not an edit, and a later revert of the source flows', () => {
  const h = eventModel(SALT).hash;
  const sent = { ...review, location: 'Room 9' };
  const unsettled = { ...link('s1', 'm1', review), unsettled: { salesforce: { hashes: { location: h(sent).location! } } } };
  // Salesforce holds what was sent; the mailbox has taken its edit back since: the revert goes to Salesforce.
  const ps = pairs({ links: [unsettled], salesforce: changes([], [], [ev('s1', sent)]), mailbox: changes([ev('m1', review)]) });
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { location: 'Room 4' });
  assert.equal(ps[0]!.toMailbox, undefined, 'the echo was taken for a Salesforce edit');
  // The write did not land (Salesforce still has the old value) and the mailbox reverted: nothing to do.
  const none = pairs({ links: [unsettled], salesforce: changes([], [], [ev('s1', review)]), mailbox: changes([ev('m1', review)]) });
  assert.equal(none[0]!.toSalesforce ?? none[0]!.toMailbox, undefined);
  // The target was not read: the unsettled write is carried, not dropped.
  const unread = pairs({ links: [unsettled], mailbox: changes([ev('m1', { ...review, subject: 'Renamed' })]) });
  assert.deepEqual(unread[0]!.unsettled, unsettled.unsettled);
});

test('a delete that landed although its response was lost ends the pair; a copy back in scope is copied afresh', () => {
  const pending = { ...link('s1', 'm1', review), unsettled: { salesforce: { delete: true as const } } };
  const ended = pairs({ links: [pending], salesforce: changes([], ['s1']), mailbox: changes([ev('m1', review, { selected: false })]), selection: 'selected' });
  assert.equal(ended[0]!.unlink, true);
  assert.equal(ended[0]!.toSalesforce, undefined, 'the rep\'s meeting, still out of scope, was copied');
  const back = pairs({ links: [pending], salesforce: changes([], ['s1']), mailbox: changes([ev('m1', review)]) });
  assert.equal(back[0]!.toSalesforce?.op, 'create');
  assert.equal(back[0]!.toMailbox, undefined, 'the rep\'s meeting was deleted as if the rep had deleted its copy');
  // Salesforce's copy not read in this pass: planned afresh from what was read (the meeting, unchanged, stays).
  const unread = pairs({ links: [pending], mailbox: changes([ev('m1', review)]) });
  assert.equal(unread[0]!.toMailbox, undefined);
  assert.equal(unread[0]!.unlink, false);
});

test('a create whose response was lost: its result is adopted (by key, or by content), never created twice', () => {
  const h = eventModel(SALT).hash(review);
  const renamed = { ...review, subject: 'Quarterly review 2027' };
  // Mailbox target: found by the key Graph keeps, though the rep has since edited it; the source's rename flows.
  const byKey = pairs({
    unsettledCreates: [{ from: 'salesforce', sourceId: 's1', hashes: h, key: 'k1' }],
    salesforce: changes([ev('s1', renamed)]),
    mailbox: { full: true, items: [{ ...ev('m7', { ...review, location: 'Room 1' }), createdAs: 'k1' }], found: [], deleted: [] },
  });
  assert.equal(byKey.length, 1);
  assert.equal(byKey[0]!.reason, 'adopted');
  assert.deepEqual([byKey[0]!.sfId, byKey[0]!.mbId], ['s1', 'm7']);
  assert.deepEqual(setOf(byKey[0]!.toMailbox), { subject: renamed.subject });
  assert.deepEqual(setOf(byKey[0]!.toSalesforce), { location: 'Room 1' });
  // Salesforce target: found by content.
  const byContent = pairs({
    unsettledCreates: [{ from: 'mailbox', sourceId: 'm1', hashes: h }],
    salesforce: { full: true, items: [ev('s5', review)], found: [], deleted: [] },
    mailbox: changes([ev('m1', renamed)]),
  });
  assert.deepEqual([byContent[0]!.reason, byContent[0]!.sfId, byContent[0]!.mbId], ['adopted', 's5', 'm1']);
  // Not there after a full listing: the create did not land, and the source is created now.
  const absent = run({ unsettledCreates: [{ from: 'mailbox', sourceId: 'm1', hashes: h }], salesforce: { full: true, items: [], found: [], deleted: [] }, mailbox: changes([ev('m1', review)]) });
  assert.equal(absent.plan.halted === false && absent.plan.pairs[0]!.toSalesforce?.op, 'create');
  assert.deepEqual(absent.plan.halted === false && absent.plan.unsettledCreates, []);
  // Target not listed in full yet: wait, and do not create a second copy meanwhile.
  const wait = run({ unsettledCreates: [{ from: 'mailbox', sourceId: 'm1', hashes: h }], mailbox: changes([ev('m1', review)]) });
  assert.deepEqual(wait.plan.halted === false && wait.plan.pairs, []);
  assert.equal(wait.plan.halted === false && wait.plan.unsettledCreates.length, 1);
});

test('one-way: a value only the receiver has survives pairing and the sender\'s later edits of other fields', () => {
  const ps = pairs({ direction: 'mailbox_to_salesforce', salesforce: changes([ev('s1', review)]), mailbox: changes([ev('m1', { ...review, location: undefined })]) });
  assert.equal(ps[0]!.reason, 'paired');
  assert.equal(ps[0]!.toSalesforce, undefined, 'the receiver\'s location was removed at pairing');
  const paired: EventLink = { userId: 'u1', sfId: 's1', mbId: 'm1', sfVersion: 'v1', mbVersion: 'v1', hashes: ps[0]!.agreed };
  const later = pairs({ direction: 'mailbox_to_salesforce', links: [paired], salesforce: changes([], [], [ev('s1', review)]), mailbox: changes([ev('m1', { ...review, location: undefined, description: 'new agenda' })]) });
  assert.deepEqual(setOf(later[0]!.toSalesforce), { description: 'new agenda' });
});

test('a meeting someone else organizes follows the organizer: it flows to Salesforce, Salesforce edits and deletes never go back', () => {
  const invited = { ...review, organizer: { email: 'Boss@Partner.example' } };
  const base = { links: [link('s1', 'm1', invited)], repEmail: 'rep@example.com' };
  // The rep edits the Salesforce copy; the organizer moves the meeting.
  const ps = pairs({
    ...base,
    salesforce: changes([ev('s1', { ...invited, location: 'Room 9' })]),
    mailbox: changes([ev('m1', { ...invited, start: '2026-12-03T15:00:00Z', end: '2026-12-03T16:00:00Z' })]),
  });
  assert.equal(ps[0]!.toMailbox, undefined, 'a Salesforce edit was written into the organizer\'s meeting');
  assert.deepEqual(setOf(ps[0]!.toSalesforce), { start: '2026-12-03T15:00:00Z', end: '2026-12-03T16:00:00Z' });
  // A later organizer update of the same field wins over the rep's Salesforce edit.
  const again = pairs({ ...base, salesforce: changes([ev('s1', { ...invited, location: 'Room 9' })]), mailbox: changes([ev('m1', { ...invited, location: 'Room 1' })]) });
  assert.deepEqual(setOf(again[0]!.toSalesforce), { location: 'Room 1' });
  // Deleting the Salesforce copy leaves the meeting in the calendar (the pair is parked).
  const gone = pairs({ ...base, salesforce: changes([], ['s1']), mailbox: changes([], [], [ev('m1', invited)]) });
  assert.equal(gone[0]!.toMailbox, undefined);
  assert.deepEqual(gone[0]!.parked, { side: 'salesforce', gone: true });
  // The rep's own meetings are not affected.
  const own = pairs({ links: [link('s1', 'm1', { ...review, organizer: { email: 'rep@example.com' } })], repEmail: 'REP@example.com', salesforce: changes([ev('s1', { ...review, organizer: { email: 'rep@example.com' }, location: 'Room 9' })]) });
  assert.deepEqual(setOf(own[0]!.toMailbox), { location: 'Room 9' });
});

test('a pattern change toward Salesforce replaces the series there (delete, then create), keeping what Salesforce holds', () => {
  const weekly = { freq: 'weekly' as const, interval: 1, byDay: ['TU' as const], startDate: '2026-12-01', count: 4, timeZone: 'Europe/Berlin' };
  const series = { ...review, start: '2026-12-01T09:00:00Z', end: '2026-12-01T10:00:00Z', recurrence: weekly };
  const longer = { ...weekly, count: 8 };
  const ps = pairs({
    series: true,
    links: [link('s1', 'm1', series)],
    salesforce: changes([], [], [ev('s1', { ...series, description: 'kept' }, { kind: 'seriesMaster' })]),
    mailbox: changes([ev('m1', { ...series, recurrence: longer }, { kind: 'seriesMaster' })]),
  });
  assert.equal(ps[0]!.reason, 'replaced');
  assert.equal(ps[0]!.replaces, 's1');
  const op = ps[0]!.toSalesforce;
  assert.equal(op?.op, 'create');
  assert.deepEqual(op?.op === 'create' && op.data.recurrence, longer);
  assert.equal(op?.op === 'create' && op.data.description, 'kept', 'the Salesforce edit travels with the replacement');
  assert.deepEqual(setOf(ps[0]!.toMailbox), { description: 'kept' });
  // Any other change is a plain update.
  const plain = pairs({ series: true, links: [link('s1', 'm1', series)], salesforce: changes([], [], [ev('s1', series, { kind: 'seriesMaster' })]), mailbox: changes([ev('m1', { ...series, location: 'Room 2' }, { kind: 'seriesMaster' })]) });
  assert.equal(plain[0]!.replaces, undefined);
  assert.deepEqual(setOf(plain[0]!.toSalesforce), { location: 'Room 2' });
});

test('twinWindow: from the earliest start to the latest end, all-day dates a day wider, within the sync window', () => {
  const window = { start: '2026-11-01T00:00:00Z', end: '2026-12-31T00:00:00Z' };
  assert.deepEqual(
    twinWindow([{ start: '2026-11-20T09:00:00Z', end: '2026-11-20T10:00:00Z' }, { start: '2026-11-25', end: '2026-11-26', isAllDay: true }], window),
    { start: '2026-11-20T09:00:00Z', end: '2026-11-27T00:00:00Z' },
  );
  assert.deepEqual(twinWindow([{ start: '2026-10-20T09:00:00Z', end: '2026-11-02T10:00:00Z' }], window), { start: '2026-11-01T00:00:00Z', end: '2026-11-02T10:00:00Z' }, 'clipped to the window');
  assert.equal(twinWindow([{ start: '2027-02-01T09:00:00Z', end: '2027-02-01T10:00:00Z' }], window), undefined, 'nothing in the window: no read');
  assert.equal(twinWindow([{ subject: 'no times' }], window), undefined);
  assert.equal(twinWindow([], window), undefined);
});

test('selected mode: an untagged twin read around a new Salesforce event holds it, like one in the changes', () => {
  const budget: EventFields = { subject: 'Budget', start: '2026-11-24T09:00:00Z', end: '2026-11-24T10:00:00Z' };
  const sfItem: SideItem<MappedEvent> = { id: '00U1', version: 'v', data: { fields: budget, kind: 'single', selected: true } };
  const twin: SideItem<MappedEvent> = { id: 'AAMk1', version: 'v', data: { fields: { ...budget, timeZone: 'UTC' }, kind: 'single', selected: false } };
  const base = {
    userId: '005U',
    direction: 'both' as const,
    conflictPolicy: 'salesforce_wins' as const,
    propagateDeletes: false,
    maxDeleteShare: 1,
    selection: 'selected' as const,
    privateEvents: false,
    salt: 'twin-salt',
    window: { start: '2026-11-01T00:00:00Z', end: '2026-12-31T00:00:00Z' },
    links: [],
    salesforce: { full: false, items: [sfItem], found: [], deleted: [] },
    mailbox: { full: false, items: [], found: [], deleted: [] },
    heldBefore: [],
  };
  const without = planEvents(base);
  assert.ok(!without.plan.halted && without.plan.pairs.some((p) => p.toMailbox?.op === 'create'), 'out of view, it would be copied');
  const withTwin = planEvents({ ...base, mailboxAround: [twin] });
  assert.deepEqual(withTwin.held.map((h) => h.sfId), ['00U1']);
  assert.ok(!withTwin.plan.halted && withTwin.plan.pairs.length === 0);
});
