/**
 * Events end to end: the sandbox and the companion, driven from outside with jsforce and
 * msal-node + fetch. Each configuration option on Sync_Configuration__c is changed the way an
 * admin would (a record update in Salesforce) and its effect is observed on both sides.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SELECTED_EVENTS_CATEGORY } from '../../sandbox/seed.ts';
import { SEED_SERIES_SUBJECT } from '../../sandbox/seed-events.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { eventually } from '../support/clients.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';
import { eventLookups, slot, utc } from '../support/event-e2e.ts';

type Rec = Record<string, unknown>;
let h: SyncHarness;
const cfgField = SF.configuration.fields;
const { allRep, selectedRep, sfEventsOf, mbEvents, sfBySubject, mbBySubject } = eventLookups(() => h);

const converge = (since = 0) => h.converge(since);
const configure = (configurationId: string, fields: Rec) => h.configure(configurationId, fields);

async function mbCreate(email: string, body: Rec): Promise<string> {
  const r = await h.graph.request('POST', `/users/${encodeURIComponent(email)}/events`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
async function mbPatch(email: string, id: string, body: Rec): Promise<void> {
  const r = await h.graph.request('PATCH', `/users/${encodeURIComponent(email)}/events/${encodeURIComponent(id)}`, body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

before(async () => {
  h = await startSyncHarness({ name: 'events-e2e', users: 2, contactsPerUser: 1 });
});

after(async () => {
  await h?.close();
});

test('initial sync, all events: pairs the shared meeting, copies the rest both ways, keeps the private event in the mailbox', () => {
  const rep = allRep();
  const sfSubjects = sfEventsOf(rep.id).map((e) => e.Subject).sort();
  // The seeded series: one series record and its four occurrences in Salesforce, one series master in the mailbox.
  const series = Array<string>(5).fill(SEED_SERIES_SUBJECT);
  assert.deepEqual(sfSubjects, ['Customer call — Contoso', 'Pipeline review', 'Site visit — Northwind Traders', 'Team lunch', 'Trade fair', ...series]);
  const mbSubjects = mbEvents(rep.email).map((e) => e.subject).sort();
  assert.deepEqual(mbSubjects, ['Customer call — Contoso', 'Dentist', 'Pipeline review', 'Site visit — Northwind Traders', 'Team lunch', 'Trade fair', SEED_SERIES_SUBJECT]);
  assert.equal(mbBySubject(rep.email, SEED_SERIES_SUBJECT)[0]?.type, 'seriesMaster');
  // Paired, not duplicated: the mailbox's location filled the Salesforce gap.
  assert.equal(sfBySubject(rep.id, 'Pipeline review')[0]!.Location, 'Teams');
  // All-day dates survive; the description keeps its line breaks.
  const fair = mbBySubject(rep.email, 'Trade fair')[0]!;
  assert.equal(fair.isAllDay, true);
  const sfFair = sfBySubject(rep.id, 'Trade fair')[0]!;
  assert.equal(String((fair.start as Rec).dateTime).slice(0, 10), sfFair.ActivityDate);
  const visit = mbBySubject(rep.email, 'Site visit — Northwind Traders')[0]!;
  assert.match(String((visit.body as Rec).content), /renewal quote[\s\S]*second warehouse/);
  assert.equal(visit.reminderMinutesBeforeStart, 15);
  const call = sfBySubject(rep.id, 'Customer call — Contoso')[0]!;
  assert.equal(call.Description, 'Renewal terms\nNext steps');
});

test('initial sync, selected events: only the tagged meeting reaches Salesforce; copies in the mailbox carry the category; the untagged twin is held', async () => {
  const rep = selectedRep();
  assert.deepEqual(sfEventsOf(rep.id).map((e) => e.Subject).sort(), ['Customer call — Contoso', 'Pipeline review', 'Site visit — Northwind Traders', 'Trade fair', ...Array<string>(5).fill(SEED_SERIES_SUBJECT)]);
  // Salesforce's Pipeline review is not copied next to the rep's untagged one.
  assert.equal(mbBySubject(rep.email, 'Pipeline review').length, 1);
  for (const subject of ['Site visit — Northwind Traders', 'Trade fair']) {
    assert.deepEqual(mbBySubject(rep.email, subject)[0]!.categories, [SELECTED_EVENTS_CATEGORY]);
  }
  const held = (await h.app.store.itemErrors(rep.id, 'event')).filter((e) => e.code === 'unresolved');
  assert.equal(held.length, 1);
  assert.match(held[0]!.message, /without the category/);
  // Tagging the twin pairs the two instead of copying either.
  const twin = mbBySubject(rep.email, 'Pipeline review')[0]!;
  await mbPatch(rep.email, String(twin.id), { categories: [SELECTED_EVENTS_CATEGORY] });
  await eventually('the tagged twin paired', async () => (await h.app.store.eventLinks(rep.id)).some((l) => l.mbId === twin.id));
  await converge();
  assert.equal(mbBySubject(rep.email, 'Pipeline review').length, 1);
  assert.equal(sfBySubject(rep.id, 'Pipeline review').length, 1);
});

test('selected events: a meeting logged in Salesforce long after its untagged twin sat in the calendar is held, not copied', async () => {
  const rep = selectedRep();
  const t = slot(9, 15);
  await mbCreate(rep.email, { subject: 'Quarterly review', start: utc(t.start), end: utc(t.end) });
  // Passes go quiet: from now on the mailbox is read as changes only, and the twin is not among them.
  await converge(Date.now());
  await converge(Date.now());
  const created = (await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Quarterly review', StartDateTime: t.start, EndDateTime: t.end })) as { id: string };
  await eventually('the hold reported', async () => (await h.app.store.itemErrors(rep.id, 'event')).some((e) => e.code === 'unresolved' && e.itemId === created.id));
  await converge(Date.now());
  assert.equal(mbBySubject(rep.email, 'Quarterly review').length, 1, 'copied beside the untagged twin');
});

test('Salesforce → mailbox and back: create, edit, delete with jsforce and Graph', async () => {
  const rep = allRep();
  const t = slot(8, 9);
  const created = (await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Demo for Fabrikam', StartDateTime: t.start, EndDateTime: t.end, Location: 'Room 2' })) as { id: string };
  const inMb = await eventually('the new event in the mailbox', () => mbBySubject(rep.email, 'Demo for Fabrikam')[0]);
  assert.equal((inMb.location as Rec).displayName, 'Room 2');

  await h.sf.sobject('Event').update({ Id: created.id, Location: 'Room 7' });
  await eventually('the Salesforce edit in the mailbox', () => (mbBySubject(rep.email, 'Demo for Fabrikam')[0]?.location as Rec | undefined)?.displayName === 'Room 7');

  const later = slot(8, 14);
  await mbPatch(rep.email, String(inMb.id), { start: utc(later.start), end: utc(later.end) });
  await eventually('the moved meeting in Salesforce', () => sfBySubject(rep.id, 'Demo for Fabrikam')[0]?.StartDateTime === later.start.replace('Z', '.000+0000') || Date.parse(String(sfBySubject(rep.id, 'Demo for Fabrikam')[0]?.StartDateTime)) === Date.parse(later.start));

  await h.graph.request('DELETE', `/users/${encodeURIComponent(rep.email)}/events/${encodeURIComponent(String(inMb.id))}`);
  await eventually('the delete in Salesforce', () => sfBySubject(rep.id, 'Demo for Fabrikam').length === 0);
});

test('edits to different fields on both sides both survive; the same field is decided by the conflict policy and recorded', async () => {
  const rep = allRep();
  await converge();
  const sfVisit = sfBySubject(rep.id, 'Site visit — Northwind Traders')[0]!;
  const mbVisit = mbBySubject(rep.email, 'Site visit — Northwind Traders')[0]!;
  // Both edited while the companion is down, so one pass sees both.
  await h.restart(async () => {
    await h.sf.sobject('Event').update({ Id: String(sfVisit.Id), Location: 'Gate 3, 1 Harbour Way', Description: 'Salesforce notes' });
    await mbPatch(rep.email, String(mbVisit.id), { showAs: 'free', body: { contentType: 'text', content: 'Mailbox notes' } });
  });
  await converge();
  const sfNow = sfBySubject(rep.id, 'Site visit — Northwind Traders')[0]!;
  const mbNow = mbBySubject(rep.email, 'Site visit — Northwind Traders')[0]!;
  assert.equal(sfNow.Location, 'Gate 3, 1 Harbour Way');
  assert.equal((mbNow.location as Rec).displayName, 'Gate 3, 1 Harbour Way');
  assert.equal(sfNow.ShowAs, 'Free');
  assert.equal(mbNow.showAs, 'free');
  // Seeded policy: Salesforce wins.
  assert.equal(sfNow.Description, 'Salesforce notes');
  assert.match(String((mbNow.body as Rec).content), /Salesforce notes/);
  const conflicts = (await h.app.store.itemErrors(rep.id, 'event')).filter((e) => e.code === 'policy_conflict');
  assert.deepEqual(conflicts.map((c) => c.fields), [['description']]);
  assert.doesNotMatch(conflicts[0]!.message, /notes/, 'the status names the field, never its value');
  // Admins see it in Salesforce too: counted, and the newest named by item, field and time.
  const status = await eventually('the conflict on Sync_User_Status__c', () =>
    h.sandbox.org.records('Sync_User_Status__c').find((r) => r.User__c === rep.id && Number(r.Conflicts_Decided__c) >= 1),
  );
  assert.equal(status.Last_Conflict__c, `event ${conflicts[0]!.itemId}: description at ${conflicts[0]!.at}`);
});

test('an event that becomes private in the mailbox leaves Salesforce (private events off)', async () => {
  const rep = allRep();
  const lunch = mbBySubject(rep.email, 'Team lunch')[0]!;
  assert.equal(sfBySubject(rep.id, 'Team lunch').length, 1);
  await mbPatch(rep.email, String(lunch.id), { sensitivity: 'private' });
  await eventually('the Salesforce copy deleted', () => sfBySubject(rep.id, 'Team lunch').length === 0);
  assert.equal(mbBySubject(rep.email, 'Team lunch').length, 1, 'the private original stays in the mailbox');
});

test('selected events: removing the category takes the event out of Salesforce', async () => {
  const rep = selectedRep();
  const call = mbBySubject(rep.email, 'Customer call — Contoso')[0]!;
  await mbPatch(rep.email, String(call.id), { categories: [] });
  await eventually('the Salesforce copy deleted', () => sfBySubject(rep.id, 'Customer call — Contoso').length === 0);
  assert.equal(mbBySubject(rep.email, 'Customer call — Contoso').length, 1);
});

test('private events on: a private mailbox event is copied', async () => {
  const rep = allRep();
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPrivate]: true });
  await converge();
  const dentist = await eventually('the private event in Salesforce', () => sfBySubject(rep.id, 'Dentist')[0]);
  assert.equal(dentist.IsPrivate, true);
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPrivate]: false });
  await converge();
  // Switching it off again stops the sync of private events: the copy made while it was on stays,
  // unlinked (it is private on both sides, so neither side is deleted on a guess), and edits no longer flow.
  assert.equal(sfBySubject(rep.id, 'Dentist').length, 1);
  const original = mbBySubject(rep.email, 'Dentist')[0]!;
  assert.equal((await h.app.store.eventLinks(rep.id)).some((l) => l.mbId === original.id), false);
  await mbPatch(rep.email, String(original.id), { location: { displayName: 'Clinic' } });
  await converge();
  assert.equal(sfBySubject(rep.id, 'Dentist')[0]!.Location ?? null, null);
});

test('delete propagation off: a delete on one side leaves the other alone, and the copy does not come back', async () => {
  const rep = allRep();
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPropagateDeletes]: false });
  await converge();
  const t = slot(9, 10);
  await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Keep me', StartDateTime: t.start, EndDateTime: t.end });
  const copy = await eventually('the copy in the mailbox', () => mbBySubject(rep.email, 'Keep me')[0]);
  await h.graph.request('DELETE', `/users/${encodeURIComponent(rep.email)}/events/${encodeURIComponent(String(copy.id))}`);
  // The pair is parked, not forgotten: the survivor is not a new event to copy again.
  await eventually('the pair parked', async () => (await h.app.store.eventLinks(rep.id)).find((l) => l.mbId === copy.id)?.parked?.gone === true);
  await converge();
  assert.equal(sfBySubject(rep.id, 'Keep me').length, 1, 'the Salesforce event stays');
  // A configuration change lists both sides in full: the event the rep deleted is still not copied back.
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsPropagateDeletes]: true });
  await converge();
  assert.equal(mbBySubject(rep.email, 'Keep me').length, 0, 'the deleted copy came back');
  assert.equal(sfBySubject(rep.id, 'Keep me').length, 1);
});

test('direction Salesforce → mailbox: mailbox events stay in the mailbox', async () => {
  const rep = allRep();
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsDirection]: 'SalesforceToMailbox' });
  await converge();
  const t = slot(10, 10);
  await mbCreate(rep.email, { subject: 'Mailbox only', start: utc(t.start), end: utc(t.end) });
  const u = slot(10, 12);
  await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Down only', StartDateTime: u.start, EndDateTime: u.end });
  await eventually('the Salesforce event in the mailbox', () => mbBySubject(rep.email, 'Down only')[0]);
  await converge();
  assert.equal(sfBySubject(rep.id, 'Mailbox only').length, 0);
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsDirection]: 'Both' });
  await converge();
  // Back to both ways: the mailbox event now flows.
  assert.equal(sfBySubject(rep.id, 'Mailbox only').length, 1);
});

test('sync window: an event beyond the days ahead is not copied until the window reaches it', async () => {
  const rep = allRep();
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsWindowDaysAhead]: 20 });
  const far = slot(40, 9);
  await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Far away', StartDateTime: far.start, EndDateTime: far.end });
  await converge();
  assert.equal(mbBySubject(rep.email, 'Far away').length, 0);
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsWindowDaysAhead]: 365 });
  await converge();
  assert.equal(mbBySubject(rep.email, 'Far away').length, 1);
});

test('events off ("Don\'t sync"): nothing flows either way, contacts still sync', async () => {
  const rep = allRep();
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsEnabled]: false });
  await converge();
  const t = slot(11, 10);
  await h.sf.sobject('Event').create({ OwnerId: rep.id, Subject: 'Not synced', StartDateTime: t.start, EndDateTime: t.end });
  await h.sf.sobject('Contact').create({ OwnerId: rep.id, LastName: 'StillSynced', Email: 'still.synced@client.example' });
  await eventually('the contact in the mailbox', async () => (await h.graph.folderContacts(rep.email)).some((c) => c.surname === 'StillSynced'));
  await converge();
  assert.equal(mbBySubject(rep.email, 'Not synced').length, 0);
  await configure(h.sandbox.seeded.configurationId, { [cfgField.eventsEnabled]: true });
  await converge();
  assert.equal(mbBySubject(rep.email, 'Not synced').length, 1);
});

test('status: event counts and problems are mirrored per rep', async () => {
  const rep = allRep();
  const status = await h.app.store.getUserStatus(rep.id);
  assert.equal(status?.state, 'idle');
  // Parked pairs (one copy out of the sync) are not counted as synced.
  assert.equal(status?.eventsLinked, (await h.app.store.eventLinks(rep.id)).filter((l) => !l.parked).length);
  assert.equal(status?.eventsFailed, 0);
});
