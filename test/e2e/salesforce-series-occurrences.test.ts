/**
 * SalesforcePort.seriesOccurrences against the org emulator: series made and edited through
 * jsforce (as a client would), read back through the connector as the integration user.
 *
 * The org's clock is fixed at 2025-07-10T12:00Z so a pattern change has past occurrences to
 * keep as historical (IsRecurrence2Exclusion).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'jsforce';
import type { OrgEmulator } from '../../sandbox/salesforce/index.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../companion/src/connectors/salesforce/index.ts';
import type { SalesforceOccurrence } from '../../companion/src/ports/salesforce.ts';
import { addRep, connectorOrgHooks, orgClient } from '../support/salesforce-connector-setup.ts';

const ZONE = 'Europe/Berlin';
const NOW = Date.parse('2025-07-10T12:00:00Z');
const DOMAIN = 'series-occ.example';

let org: OrgEmulator;
let sf: SalesforceConnector;
let conn: Connection;

type SaveResult = { success: boolean; id?: string; errors: unknown[] };

const newRep = (): string => addRep(org, DOMAIN, { timeZoneSidKey: ZONE }).id;

async function insertEvent(fields: Record<string, unknown>): Promise<string> {
  const r = (await conn.sobject('Event').create(fields)) as SaveResult;
  assert.ok(r.success && r.id, JSON.stringify(r));
  return r.id;
}

/** A daily series of `count` 30-minute occurrences from `start`, owned by the rep. */
const insertSeries = (rep: string, subject: string, start: string, count: number): Promise<string> =>
  insertEvent({
    OwnerId: rep,
    Subject: subject,
    StartDateTime: start,
    EndDateTime: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    IsRecurrence2: true,
    Recurrence2PatternText: `RRULE:FREQ=DAILY;COUNT=${count}`,
  });

const seriesKeyOf = (id: string): unknown => org.records('Event').find((e) => e.Id === id)?.ActivityRecurrence2Id;

async function occurrencesOf(id: string): Promise<SalesforceOccurrence[]> {
  const map = await sf.seriesOccurrences([id], ZONE);
  const list = map.get(id);
  assert.ok(list, `series ${id} is in the map`);
  return list;
}

connectorOrgHooks({ name: 'seriesocc', domain: DOMAIN, now: () => NOW }, (s) => {
  org = s.org;
  conn = orgClient(s.org, s.integrationId);
  return (sf = createSalesforceConnector(s.options));
});

test('seriesOccurrences: every occurrence in order; an edited one is an exception, a deleted one is gone; the series record carries the key', async () => {
  const rep = newRep();
  const seriesId = await insertSeries(rep, 'Daily sync', '2025-07-14T07:00:00Z', 5);

  let list = await occurrencesOf(seriesId);
  assert.deepEqual(
    list.map((o) => o.fields.start),
    ['2025-07-14', '2025-07-15', '2025-07-16', '2025-07-17', '2025-07-18'].map((d) => `${d}T07:00:00Z`),
  );
  assert.ok(list.every((o) => !o.isException && o.fields.subject === 'Daily sync'));
  assert.ok(!list.some((o) => o.id === seriesId), 'the series record is not an occurrence');
  for (const o of list) {
    const row = org.records('Event').find((e) => e.Id === o.id);
    assert.equal(o.version, row?.SystemModstamp);
    assert.equal(o.modifiedAt, row?.SystemModstamp);
  }

  const [, second, third] = list.map((o) => o.id);
  assert.ok(second && third);
  await conn.sobject('Event').update({ Id: second, Subject: 'Moved sync', StartDateTime: '2025-07-15T09:00:00Z', EndDateTime: '2025-07-15T09:30:00Z' });
  await conn.sobject('Event').destroy(third);

  list = await occurrencesOf(seriesId);
  assert.equal(list.length, 4);
  assert.ok(!list.some((o) => o.id === third), 'the deleted occurrence is gone');
  const moved = list.find((o) => o.id === second);
  assert.deepEqual([moved?.isException, moved?.fields.subject, moved?.fields.start, moved?.fields.end], [true, 'Moved sync', '2025-07-15T09:00:00Z', '2025-07-15T09:30:00Z']);
  assert.deepEqual(list.filter((o) => o.id !== second).map((o) => o.isException), [false, false, false]);

  // The key the series record carries is what every occurrence names as its series.
  const key = seriesKeyOf(seriesId);
  assert.equal(typeof key, 'string');
  const listed = await sf.listOwnedEvents(rep, { start: '2025-07-13T00:00:00Z', end: '2025-07-20T00:00:00Z' }, ZONE);
  const master = listed.find((e) => e.id === seriesId);
  assert.equal(master?.data.kind, 'seriesMaster');
  assert.equal(master?.seriesKey, key);
  const listedOccurrences = listed.filter((e) => e.id !== seriesId);
  assert.equal(listedOccurrences.length, 4);
  assert.ok(listedOccurrences.every((e) => e.data.seriesMasterId === master?.seriesKey && e.seriesKey === undefined), 'occurrences carry no seriesKey');
  const [got] = await sf.getEvents([seriesId], ZONE);
  assert.equal(got?.seriesKey, key);
});

