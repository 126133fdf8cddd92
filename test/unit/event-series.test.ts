import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventFields, Recurrence } from '../../companion/src/core/event.ts';
import { comparableEvent } from '../../companion/src/core/event-plan.ts';
import { hashEventFields } from '../../companion/src/core/event-hash.ts';
import { INSTANCE_FIELDS, MAX_SERIES_SLOTS, seriesSlots } from '../../companion/src/core/event-series.ts';
import type { SeriesMaster, TimeWindow } from '../../companion/src/core/event-series.ts';
import { assignSalesforceSlots, graphSlots } from '../../companion/src/core/event-series-assign.ts';
import type { GraphInstance, SalesforceOccurrenceRow, SlotAssignment } from '../../companion/src/core/event-series-assign.ts';
import { ONE_SIDED, planSeriesInstances } from '../../companion/src/core/event-series-plan.ts';
import type { SeriesPlanInput, SlotHashes } from '../../companion/src/core/event-series-plan.ts';

const BERLIN = 'Europe/Berlin';
const LA = 'America/Los_Angeles';
const NY = 'America/New_York';
const SALT = 'test-salt';

// ---------------------------------------------------------------------------------------------
// seriesSlots: patterns from the Graph recurrencePattern and Salesforce RRULE examples
// ---------------------------------------------------------------------------------------------

