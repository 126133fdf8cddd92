import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Recurrence, Weekday } from '../../companion/src/core/event.ts';
import {
  nextOccurrences,
  recurrenceFromGraph,
  recurrenceFromRRule,
  recurrenceToGraph,
  recurrenceToRRule,
  sameRecurrence,
} from '../../companion/src/core/recurrence.ts';
import type { GraphPatternedRecurrence } from '../../companion/src/core/recurrence.ts';

const LA = 'America/Los_Angeles';
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

function invalidRecurrence(warnings: { field: string; code: string }[]): boolean {
  return warnings.some((w) => w.field === 'recurrence' && w.code === 'invalid');
}

// ---------------------------------------------------------------------------------------------
// RRULE → canonical: the examples of the Salesforce Event reference ("Lightning Experience Event
// Series and Recurring Events") and the CDC guide's series change event.
// ---------------------------------------------------------------------------------------------

const RRULE_CASES: { name: string; rrule: string; start: string; zone: string; want: Omit<Recurrence, 'timeZone'> }[] = [
  {
    name: 'every day for five days',
    rrule: 'RRULE:FREQ=DAILY;INTERVAL=1;COUNT=5',
    start: '2026-03-02',
    zone: LA,
    want: { freq: 'daily', interval: 1, startDate: '2026-03-02', count: 5 },
  },
  {
    name: 'every weekday, no end',
    rrule: 'RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR',
    start: '2026-03-02',
    zone: LA,
    want: { freq: 'weekly', interval: 1, byDay: ['MO', 'TU', 'WE', 'TH', 'FR'], startDate: '2026-03-02' },
  },
  {
    name: 'every two weeks on Monday and Friday, 10 times (RFC default week start Monday)',
    rrule: 'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;COUNT=10',
    start: '2026-03-02',
    zone: LA,
    want: { freq: 'weekly', interval: 2, byDay: ['MO', 'FR'], weekStart: 'MO', startDate: '2026-03-02', count: 10 },
  },
  {
    name: 'monthly on the 1st until 2020-01-01 10:00Z (02:00 in LA, series starts at midnight)',
    rrule: 'RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1;UNTIL=20200101T100000Z',
    start: '2019-06-01',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byMonthDay: 1, startDate: '2019-06-01', until: '2020-01-01' },
  },
  {
    name: 'monthly on the 1st until 2020-01-01 10:00Z, series at 09:00 LA: the Jan 1 occurrence is after UNTIL',
    rrule: 'RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1;UNTIL=20200101T100000Z',
    start: '2019-06-01T16:00:00Z',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byMonthDay: 1, startDate: '2019-06-01', until: '2019-12-31' },
  },
  {
    name: 'yearly on July 4th for three years',
    rrule: 'RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=7;BYMONTHDAY=4;COUNT=3',
    start: '2026-07-04',
    zone: NY,
    want: { freq: 'yearly', interval: 1, byMonth: 7, byMonthDay: 4, startDate: '2026-07-04', count: 3 },
  },
  {
    name: 'daily until 2022-01-01T00:00Z, Berlin (01:00 local on Jan 1)',
    rrule: 'RRULE:FREQ=DAILY;UNTIL=20220101T000000Z',
    start: '2021-12-01',
    zone: BERLIN,
    want: { freq: 'daily', interval: 1, startDate: '2021-12-01', until: '2022-01-01' },
  },
  {
    name: 'daily until 2022-01-01T00:00Z, New York (19:00 on Dec 31)',
    rrule: 'RRULE:FREQ=DAILY;UNTIL=20220101T000000Z',
    start: '2021-12-01',
    zone: NY,
    want: { freq: 'daily', interval: 1, startDate: '2021-12-01', until: '2021-12-31' },
  },
  {
    name: 'UNTIL as a date (all-day series) is inclusive',
    rrule: 'RRULE:FREQ=DAILY;UNTIL=20220105',
    start: '2022-01-01',
    zone: NY,
    want: { freq: 'daily', interval: 1, startDate: '2022-01-01', until: '2022-01-05' },
  },
  {
    name: 'every third Friday, no end',
    rrule: 'RRULE:FREQ=MONTHLY;BYSETPOS=3;BYDAY=FR',
    start: '2026-01-16',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byDay: ['FR'], setPos: 3, startDate: '2026-01-16' },
  },
  {
    name: 'last weekday of the month',
    rrule: 'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    start: '2026-01-30',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byDay: ['MO', 'TU', 'WE', 'TH', 'FR'], setPos: -1, startDate: '2026-01-30' },
  },
  {
    name: 'first Friday for 10 occurrences (positional BYDAY)',
    rrule: 'RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR',
    start: '2026-01-02',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byDay: ['FR'], setPos: 1, startDate: '2026-01-02', count: 10 },
  },
  {
    name: 'every year on the second Friday of January',
    rrule: 'RRULE:FREQ=YEARLY;BYMONTH=1;BYDAY=FR;BYSETPOS=2',
    start: '2026-01-09',
    zone: LA,
    want: { freq: 'yearly', interval: 1, byMonth: 1, byDay: ['FR'], setPos: 2, startDate: '2026-01-09' },
  },
  {
    name: 'every year on October 31',
    rrule: 'RRULE:FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=31',
    start: '2026-10-31',
    zone: LA,
    want: { freq: 'yearly', interval: 1, byMonth: 10, byMonthDay: 31, startDate: '2026-10-31' },
  },
  {
    name: 'CDC series record: weekly Monday, WKST=SU, 13 times (week start irrelevant at interval 1)',
    rrule: 'RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU;INTERVAL=1;COUNT=13',
    start: '2024-05-06T17:00:00Z',
    zone: LA,
    want: { freq: 'weekly', interval: 1, byDay: ['MO'], startDate: '2024-05-06', count: 13 },
  },
  {
    name: 'implicit parts come from DTSTART: weekly without BYDAY, monthly without day',
    rrule: 'FREQ=WEEKLY;INTERVAL=1',
    start: '2026-03-04',
    zone: LA,
    want: { freq: 'weekly', interval: 1, byDay: ['WE'], startDate: '2026-03-04' },
  },
  {
    name: 'monthly without day uses the start day',
    rrule: 'RRULE:FREQ=MONTHLY',
    start: '2026-03-17',
    zone: LA,
    want: { freq: 'monthly', interval: 1, byMonthDay: 17, startDate: '2026-03-17' },
  },
  {
    name: 'yearly without month or day uses the start date',
    rrule: 'RRULE:FREQ=YEARLY',
    start: '2026-03-17',
    zone: LA,
    want: { freq: 'yearly', interval: 1, byMonth: 3, byMonthDay: 17, startDate: '2026-03-17' },
  },
];

