/**
 * The Salesforce connector's Event methods against the org emulator: SOQL reads over a window as
 * the integration user, sObject Collections writes as the rep, per-item results, and
 * EventChangeEvent over CDC.
 *
 * One org for the file; every test makes its own reps and events so none depends on another.
 * Reps live in Europe/Berlin (UTC+2 in summer), so a rep's dates and UTC dates differ at night.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrgEmulator } from '../../sandbox/salesforce/index.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../companion/src/connectors/salesforce/index.ts';
import type { RecordChangeEvent, SalesforceEvent } from '../../companion/src/ports/salesforce.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';
import { addRep, connectorOrgHooks, okId, seedTimedEvent, until } from '../support/salesforce-connector-setup.ts';

const CLIENT = 'syncline';
const ZONE = 'Europe/Berlin';
const DOMAIN = 'events-connector.example';

let org: OrgEmulator;
let sf: SalesforceConnector;
const clockMs = Date.now();
let integrationId: string;
const logs: Array<{ level: LogLevel; msg: string; data?: Record<string, unknown> }> = [];

const newRep = (): string => addRep(org, DOMAIN, { timeZoneSidKey: ZONE }).id;

function event(id: string): Record<string, unknown> | undefined {
  return org.records('Event').find((e) => e.Id === id);
}

const seedTimed = (rep: string, subject: string, start: string, minutes: number, extra: Record<string, unknown> = {}): string =>
  seedTimedEvent(org, rep, subject, start, minutes, extra);

/** An all-day event seeded straight into the org: `days` dates from `first`. */
function seedAllDay(rep: string, subject: string, first: string, days: number): string {
  return org.insert('Event', { Subject: subject, IsAllDayEvent: true, ActivityDate: first, DurationInMinutes: days * 1440 }, rep);
}

const byId = (list: SalesforceEvent[], id: string): SalesforceEvent | undefined => list.find((e) => e.id === id);

connectorOrgHooks({ name: 'events', domain: DOMAIN, now: () => clockMs }, (s) => {
  ({ org, integrationId } = s);
  return (sf = createSalesforceConnector({
    ...s.options,
    clientIdForCallOptions: CLIENT,
    log: (level, msg, data) => logs.push({ level, msg, ...(data ? { data } : {}) }),
  }));
});

// The window is 10 and 11 July in Berlin: 2025-07-09T22:00Z up to 2025-07-11T22:00Z.
const WINDOW = { start: '2025-07-09T22:00:00Z', end: '2025-07-11T22:00:00Z' };

