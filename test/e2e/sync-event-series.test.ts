/**
 * Event series end to end: the sandbox and the companion, driven from outside with jsforce and
 * msal-node + fetch. A series travels as a whole: one series record in Salesforce (its occurrences
 * expanded by the org) is one series master in the mailbox (its occurrences expanded by Exchange).
 * The "sync event series" setting is changed the way an admin would (a record update in Salesforce).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EventSyncOutcome } from '../../companion/src/engine/event-sync.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { eventually } from '../support/clients.ts';
import { mailboxEventCalls } from '../support/mailbox-event-calls.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';

type Rec = Record<string, unknown>;
let h: SyncHarness;
const DAY = 86_400_000;
const cfgField = SF.configuration.fields;
const RRULE_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const GRAPH_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** Every events pass of the rep, newest last, so a test can look at what a pass left out. */
const passes: EventSyncOutcome[] = [];

const rep = () => h.sandbox.seeded.users[0]!;
const mailboxPath = () => `/users/${encodeURIComponent(rep().email)}`;
/** The UTC day `days` from today, as midnight in ms. */
const dayMs = (days: number) => Math.floor(Date.now() / DAY) * DAY + days * DAY;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const instant = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const converge = (since = 0) => h.converge(since);
const configure = (fields: Rec) => h.configure(h.sandbox.seeded.configurationId, fields);

/** Stored mailbox events (singles, masters, exceptions) as GET /events lists them. */
async function mbEvents(): Promise<Rec[]> {
  const out: Rec[] = [];
  let next: string | undefined = `${mailboxPath()}/events?$top=100`;
  while (next) {
    const r = await h.graph.request('GET', next);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...(r.body.value as Rec[]));
    const link = r.body['@odata.nextLink'] as string | undefined;
    next = link ? link.slice(h.sandbox.manifest.microsoft.graphUrl.length) : undefined;
  }
  return out;
}
const mbBySubject = async (subject: string) => (await mbEvents()).filter((e) => e.subject === subject);