const SLOT_CASES: { name: string; r: Recurrence; first: string; window: TimeWindow; want: string[]; capped?: boolean }[] = [
  {
    name: 'weekly Monday, Wednesday, Friday at 09:00 Berlin, across the March DST change (08:00Z, then 07:00Z)',
    r: { freq: 'weekly', interval: 1, byDay: ['MO', 'WE', 'FR'], startDate: '2026-03-02', timeZone: BERLIN },
    first: '2026-03-02T08:00:00Z',
    window: { start: '2026-03-23T00:00:00Z', end: '2026-04-04T00:00:00Z' },
    want: ['2026-03-23T08:00:00Z', '2026-03-25T08:00:00Z', '2026-03-27T08:00:00Z', '2026-03-30T07:00:00Z', '2026-04-01T07:00:00Z', '2026-04-03T07:00:00Z'],
  },
  {
    name: 'monthly on the last Friday at 10:00 Los Angeles (relativeMonthly, index last)',
    r: { freq: 'monthly', interval: 1, byDay: ['FR'], setPos: -1, startDate: '2026-01-01', timeZone: LA },
    first: '2026-01-30T18:00:00Z',
    window: { start: '2026-01-01T00:00:00Z', end: '2026-06-01T00:00:00Z' },
    want: ['2026-01-30T18:00:00Z', '2026-02-27T18:00:00Z', '2026-03-27T17:00:00Z', '2026-04-24T17:00:00Z', '2026-05-29T17:00:00Z'],
  },
  {
    name: 'every day for five days (COUNT=5) at 14:30 New York, across the US DST change',
    r: { freq: 'daily', interval: 1, count: 5, startDate: '2026-03-06', timeZone: NY },
    first: '2026-03-06T19:30:00Z',
    window: { start: '2026-03-01T00:00:00Z', end: '2027-01-01T00:00:00Z' },
    want: ['2026-03-06T19:30:00Z', '2026-03-07T19:30:00Z', '2026-03-08T18:30:00Z', '2026-03-09T18:30:00Z', '2026-03-10T18:30:00Z'],
  },
  {
    name: 'the window cuts a counted series: only the slots starting in it',
    r: { freq: 'daily', interval: 1, count: 5, startDate: '2026-03-06', timeZone: NY },
    first: '2026-03-06T19:30:00Z',
    window: { start: '2026-03-07T19:30:00Z', end: '2026-03-09T18:30:00Z' },
    want: ['2026-03-07T19:30:00Z', '2026-03-08T18:30:00Z'],
  },
  {
    name: 'all-day daily series in Berlin over the late-March DST change: dates, untouched by the hour',
    r: { freq: 'daily', interval: 1, count: 5, startDate: '2026-03-27', timeZone: BERLIN },
    first: '2026-03-27',
    window: { start: '2026-03-26T23:00:00Z', end: '2026-04-30T00:00:00Z' },
    want: ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'],
  },
  {
    name: 'an all-day slot begins at midnight in the series zone (Mar 27 00:00 CET = Mar 26 23:00Z)',
    r: { freq: 'daily', interval: 1, count: 5, startDate: '2026-03-27', timeZone: BERLIN },
    first: '2026-03-27',
    window: { start: '2026-03-27T00:00:00Z', end: '2026-03-29T00:00:00Z' },
    // Mar 29 begins at 00:00 CET (Mar 28 23:00Z): the clocks change only at 02:00.
    want: ['2026-03-28', '2026-03-29'],
  },
  {
    name: 'all-day weekly Sunday series in Berlin over the late-October DST change',
    r: { freq: 'weekly', interval: 1, byDay: ['SU'], startDate: '2026-10-18', until: '2026-11-08', timeZone: BERLIN },
    first: '2026-10-18',
    window: { start: '2026-10-24T22:00:00Z', end: '2026-11-07T23:00:00Z' },
    want: ['2026-10-25', '2026-11-01'],
  },
  {
    name: 'timed weekly Thursday 09:00 Berlin over the late-October DST change (07:00Z, then 08:00Z)',
    r: { freq: 'weekly', interval: 1, byDay: ['TH'], startDate: '2026-10-22', timeZone: BERLIN },
    first: '2026-10-22T07:00:00Z',
    window: { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' },
    want: ['2026-10-22T07:00:00Z', '2026-10-29T08:00:00Z'],
  },
  {
    name: 'every other Tuesday since 2012: the fortnight phase holds (5180 days after the start is Mar 10)',
    r: { freq: 'weekly', interval: 2, byDay: ['TU'], weekStart: 'MO', startDate: '2012-01-03', timeZone: 'UTC' },
    first: '2012-01-03T15:00:00Z',
    window: { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' },
    want: ['2026-03-10T15:00:00Z', '2026-03-24T15:00:00Z'],
  },
  {
    name: 'a daily series open since 1990 is listed without counting from 1990',
    r: { freq: 'daily', interval: 3, startDate: '1990-01-01', timeZone: 'UTC' },
    first: '1990-01-01T12:00:00Z',
    window: { start: '2026-03-01T00:00:00Z', end: '2026-03-08T00:00:00Z' },
    // 13208 days after 1990-01-01 is 2026-03-01; 13208 is not a multiple of 3, 13209 is.
    want: ['2026-03-02T12:00:00Z', '2026-03-05T12:00:00Z'],
  },
  {
    name: 'monthly on the 31st since 2001: short months get their last day',
    r: { freq: 'monthly', interval: 1, byMonthDay: 31, startDate: '2001-01-31', timeZone: BERLIN },
    first: '2001-01-31T08:00:00Z',
    window: { start: '2026-01-15T00:00:00Z', end: '2026-05-01T00:00:00Z' },
    want: ['2026-01-31T08:00:00Z', '2026-02-28T08:00:00Z', '2026-03-31T07:00:00Z', '2026-04-30T07:00:00Z'],
  },
  {
    name: 'yearly on the fourth Thursday of November since 1999, every other year',
    r: { freq: 'yearly', interval: 2, byMonth: 11, byDay: ['TH'], setPos: 4, startDate: '1999-11-25', timeZone: NY },
    first: '1999-11-25T17:00:00Z',
    window: { start: '2025-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' },
    want: ['2025-11-27T17:00:00Z', '2027-11-25T17:00:00Z'],
  },
  {
    name: 'window before the series starts: no slots',
    r: { freq: 'daily', interval: 1, startDate: '2026-03-06', timeZone: NY },
    first: '2026-03-06T19:30:00Z',
    window: { start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z' },
    want: [],
  },
  {
    name: 'a counted daily series started in 1990: the scan stops before the window and says so',
    r: { freq: 'daily', interval: 1, count: 20_000, startDate: '1990-01-01', timeZone: 'UTC' },
    first: '1990-01-01T12:00:00Z',
    window: { start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' },
    want: [],
    capped: true,
  },
];

describe('seriesSlots', () => {
  for (const c of SLOT_CASES) {
    it(c.name, () => {
      const got = seriesSlots(c.r, c.window, c.first);
      assert.equal(got.problem, undefined);
      assert.deepEqual(got.slots, c.want);
      assert.equal(got.capped, c.capped ?? false);
    });
  }

  it(`stops an open-ended series at ${MAX_SERIES_SLOTS} slots in a window and says so`, () => {
    const r: Recurrence = { freq: 'daily', interval: 1, startDate: '2026-01-01', timeZone: 'UTC' };
    const got = seriesSlots(r, { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' }, '2026-01-01T12:00:00Z');
    assert.equal(got.slots.length, MAX_SERIES_SLOTS);
    assert.equal(got.slots[MAX_SERIES_SLOTS - 1], '2028-09-26T12:00:00Z');
    assert.equal(got.capped, true);
  });

  it('reports an unsupported pattern or an unknown zone instead of listing anything', () => {
    const window = { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' };
    const weeklyWithoutDays = seriesSlots({ freq: 'weekly', interval: 1, startDate: '2026-01-01', timeZone: BERLIN }, window, '2026-01-01T08:00:00Z');
    assert.deepEqual(weeklyWithoutDays.slots, []);
    assert.match(weeklyWithoutDays.problem ?? '', /weekly pattern needs its days/);
    const badZone = seriesSlots({ freq: 'daily', interval: 1, startDate: '2026-01-01', timeZone: 'Mars/Olympus' }, window, '2026-01-01T08:00:00Z');
    assert.deepEqual(badZone.slots, []);
    assert.match(badZone.problem ?? '', /Mars\/Olympus/);
  });
});

// ---------------------------------------------------------------------------------------------
// Fixture: "Pipeline review", Mondays 10:00 Berlin, six times from 2026-03-02 (DST from Mar 29)
// ---------------------------------------------------------------------------------------------

const WINDOW: TimeWindow = { start: '2026-03-01T00:00:00Z', end: '2026-05-01T00:00:00Z' };
const SLOTS = ['2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z', '2026-03-16T09:00:00Z', '2026-03-23T09:00:00Z', '2026-03-30T08:00:00Z', '2026-04-06T08:00:00Z'] as const;
const BASE: EventFields = { subject: 'Pipeline review', isAllDay: false, location: 'Room 1', showAs: 'busy', isPrivate: false, reminderMinutes: 15, timeZone: BERLIN };
const MASTER: SeriesMaster = {
  recurrence: { freq: 'weekly', interval: 1, byDay: ['MO'], startDate: '2026-03-02', count: 6, timeZone: BERLIN },
  fields: { ...BASE, start: SLOTS[0], end: '2026-03-02T10:00:00Z' },
};

const hourFrom = (start: string): string => new Date(Date.parse(start) + 3_600_000).toISOString().replace('.000Z', 'Z');
const slot = (n: number): string => SLOTS[n] as string;
/** A Salesforce occurrence row as fromSalesforceEvent maps it; `over` holds the rep's edits. */
const sfRow = (n: number, over: EventFields = {}, isException = Object.keys(over).length > 0): SalesforceOccurrenceRow => ({
  id: `sf${n}`,
  isException,
  fields: { ...BASE, start: slot(n), end: hourFrom(slot(n)), ...over },
});
const moved = (n: number, start: string): SalesforceOccurrenceRow => sfRow(n, { start, end: hourFrom(start) });
const allRows = (): SalesforceOccurrenceRow[] => SLOTS.map((_, n) => sfRow(n));
/** A Graph occurrence stub (no content) or an exception with its own fields. */
const stub = (n: number): GraphInstance => ({ id: `mb${n}`, kind: 'occurrence', fields: {}, originalStart: slot(n) });
const exception = (n: number, over: EventFields = {}): GraphInstance => ({
  id: `mb${n}`,
  kind: 'exception',
  originalStart: slot(n),
  fields: { ...BASE, start: slot(n), end: hourFrom(slot(n)), ...over },
});
const allStubs = (): GraphInstance[] => SLOTS.map((_, n) => stub(n));
const without = <T>(list: T[], ...indexes: number[]): T[] => list.filter((_, i) => !indexes.includes(i));
const replace = <T>(list: T[], index: number, item: T): T[] => list.map((x, i) => (i === index ? item : x));

function summary(a: SlotAssignment) {
  return {
    placed: a.placed.map((p) => `${p.id}@${p.slot}${p.modified ? `*${p.offPattern.join(',')}` : ''}`),
    missing: a.missing,
    held: a.held,
    unplaced: a.unplaced.map((u) => u.id),
  };
}

const nextDay = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const plain = (ids: number[]) => ids.map((n) => `sf${n}@${slot(n)}`);

// ---------------------------------------------------------------------------------------------
// assignSalesforceSlots
// ---------------------------------------------------------------------------------------------

const SF_CASES: { name: string; rows: SalesforceOccurrenceRow[]; window?: TimeWindow; want: ReturnType<typeof summary>; reason?: RegExp }[] = [
  {
    name: 'every row on its slot: all placed, none modified',
    rows: allRows(),
    want: { placed: plain([0, 1, 2, 3, 4, 5]), missing: [], held: [], unplaced: [] },
  },
  {
    name: 'an edited subject keeps the slot and is the only difference',
    rows: replace(allRows(), 2, sfRow(2, { subject: 'Pipeline review (board)' })),
    want: { placed: [...plain([0, 1]), `sf2@${slot(2)}*subject`, ...plain([3, 4, 5])], missing: [], held: [], unplaced: [] },
  },
  {
    name: 'a longer meeting: only the end differs',
    rows: replace(allRows(), 3, sfRow(3, { end: '2026-03-23T11:00:00Z' })),
    want: { placed: [...plain([0, 1, 2]), `sf3@${slot(3)}*end`, ...plain([4, 5])], missing: [], held: [], unplaced: [] },
  },
  {
    name: 'a moved occurrence (Mar 16 → Tue Mar 17) takes the only empty slot',
    rows: replace(allRows(), 2, moved(2, '2026-03-17T09:00:00Z')),
    want: { placed: [...plain([0, 1]), `sf2@${slot(2)}*start,end`, ...plain([3, 4, 5])], missing: [], held: [], unplaced: [] },
  },
  {
    name: 'a deleted occurrence leaves its slot missing',
    rows: without(allRows(), 1),
    want: { placed: plain([0, 2, 3, 4, 5]), missing: [slot(1)], held: [], unplaced: [] },
  },
  {
    name: 'a deletion and a later move: the moved row takes the slot between its unmoved neighbours, not the first empty one',
    rows: replace(without(allRows(), 1), 2, moved(3, '2026-03-24T09:00:00Z')),
    want: { placed: [...plain([0, 2]), `sf3@${slot(3)}*start,end`, ...plain([4, 5])], missing: [slot(1)], held: [], unplaced: [] },
  },
  {
    name: 'two neighbours moved a day later each: they keep their order',
    rows: replace(replace(allRows(), 1, moved(1, '2026-03-10T09:00:00Z')), 2, moved(2, '2026-03-17T09:00:00Z')),
    want: { placed: [plain([0])[0]!, `sf1@${slot(1)}*start,end`, `sf2@${slot(2)}*start,end`, ...plain([3, 4, 5])], missing: [], held: [], unplaced: [] },
  },
  {
    name: 'a move past another occurrence (Mar 9 → Mar 17) is not placed, and its empty slot is held, not missing',
    rows: replace(allRows(), 1, moved(1, '2026-03-17T09:00:00Z')),
    want: { placed: plain([0, 2, 3, 4, 5]), missing: [], held: [slot(1)], unplaced: ['sf1'] },
    reason: /1 moved rows for 0 empty slots/,
  },
  {
    name: 'fewer moved rows than empty slots between the same neighbours: which was deleted is unknown',
    rows: replace(without(allRows(), 1), 1, moved(2, '2026-03-12T09:00:00Z')),
    want: { placed: plain([0, 3, 4, 5]), missing: [], held: [slot(1), slot(2)], unplaced: ['sf2'] },
    reason: /1 moved rows for 2 empty slots/,
  },
  {
    name: 'an unedited row off the pattern (pattern read differently) is not placed',
    rows: replace(allRows(), 4, sfRow(4, { start: '2026-03-30T09:00:00Z', end: '2026-03-30T10:00:00Z' }, false)),
    want: { placed: plain([0, 1, 2, 3, 5]), missing: [], held: [slot(4)], unplaced: ['sf4'] },
    reason: /not an edited occurrence/,
  },
  {
    name: 'an occurrence moved onto another one’s time: the unedited row keeps the slot, the moved one is not placed',
    rows: replace(allRows(), 3, moved(3, slot(2))),
    want: { placed: plain([0, 1, 2, 4, 5]), missing: [], held: [slot(3)], unplaced: ['sf3'] },
    reason: /same time as a pinned occurrence/,
  },
  {
    name: 'a row moved just past the window still takes its slot inside it (no false deletion)',
    rows: replace(allRows(), 3, moved(3, '2026-03-28T09:00:00Z')),
    window: { start: '2026-03-01T00:00:00Z', end: '2026-03-25T00:00:00Z' },
    want: { placed: [...plain([0, 1, 2]), `sf3@${slot(3)}*start,end`, ...plain([4, 5])], missing: [], held: [], unplaced: [] },
  },
  {
    name: 'the same row left out of the listing: its slot is missing (list a margin around the window)',
    rows: without(allRows(), 3, 4, 5),
    window: { start: '2026-03-01T00:00:00Z', end: '2026-03-25T00:00:00Z' },
    want: { placed: plain([0, 1, 2]), missing: [slot(3)], held: [], unplaced: [] },
  },
];

describe('assignSalesforceSlots', () => {
  for (const c of SF_CASES) {
    it(c.name, () => {
      const got = assignSalesforceSlots(MASTER, c.rows, c.window ?? WINDOW);
      assert.deepEqual(summary(got), c.want);
      if (c.reason) assert.match(got.unplaced[0]?.reason ?? '', c.reason);
    });
  }

  it('all-day series over the March DST change in Berlin: a deleted day is missing, the others unmodified', () => {
    const master: SeriesMaster = {
      recurrence: { freq: 'daily', interval: 1, count: 5, startDate: '2026-03-27', timeZone: BERLIN },
      fields: { subject: 'Trade fair', isAllDay: true, start: '2026-03-27', end: '2026-03-28', timeZone: BERLIN },
    };
    const rows = ['2026-03-27', '2026-03-28', '2026-03-30', '2026-03-31'].map((date, i) => ({
      id: `sf${i}`,
      isException: false,
      fields: { subject: 'Trade fair', isAllDay: true, start: date, end: nextDay(date) },
    }));
    const got = assignSalesforceSlots(master, rows, { start: '2026-03-20T00:00:00Z', end: '2026-04-10T00:00:00Z' });
    assert.deepEqual(summary(got), {
      placed: ['sf0@2026-03-27', 'sf1@2026-03-28', 'sf2@2026-03-30', 'sf3@2026-03-31'],
      missing: ['2026-03-29'],
      held: [],
      unplaced: [],
    });
  });

  it('a master without a start places nothing and says why', () => {
    const got = assignSalesforceSlots({ ...MASTER, fields: { subject: 'x' } }, allRows(), WINDOW);
    assert.equal(got.placed.length, 0);
    assert.equal(got.missing.length, 0);
    assert.equal(got.unplaced.length, 6);
    assert.match(got.unplaced[0]!.reason, /no start/);
  });
});

// ---------------------------------------------------------------------------------------------
// graphSlots
// ---------------------------------------------------------------------------------------------

const GRAPH_CASES: { name: string; instances: GraphInstance[]; want: ReturnType<typeof summary>; reason?: RegExp }[] = [
  {
    name: 'occurrence stubs fill their slots and hold the pattern',
    instances: allStubs(),
    want: { placed: SLOTS.map((s, n) => `mb${n}@${s}`), missing: [], held: [], unplaced: [] },
  },
  {
    name: 'an exception with a new location is modified in that field',
    instances: replace(allStubs(), 2, exception(2, { location: 'Room 7' })),
    want: { placed: SLOTS.map((s, n) => `mb${n}@${s}${n === 2 ? '*location' : ''}`), missing: [], held: [], unplaced: [] },
  },
  {
    name: 'an exception with the pattern’s values is not modified: nothing that syncs differs (as for Salesforce rows)',
    instances: replace(allStubs(), 2, exception(2)),
    want: { placed: SLOTS.map((s, n) => `mb${n}@${s}`), missing: [], held: [], unplaced: [] },
  },
  {
    name: 'an exception moved to another day keeps its originalStart slot',
    instances: replace(allStubs(), 2, exception(2, { start: '2026-03-18T13:00:00Z', end: '2026-03-18T14:00:00Z' })),
    want: { placed: SLOTS.map((s, n) => `mb${n}@${s}${n === 2 ? '*start,end' : ''}`), missing: [], held: [], unplaced: [] },
  },
  {
    name: '/instances leaves a cancelled occurrence out: its slot is missing',
    instances: without(allStubs(), 1),
    want: { placed: without([...SLOTS], 1).map((s) => `mb${SLOTS.indexOf(s as (typeof SLOTS)[number])}@${s}`), missing: [slot(1)], held: [], unplaced: [] },
  },
  {
    name: 'a cancelled instance from delta (isCancelled) leaves its slot missing too',
    instances: replace(allStubs(), 1, { ...stub(1), cancelled: true }),
    want: { placed: without([...SLOTS], 1).map((s) => `mb${SLOTS.indexOf(s as (typeof SLOTS)[number])}@${s}`), missing: [slot(1)], held: [], unplaced: [] },
  },
  {
    name: 'an exception without originalStart is not placed; the empty slot is held',
    instances: replace(without(allStubs(), 1), 1, { ...exception(2, { subject: 'x' }), originalStart: undefined } as GraphInstance),
    want: { placed: without([...SLOTS], 1, 2).map((s) => `mb${SLOTS.indexOf(s as (typeof SLOTS)[number])}@${s}`), missing: [], held: [slot(1), slot(2)], unplaced: ['mb2'] },
    reason: /no readable originalStart/,
  },
  {
    name: 'an originalStart that is not a slot of the pattern is not placed',
    instances: replace(allStubs(), 4, { ...stub(4), originalStart: '2026-03-30T09:00:00Z' }),
    want: { placed: without([...SLOTS], 4).map((s) => `mb${SLOTS.indexOf(s as (typeof SLOTS)[number])}@${s}`), missing: [], held: [slot(4)], unplaced: ['mb4'] },
    reason: /not a slot of the pattern/,
  },
  {
    name: 'two instances naming one slot: neither is placed',
    instances: [...allStubs(), { ...exception(3), id: 'mbX' }],
    want: { placed: without([...SLOTS], 3).map((s) => `mb${SLOTS.indexOf(s as (typeof SLOTS)[number])}@${s}`), missing: [], held: [slot(3)], unplaced: ['mb3', 'mbX'] },
    reason: /2 instances name slot/,
  },
];

describe('graphSlots', () => {
  for (const c of GRAPH_CASES) {
    it(c.name, () => {
      const got = graphSlots(MASTER, c.instances, WINDOW);
      assert.deepEqual(summary(got), c.want);
      if (c.reason) assert.match(got.unplaced[0]?.reason ?? '', c.reason);
    });
  }

  it('a stub is given the pattern’s fields for its slot (after the DST change: 08:00Z–09:00Z)', () => {
    const got = graphSlots(MASTER, [stub(4)], WINDOW);
    assert.deepEqual(got.placed[0]?.fields, { subject: 'Pipeline review', start: slot(4), end: '2026-03-30T09:00:00Z', location: 'Room 1', showAs: 'busy', reminderMinutes: 15 });
  });

  it('all-day series over the October DST change in Berlin, one Sunday cancelled', () => {
    const master: SeriesMaster = {
      recurrence: { freq: 'weekly', interval: 1, byDay: ['SU'], startDate: '2026-10-18', until: '2026-11-08', timeZone: BERLIN },
      fields: { subject: 'On call', isAllDay: true, start: '2026-10-18', end: '2026-10-19', timeZone: BERLIN },
    };
    const instances: GraphInstance[] = ['2026-10-18', '2026-11-01', '2026-11-08'].map((date, i) => ({ id: `mb${i}`, kind: 'occurrence', fields: {}, originalStart: date }));
    const got = graphSlots(master, instances, { start: '2026-10-01T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    assert.deepEqual(summary(got), { placed: ['mb0@2026-10-18', 'mb1@2026-11-01', 'mb2@2026-11-08'], missing: ['2026-10-25'], held: [], unplaced: [] });
    assert.deepEqual(got.placed[1]?.fields, { subject: 'On call', isAllDay: true, start: '2026-11-01', end: '2026-11-02' });
  });

  it('a series master among the instances is reported', () => {
    const got = graphSlots(MASTER, [...allStubs(), { id: 'm', kind: 'seriesMaster', fields: MASTER.fields }], WINDOW);
    assert.deepEqual(got.unplaced, [{ id: 'm', reason: 'a seriesMaster is not an instance of the series' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// planSeriesInstances
// ---------------------------------------------------------------------------------------------

const hash = (fields: EventFields): Record<string, string> => hashEventFields(comparableEvent(fields), SALT);
/** The per-slot hashes an agreed instance state is stored as. */
const stored = (fields: EventFields): Record<string, string> => {
  const all = hash(fields);
  return Object.fromEntries(INSTANCE_FIELDS.map((f) => [f, all[f]!]));
};
const instanceOf = (n: number, over: EventFields = {}): EventFields => ({ ...BASE, start: slot(n), end: hourFrom(slot(n)), ...over });

function plan(sfRows: SalesforceOccurrenceRow[], mbInstances: GraphInstance[], over: Partial<SeriesPlanInput> = {}) {
  return planSeriesInstances({
    direction: 'both',
    conflictPolicy: 'salesforce_wins',
    agreed: {},
    hash,
    salesforce: assignSalesforceSlots(MASTER, sfRows, WINDOW),
    mailbox: graphSlots(MASTER, mbInstances, WINDOW),
    ...over,
  });
}

describe('planSeriesInstances', () => {
  it('a series unedited on both sides: nothing to do, nothing stored', () => {
    assert.deepEqual(plan(allRows(), allStubs()), { slots: [], agreed: {} });
  });

  it('a subject edited on one Salesforce occurrence goes to the mailbox instance in the same slot', () => {
    const edited = instanceOf(2, { subject: 'Pipeline review (board)' });
    const got = plan(replace(allRows(), 2, sfRow(2, { subject: 'Pipeline review (board)' })), allStubs());
    assert.deepEqual(got.slots, [
      {
        slot: slot(2),
        sfId: 'sf2',
        mbId: 'mb2',
        toMailbox: { op: 'update', id: 'mb2', set: { subject: 'Pipeline review (board)' }, agreed: { subject: hash(edited).subject } },
        conflicts: [],
        reason: 'changed',
      },
    ]);
    // Until the write succeeds, the subject is not agreed: a failed write is retried next pass.
    const { subject: _subject, ...rest } = stored(edited);
    assert.deepEqual(got.agreed, { [slot(2)]: rest });
  });

  it('a Salesforce occurrence moved to another day moves the mailbox instance of its slot (start and end together)', () => {
    const got = plan(replace(without(allRows(), 1), 2, moved(3, '2026-03-24T09:00:00Z')), without(allStubs(), 1));
    assert.deepEqual(
      got.slots.map((s) => [s.slot, s.toMailbox, s.toSalesforce]),
      [[slot(3), { op: 'update', id: 'mb3', set: { start: '2026-03-24T09:00:00Z', end: '2026-03-24T10:00:00Z' }, agreed: { start: hash(instanceOf(3, { start: '2026-03-24T09:00:00Z' })).start, end: hash(instanceOf(3, { end: '2026-03-24T10:00:00Z' })).end } }, undefined]],
    );
  });

  it('a mailbox exception is copied to the Salesforce row of its slot', () => {
    const got = plan(allRows(), replace(allStubs(), 4, exception(4, { location: 'Teams' })));
    assert.deepEqual(got.slots.map((s) => s.toSalesforce), [{ op: 'update', id: 'sf4', set: { location: 'Teams' }, agreed: { location: hash(instanceOf(4, { location: 'Teams' })).location } }]);
  });

  it('once both sides hold the same exception, nothing is written and the agreement is kept', () => {
    const edited = instanceOf(2, { location: 'Teams' });
    const got = plan(replace(allRows(), 2, sfRow(2, { location: 'Teams' })), replace(allStubs(), 2, exception(2, { location: 'Teams' })), {
      agreed: { [slot(2)]: stored(edited) },
    });
    assert.deepEqual(got, { slots: [], agreed: { [slot(2)]: stored(edited) } });
  });

  it('both sides made the same edit: agreed without a write', () => {
    const edited = instanceOf(2, { location: 'Teams' });
    const got = plan(replace(allRows(), 2, sfRow(2, { location: 'Teams' })), replace(allStubs(), 2, exception(2, { location: 'Teams' })));
    assert.deepEqual(got, { slots: [], agreed: { [slot(2)]: stored(edited) } });
  });

  const CONFLICTS: { name: string; over: Partial<SeriesPlanInput>; sfAt?: string; mbAt?: string; winner: 'salesforce' | 'mailbox' }[] = [
    { name: 'salesforce_wins', over: { conflictPolicy: 'salesforce_wins' }, winner: 'salesforce' },
    { name: 'mailbox_wins', over: { conflictPolicy: 'mailbox_wins' }, winner: 'mailbox' },
    { name: 'newest_wins, mailbox edited later', over: { conflictPolicy: 'newest_wins' }, sfAt: '2026-03-10T08:00:00Z', mbAt: '2026-03-10T09:00:00Z', winner: 'mailbox' },
    { name: 'newest_wins, times unknown: Salesforce', over: { conflictPolicy: 'newest_wins' }, winner: 'salesforce' },
    { name: 'one-way to the mailbox: the sender wins whatever the policy', over: { direction: 'salesforce_to_mailbox', conflictPolicy: 'mailbox_wins' }, winner: 'salesforce' },
  ];
  for (const c of CONFLICTS) {
    it(`an exception edited on both sides is a conflict (${c.name})`, () => {
      const sf = { ...sfRow(2, { subject: 'Board review' }), ...(c.sfAt ? { modifiedAt: c.sfAt } : {}) };
      const mb = { ...exception(2, { subject: 'Pipeline review – canceled?' }), ...(c.mbAt ? { modifiedAt: c.mbAt } : {}) };
      const got = plan(replace(allRows(), 2, sf), replace(allStubs(), 2, mb), c.over);
      assert.equal(got.slots.length, 1);
      const [s] = got.slots;
      assert.deepEqual(s?.conflicts, [{ field: 'subject', winner: c.winner }]);
      if (c.winner === 'salesforce') assert.deepEqual([s?.toMailbox?.op === 'update' && s.toMailbox.set, s?.toSalesforce], [{ subject: 'Board review' }, undefined]);
      else assert.deepEqual([s?.toSalesforce?.op === 'update' && s.toSalesforce.set, s?.toMailbox], [{ subject: 'Pipeline review – canceled?' }, undefined]);
    });
  }

  it('time fields conflict as one unit: the winner’s start never meets the loser’s end', () => {
    const got = plan(replace(allRows(), 2, moved(2, '2026-03-17T09:00:00Z')), replace(allStubs(), 2, exception(2, { end: '2026-03-16T11:00:00Z' })), {
      conflictPolicy: 'mailbox_wins',
    });
    const [s] = got.slots;
    assert.deepEqual(s?.conflicts, [
      { field: 'start', winner: 'mailbox' },
      { field: 'end', winner: 'mailbox' },
    ]);
    assert.deepEqual(s?.toSalesforce?.op === 'update' && s.toSalesforce.set, { start: slot(2), end: '2026-03-16T11:00:00Z' });
    assert.equal(s?.toMailbox, undefined);
  });

  it('an occurrence deleted in Salesforce cancels the unedited mailbox occurrence of that slot', () => {
    const got = plan(without(allRows(), 1), allStubs());
    assert.deepEqual(got.slots, [{ slot: slot(1), mbId: 'mb1', toMailbox: { op: 'cancel', id: 'mb1' }, conflicts: [], reason: 'cancelled_in_salesforce' }]);
  });

  it('an occurrence cancelled in the mailbox deletes the unedited Salesforce row of that slot', () => {
    const got = plan(allRows(), without(allStubs(), 1));
    assert.deepEqual(got.slots, [{ slot: slot(1), sfId: 'sf1', toSalesforce: { op: 'cancel', id: 'sf1' }, conflicts: [], reason: 'cancelled_in_mailbox' }]);
  });

  it('cancelled in the mailbox, but edited in Salesforce since: kept, and reported as a conflict', () => {
    const got = plan(replace(allRows(), 1, sfRow(1, { description: 'Bring the forecast' })), without(allStubs(), 1));
    assert.deepEqual(got.slots, [{ slot: slot(1), sfId: 'sf1', conflicts: [{ field: 'cancelled', winner: 'salesforce' }], reason: 'cancel_refused' }]);
  });

  it('cancelled in the mailbox; the Salesforce exception was agreed before and not edited since: cancelled', () => {
    const agreedException = instanceOf(1, { description: 'Bring the forecast' });
    const got = plan(replace(allRows(), 1, sfRow(1, { description: 'Bring the forecast' })), without(allStubs(), 1), {
      agreed: { [slot(1)]: stored(agreedException) },
    });
    assert.deepEqual(got.slots.map((s) => s.toSalesforce), [{ op: 'cancel', id: 'sf1' }]);
    // Kept until the delete succeeds, then forgotten with the slot.
    assert.deepEqual(got.agreed, { [slot(1)]: stored(agreedException) });
  });

  it('deletes not propagated: a cancel on either side leaves the other side’s occurrence alone', () => {
    const fromMailbox = plan(allRows(), without(allStubs(), 1), { propagateDeletes: false });
    assert.deepEqual(fromMailbox.slots, [{ slot: slot(1), sfId: 'sf1', conflicts: [], reason: 'cancelled_in_mailbox' }]);
    const fromSalesforce = plan(without(allRows(), 2), allStubs(), { propagateDeletes: false });
    assert.deepEqual(fromSalesforce.slots, [{ slot: slot(2), mbId: 'mb2', conflicts: [], reason: 'cancelled_in_salesforce' }]);
  });

  it('a cancel not carried over is final: a later edit of the kept occurrence never turns into that cancel', () => {
    const refused = plan(replace(allRows(), 1, sfRow(1, { description: 'Bring the forecast' })), without(allStubs(), 1));
    assert.deepEqual(refused.agreed, { [slot(1)]: { [ONE_SIDED]: 'mailbox' } });
    // The rep takes the edit back: the Salesforce row is plain pattern again, and stays.
    const later = plan(allRows(), without(allStubs(), 1), { agreed: refused.agreed });
    assert.deepEqual(later, { slots: [], agreed: refused.agreed });
    const off = plan(without(allRows(), 2), allStubs(), { propagateDeletes: false });
    assert.deepEqual(off.agreed, { [slot(2)]: { [ONE_SIDED]: 'salesforce' } });
    const on = plan(without(allRows(), 2), allStubs(), { agreed: off.agreed });
    assert.deepEqual(on.slots, [], 'switching propagation on later does not carry an old cancel over');
  });

  it('a slot empty on both sides is forgotten', () => {
    const got = plan(without(allRows(), 1), without(allStubs(), 1), { agreed: { [slot(1)]: stored(instanceOf(1, { subject: 'x' })) } });
    assert.deepEqual(got, { slots: [], agreed: {} });
  });

  it('an exception turned back into the pattern on both sides is forgotten', () => {
    const got = plan(allRows(), allStubs(), { agreed: { [slot(2)]: stored(instanceOf(2, { subject: 'x' })) } });
    assert.deepEqual(got, { slots: [], agreed: {} });
  });

  it('a write that did not land (its field missing from the stored hashes) is planned again', () => {
    const edited = instanceOf(2, { subject: 'Board review' });
    const { subject: _subject, ...partial } = stored(edited);
    const got = plan(replace(allRows(), 2, sfRow(2, { subject: 'Board review' })), allStubs(), { agreed: { [slot(2)]: partial } });
    assert.deepEqual(got.slots.map((s) => s.toMailbox?.op === 'update' && s.toMailbox.set), [{ subject: 'Board review' }]);
  });

  it('one-way to the mailbox: a mailbox edit stays there, a Salesforce edit flows', () => {
    const got = plan(replace(allRows(), 3, sfRow(3, { location: 'HQ' })), replace(allStubs(), 2, exception(2, { location: 'Teams' })), {
      direction: 'salesforce_to_mailbox',
    });
    assert.deepEqual(got.slots.map((s) => [s.slot, s.toMailbox?.op, s.toSalesforce?.op]), [[slot(3), 'update', undefined]]);
  });

  it('one-way to the mailbox: a mailbox cancel is not carried to Salesforce', () => {
    const got = plan(allRows(), without(allStubs(), 1), { direction: 'salesforce_to_mailbox' });
    assert.deepEqual(got.slots, [{ slot: slot(1), sfId: 'sf1', conflicts: [], reason: 'cancelled_in_mailbox' }]);
  });

  it('one-way to Salesforce: a Salesforce deletion does not cancel the mailbox occurrence', () => {
    const got = plan(without(allRows(), 1), allStubs(), { direction: 'mailbox_to_salesforce' });
    assert.deepEqual(got.slots.map((s) => [s.reason, s.toMailbox]), [['cancelled_in_salesforce', undefined]]);
  });

  it('a slot an unplaced Salesforce row may belong to is held: the mailbox occurrence there is not cancelled', () => {
    const agreed: SlotHashes = { [slot(1)]: stored(instanceOf(1)) };
    const got = plan(replace(allRows(), 1, moved(1, '2026-03-17T09:00:00Z')), allStubs(), { agreed });
    assert.deepEqual(got.slots, [{ slot: slot(1), mbId: 'mb1', conflicts: [], reason: 'held' }]);
    assert.deepEqual(got.agreed, agreed);
  });

  it('a slot one side did not list (outside its window) keeps its stored hashes and plans nothing', () => {
    const late = '2026-06-01T08:00:00Z';
    const got = plan(allRows(), allStubs(), { agreed: { [late]: { subject: 'h' } } });
    assert.deepEqual(got, { slots: [], agreed: { [late]: { subject: 'h' } } });
  });

  it('all-day series over the October DST change: a Sunday cancelled in the mailbox deletes the Salesforce row', () => {
    const master: SeriesMaster = {
      recurrence: { freq: 'weekly', interval: 1, byDay: ['SU'], startDate: '2026-10-18', until: '2026-11-08', timeZone: BERLIN },
      fields: { subject: 'On call', isAllDay: true, start: '2026-10-18', end: '2026-10-19', timeZone: BERLIN },
    };
    const dates = ['2026-10-18', '2026-10-25', '2026-11-01', '2026-11-08'];
    const window = { start: '2026-10-01T00:00:00Z', end: '2026-12-01T00:00:00Z' };
    const got = planSeriesInstances({
      direction: 'both',
      conflictPolicy: 'salesforce_wins',
      agreed: {},
      hash,
      salesforce: assignSalesforceSlots(master, dates.map((d, i) => ({ id: `sf${i}`, isException: false, fields: { subject: 'On call', isAllDay: true, start: d, end: nextDay(d) } })), window),
      mailbox: graphSlots(master, without(dates, 1).map((d) => ({ id: `mb-${d}`, kind: 'occurrence', fields: {}, originalStart: d })), window),
    });
    assert.deepEqual(got.slots, [{ slot: '2026-10-25', sfId: 'sf1', toSalesforce: { op: 'cancel', id: 'sf1' }, conflicts: [], reason: 'cancelled_in_mailbox' }]);
  });
});
