/**
 * Single occurrences of a linked series, end to end on the sandbox, driven from outside with
 * jsforce and msal-node + fetch as a rep would: an occurrence edited or cancelled on one side is
 * edited or cancelled in the same slot on the other, edits to different fields of one occurrence
 * both survive, and a pattern changed in Salesforce reaches the mailbox master.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { eventually } from '../support/clients.ts';
import { mailboxEventCalls } from '../support/mailbox-event-calls.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';

type Rec = Record<string, unknown>;
let h: SyncHarness;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const cfgField = SF.configuration.fields;

const rep = () => h.sandbox.seeded.users[0]!;
const mailboxPath = () => `/users/${encodeURIComponent(rep().email)}`;
const dayMs = (days: number) => Math.floor(Date.now() / DAY) * DAY + days * DAY;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const instant = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const graphMs = (t: unknown) => Date.parse(`${String((t as Rec).dateTime)}Z`);
const converge = () => h.converge();

async function mbMasters(subject: string): Promise<Rec[]> {
  const r = await h.graph.request('GET', `${mailboxPath()}/events?$top=100`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.value as Rec[]).filter((e) => e.subject === subject || (e.subject as string | undefined)?.startsWith(`${subject} `));
}
async function mbInstances(masterId: string): Promise<Rec[]> {
  const q = new URLSearchParams({ startDateTime: instant(dayMs(-1)), endDateTime: instant(dayMs(40)) });
  const r = await h.graph.request('GET', `${mailboxPath()}/events/${encodeURIComponent(masterId)}/instances?${q.toString()}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.value as Rec[];
}
const { patch: mbPatch, remove: mbDelete } = mailboxEventCalls(() => h.graph, () => rep().email);

/** The occurrence rows (not the series record) of the rep's series with this key, by start. */
async function sfOccurrences(seriesKey: string): Promise<Rec[]> {
  const soql =
    'SELECT Id, Subject, Location, Description, StartDateTime, EndDateTime, IsRecurrence2Exception FROM Event ' +
    `WHERE ActivityRecurrence2Id = '${seriesKey}' AND GroupEventType != '3' AND IsChild = false ORDER BY StartDateTime`;
  return (await h.sf.query<Rec>(soql)).records;
}
async function sfSeries(subject: string): Promise<Rec | undefined> {
  const soql = `SELECT Id, ActivityRecurrence2Id, Recurrence2PatternText FROM Event WHERE OwnerId = '${rep().id}' AND GroupEventType = '3' AND Subject = '${subject}'`;
  return (await h.sf.query<Rec>(soql)).records[0];
}

/**
 * A daily series of `days` occurrences at 09:00 in the rep's zone (Europe/London, as Outlook names
 * it), made in the mailbox; returns its master id and Salesforce series key.
 */
