/**
 * Attendees end to end: a meeting's attendees in the rep's mailbox become Salesforce relations
 * (EventRelation, WhoId) through the companion, with auto-relate on and off, an ambiguous address,
 * an attendee removed, a relation the rep added by hand, attendees' answers as Status, and nothing
 * written back to the mailbox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { eventually } from '../support/clients.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';

type Rec = Record<string, unknown>;
let h: SyncHarness;
const DAY = 86_400_000;
const cfgField = SF.configuration.fields;

const rep = () => h.sandbox.seeded.users[0]!;
const colleague = () => h.sandbox.seeded.users[1]!;
const sfEvent = (subject: string) => h.sandbox.org.records('Event').find((e) => e.OwnerId === rep().id && e.IsChild !== true && e.Subject === subject);
const relationsOf = (eventId: unknown) => h.sandbox.org.records('EventRelation').filter((r) => r.EventId === eventId);
const slot = (days: number, hour: number) => {
  const day = Math.floor(Date.now() / DAY) * DAY + days * DAY;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '');
  return { start: { dateTime: iso(day + hour * 3_600_000), timeZone: 'UTC' }, end: { dateTime: iso(day + (hour + 1) * 3_600_000), timeZone: 'UTC' } };
};
const attendee = (address: string, type: 'required' | 'optional' = 'required') => ({ emailAddress: { address }, type });

const converge = (since = 0) => h.converge(since);
const configure = (fields: Rec) => h.configure(h.sandbox.seeded.configurationId, fields);

async function contact(lastName: string, email: string): Promise<string> {
  const r = (await h.sf.sobject('Contact').create({ LastName: lastName, Email: email, OwnerId: rep().id })) as { id: string; success: boolean };
  assert.ok(r.success);
  return r.id;
}

async function mbCreate(body: Rec): Promise<string> {
  const r = await h.graph.request('POST', `/users/${encodeURIComponent(rep().email)}/events`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

before(async () => {
  h = await startSyncHarness({ name: 'attendees-e2e', users: 2, contactsPerUser: 0 });
  await configure({ [cfgField.eventsAutoRelate]: true });
});

after(async () => {
  await h?.close();
});

test('auto-relate on: the matching contact becomes the related person, a colleague an invitee, a stranger nothing', async () => {
  const ann = await contact('Ames', 'ann.ames@customer.example');
  await mbCreate({
    subject: 'Deal review',
    ...slot(2, 9),
    attendees: [attendee('ANN.AMES@customer.example'), attendee(colleague().email, 'optional'), attendee('someone@elsewhere.example')],
  });
  const ev = await eventually('the event in Salesforce', () => sfEvent('Deal review'));
  const rows = await eventually('its relations', () => {
    const r = relationsOf(ev.Id);
    return r.length >= 2 ? r : undefined;
  });
  const byRelation = new Map(rows.map((r) => [r.RelationId, r]));
  assert.equal(byRelation.get(ann)?.IsParent, true, 'the contact is a related person');
  assert.equal(byRelation.get(colleague().id)?.IsInvitee, true, 'the colleague is invited');
  assert.equal(rows.length, 2, 'nothing for the address Salesforce does not know');
  await converge();
  // WhoId is written after the relations, so it is read once the pass is over.
  assert.equal(h.sandbox.org.records('Event').find((e) => e.Id === ev.Id)?.WhoId, ann);
  const problems = await h.app.store.itemErrors(rep().id, 'event');
  assert.deepEqual(problems.filter((p) => p.itemId === ev.Id), [], 'no problem reported for a clean match');
});

test('an address two contacts share is reported as unresolved, by position, and neither is related', async () => {
  await contact('Twin', 'shared@customer.example');
  await contact('Twain', 'shared@customer.example');
  await mbCreate({ subject: 'Which one', ...slot(2, 11), attendees: [attendee('zed@elsewhere.example'), attendee('shared@customer.example')] });
  const ev = await eventually('the event in Salesforce', () => sfEvent('Which one'));
  const row = await eventually('an unresolved item', async () => (await h.app.store.itemErrors(rep().id, 'event')).find((p) => p.itemId === ev.Id && p.code === 'unresolved'));
  assert.match(row.message, /attendee 2 of 2/, 'counted as Outlook lists them, not by address');
  assert.doesNotMatch(row.message, /shared@/, 'the address is not stored at rest');
  assert.deepEqual(relationsOf(ev.Id).filter((r) => String(r.RelationId).startsWith('003')), []);
  // The admin sees in Salesforce that something waits for the rep.
  const unresolved = async () => (await h.app.store.itemErrors(rep().id)).filter((p) => p.code === 'unresolved').length;
  await eventually('the item counted on Sync_User_Status__c', async () => {
    const status = h.sandbox.org.records('Sync_User_Status__c').find((r) => r.User__c === rep().id);
    return status !== undefined && Number(status.Unresolved_Items__c) >= 1 && Number(status.Unresolved_Items__c) === (await unresolved());
  });
});

test('an attendee removed in the mailbox loses the relation; a relation the rep added in Salesforce stays', async () => {
  const bo = await contact('Berg', 'bo.berg@customer.example');
  const cy = await contact('Cole', 'cy.cole@customer.example');
  const id = await mbCreate({ subject: 'Kick-off', ...slot(3, 9), attendees: [attendee('bo.berg@customer.example')] });
  const ev = await eventually('the event in Salesforce', () => sfEvent('Kick-off'));
  await eventually('Bo related', () => relationsOf(ev.Id).some((r) => r.RelationId === bo) || undefined);
  // The rep relates another contact by hand in Salesforce.
  const added = (await h.sf.sobject('EventRelation').create({ EventId: ev.Id, RelationId: cy, IsParent: true, IsInvitee: false })) as { success: boolean };
  assert.ok(added.success);
  const r = await h.graph.request('PATCH', `/users/${encodeURIComponent(rep().email)}/events/${encodeURIComponent(id)}`, { attendees: [] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await eventually('Bo no longer related', () => !relationsOf(ev.Id).some((x) => x.RelationId === bo) || undefined);
  await converge();
  assert.ok(relationsOf(ev.Id).some((x) => x.RelationId === cy), 'the relation the rep added was removed');
});

test("an attendee's answer in the mailbox becomes the invitee's Status in Salesforce", async () => {
  const eve = await contact('Eck', 'eve.eck@customer.example');
  const id = await mbCreate({ subject: 'Pricing call', ...slot(4, 9), attendees: [attendee('eve.eck@customer.example'), attendee(colleague().email)] });
  const ev = await eventually('the event in Salesforce', () => sfEvent('Pricing call'));
  const statusOf = (relationId: string) => relationsOf(ev.Id).find((r) => r.RelationId === relationId)?.Status;
  await eventually('both invited, not answered yet', () => (statusOf(eve) === 'New' && statusOf(colleague().id) === 'New') || undefined);
  // The attendees answer the invitation: Exchange records it on the organizer's copy.
  const answered = (address: string, response: string) => ({ ...attendee(address), status: { response, time: new Date().toISOString() } });
  h.sandbox.graph.user.updateEvent(rep().email, id, { attendees: [answered('eve.eck@customer.example', 'accepted'), answered(colleague().email, 'tentativelyAccepted')] });
  await eventually('the answers in Salesforce', () => (statusOf(eve) === 'Accepted' && statusOf(colleague().id) === 'Maybe') || undefined);
  h.sandbox.graph.user.updateEvent(rep().email, id, { attendees: [answered('eve.eck@customer.example', 'declined'), answered(colleague().email, 'tentativelyAccepted')] });
  await eventually('a changed answer follows', () => statusOf(eve) === 'Declined' || undefined);
  await converge();
  assert.equal(relationsOf(ev.Id).length, 2, 'answers never add or remove people');
  assert.equal(statusOf(colleague().id), 'Maybe');
});

test('auto-relate off: contacts are not related, colleagues are still invited', async () => {
  await configure({ [cfgField.eventsAutoRelate]: false });
  const dee = await contact('Dunn', 'dee.dunn@customer.example');
  await mbCreate({ subject: 'Internal prep', ...slot(3, 11), attendees: [attendee('dee.dunn@customer.example'), attendee(colleague().email)] });
  const ev = await eventually('the event in Salesforce', () => sfEvent('Internal prep'));
  await eventually('the colleague invited', () => relationsOf(ev.Id).some((r) => r.RelationId === colleague().id) || undefined);
  await converge();
  assert.ok(!relationsOf(ev.Id).some((r) => r.RelationId === dee), 'the contact was related with auto-relate off');
  await configure({ [cfgField.eventsAutoRelate]: true });
});

test('Salesforce invitees are not written to the mailbox: the mailbox sends invitations, Salesforce does not', async () => {
  const created = (await h.sf.sobject('Event').create({ OwnerId: rep().id, Subject: 'Planned in Salesforce', StartDateTime: new Date(Math.floor(Date.now() / DAY) * DAY + 4 * DAY + 9 * 3_600_000).toISOString(), DurationInMinutes: 60 })) as { id: string };
  const invited = (await h.sf.sobject('EventRelation').create({ EventId: created.id, RelationId: colleague().id, IsInvitee: true })) as { success: boolean };
  assert.ok(invited.success);
  const copy = await eventually('the mailbox copy', () => h.sandbox.graph.events(rep().email).find((e) => e.subject === 'Planned in Salesforce'));
  await converge();
  assert.deepEqual(copy.attendees ?? [], []);
});
