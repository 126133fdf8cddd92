/**
 * The Salesforce connector's attendee methods against the org emulator: e-mail lookups as the
 * rep, EventRelation rows read with their people, per-row results for inserts, deletes, WhoId
 * and Status updates, and a plan from core/event-attendees.ts applied end to end.
 *
 * One org for the file; every test makes its own rep, people and events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OrgEmulator } from '../../sandbox/salesforce/index.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../companion/src/connectors/salesforce/index.ts';
import { attendeeKeys, attendeesFromRelations, planRelations } from '../../companion/src/core/event-attendees.ts';
import type { Attendee } from '../../companion/src/core/event.ts';
import { addRep, connectorOrgHooks, okId, seedTimedEvent, unique } from '../support/salesforce-connector-setup.ts';

const SALT = 'relations-salt';
const DOMAIN = 'relations.example';
let org: OrgEmulator;
let sf: SalesforceConnector;
const clockMs = Date.now();

const newRep = (): { id: string; email: string } => addRep(org, DOMAIN, { timeZoneSidKey: 'Europe/Berlin' });

const contactOf = (rep: string, email: string, lastName = unique('C')): string => org.insert('Contact', { LastName: lastName, Email: email }, rep);
const leadOf = (rep: string, email: string, extra: Record<string, unknown> = {}): string =>
  org.insert('Lead', { LastName: unique('L'), Company: 'Prospect Ltd', Email: email, ...extra }, rep);
const meeting = (rep: string, extra: Record<string, unknown> = {}): string => seedTimedEvent(org, rep, 'Meeting', '2025-07-10T10:00:00Z', 60, extra);
const relationsOf = (eventId: string): Array<Record<string, unknown>> => org.records('EventRelation').filter((r) => r.EventId === eventId);

connectorOrgHooks({ name: 'relations', domain: DOMAIN, now: () => clockMs }, (s) => {
  org = s.org;
  return (sf = createSalesforceConnector(s.options));
});

test('lookupByEmail: contacts, unconverted leads and active users by address, case-insensitively, in chunks', async () => {
  const rep = newRep();
  const shared = `${unique('shared')}@client.example`;
  const c1 = contactOf(rep.id, shared);
  const c2 = contactOf(rep.id, shared.toUpperCase());
  const leadAddress = `${unique('lead')}@prospect.example`;
  const l1 = leadOf(rep.id, leadAddress);
  const convertedAddress = `${unique('conv')}@prospect.example`;
  leadOf(rep.id, convertedAddress, { IsConverted: true });
  const colleague = newRep();
  // Enough addresses that the IN lists are split; the one that matches sits in the last chunk.
  const filler = Array.from({ length: 450 }, (_, i) => `nobody${i}-${unique('n')}@nowhere.example`);
  const late = `${unique('late')}@client.example`;
  const c3 = contactOf(rep.id, late);

  const found = await sf.lookupByEmail(rep.id, [shared, ` ${leadAddress.toUpperCase()} `, convertedAddress, colleague.email, ...filler, late, '']);
  assert.deepEqual(
    { ...found.get(shared), contacts: [...(found.get(shared)?.contacts ?? [])].sort() },
    { contacts: [c1, c2].sort(), leads: [], users: [] },
    'the same address in another case is the same address',
  );
  assert.deepEqual(found.get(leadAddress), { contacts: [], leads: [l1], users: [] });
  assert.deepEqual(found.get(convertedAddress), { contacts: [], leads: [], users: [] }, 'a converted lead is not matched');
  assert.deepEqual(found.get(colleague.email), { contacts: [], leads: [], users: [colleague.id] });
  assert.deepEqual(found.get(late), { contacts: [c3], leads: [], users: [] });
  assert.deepEqual(found.get(filler[0] as string), { contacts: [], leads: [], users: [] });
  assert.equal(found.size, 5 + filler.length, 'one entry per distinct, non-empty address');
  assert.equal((await sf.lookupByEmail(rep.id, [])).size, 0);
});

test('insertRelations / listRelations: per-row results, and rows read back with their people', async () => {
  const rep = newRep();
  const colleague = newRep();
  const email = `${unique('ada')}@client.example`;
  const contact = contactOf(rep.id, email, 'Lovelace');
  const eventId = meeting(rep.id);
  const results = await sf.insertRelations(rep.id, [
    { eventId, relationId: contact, isInvitee: true, isParent: true },
    { eventId, relationId: colleague.id, isInvitee: true, isParent: false },
    { eventId, relationId: contact, isInvitee: true, isParent: true },
    { eventId: 'not-an-id', relationId: contact, isInvitee: true, isParent: false },
  ]);
  const contactRow = okId(results[0]);
  okId(results[1]);
  assert.equal(results[2]?.ok, false);
  assert.equal(results[2]?.ok === false && results[2].error.code, 'DUPLICATE_VALUE', 'the same person twice is refused for that row only');
  assert.equal(results[3]?.ok === false && results[3].error.code, 'INVALID_ID');
  assert.ok(
    org.records('Event').some((e) => e.OwnerId === colleague.id && e.IsChild === true),
    'an invited user gets an invitee copy',
  );

  org.update('EventRelation', contactRow, { Status: 'Accepted' }, rep.id);
  const rows = await sf.listRelations([eventId, 'bad', eventId.slice(0, 15)]);
  const byRelation = new Map(rows.map((r) => [r.relationId, r]));
  assert.equal(rows.length, 2);
  assert.deepEqual(byRelation.get(contact), {
    id: contactRow,
    eventId,
    relationId: contact,
    isInvitee: true,
    isParent: true,
    isWhat: false,
    type: 'Contact',
    email,
    name: 'Lovelace',
    status: 'Accepted',
  });
  assert.equal(byRelation.get(colleague.id)?.type, 'User');
  assert.equal(byRelation.get(colleague.id)?.email, colleague.email);
  assert.equal(byRelation.get(colleague.id)?.status, 'New');
  assert.deepEqual(await sf.listRelations([]), []);
});

test('deleteRelations: deleted, already gone counts as deleted, foreign ids refused', async () => {
  const rep = newRep();
  const eventId = meeting(rep.id);
  const a = org.insert('EventRelation', { EventId: eventId, RelationId: contactOf(rep.id, `${unique('a')}@client.example`) }, rep.id);
  const b = org.insert('EventRelation', { EventId: eventId, RelationId: contactOf(rep.id, `${unique('b')}@client.example`) }, rep.id);
  org.remove('EventRelation', b, rep.id);
  const results = await sf.deleteRelations(rep.id, [a, b, eventId]);
  okId(results[0]);
  okId(results[1]);
  assert.equal(results[2]?.ok === false && results[2].error.code, 'INVALID_ID', 'an Event id never reaches the DELETE');
  assert.deepEqual(relationsOf(eventId), []);
  assert.ok(org.records('Event').some((e) => e.Id === eventId), 'the event stays');
});

test('setWho: sets and clears WhoId per event; a private event refuses it; bad ids are not sent', async () => {
  const rep = newRep();
  const contact = contactOf(rep.id, `${unique('who')}@client.example`);
  const open = meeting(rep.id);
  const closed = meeting(rep.id, { IsPrivate: true });
  const [set, refused, bad] = await sf.setWho(rep.id, [
    { eventId: open, whoId: contact },
    { eventId: closed, whoId: contact },
    { eventId: open, whoId: rep.id },
  ]);
  okId(set);
  assert.equal(refused?.ok === false && refused.error.code, 'FIELD_INTEGRITY_EXCEPTION');
  assert.equal(bad?.ok === false && bad.error.code, 'INVALID_ID', 'a user cannot be a WhoId');
  assert.equal(org.records('Event').find((e) => e.Id === open)?.WhoId, contact);
  okId((await sf.setWho(rep.id, [{ eventId: open, whoId: null }]))[0]);
  assert.equal(org.records('Event').find((e) => e.Id === open)?.WhoId ?? null, null);

  const [relation] = await sf.insertRelations(rep.id, [{ eventId: closed, relationId: contact, isInvitee: false, isParent: true }]);
  assert.equal(relation?.ok === false && relation.error.code, 'FIELD_INTEGRITY_EXCEPTION', 'nor can a private event be related through a row');
});

test('setStatuses / insertRelations: an invitee row carries the answer written, per row; bad ids are not sent', async () => {
  const rep = newRep();
  const eventId = meeting(rep.id);
  const contact = contactOf(rep.id, `${unique('st')}@client.example`);
  const colleague = addRep(org, DOMAIN);
  const [inserted] = await sf.insertRelations(rep.id, [{ eventId, relationId: contact, isInvitee: true, isParent: true, status: 'Maybe' }]);
  okId(inserted);
  const other = org.insert('EventRelation', { EventId: eventId, RelationId: colleague.id, IsInvitee: true }, rep.id);
  const statusOf = (id: string) => org.records('EventRelation').find((r) => r.Id === id)?.Status;
  assert.equal(inserted?.ok === true && statusOf(inserted.id), 'Maybe');
  assert.equal(statusOf(other), 'New', "Salesforce's default for an invitee");
  const [accepted, declined, bad] = await sf.setStatuses(rep.id, [
    { id: inserted?.ok === true ? inserted.id : '', status: 'Accepted' },
    { id: other, status: 'Declined' },
    { id: eventId, status: 'Accepted' },
  ]);
  okId(accepted);
  okId(declined);
  assert.equal(bad?.ok === false && bad.error.code, 'INVALID_ID', 'an Event id never reaches the update');
  assert.equal(inserted?.ok === true && statusOf(inserted.id), 'Accepted');
  assert.equal(statusOf(other), 'Declined');
  const read = await sf.listRelations([eventId]);
  assert.deepEqual(read.map((r) => r.status).sort(), ['Accepted', 'Declined']);
});

test('a plan from the attendee mapping, applied and read back, round-trips the people Salesforce holds', async () => {
  const rep = newRep();
  const colleague = newRep();
  const ann = `${unique('ann')}@client.example`;
  const bob = `${unique('bob')}@client.example`;
  const twin = `${unique('twin')}@client.example`;
  const stranger = `${unique('stranger')}@elsewhere.example`;
  const annId = contactOf(rep.id, ann);
  const bobId = contactOf(rep.id, bob);
  contactOf(rep.id, twin);
  contactOf(rep.id, twin);
  const handPicked = contactOf(rep.id, `${unique('boss')}@client.example`);
  const eventId = meeting(rep.id);
  org.insert('EventRelation', { EventId: eventId, RelationId: handPicked, IsParent: true, IsInvitee: false }, rep.id);

  const attendees: Attendee[] = [ann, bob, colleague.email, rep.email, stranger, twin]
    .sort()
    .map((email) => ({ email, type: 'required' }));
  const apply = async (people: Attendee[], previous: string[]) => {
    const matches = await sf.lookupByEmail(rep.id, people.map((a) => a.email));
    const current = await sf.listRelations([eventId]);
    const whoId = org.records('Event').find((e) => e.Id === eventId)?.WhoId as string | undefined;
    const plan = planRelations({
      attendees: people,
      repEmail: rep.email,
      repUserId: rep.id,
      autoRelate: true,
      isPrivate: false,
      matches,
      current,
      ...(whoId ? { currentWhoId: whoId } : {}),
      previousAttendeeKeys: new Set(previous),
      salt: SALT,
    });
    for (const r of await sf.deleteRelations(rep.id, plan.delete)) okId(r);
    for (const r of await sf.insertRelations(rep.id, plan.insert.map((i) => ({ eventId, ...i })))) okId(r);
    if (plan.whoId !== undefined) okId((await sf.setWho(rep.id, [{ eventId, whoId: plan.whoId }]))[0]);
    return plan;
  };

  const first = await apply(attendees, []);
  assert.deepEqual(
    first.unresolved.map((u) => [u.reason, u.message]),
    [['several_contacts', `attendee ${attendees.findIndex((a) => a.email === twin) + 1} of 6 matches 2 contacts; none was related`]],
  );
  const related = new Set(relationsOf(eventId).map((r) => r.RelationId));
  assert.deepEqual(related, new Set([handPicked, annId, bobId, colleague.id]));
  assert.equal(first.whoId, handPicked, 'with no WhoId yet, the contact already related comes first');

  const back = attendeesFromRelations(await sf.listRelations([eventId]), { ownerEmail: rep.email, ownerId: rep.id });
  assert.deepEqual(
    back.attendees.map((a) => a.email),
    [ann, bob, colleague.email].sort(),
    'invitees come back; the hand-related contact (not an invitee), the stranger and the ambiguous address do not',
  );

  // Ann leaves the meeting in the mailbox: her relation goes, the hand-picked contact stays.
  await apply(
    attendees.filter((a) => a.email !== ann),
    first.attendeeKeys,
  );
  assert.deepEqual(new Set(relationsOf(eventId).map((r) => r.RelationId)), new Set([handPicked, bobId, colleague.id]));
  assert.deepEqual(first.attendeeKeys, attendeeKeys([ann, bob, colleague.email, stranger, twin], SALT));
});
