/**
 * A series pattern told in the rep's zone (core/recurrence-zone.ts): the days it names move with
 * the first start's date, so each occurrence keeps its instant (an hour's DST drift aside), and a
 * pattern whose days cannot follow is refused rather than written a day off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recurrence } from '../../companion/src/core/event.ts';
import { eventModel } from '../../companion/src/core/event-plan.ts';
import { recurrenceInZone } from '../../companion/src/core/recurrence-zone.ts';
import { nextOccurrences } from '../../companion/src/core/recurrence.ts';
import { fromSalesforceEvent, toSalesforceEvent } from '../../companion/src/core/salesforce-event.ts';
import { parseInstant, utcToZoned, zonedToUtc } from '../../companion/src/core/timezones.ts';

const LA = 'America/Los_Angeles';
const SYDNEY = 'Australia/Sydney';
const LONDON = 'Europe/London';
const NY = 'America/New_York';
// Monday 1 June 2026, 17:00 in Los Angeles = Tuesday 2 June, 10:00 in Sydney.
const START = '2026-06-02T00:00:00Z';
const weekly: Recurrence = { freq: 'weekly', interval: 1, byDay: ['MO', 'WE'], startDate: '2026-06-01', count: 12, timeZone: LA };

test('a weekly pattern names the next days where the first start falls a day later', () => {
  assert.deepEqual(recurrenceInZone(weekly, START, SYDNEY).recurrence, { ...weekly, byDay: ['TU', 'TH'], startDate: '2026-06-02', timeZone: SYDNEY });
  assert.deepEqual(recurrenceInZone({ ...weekly, byDay: ['SU'], startDate: '2026-05-31', count: undefined, until: '2026-08-30' }, '2026-06-01T00:00:00Z', SYDNEY).recurrence, {
    ...weekly,
    byDay: ['MO'],
    startDate: '2026-06-01',
    count: undefined,
    until: '2026-08-31',
    timeZone: SYDNEY,
  });
  // Every other week: the week start moves too, so the same weeks are kept.
  assert.equal(recurrenceInZone({ ...weekly, interval: 2, weekStart: 'SU' }, START, SYDNEY).recurrence?.weekStart, 'MO');
  // Earlier: Tuesday 00:30 in London (summer) is Monday 19:30 in New York.
  assert.deepEqual(recurrenceInZone({ ...weekly, byDay: ['TU'], startDate: '2026-06-02', timeZone: LONDON }, '2026-06-01T23:30:00Z', NY).recurrence?.byDay, ['MO']);
});

test('the same date in both zones, or an all-day series, only changes the zone', () => {
  assert.deepEqual(recurrenceInZone(weekly, '2026-06-01T16:00:00Z', NY).recurrence, { ...weekly, timeZone: NY });
  assert.deepEqual(recurrenceInZone(weekly, '2026-06-01', SYDNEY).recurrence, { ...weekly, timeZone: SYDNEY });
});

test('each occurrence keeps its instant, give or take the hours two zones change clocks apart', () => {
  // Sixty occurrences cross both zones' clock changes (March and November there, April and October here).
  const long = { ...weekly, count: 60 };
  const there = recurrenceInZone(long, START, SYDNEY).recurrence!;
  const at = (date: string, time: string, zone: string) => parseInstant(zonedToUtc(`${date}T${time}`, zone));
  const la = nextOccurrences(long, 60).map((d) => at(d, '17:00:00', LA));
  const sydney = nextOccurrences(there, 60).map((d) => at(d, utcToZoned(START, SYDNEY).slice(11), SYDNEY));
  assert.equal(sydney.length, 60);
  // Up to two hours: the hemispheres change clocks in opposite directions.
  sydney.forEach((ms, i) => assert.ok(Math.abs(ms - la[i]!) <= 2 * 3_600_000, `occurrence ${i}`));
  assert.ok(sydney.some((ms, i) => ms !== la[i]), 'the drift is real, not assumed away');
});

test('days of the month move within the month; what cannot follow is a problem, not a guess', () => {
  const monthly: Recurrence = { freq: 'monthly', interval: 1, byMonthDay: 15, startDate: '2026-06-15', timeZone: LA };
  assert.equal(recurrenceInZone(monthly, '2026-06-16T00:00:00Z', SYDNEY).recurrence?.byMonthDay, 16);
  assert.match(recurrenceInZone({ ...monthly, byMonthDay: 28, startDate: '2026-06-28' }, '2026-06-29T00:00:00Z', SYDNEY).problem ?? '', /day 28 of the month/);
  const secondMonday: Recurrence = { freq: 'monthly', interval: 1, byDay: ['MO'], setPos: 2, startDate: '2026-06-08', timeZone: LA };
  assert.match(recurrenceInZone(secondMonday, '2026-06-09T00:00:00Z', SYDNEY).problem ?? '', /n-th weekday/);
  assert.equal(recurrenceInZone(secondMonday, '2026-06-08T07:00:00Z', SYDNEY).problem, undefined, 'no move, no problem');
});

test('Salesforce gets the rep’s days, and reads back a pattern that compares equal', () => {
  const fields = { subject: 'US pipeline call', start: START, end: '2026-06-02T00:30:00Z', isAllDay: false, recurrence: weekly };
  const { record, errors, warnings } = toSalesforceEvent(fields, { userTimeZone: SYDNEY });
  assert.deepEqual(errors, []);
  assert.equal(record.Recurrence2PatternText, 'RRULE:FREQ=WEEKLY;BYDAY=TU,TH;INTERVAL=1;COUNT=12');
  assert.ok(warnings.some((w) => w.field === 'recurrence' && w.code === 'dropped' && /days moved/.test(w.message)));
  const back = fromSalesforceEvent(
    { Id: '00U1', GroupEventType: '3', IsRecurrence2: true, Subject: fields.subject, StartDateTime: START, EndDateTime: fields.end, DurationInMinutes: 30, Recurrence2PatternText: String(record.Recurrence2PatternText), Recurrence2PatternTimeZone: SYDNEY },
    { userTimeZone: SYDNEY },
  ).event.fields;
  assert.deepEqual(back.recurrence?.byDay, ['TU', 'TH']);
  const model = eventModel('zone-test');
  assert.equal(model.hash(back).recurrence, model.hash(fields).recurrence, 'the same instants are the same pattern');
  assert.notEqual(model.hash({ ...back, recurrence: { ...back.recurrence!, byDay: ['MO', 'WE'] } }).recurrence, model.hash(fields).recurrence);

  const refused = toSalesforceEvent({ ...fields, recurrence: { freq: 'monthly', interval: 1, byDay: ['MO'], setPos: 1, startDate: '2026-06-01', timeZone: LA } }, { userTimeZone: SYDNEY });
  assert.deepEqual(refused.record, {});
  assert.match(refused.errors[0]?.message ?? '', /rep's zone Australia\/Sydney, and it repeats on days of America\/Los_Angeles/);
});