async function mbCreate(body: Rec): Promise<string> {
  const r = await h.graph.request('POST', `${mailboxPath()}/events`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
const { patch: mbPatch, remove: mbDelete } = mailboxEventCalls(() => h.graph, () => rep().email);
/** The instances Exchange expands a master into between two instants. */
async function mbInstances(masterId: string, fromMs: number, toMs: number): Promise<Rec[]> {
  const q = new URLSearchParams({ startDateTime: instant(fromMs), endDateTime: instant(toMs) });
  const r = await h.graph.request('GET', `${mailboxPath()}/events/${encodeURIComponent(masterId)}/instances?${q.toString()}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.value as Rec[];
}

/** The rep's own Salesforce events with this subject: the series record (GroupEventType '3') and the rest. */
async function sfBySubject(subject: string): Promise<{ series: Rec[]; others: Rec[] }> {
  const soql =
    'SELECT Id, Subject, GroupEventType, IsRecurrence2, Recurrence2PatternText, ActivityRecurrence2Id, StartDateTime FROM Event ' +
    `WHERE OwnerId = '${rep().id}' AND IsChild = false AND Subject = '${subject.replaceAll("'", "\\'")}' ORDER BY StartDateTime`;
  const rows = (await h.sf.query<Rec>(soql)).records;
  return { series: rows.filter((r) => r.GroupEventType === '3'), others: rows.filter((r) => r.GroupEventType !== '3') };
}

/** A Salesforce series as a rep makes it in Lightning: one Event insert with the pattern. */
async function sfCreateSeries(subject: string, startMs: number, minutes: number, pattern: string): Promise<string> {
  const r = (await h.sf.sobject('Event').create({
    OwnerId: rep().id,
    Subject: subject,
    StartDateTime: instant(startMs),
    EndDateTime: instant(startMs + minutes * 60_000),
    IsRecurrence2: true,
    Recurrence2PatternText: pattern,
  })) as { id: string; success: boolean };
  assert.ok(r.success);
  return r.id;
}

/** A daily series with an end date, as Outlook creates it (times in the rep's Windows zone). */
function dailySeries(subject: string, firstDay: number, days: number): Rec {
  const date = isoDate(dayMs(firstDay));
  return {
    subject,
    start: { dateTime: `${date}T09:00:00`, timeZone: 'GMT Standard Time' },
    end: { dateTime: `${date}T09:30:00`, timeZone: 'GMT Standard Time' },
    recurrence: {
      pattern: { type: 'daily', interval: 1 },
      range: { type: 'endDate', startDate: date, endDate: isoDate(dayMs(firstDay + days - 1)), recurrenceTimeZone: 'GMT Standard Time' },
    },
  };
}

before(async () => {
  h = await startSyncHarness({
    name: 'series-e2e',
    users: 1,
    contactsPerUser: 1,
    // One rep only: every events pass is theirs.
    onApp: (app) => app.events.on('eventsPass', (o: EventSyncOutcome) => passes.push(o)),
  });
});

after(async () => {
  await h?.close();
});

test('the seeded configuration syncs series', async () => {
  const row = (await h.sf.sobject(SF.configuration.object).retrieve(h.sandbox.seeded.configurationId)) as Rec;
  assert.equal(row[cfgField.eventsSeries], true);
});

test('a weekly series made in Salesforce is one series master in the mailbox, with the same pattern', async () => {
  const start = dayMs(7) + 10 * 3_600_000;
  const weekday = new Date(start).getUTCDay();
  await sfCreateSeries('Weekly pipeline', start, 30, `RRULE:FREQ=WEEKLY;BYDAY=${RRULE_DAYS[weekday]};COUNT=4`);
  const master = await eventually('the series in the mailbox', async () => (await mbBySubject('Weekly pipeline'))[0]);
  await converge();
  const copies = await mbBySubject('Weekly pipeline');
  assert.deepEqual(copies.map((e) => e.type), ['seriesMaster'], 'one master, no single events');
  const recurrence = master.recurrence as { pattern: Rec; range: Rec };
  assert.equal(recurrence.pattern.type, 'weekly');
  assert.deepEqual(recurrence.pattern.daysOfWeek, [GRAPH_DAYS[weekday]]);
  assert.equal(recurrence.pattern.interval, 1);
  assert.equal(recurrence.range.type, 'numbered');
  assert.equal(recurrence.range.numberOfOccurrences, 4);
  assert.equal(recurrence.range.startDate, isoDate(start));
  const instances = await mbInstances(String(master.id), dayMs(0), dayMs(40));
  assert.deepEqual(
    instances.map((i) => Date.parse(`${String((i.start as Rec).dateTime)}Z`)),
    [0, 1, 2, 3].map((w) => start + w * 7 * DAY),
    'Exchange expands it to the four Salesforce occurrences',
  );
  // Nothing came back: still one series record and its four occurrences in Salesforce.
  const inSf = await sfBySubject('Weekly pipeline');
  assert.equal(inSf.series.length, 1);
  assert.equal(inSf.others.length, 4);
});

test('a daily series with an end date made in the mailbox is one series record in Salesforce, expanded by the org', async () => {
  const masterId = await mbCreate(dailySeries('Daily stand-up', 3, 5));
  const record = await eventually('the series record in Salesforce', async () => (await sfBySubject('Daily stand-up')).series[0]);
  await converge();
  const inSf = await sfBySubject('Daily stand-up');
  assert.equal(inSf.series.length, 1, 'one series record');
  assert.equal(record.IsRecurrence2, true);
  const pattern = String(record.Recurrence2PatternText);
  assert.match(pattern, /FREQ=DAILY/);
  assert.match(pattern, new RegExp(`UNTIL=${isoDate(dayMs(7)).replaceAll('-', '')}`));
  assert.doesNotMatch(pattern, /COUNT=/);
  // The org expanded it: five occurrences, all of this series, at the mailbox's times.
  assert.equal(inSf.others.length, 5);
  assert.ok(inSf.others.every((o) => o.ActivityRecurrence2Id === record.ActivityRecurrence2Id));
  const mbStarts = (await mbInstances(masterId, dayMs(0), dayMs(20))).map((i) => Date.parse(`${String((i.start as Rec).dateTime)}Z`));
  assert.deepEqual(inSf.others.map((o) => Date.parse(String(o.StartDateTime))), mbStarts);
  // Not copied back: the mailbox still has the one master.
  assert.deepEqual((await mbBySubject('Daily stand-up')).map((e) => e.id), [masterId]);
});

test('renaming the series in the mailbox renames the Salesforce series record (and the org its occurrences)', async () => {
  const master = (await mbBySubject('Daily stand-up'))[0]!;
  await mbPatch(String(master.id), { subject: 'Daily stand-up (team B)' });
  await eventually('the renamed series record', async () => (await sfBySubject('Daily stand-up (team B)')).series.length === 1);
  await converge();
  const inSf = await sfBySubject('Daily stand-up (team B)');
  assert.equal(inSf.others.length, 5);
  assert.equal((await sfBySubject('Daily stand-up')).series.length, 0);
});

test('deleting a series on one side deletes it on the other', async () => {
  // Mailbox → Salesforce: the series record and its occurrences go.
  const master = (await mbBySubject('Daily stand-up (team B)'))[0]!;
  await mbDelete(String(master.id));
  await eventually('the Salesforce series gone', async () => {
    const inSf = await sfBySubject('Daily stand-up (team B)');
    return inSf.series.length + inSf.others.length === 0;
  });
  // Salesforce → mailbox: the rep deletes the whole series, as the REST guide says, from its first occurrence onwards.
  const first = (await sfBySubject('Weekly pipeline')).others[0]!;
  await h.sf.request({ method: 'DELETE', url: `/sobjects/Event/${String(first.Id)}/fromThisEventOnwards` });
  assert.equal((await sfBySubject('Weekly pipeline')).series.length, 0);
  await eventually('the mailbox series gone', async () => (await mbBySubject('Weekly pipeline')).length === 0);
  await converge();
  assert.equal((await h.app.store.eventLinks(rep().id)).some((l) => l.mbId === master.id), false);
});

test('series off: neither side\'s series is copied, and the passes count them as left out', async () => {
  await configure({ [cfgField.eventsSeries]: false });
  const since = passes.length;
  const start = dayMs(10) + 14 * 3_600_000;
  await sfCreateSeries('Off in Salesforce', start, 60, `RRULE:FREQ=WEEKLY;BYDAY=${RRULE_DAYS[new Date(start).getUTCDay()]};COUNT=3`);
  await mbCreate(dailySeries('Off in the mailbox', 12, 3));
  const counted = (side: 'salesforce' | 'mailbox') => passes.slice(since).some((p) => (p.excluded[side].series ?? 0) > 0);
  await eventually('both series counted as left out', () => counted('salesforce') && counted('mailbox'));
  await converge();
  assert.equal((await mbBySubject('Off in Salesforce')).length, 0);
  const inSf = await sfBySubject('Off in the mailbox');
  assert.equal(inSf.series.length + inSf.others.length, 0);
  // Switched back on, both are copied as series (the full listing a configuration change starts).
  await configure({ [cfgField.eventsSeries]: true });
  await converge();
  assert.deepEqual((await mbBySubject('Off in Salesforce')).map((e) => e.type), ['seriesMaster']);
  assert.equal((await sfBySubject('Off in the mailbox')).series.length, 1);
});

test('a pattern change in the mailbox replaces the Salesforce series (Salesforce cannot update a pattern), as Salesforce itself does', async () => {
  const master = (await mbBySubject('Off in the mailbox'))[0]!;
  const before = (await sfBySubject('Off in the mailbox')).series[0]!;
  const recurrence = structuredClone(master.recurrence) as { range: Rec };
  recurrence.range.endDate = isoDate(dayMs(16));
  await mbPatch(String(master.id), { recurrence });
  const after = await eventually('the replacement series in Salesforce', async () => {
    const series = (await sfBySubject('Off in the mailbox')).series;
    return series.length === 1 && series[0]!.Id !== before.Id ? series[0]! : undefined;
  });
  await converge();
  assert.match(String(after.Recurrence2PatternText), /UNTIL=/, 'the new end reached Salesforce');
  assert.notEqual(after.Recurrence2PatternText, before.Recurrence2PatternText);
  // The old series is gone (never both side by side), the mailbox master was not touched, and the pair follows the new record.
  assert.equal((await sfBySubject('Off in the mailbox')).series.length, 1);
  assert.equal((await mbBySubject('Off in the mailbox')).length, 1);
  const links = await h.app.store.eventLinks(rep().id);
  assert.equal(links.find((l) => l.mbId === master.id)?.sfId, after.Id);
  const problems = (await h.app.store.itemErrors(rep().id, 'event')).filter((e) => e.itemId === before.Id || e.itemId === after.Id || e.itemId === master.id);
  assert.deepEqual(problems, []);
  // Other changes still flow.
  const other = (await mbBySubject('Off in Salesforce'))[0]!;
  await mbPatch(String(other.id), { location: { displayName: 'Room 12' } });
  await eventually('the series edit in Salesforce', async () => {
    const rows = (await h.sf.query<Rec>(`SELECT Location FROM Event WHERE OwnerId = '${rep().id}' AND GroupEventType = '3' AND Subject = 'Off in Salesforce'`)).records;
    return rows[0]?.Location === 'Room 12';
  });
});