test('seriesOccurrences: keyed by the ids as given (15 or 18 characters); gone series and non-series events are absent', async () => {
  const rep = newRep();
  const a = await insertSeries(rep, 'Series A', '2025-07-21T08:00:00Z', 2);
  const b = await insertSeries(rep, 'Series B', '2025-07-22T08:00:00Z', 3);
  const gone = await insertSeries(rep, 'Series gone', '2025-07-23T08:00:00Z', 2);
  const single = await insertEvent({ OwnerId: rep, Subject: 'Single', StartDateTime: '2025-07-21T10:00:00Z', EndDateTime: '2025-07-21T11:00:00Z' });
  await conn.sobject('Event').destroy(gone);
  const b15 = b.slice(0, 15);
  assert.equal(a.length, 18);

  const aFirst = (await occurrencesOf(a))[0]?.id;
  assert.ok(aFirst);
  const map = await sf.seriesOccurrences([a, b15, gone, single, aFirst, 'not-an-id', '001000000000001AAA'], ZONE);
  assert.deepEqual([...map.keys()].sort(), [a, b15].sort(), 'only the series records that exist, under the ids given');
  assert.equal(map.get(a)?.length, 2);
  assert.deepEqual(map.get(b15)?.map((o) => o.fields.start), ['2025-07-22T08:00:00Z', '2025-07-23T08:00:00Z', '2025-07-24T08:00:00Z']);
  assert.ok(map.get(b15)?.every((o) => o.fields.subject === 'Series B'));

  // A series whose every occurrence was deleted maps to [].
  for (const o of map.get(a) ?? []) await conn.sobject('Event').destroy(o.id);
  const emptied = await sf.seriesOccurrences([a], ZONE);
  assert.deepEqual(emptied.get(a), []);
  assert.deepEqual([...(await sf.seriesOccurrences([], ZONE)).keys()], []);
});

test('seriesOccurrences: after a pattern change the historical (past) occurrences are left out', async () => {
  const rep = newRep();
  // Daily from 8 July; the org's clock is 10 July 12:00Z, so 8, 9 and 10 July are past.
  const seriesId = await insertSeries(rep, 'Changing', '2025-07-08T08:00:00Z', 5);
  assert.equal((await occurrencesOf(seriesId)).length, 5);

  await conn.sobject('Event').update({ Id: seriesId, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=6' });
  const key = seriesKeyOf(seriesId);
  const historical = org.records('Event').filter((e) => e.ActivityRecurrence2Id === key && e.IsRecurrence2Exclusion === true);
  assert.equal(historical.length, 3, 'the emulator kept the three past occurrences as historical');

  const list = await occurrencesOf(seriesId);
  assert.deepEqual(
    list.map((o) => o.fields.start),
    ['2025-07-11', '2025-07-12', '2025-07-13'].map((d) => `${d}T08:00:00Z`),
    'only the regenerated future occurrences',
  );
  assert.ok(!list.some((o) => historical.some((h) => h.Id === o.id)));
});