async function linkedSeries(subject: string, firstDay: number, days: number, zone = 'GMT Standard Time', hour = '09'): Promise<{ masterId: string; key: string; seriesId: string }> {
  const date = isoDate(dayMs(firstDay));
  const r = await h.graph.request('POST', `${mailboxPath()}/events`, {
    subject,
    start: { dateTime: `${date}T${hour}:00:00`, timeZone: zone },
    end: { dateTime: `${date}T${hour}:30:00`, timeZone: zone },
    recurrence: {
      pattern: { type: 'daily', interval: 1 },
      range: { type: 'numbered', startDate: date, numberOfOccurrences: days, recurrenceTimeZone: zone },
    },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const series = await eventually(`the series "${subject}" in Salesforce`, () => sfSeries(subject));
  await converge();
  assert.equal((await sfOccurrences(String(series.ActivityRecurrence2Id))).length, days);
  return { masterId: String(r.body.id), key: String(series.ActivityRecurrence2Id), seriesId: String(series.Id) };
}

before(async () => {
  h = await startSyncHarness({ name: 'occurrences-e2e', users: 1, contactsPerUser: 1 });
});

after(async () => {
  await h?.close();
});

test('an occurrence renamed and moved in the mailbox is renamed and moved in Salesforce, in the same slot', async () => {
  const { masterId, key } = await linkedSeries('Ops sync', 2, 5);
  const third = (await mbInstances(masterId))[2]!;
  const moved = graphMs(third.start) + 2 * HOUR;
  await mbPatch(String(third.id), {
    subject: 'Ops sync (with finance)',
    start: { dateTime: instant(moved).slice(0, 19), timeZone: 'UTC' },
    end: { dateTime: instant(moved + 30 * 60_000).slice(0, 19), timeZone: 'UTC' },
  });
  const row = await eventually('the Salesforce occurrence renamed', async () => (await sfOccurrences(key)).find((o) => o.Subject === 'Ops sync (with finance)'));
  await converge();
  assert.equal(Date.parse(String(row.StartDateTime)), moved);
  assert.equal(Date.parse(String(row.EndDateTime)), moved + 30 * 60_000);
  assert.equal(row.IsRecurrence2Exception, true);
  const rows = await sfOccurrences(key);
  assert.equal(rows.length, 5, 'no occurrence added or lost');
  assert.deepEqual(rows.filter((o) => o.Subject === 'Ops sync').length, 4, 'the other occurrences untouched');
  // Nothing came back to the mailbox: one exception, four plain occurrences, the master unchanged.
  const instances = await mbInstances(masterId);
  assert.deepEqual(instances.map((i) => i.type), ['occurrence', 'occurrence', 'exception', 'occurrence', 'occurrence']);
  assert.equal((await mbMasters('Ops sync'))[0]?.subject, 'Ops sync');
});

test('an occurrence cancelled in the mailbox is deleted in Salesforce; one deleted in Salesforce is cancelled in the mailbox', async () => {
  const { masterId, key } = await linkedSeries('Daily check-in', 3, 4);
  const [first, second] = await mbInstances(masterId);
  await mbDelete(String(second!.id));
  await eventually('the Salesforce occurrence deleted', async () => (await sfOccurrences(key)).length === 3);
  const rows = await sfOccurrences(key);
  assert.ok(!rows.some((o) => Date.parse(String(o.StartDateTime)) === graphMs(second!.start)), 'the cancelled slot is the one gone');
  // Salesforce → mailbox: the rep deletes the last occurrence (a plain delete removes only it).
  const last = rows[rows.length - 1]!;
  await h.sf.sobject('Event').destroy(String(last.Id));
  await eventually('the mailbox occurrence cancelled', async () => (await mbInstances(masterId)).length === 2);
  await converge();
  const left = (await mbInstances(masterId)).map((i) => graphMs(i.start));
  assert.deepEqual(left, [graphMs(first!.start), graphMs(first!.start) + 2 * DAY]);
  assert.deepEqual((await sfOccurrences(key)).map((o) => Date.parse(String(o.StartDateTime))), left);
  assert.equal((await mbMasters('Daily check-in')).length, 1, 'the series itself stays');
});

test('an occurrence edited in Salesforce becomes an exception in the mailbox; edits to different fields on both sides both survive', async () => {
  const { masterId, key } = await linkedSeries('Standup west', 4, 3);
  const rows = await sfOccurrences(key);
  await h.sf.sobject('Event').update({ Id: String(rows[1]!.Id), Location: 'Room 4' });
  const exception = await eventually('the mailbox exception', async () =>
    (await mbInstances(masterId)).find((i) => (i.location as Rec | undefined)?.displayName === 'Room 4'),
  );
  assert.equal(exception.type, 'exception');
  assert.equal(graphMs(exception.start), Date.parse(String(rows[1]!.StartDateTime)));
  await converge();
  // Both sides edit the same occurrence, different fields, between two passes.
  await h.restart(async () => {
    await mbPatch(String(exception.id), { subject: 'Standup west (demo day)' });
    await h.sf.sobject('Event').update({ Id: String(rows[1]!.Id), Description: 'Bring the demo laptop' });
  });
  await eventually('both edits on both sides', async () => {
    const row = (await sfOccurrences(key)).find((o) => o.Id === rows[1]!.Id);
    const inst = (await mbInstances(masterId)).find((i) => i.id === exception.id || graphMs(i.start) === graphMs(exception.start));
    return row?.Subject === 'Standup west (demo day)' && row.Location === 'Room 4' && String((inst?.body as Rec | undefined)?.content ?? '').includes('Bring the demo laptop') && inst?.subject === 'Standup west (demo day)';
  });
  const conflicts = (await h.app.store.itemErrors(rep().id, 'event')).filter((e) => e.code === 'policy_conflict');
  assert.deepEqual(conflicts, [], 'different fields are no conflict');
});

test('with delete propagation off, a cancelled occurrence stays on the other side', async () => {
  await h.configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPropagateDeletes]: false });
  try {
    const { masterId, key } = await linkedSeries('Quiet hour', 5, 3);
    const [first] = await mbInstances(masterId);
    await mbDelete(String(first!.id));
    await converge();
    await h.converge();
    assert.equal((await sfOccurrences(key)).length, 3, 'Salesforce keeps all three');
    assert.equal((await mbInstances(masterId)).length, 2);
  } finally {
    await h.configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPropagateDeletes]: true });
  }
});

test('an occurrence moved far out of the window, past a cancelled neighbour, is moved in Salesforce, not deleted', async () => {
  await h.configure(h.sandbox.seeded.configurationId, { [cfgField.eventsWindowDaysAhead]: 20 });
  try {
    const { masterId, key } = await linkedSeries('Board prep', 15, 3);
    const [, second, third] = await mbInstances(masterId);
    // With the last one cancelled, Outlook lets the second go anywhere after the first one's day.
    await mbDelete(String(third!.id));
    const far = graphMs(second!.start) + 30 * DAY;
    await mbPatch(String(second!.id), {
      start: { dateTime: instant(far).slice(0, 19), timeZone: 'UTC' },
      end: { dateTime: instant(far + 30 * 60_000).slice(0, 19), timeZone: 'UTC' },
    });
    await eventually('the cancelled one deleted and the moved one moved', async () => {
      const rows = await sfOccurrences(key);
      return rows.length === 2 && Date.parse(String(rows[1]!.StartDateTime)) === far;
    });
    await converge();
    assert.equal((await sfOccurrences(key)).length, 2, 'the moved occurrence was never taken for a cancelled one');
  } finally {
    await h.configure(h.sandbox.seeded.configurationId, { [cfgField.eventsWindowDaysAhead]: 365 });
  }
});

