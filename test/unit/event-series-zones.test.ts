/**
 * Pairing the slots of a series held in two zones (core/event-series-zones.ts): New York 09:00 is
 * London 14:00, except for the weeks of March when the US already changed clocks and the UK not yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventFields, Recurrence } from '../../companion/src/core/event.ts';
import { assignSalesforceSlots } from '../../companion/src/core/event-series-assign.ts';
import { intoMailboxSlots } from '../../companion/src/core/event-series-zones.ts';
import { seriesSlots } from '../../companion/src/core/event-series.ts';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const WINDOW = { start: '2026-03-01T00:00:00Z', end: '2026-04-06T00:00:00Z' };
const daily = (timeZone: string): Recurrence => ({ freq: 'daily', interval: 1, startDate: '2026-03-02', count: 35, timeZone });
const master = (timeZone: string, start: string): { recurrence: Recurrence; fields: EventFields } => ({
  recurrence: daily(timeZone),
  fields: { subject: 'Pipeline', start, end: new Date(Date.parse(start) + 1_800_000).toISOString().replace('.000Z', 'Z'), isAllDay: false, timeZone, recurrence: daily(timeZone) },
});
// Both start at 14:00Z on 2 March: 09:00 in New York, 14:00 in London.
const MB = master(NY, '2026-03-02T14:00:00Z');
const SF = master(LONDON, '2026-03-02T14:00:00Z');
const mbSlots = seriesSlots(MB.recurrence, WINDOW, '2026-03-02T14:00:00Z').slots;
const sfSlots = seriesSlots(SF.recurrence, WINDOW, '2026-03-02T14:00:00Z').slots;
const rows = sfSlots.map((slot, i) => ({ id: `sf${i}`, fields: { ...SF.fields, recurrence: undefined, start: slot, end: new Date(Date.parse(slot) + 1_800_000).toISOString().replace('.000Z', 'Z') }, isException: false }));

test('every Salesforce slot takes the mailbox slot of its day, in the weeks the zones disagree too', () => {
  assert.equal(mbSlots.length, 35);
  assert.ok(mbSlots.some((slot, i) => slot !== sfSlots[i]), 'some days differ by the clock change');
  const out = intoMailboxSlots(assignSalesforceSlots(SF, rows, WINDOW), SF, MB);
  assert.deepEqual(out.unplaced, []);
  assert.deepEqual(out.placed.map((p) => p.slot), mbSlots);
  assert.ok(out.placed.every((p) => !p.modified), 'unedited rows stay unedited: each is judged by its own pattern');
});

test('a deleted row leaves the mailbox slot of its day empty', () => {
  const out = intoMailboxSlots(assignSalesforceSlots(SF, rows.filter((r) => r.id !== 'sf10'), WINDOW), SF, MB);
  assert.deepEqual(out.missing, [mbSlots[10]]);
});

test('a slot with no counterpart is not guessed: its row is unplaced and no slot counts as deleted', () => {
  const other = { ...MB, recurrence: { ...MB.recurrence, freq: 'weekly' as const, byDay: ['MO' as const] } };
  const out = intoMailboxSlots(assignSalesforceSlots(SF, rows.filter((r) => r.id !== 'sf1'), WINDOW), SF, other);
  assert.ok(out.unplaced.some((u) => u.id === 'sf2' && /no single counterpart/.test(u.reason)));
  assert.deepEqual(out.missing, []);
});