test('listOwnedEvents: timed events by their instants, all-day events by their dates in the rep zone; invitee copies and other owners left out', async () => {
  const rep = newRep();
  const colleague = newRep();
  const inside = seedTimed(rep, 'Inside', '2025-07-10T10:00:00Z', 60, { Location: 'Room 1' });
  const overlapsStart = seedTimed(rep, 'Overlaps start', '2025-07-09T21:00:00Z', 120);
  const overlapsEnd = seedTimed(rep, 'Overlaps end', '2025-07-11T21:30:00Z', 60);
  seedTimed(rep, 'Ends as the window starts', '2025-07-09T21:00:00Z', 60);
  seedTimed(rep, 'Later', '2025-07-14T10:00:00Z', 60);
  const allDayInside = seedAllDay(rep, 'Offsite', '2025-07-11', 1);
  const longAllDay = seedAllDay(rep, 'Conference', '2025-07-01', 10);
  seedAllDay(rep, 'Earlier trip', '2025-07-01', 3);
  // 9 July is inside the window's UTC dates (it starts 22:00Z on the 9th) but not the rep's.
  seedAllDay(rep, 'Day before in Berlin', '2025-07-09', 1);
  seedAllDay(rep, 'Day after', '2025-07-12', 1);
  // The colleague's meeting, with the rep invited: the rep gets an invitee copy (IsChild).
  const theirs = seedTimed(colleague, 'Their meeting', '2025-07-10T12:00:00Z', 30);
  org.insert('EventRelation', { EventId: theirs, RelationId: rep }, colleague);
  const copy = org.records('Event').find((e) => e.OwnerId === rep && e.IsChild === true);
  assert.ok(copy, 'the emulator made the invitee copy');

  const listed = await sf.listOwnedEvents(rep, WINDOW, ZONE);
  assert.deepEqual(
    listed.map((e) => e.id).sort(),
    [inside, overlapsStart, overlapsEnd, allDayInside, longAllDay].sort(),
    'exactly the overlapping events the rep owns',
  );

  const meeting = byId(listed, inside);
  assert.ok(meeting);
  assert.equal(meeting.data.kind, 'single');
  assert.equal(meeting.data.fields.subject, 'Inside');
  assert.equal(meeting.data.fields.location, 'Room 1');
  assert.equal(meeting.data.fields.start, '2025-07-10T10:00:00Z');
  assert.equal(meeting.data.fields.end, '2025-07-10T11:00:00Z');
  assert.equal(meeting.data.fields.isAllDay, false);
  assert.equal(meeting.ownerId, rep);
  assert.equal(meeting.isChild, false);
  assert.equal(meeting.version, event(inside)?.SystemModstamp, 'version is SystemModstamp');
  assert.equal(meeting.modifiedAt, event(inside)?.SystemModstamp);

  const offsite = byId(listed, allDayInside);
  assert.deepEqual(
    [offsite?.data.fields.isAllDay, offsite?.data.fields.start, offsite?.data.fields.end],
    [true, '2025-07-11', '2025-07-12'],
    'all-day: first date and the exclusive day after',
  );
  assert.deepEqual([byId(listed, longAllDay)?.data.fields.start, byId(listed, longAllDay)?.data.fields.end], ['2025-07-01', '2025-07-11']);

  const theirList = await sf.listOwnedEvents(colleague, WINDOW, ZONE);
  assert.deepEqual(theirList.map((e) => e.id), [theirs], "the organizer's own event is listed for the organizer only");
});