test('an occurrence moved in Salesforce onto the day of the next one: Outlook refuses, and the status says why', async () => {
  const { masterId, key } = await linkedSeries('Crossing check', 8, 3);
  const rows = await sfOccurrences(key);
  const before = await mbInstances(masterId);
  const onNextDay = Date.parse(String(rows[1]!.StartDateTime)) - HOUR;
  await h.sf.sobject('Event').update({ Id: String(rows[0]!.Id), StartDateTime: instant(onNextDay), EndDateTime: instant(onNextDay + 30 * 60_000) });
  const row = await eventually('the status row', async () =>
    (await h.app.store.itemErrors(rep().id, 'event')).find((e) => e.code === 'ErrorOccurrenceCrossingBoundary'),
  );
  assert.equal(row.itemId, before[0]!.id, 'named on the mailbox occurrence');
  assert.equal(row.side, 'mailbox');
  assert.deepEqual(row.fields, ['start']);
  assert.match(row.message, /Outlook does not let an occurrence move to or past the day of the occurrence before or after it/);
  await converge();
  assert.deepEqual((await mbInstances(masterId)).map((i) => graphMs(i.start)), before.map((i) => graphMs(i.start)), 'the mailbox is unchanged');
  assert.equal(Date.parse(String((await sfOccurrences(key))[0]!.StartDateTime)), onNextDay, 'and Salesforce keeps the rep’s move');
});

test('the store keeps no occurrence times: slots are kept as hashes', async () => {
  const links = await h.app.store.eventLinks(rep().id);
  const rows = await h.app.store.seriesSlots(rep().id, links.map((l) => l.sfId));
  assert.ok(rows.length > 0, 'the edited series have slot state');
  const text = JSON.stringify(rows);
  assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, 'no date in the stored slot state');
  assert.doesNotMatch(text, /Ops sync|Room 4|demo/i, 'no content');
});

test('a pattern changed in Salesforce reaches the mailbox master', async () => {
  const { masterId, seriesId } = await linkedSeries('Pattern west', 6, 3);
  await h.sf.sobject('Event').update({ Id: seriesId, Recurrence2PatternText: 'RRULE:FREQ=DAILY;INTERVAL=1;COUNT=5' });
  await eventually('the mailbox master with five occurrences', async () => {
    const master = (await mbMasters('Pattern west'))[0];
    const range = (master?.recurrence as { range?: Rec } | undefined)?.range;
    return range?.numberOfOccurrences === 5;
  });
  await converge();
  assert.equal((await mbInstances(masterId)).length, 5);
  assert.equal((await mbMasters('Pattern west')).length, 1, 'the master was updated, not duplicated');
});

test('a series scheduled in another zone than the rep’s: Salesforce repeats it on the rep’s days, and its occurrences sync', async () => {
  // 17:00 in Los Angeles is 01:00 the next day in London, the rep's zone: Salesforce's days move with it.
  const { masterId, key, seriesId } = await linkedSeries('Zoned review', 7, 3, 'Pacific Standard Time', '17');
  await converge();
  assert.equal((await mbMasters('Zoned review')).length, 1);
  assert.equal((await sfSeries('Zoned review'))?.Id, seriesId, 'the Salesforce series was not replaced');
  const instances = await mbInstances(masterId);
  assert.deepEqual(
    (await sfOccurrences(key)).map((o) => Date.parse(String(o.StartDateTime))),
    instances.map((i) => graphMs(i.start)),
    'each Salesforce occurrence at the instant of its mailbox occurrence',
  );
  await mbPatch(String(instances[0]!.id), { subject: 'Zoned review (moved room)' });
  const rows = await sfOccurrences(key);
  await h.sf.sobject('Event').update({ Id: String(rows[2]!.Id), Location: 'Room 9' });
  await eventually('both edits on the other side', async () => {
    const sfNow = await sfOccurrences(key);
    const mbNow = await mbInstances(masterId);
    return sfNow[0]?.Subject === 'Zoned review (moved room)' && (mbNow[2]?.location as Rec | undefined)?.displayName === 'Room 9';
  });
  await converge();
  assert.deepEqual((await sfOccurrences(key)).map((o) => o.Subject), ['Zoned review (moved room)', 'Zoned review', 'Zoned review']);
  assert.deepEqual((await mbInstances(masterId)).map((i) => i.type), ['exception', 'occurrence', 'exception']);
  const ours = new Set([seriesId, masterId, ...rows.map((r) => String(r.Id)), ...instances.map((i) => String(i.id))]);
  assert.deepEqual((await h.app.store.itemErrors(rep().id, 'event')).filter((e) => ours.has(e.itemId)), [], 'nothing reported on this series');
});