describe('recurrenceFromRRule', () => {
  for (const c of RRULE_CASES) {
    it(c.name, () => {
      const { recurrence, warnings } = recurrenceFromRRule(c.rrule, c.start, c.zone);
      assert.deepEqual(warnings, []);
      assert.deepEqual(recurrence, { ...c.want, timeZone: c.zone });
    });
  }

  const UNEXPRESSIBLE: [string, string][] = [
    ['BYDAY with several positions (Salesforce\'s own unsupported example)', 'RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU'],
    ['BYDAY with the same position on several days', 'RRULE:FREQ=MONTHLY;BYDAY=1MO,1TU'],
    ['BYHOUR', 'RRULE:FREQ=DAILY;BYHOUR=9'],
    ['FREQ=HOURLY', 'RRULE:FREQ=HOURLY;INTERVAL=2'],
    ['several months and days', 'RRULE:FREQ=MONTHLY;BYMONTH=5,9;BYMONTHDAY=7,15'],
    ['BYWEEKNO', 'RRULE:FREQ=YEARLY;BYWEEKNO=20'],
    ['BYYEARDAY', 'RRULE:FREQ=YEARLY;BYYEARDAY=1,100'],
    ['day counted from the month end', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=-1'],
    ['every Friday of the month', 'RRULE:FREQ=MONTHLY;BYDAY=FR'],
    ['fifth Friday', 'RRULE:FREQ=MONTHLY;BYDAY=5FR'],
    ['BYSETPOS -2', 'RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-2'],
    ['both UNTIL and COUNT', 'RRULE:FREQ=DAILY;COUNT=3;UNTIL=20300101T000000Z'],
    ['daily with days', 'RRULE:FREQ=DAILY;BYDAY=MO,TU'],
    ['yearly day without month (every month\'s 5th)', 'RRULE:FREQ=YEARLY;BYMONTHDAY=5'],
    ['monthly with a month', 'RRULE:FREQ=MONTHLY;BYMONTH=3;BYMONTHDAY=5'],
    ['a second line (EXDATE)', 'RRULE:FREQ=DAILY\nEXDATE:20260102'],
    ['an unknown frequency', 'RRULE:FREQ=SOMETIMES'],
    ['positional BYDAY with BYSETPOS', 'RRULE:FREQ=MONTHLY;BYDAY=1FR;BYSETPOS=1'],
  ];
  for (const [name, rrule] of UNEXPRESSIBLE) {
    it(`refuses ${name}`, () => {
      const { recurrence, warnings } = recurrenceFromRRule(rrule, '2026-01-01', LA);
      assert.equal(recurrence, undefined);
      assert.ok(invalidRecurrence(warnings), JSON.stringify(warnings));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Graph → canonical → RRULE → canonical → Graph. Patterns follow the recurrencePattern and
// recurrenceRange resource docs (type, interval, month, dayOfMonth, daysOfWeek, firstDayOfWeek,
// index; range endDate / noEnd / numbered with startDate).
// ---------------------------------------------------------------------------------------------

const GRAPH_CASES: { name: string; graph: GraphPatternedRecurrence; zone: string; want: Omit<Recurrence, 'timeZone'> }[] = [
  {
    name: 'daily every 3 days, 10 occurrences',
    graph: { pattern: { type: 'daily', interval: 3 }, range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 10 } },
    zone: LA,
    want: { freq: 'daily', interval: 3, startDate: '2026-03-02', count: 10 },
  },
  {
    name: 'weekly Monday and Wednesday until a date',
    graph: {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'], firstDayOfWeek: 'sunday' },
      range: { type: 'endDate', startDate: '2026-03-02', endDate: '2026-06-30' },
    },
    zone: NY,
    want: { freq: 'weekly', interval: 1, byDay: ['MO', 'WE'], startDate: '2026-03-02', until: '2026-06-30' },
  },
  {
    name: 'every other Tuesday, week starting Monday, no end',
    graph: {
      pattern: { type: 'weekly', interval: 2, daysOfWeek: ['tuesday'], firstDayOfWeek: 'monday' },
      range: { type: 'noEnd', startDate: '2026-03-03' },
    },
    zone: BERLIN,
    want: { freq: 'weekly', interval: 2, byDay: ['TU'], weekStart: 'MO', startDate: '2026-03-03' },
  },
  {
    name: 'absoluteMonthly on the 15th',
    graph: { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }, range: { type: 'noEnd', startDate: '2026-03-15' } },
    zone: LA,
    want: { freq: 'monthly', interval: 1, byMonthDay: 15, startDate: '2026-03-15' },
  },
  {
    name: 'relativeMonthly last Friday every 2 months',
    graph: {
      pattern: { type: 'relativeMonthly', interval: 2, daysOfWeek: ['friday'], index: 'last' },
      range: { type: 'numbered', startDate: '2026-01-30', numberOfOccurrences: 6 },
    },
    zone: LA,
    want: { freq: 'monthly', interval: 2, byDay: ['FR'], setPos: -1, startDate: '2026-01-30', count: 6 },
  },
  {
    name: 'relativeMonthly first weekday',
    graph: {
      pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], index: 'first' },
      range: { type: 'noEnd', startDate: '2026-01-01' },
    },
    zone: LA,
    want: { freq: 'monthly', interval: 1, byDay: ['MO', 'TU', 'WE', 'TH', 'FR'], setPos: 1, startDate: '2026-01-01' },
  },
  {
    name: 'absoluteYearly March 15',
    graph: { pattern: { type: 'absoluteYearly', interval: 1, month: 3, dayOfMonth: 15 }, range: { type: 'noEnd', startDate: '2026-03-15' } },
    zone: LA,
    want: { freq: 'yearly', interval: 1, byMonth: 3, byMonthDay: 15, startDate: '2026-03-15' },
  },
  {
    name: 'relativeYearly fourth Thursday of November',
    graph: {
      pattern: { type: 'relativeYearly', interval: 1, month: 11, daysOfWeek: ['thursday'], index: 'fourth' },
      range: { type: 'endDate', startDate: '2026-11-26', endDate: '2030-12-31' },
    },
    zone: NY,
    want: { freq: 'yearly', interval: 1, byMonth: 11, byDay: ['TH'], setPos: 4, startDate: '2026-11-26', until: '2030-12-31' },
  },
  {
    name: 'relativeYearly first weekend day of January (several weekdays: BYDAY list + BYSETPOS)',
    graph: {
      pattern: { type: 'relativeYearly', interval: 1, month: 1, daysOfWeek: ['saturday', 'sunday'], index: 'first' },
      range: { type: 'noEnd', startDate: '2026-01-03' },
    },
    zone: NY,
    want: { freq: 'yearly', interval: 1, byMonth: 1, byDay: ['SA', 'SU'], setPos: 1, startDate: '2026-01-03' },
  },
];

describe('recurrenceFromGraph and the round trip through RRULE', () => {
  for (const c of GRAPH_CASES) {
    it(c.name, () => {
      const first = recurrenceFromGraph(c.graph, c.zone);
      assert.deepEqual(first.warnings, []);
      assert.deepEqual(first.recurrence, { ...c.want, timeZone: c.zone });
      const recurrence = first.recurrence as Recurrence;

      const rrule = recurrenceToRRule(recurrence);
      assert.deepEqual(rrule.warnings, []);
      const back = recurrenceFromRRule(rrule.text as string, recurrence.startDate, c.zone);
      assert.deepEqual(back.warnings, []);
      assert.deepEqual(back.recurrence, recurrence);

      const graph = recurrenceToGraph(back.recurrence as Recurrence);
      assert.deepEqual(graph.warnings, []);
      assert.deepEqual(graph.value, c.graph);
    });
  }

  it('reads recurrenceTimeZone (a Windows name) as the series zone', () => {
    const { recurrence, warnings } = recurrenceFromGraph(
      { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01', recurrenceTimeZone: 'Pacific Standard Time' } },
      NY,
    );
    assert.deepEqual(warnings, []);
    assert.equal(recurrence?.timeZone, LA);
  });

  it('ignores the endDate Graph reports on open and numbered ranges', () => {
    const { recurrence } = recurrenceFromGraph(
      { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01', endDate: '0001-01-01' } },
      NY,
    );
    assert.equal(recurrence?.until, undefined);
  });

  it('reads the zero-filled patterns Graph returns (unused month/dayOfMonth 0, index "first")', () => {
    const { recurrence, warnings } = recurrenceFromGraph(
      {
        pattern: { type: 'weekly', interval: 1, month: 0, dayOfMonth: 0, daysOfWeek: ['friday', 'monday'], firstDayOfWeek: 'sunday', index: 'first' },
        range: { type: 'noEnd', startDate: '2026-01-05', endDate: '0001-01-01', recurrenceTimeZone: 'Eastern Standard Time', numberOfOccurrences: 0 },
      },
      LA,
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(recurrence, { freq: 'weekly', interval: 1, byDay: ['MO', 'FR'], startDate: '2026-01-05', timeZone: NY });
  });

  it('takes index "first" and week start Sunday as Graph defaults', () => {
    const monthly = recurrenceFromGraph(
      { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['monday'] }, range: { type: 'noEnd', startDate: '2026-01-05' } },
      NY,
    );
    assert.equal(monthly.recurrence?.setPos, 1);
    const weekly = recurrenceFromGraph(
      { pattern: { type: 'weekly', interval: 3, daysOfWeek: ['monday'] }, range: { type: 'noEnd', startDate: '2026-01-05' } },
      NY,
    );
    assert.equal(weekly.recurrence?.weekStart, 'SU');
  });

  const BAD_GRAPH: [string, GraphPatternedRecurrence][] = [
    ['an unknown pattern type', { pattern: { type: 'hourly' as 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } }],
    ['weekly without days', { pattern: { type: 'weekly', interval: 1 }, range: { type: 'noEnd', startDate: '2026-01-01' } }],
    ['an unknown weekday', { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['funday'] }, range: { type: 'noEnd', startDate: '2026-01-01' } }],
    ['interval 0', { pattern: { type: 'daily', interval: 0 }, range: { type: 'noEnd', startDate: '2026-01-01' } }],
    ['endDate range without endDate', { pattern: { type: 'daily', interval: 1 }, range: { type: 'endDate', startDate: '2026-01-01' } }],
    ['numbered range without a count', { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-01-01' } }],
    ['absoluteYearly without month', { pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 3 }, range: { type: 'noEnd', startDate: '2026-01-03' } }],
    [
      'the docs\' "second Thursday or Friday" (several days other than weekdays/weekend/all: meaning not settled)',
      { pattern: { type: 'relativeMonthly', interval: 3, daysOfWeek: ['thursday', 'friday'], index: 'second' }, range: { type: 'noEnd', startDate: '2026-01-08' } },
    ],
    ['an end before the start', { pattern: { type: 'daily', interval: 1 }, range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-01-01' } }],
  ];
  for (const [name, graph] of BAD_GRAPH) {
    it(`refuses ${name}`, () => {
      const { recurrence, warnings } = recurrenceFromGraph(graph, NY);
      assert.equal(recurrence, undefined);
      assert.ok(invalidRecurrence(warnings), JSON.stringify(warnings));
    });
  }
});

describe('recurrenceToRRule', () => {
  it('writes the parts in the order Salesforce stores them, INTERVAL always present', () => {
    const { text } = recurrenceToRRule({
      freq: 'yearly',
      interval: 1,
      byMonth: 1,
      byDay: ['FR'],
      setPos: 2,
      startDate: '2026-01-09',
      count: 3,
      timeZone: LA,
    });
    assert.equal(text, 'RRULE:FREQ=YEARLY;BYMONTH=1;BYDAY=FR;BYSETPOS=2;INTERVAL=1;COUNT=3');
  });

  it('places UNTIL at the last second of the end date in the series zone, across DST', () => {
    // 2026-03-29 is the EU spring-forward day: local midnight of the 30th is 22:00Z on the 29th.
    const { text } = recurrenceToRRule({ freq: 'daily', interval: 1, startDate: '2026-03-01', until: '2026-03-29', timeZone: BERLIN });
    assert.equal(text, 'RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20260329T215959Z');
    const { text: winter } = recurrenceToRRule({ freq: 'daily', interval: 1, startDate: '2026-01-01', until: '2026-01-10', timeZone: LA });
    assert.equal(winter, 'RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20260111T075959Z');
  });

  it('keeps the last occurrence, whatever its time of day, through RRULE and back', () => {
    const r: Recurrence = { freq: 'weekly', interval: 1, byDay: ['FR'], startDate: '2026-01-02', until: '2026-01-30', timeZone: NY };
    const { text } = recurrenceToRRule(r);
    // A series at 23:30 New York on Fridays: the occurrence on the 30th is at 04:30Z on the 31st.
    const back = recurrenceFromRRule(text as string, '2026-01-03T04:30:00Z', NY);
    assert.deepEqual(back.recurrence, r);
  });

  it('refuses a shape no side shares', () => {
    const { text, warnings } = recurrenceToRRule({ freq: 'monthly', interval: 1, byDay: ['FR'], startDate: '2026-01-02', timeZone: NY });
    assert.equal(text, undefined);
    assert.ok(invalidRecurrence(warnings));
    assert.equal(recurrenceToGraph({ freq: 'monthly', interval: 1, byDay: ['FR'], startDate: '2026-01-02', timeZone: NY }).value, undefined);
  });

  it('treats week start as meaningless at interval 1', () => {
    const base: Recurrence = { freq: 'weekly', interval: 1, byDay: ['MO'], startDate: '2026-01-05', timeZone: NY };
    assert.ok(sameRecurrence(base, { ...base, weekStart: 'SU' }));
    assert.ok(!sameRecurrence({ ...base, interval: 2, weekStart: 'MO' }, { ...base, interval: 2, weekStart: 'SU' }));
  });
});

describe('nextOccurrences', () => {
  it('monthly on the last Friday', () => {
    const r: Recurrence = { freq: 'monthly', interval: 1, byDay: ['FR'], setPos: -1, startDate: '2026-01-01', timeZone: LA };
    assert.deepEqual(nextOccurrences(r, 5), ['2026-01-30', '2026-02-27', '2026-03-27', '2026-04-24', '2026-05-29']);
  });

  it('yearly on the fourth Thursday of November', () => {
    const r: Recurrence = { freq: 'yearly', interval: 1, byMonth: 11, byDay: ['TH'], setPos: 4, startDate: '2026-01-01', timeZone: NY };
    assert.deepEqual(nextOccurrences(r, 3), ['2026-11-26', '2027-11-25', '2028-11-23']);
  });

  it('yearly on July 4th, three times (Salesforce example)', () => {
    const r = recurrenceFromRRule('RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=7;BYMONTHDAY=4;COUNT=3', '2026-07-04', NY).recurrence as Recurrence;
    assert.deepEqual(nextOccurrences(r, 10), ['2026-07-04', '2027-07-04', '2028-07-04']);
  });

  it('puts day 31 on the last day of shorter months, as Outlook and Salesforce do', () => {
    const r: Recurrence = { freq: 'monthly', interval: 1, byMonthDay: 31, startDate: '2026-01-31', timeZone: NY };
    assert.deepEqual(nextOccurrences(r, 4), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
  });

  it('every two weeks on Monday and Friday', () => {
    const r: Recurrence = { freq: 'weekly', interval: 2, byDay: ['MO', 'FR'], weekStart: 'MO', startDate: '2026-03-02', timeZone: NY };
    assert.deepEqual(nextOccurrences(r, 4), ['2026-03-02', '2026-03-06', '2026-03-16', '2026-03-20']);
  });

  it('keeps an inclusive end date', () => {
    const r: Recurrence = { freq: 'daily', interval: 2, startDate: '2026-03-01', until: '2026-03-05', timeZone: NY };
    assert.deepEqual(nextOccurrences(r, 10), ['2026-03-01', '2026-03-03', '2026-03-05']);
  });

  it('returns nothing for an unsupported shape', () => {
    assert.deepEqual(nextOccurrences({ freq: 'daily', interval: 0, startDate: '2026-03-01', timeZone: NY }, 3), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: every supported pattern survives canonical → RRULE → canonical and
// canonical → Graph → canonical unchanged, and names the same dates.
// ---------------------------------------------------------------------------------------------

const DAYS: Weekday[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const ZONES = [LA, NY, BERLIN, 'Asia/Tokyo', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Australia/Lord_Howe', 'UTC'];

function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const relativeDays = fc.oneof(
  fc.constantFrom(...DAYS).map((day) => [day]),
  fc.constantFrom<Weekday[]>(['MO', 'TU', 'WE', 'TH', 'FR'], ['SA', 'SU'], DAYS),
);
const setPos = fc.constantFrom<NonNullable<Recurrence['setPos']>>(1, 2, 3, 4, -1);

const shape: fc.Arbitrary<Partial<Recurrence>> = fc.oneof(
  fc.constant({ freq: 'daily' as const }),
  fc.record({
    freq: fc.constant('weekly' as const),
    byDay: fc.subarray(DAYS, { minLength: 1 }),
    weekStart: fc.constantFrom(...DAYS),
  }),
  fc.record({ freq: fc.constant('monthly' as const), byMonthDay: fc.integer({ min: 1, max: 31 }) }),
  fc.record({ freq: fc.constant('monthly' as const), byDay: relativeDays, setPos }),
  fc.record({ freq: fc.constant('yearly' as const), byMonth: fc.integer({ min: 1, max: 12 }), byMonthDay: fc.integer({ min: 1, max: 28 }) }),
  fc.record({ freq: fc.constant('yearly' as const), byMonth: fc.integer({ min: 1, max: 12 }), byDay: relativeDays, setPos }),
);

const pattern: fc.Arbitrary<Recurrence> = fc
  .record({
    shape,
    interval: fc.integer({ min: 1, max: 4 }),
    start: fc.integer({ min: 0, max: 3650 }).map((days) => plusDays('2020-01-01', days)),
    timeZone: fc.constantFrom(...ZONES),
    end: fc.oneof(
      fc.constant({}),
      fc.record({ count: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ untilAfter: fc.integer({ min: 0, max: 900 }) }),
    ),
  })
  .map(({ shape: s, interval, start, timeZone, end }) => {
    const r = { ...s, interval, startDate: start, timeZone } as Recurrence;
    if ('count' in end) r.count = end.count;
    if ('untilAfter' in end) r.until = plusDays(start, end.untilAfter);
    return r;
  });

describe('round-trip property', () => {
  it('canonical → RRULE → canonical and → Graph → canonical agree and keep the dates', () => {
    fc.assert(
      fc.property(pattern, (r) => {
        const graph = recurrenceToGraph(r);
        assert.deepEqual(graph.warnings, []);
        const viaGraph = recurrenceFromGraph(graph.value as GraphPatternedRecurrence, r.timeZone);
        assert.deepEqual(viaGraph.warnings, []);
        assert.ok(sameRecurrence(viaGraph.recurrence, r));

        const rrule = recurrenceToRRule(r);
        assert.deepEqual(rrule.warnings, []);
        const viaRRule = recurrenceFromRRule(rrule.text as string, r.startDate, r.timeZone);
        assert.deepEqual(viaRRule.warnings, []);
        assert.deepEqual(viaRRule.recurrence, viaGraph.recurrence);
        assert.deepEqual(nextOccurrences(viaRRule.recurrence as Recurrence, 15), nextOccurrences(r, 15));
      }),
      { numRuns: 300 },
    );
  });
});