test('listOwnedEvents: an occurrence in the window comes with its series record, even when the series began earlier', async () => {
  const rep = newRep();
  const seriesId = seedTimed(rep, 'Daily stand-up', '2025-07-05T07:00:00Z', 15, { IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=10' });
  const listed = await sf.listOwnedEvents(rep, WINDOW, ZONE);

  const series = byId(listed, seriesId);
  assert.ok(series, 'the series record is listed');
  assert.equal(series.data.kind, 'seriesMaster');
  assert.equal(series.data.fields.recurrence?.freq, 'daily');
  const occurrences = listed.filter((e) => e.data.kind === 'occurrence');
  assert.deepEqual(
    occurrences.map((o) => o.data.fields.start).sort(),
    ['2025-07-10T07:00:00Z', '2025-07-11T07:00:00Z'],
    'only the occurrences inside the window',
  );
  const key = event(seriesId)?.ActivityRecurrence2Id;
  assert.ok(occurrences.every((o) => o.data.seriesMasterId === key), 'occurrences name their series');
  assert.equal(listed.length, 3);
});

test('getEvents returns live events wherever they are in time; deleted, malformed and unknown ids are absent', async () => {
  const rep = newRep();
  const near = seedTimed(rep, 'Near', '2025-07-10T10:00:00Z', 30);
  const far = seedAllDay(rep, 'Far away', '2027-01-04', 2);
  const gone = seedTimed(rep, 'Gone', '2025-07-10T12:00:00Z', 30);
  org.remove('Event', gone, rep);
  const got = await sf.getEvents([near, far, gone, "00U' OR Subject != '", 'not-an-id', '00UZz0000000001', near], ZONE);
  assert.deepEqual(got.map((e) => e.id).sort(), [near, far].sort());
  assert.deepEqual([byId(got, far)?.data.fields.start, byId(got, far)?.data.fields.end], ['2027-01-04', '2027-01-06']);
});

test('createEvents: timed and all-day events are created as the rep; a >14-day event is refused alone, naming the field but not the subject', async () => {
  const rep = newRep();
  const before = org.counter.get('POST /services/data/v*/composite/sobjects');
  const results = await sf.createEvents(
    rep,
    [
      { ownerId: rep, data: { subject: 'Kickoff', start: '2025-08-04T08:00:00Z', end: '2025-08-04T09:30:00Z', isAllDay: false, location: 'HQ', reminderMinutes: 15 } },
      { ownerId: rep, data: { subject: 'Team day', start: '2025-08-05', end: '2025-08-07', isAllDay: true } },
      { ownerId: rep, data: { subject: 'SECRET-SUBJECT sabbatical', start: '2025-08-01T08:00:00Z', end: '2025-08-16T08:00:01Z', isAllDay: false } },
      { ownerId: rep, data: { subject: 'Wrap-up', start: '2025-08-08T14:00:00Z', end: '2025-08-08T15:00:00Z', isAllDay: false, showAs: 'free' } },
    ],
    ZONE,
  );
  assert.equal(results.length, 4);

  const kickoff = event(okId(results[0]));
  assert.equal(kickoff?.Subject, 'Kickoff');
  assert.equal(kickoff?.StartDateTime, '2025-08-04T08:00:00.000+0000');
  assert.equal(kickoff?.EndDateTime, '2025-08-04T09:30:00.000+0000');
  assert.equal(kickoff?.DurationInMinutes, 90);
  assert.equal(kickoff?.Location, 'HQ');
  assert.deepEqual([kickoff?.IsReminderSet, kickoff?.ReminderDateTime], [true, '2025-08-04T07:45:00.000+0000']);
  assert.equal(kickoff?.OwnerId, rep);
  assert.equal(kickoff?.CreatedById, rep, 'created by the rep, not the integration user');

  const teamDay = event(okId(results[1]));
  assert.deepEqual([teamDay?.IsAllDayEvent, teamDay?.ActivityDate, teamDay?.DurationInMinutes], [true, '2025-08-05', 2880]);

  const long = results[2];
  assert.ok(long && !long.ok);
  assert.equal(long.error.code, 'invalid');
  assert.equal(long.error.retryable, false);
  assert.deepEqual(long.error.fields, ['end']);
  assert.match(long.error.message, /new event #3/);
  assert.match(long.error.message, /14 days/);
  assert.ok(!long.error.message.includes('SECRET'), `message leaks the subject: ${long.error.message}`);
  assert.ok(!JSON.stringify(logs).includes('SECRET'), 'logs leak the subject');

  assert.equal(event(okId(results[3]))?.ShowAs, 'Free');
  assert.deepEqual(
    org.records('Event').filter((e) => e.OwnerId === rep).map((e) => e.Subject).sort(),
    ['Kickoff', 'Team day', 'Wrap-up'],
    'the refused event was never sent',
  );
  assert.equal(org.counter.get('POST /services/data/v*/composite/sobjects') - before, 1, 'one collection call for the batch');

  // What was written reads back as the same canonical event.
  const [back] = await sf.getEvents([okId(results[1])], ZONE);
  assert.deepEqual([back?.data.fields.start, back?.data.fields.end, back?.data.fields.isAllDay], ['2025-08-05', '2025-08-07', true]);
});

test('updateEvents: a subject alone, moved times, timed to all-day; a deleted id and a refused change fail alone', async () => {
  const rep = newRep();
  const renamed = seedTimed(rep, 'Old name', '2025-08-04T08:00:00Z', 60, { Location: 'Room 2' });
  const moved = seedTimed(rep, 'Moved', '2025-08-04T10:00:00Z', 60);
  const toAllDay = seedTimed(rep, 'Becomes all-day', '2025-08-04T12:00:00Z', 60);
  const stretched = seedTimed(rep, 'Too long', '2025-08-04T14:00:00Z', 60);
  const deleted = seedTimed(rep, 'Deleted', '2025-08-04T16:00:00Z', 60);
  org.remove('Event', deleted, rep);

  const results = await sf.updateEvents(
    rep,
    [
      { id: renamed, set: { subject: 'New name' } },
      { id: moved, set: { start: '2025-08-05T09:00:00Z', end: '2025-08-05T11:00:00Z' } },
      { id: toAllDay, set: { isAllDay: true, start: '2025-08-06', end: '2025-08-07' } },
      { id: deleted, set: { subject: 'x' } },
      { id: stretched, set: { end: '2025-08-20T14:00:00Z' } },
      { id: 'bogus', set: { subject: 'x' } },
    ],
    ZONE,
  );

  assert.equal(okId(results[0]), renamed);
  const r = event(renamed);
  assert.equal(r?.Subject, 'New name');
  assert.deepEqual([r?.StartDateTime, r?.EndDateTime, r?.Location], ['2025-08-04T08:00:00.000+0000', '2025-08-04T09:00:00.000+0000', 'Room 2'], 'only the subject changed');
  assert.equal(r?.LastModifiedById, rep, 'written as the rep');

  okId(results[1]);
  assert.deepEqual([event(moved)?.StartDateTime, event(moved)?.EndDateTime, event(moved)?.DurationInMinutes], ['2025-08-05T09:00:00.000+0000', '2025-08-05T11:00:00.000+0000', 120]);

  okId(results[2]);
  assert.deepEqual([event(toAllDay)?.IsAllDayEvent, event(toAllDay)?.ActivityDate, event(toAllDay)?.DurationInMinutes], [true, '2025-08-06', 1440]);

  const gone = results[3];
  assert.ok(gone && !gone.ok);
  assert.equal(gone.error.code, 'ENTITY_IS_DELETED');
  assert.equal(gone.error.retryable, false);
  assert.equal(gone.id, deleted);

  const refused = results[4];
  assert.ok(refused && !refused.ok);
  assert.equal(refused.error.code, 'invalid');
  assert.deepEqual(refused.error.fields, ['end']);
  assert.match(refused.error.message, new RegExp(`event ${stretched}`));
  assert.equal(event(stretched)?.EndDateTime, '2025-08-04T15:00:00.000+0000', 'the refused change was not written');

  assert.equal(results[5]?.ok, false);
});

test('deleteEvents: removes the events; already deleted or long gone is ok; bad ids and non-event ids fail alone', async () => {
  const rep = newRep();
  const a = seedTimed(rep, 'Del A', '2025-08-04T08:00:00Z', 30);
  const b = seedAllDay(rep, 'Del B', '2025-08-05', 1);
  const contactId = org.insert('Contact', { LastName: 'Not an event', OwnerId: rep }, integrationId);

  const results = await sf.deleteEvents(rep, [a, 'nope', b, contactId]);
  assert.deepEqual(results.map((r) => r.ok), [true, false, true, false]);
  assert.equal(event(a), undefined);
  assert.equal(event(b), undefined);
  assert.ok(org.records('Contact').some((c) => c.Id === contactId), 'a contact id never reaches the delete');

  const again = await sf.deleteEvents(rep, [a, '00UZz0000000001']);
  assert.equal(again[0]?.ok, true, 'already deleted (in the recycle bin) counts as deleted');
  assert.equal(again[1]?.ok, true, 'an event id Salesforce no longer knows at all counts as deleted');
});

test('createEvents: a series is inserted as a series (IsRecurrence2 with the pattern), which the org expands', async () => {
  const rep = newRep();
  const [result] = await sf.createEvents(
    rep,
    [
      {
        ownerId: rep,
        data: {
          subject: 'Weekly sync',
          start: '2025-08-05T08:00:00Z',
          end: '2025-08-05T08:30:00Z',
          isAllDay: false,
          timeZone: ZONE,
          recurrence: { freq: 'weekly', interval: 1, byDay: ['TU'], startDate: '2025-08-05', count: 3, timeZone: ZONE },
        },
      },
    ],
    ZONE,
  );
  const series = event(okId(result));
  assert.deepEqual([series?.IsRecurrence2, series?.GroupEventType], [true, '3'], 'the returned id is the series record');
  assert.match(String(series?.Recurrence2PatternText), /FREQ=WEEKLY/);
  const occurrences = org.records('Event').filter((e) => e.ActivityRecurrence2Id === series?.ActivityRecurrence2Id && e.GroupEventType !== '3');
  assert.equal(occurrences.length, 3);
  const [back] = await sf.getEvents([okId(result)], ZONE);
  assert.deepEqual([back?.data.kind, back?.data.fields.recurrence?.count], ['seriesMaster', 3]);
});

test('deleteEvents: a series record is deleted as a whole, from its first occurrence onwards (REST guide)', async () => {
  const rep = newRep();
  const seriesId = seedTimed(rep, 'Series to delete', '2025-08-04T08:00:00Z', 30, { IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=4' });
  const single = seedTimed(rep, 'Single to delete', '2025-08-04T10:00:00Z', 30);
  const key = event(seriesId)?.ActivityRecurrence2Id;
  const onwards = 'DELETE /services/data/v*/sobjects/Event/{id}/fromThisEventOnwards';
  const before = org.counter.get(onwards);
  const results = await sf.deleteEvents(rep, [seriesId, single]);
  assert.deepEqual(results.map((r) => r.ok), [true, true]);
  assert.equal(org.counter.get(onwards) - before, 1, 'the series through the series endpoint, the single through the collection');
  assert.equal(org.records('Event').filter((e) => e.ActivityRecurrence2Id === key).length, 0, 'series record and occurrences gone');
  assert.equal(event(single), undefined);
  // Deleting it again is a plain delete of a deleted record: ok.
  assert.equal((await sf.deleteEvents(rep, [seriesId]))[0]?.ok, true);
});

test('CDC: EventChangeEvent arrives for our writes with fromUs, for an edit made in Salesforce without it', async () => {
  const rep = newRep();
  const events: RecordChangeEvent[] = [];
  const sub = await sf.subscribeEventChanges(
    -1,
    async (e) => {
      events.push(e);
    },
    async () => assert.fail('replay rejected'),
  );
  const wait = (what: string, pred: (e: RecordChangeEvent) => boolean) => until(what, () => events.find(pred));
  try {
    const [r] = await sf.createEvents(rep, [{ ownerId: rep, data: { subject: 'Watched', start: '2025-09-01T08:00:00Z', end: '2025-09-01T09:00:00Z', isAllDay: false } }], ZONE);
    const id = okId(r);
    const created = await wait('our create', (e) => e.recordIds.includes(id));
    assert.equal(created.entity, 'Event');
    assert.equal(created.changeType, 'CREATE');
    assert.equal(created.fromUs, true, 'our write carries our client id in changeOrigin');
    assert.equal(created.commitUser, rep);
    assert.equal(created.ownerId, rep);

    org.update('Event', id, { Subject: 'Edited in Salesforce' }, rep);
    const theirs = await wait('the edit in Salesforce', (e) => e.recordIds.includes(id) && e.changeType === 'UPDATE');
    assert.equal(theirs.fromUs, false);
    assert.ok(theirs.changedFields.includes('Subject'));
    assert.ok(!JSON.stringify(events).includes('Edited in Salesforce'), 'events carry no field values');

    const [u] = await sf.updateEvents(rep, [{ id, set: { location: 'Room 3' } }], ZONE);
    okId(u);
    const ours = await wait('our update', (e) => e.recordIds.includes(id) && e.changeType === 'UPDATE' && e !== theirs);
    assert.equal(ours.fromUs, true);
    assert.ok(ours.changedFields.includes('Location'));

    await sf.deleteEvents(rep, [id]);
    const del = await wait('our delete', (e) => e.recordIds.includes(id) && e.changeType === 'DELETE');
    assert.equal(del.fromUs, true);
  } finally {
    await sub.close();
  }
});
