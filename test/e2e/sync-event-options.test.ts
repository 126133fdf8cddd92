/**
 * Events end to end, the configuration options sync-events.test.ts leaves out: the conflict
 * policies mailbox wins and newest wins, the direction mailbox → Salesforce, the days-back edge
 * of the window, a category name of the admin's choosing, and the safety valve on a mass delete
 * in the calendar. Each option is changed the way an admin would (a record update in Salesforce)
 * and its effect observed on both sides with jsforce and msal-node + fetch.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { eventually } from '../support/clients.ts';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.ts';
import { eventLookups, slot, utc } from '../support/event-e2e.ts';

type Rec = Record<string, unknown>;
let h: SyncHarness;
const cfgField = SF.configuration.fields;
const { allRep, selectedRep, sfBySubject, mbBySubject } = eventLookups(() => h);
const configure = (fields: Rec, configurationId = h.sandbox.seeded.configurationId) => h.configure(configurationId, fields);
const mbPath = (email: string, id?: string) => `/users/${encodeURIComponent(email)}/events${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;

async function sfCreate(ownerId: string, subject: string, days: number, hour: number): Promise<string> {
  const t = slot(days, hour);
  const r = (await h.sf.sobject('Event').create({ OwnerId: ownerId, Subject: subject, StartDateTime: t.start, EndDateTime: t.end })) as { id: string; success: boolean };
  assert.ok(r.success);
  return r.id;
}
async function mbCreate(email: string, subject: string, days: number, hour: number, extra: Rec = {}): Promise<string> {
  const t = slot(days, hour);
  const r = await h.graph.request('POST', mbPath(email), { subject, start: utc(t.start), end: utc(t.end), ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}
async function mbPatch(email: string, id: string, body: Rec): Promise<void> {
  const r = await h.graph.request('PATCH', mbPath(email, id), body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  h = await startSyncHarness({ name: 'event-options-e2e', users: 2, contactsPerUser: 0 });
});

after(async () => {
  await h?.close();
});

/** Both copies of one synced event get a new location while the companion is down; returns what both end with. */
async function sameFieldConflict(subject: string, salesforceFirst: boolean): Promise<{ sf: unknown; mb: unknown }> {
  const rep = allRep();
  const sfId = String(sfBySubject(rep.id, subject)[0]!.Id);
  const mbId = String(mbBySubject(rep.email, subject)[0]!.id);
  await h.restart(async () => {
    const edits = [
      () => h.sf.sobject('Event').update({ Id: sfId, Location: 'Room from Salesforce' }),
      () => mbPatch(rep.email, mbId, { location: { displayName: 'Room from the mailbox' } }),
    ];
    if (!salesforceFirst) edits.reverse();
    await edits[0]!();
    // Modification times in both systems are kept to the second: the later edit must be later there too.
    await pause(1_100);
    await edits[1]!();
  });
  await h.converge();
  return { sf: sfBySubject(rep.id, subject)[0]!.Location, mb: (mbBySubject(rep.email, subject)[0]!.location as Rec | undefined)?.displayName };
}

/** A Salesforce event five days ahead, copied to the mailbox, with the policy then set to `policy`. */
async function linkedUnderPolicy(subject: string, hour: number, policy: string) {
  const rep = allRep();
  await sfCreate(rep.id, subject, 5, hour);
  await eventually('the copy in the mailbox', () => mbBySubject(rep.email, subject)[0]);
  await configure({ [cfgField.conflictPolicy]: policy });
  return rep;
}

test('conflict policy mailbox wins: the same field edited on both sides ends with the mailbox value', async () => {
  const rep = await linkedUnderPolicy('Quarterly review', 9, 'MailboxWins');
  // The mailbox edit is the older one: mailbox wins all the same.
  assert.deepEqual(await sameFieldConflict('Quarterly review', false), { sf: 'Room from the mailbox', mb: 'Room from the mailbox' });
  const conflicts = (await h.app.store.itemErrors(rep.id, 'event')).filter((e) => e.code === 'policy_conflict');
  assert.ok(conflicts.some((c) => c.fields?.includes('location')), 'the conflict is on the rep status');
});

test('conflict policy newest wins: the later edit wins, whichever side made it', async () => {
  await linkedUnderPolicy('Partner sync', 11, 'NewestWins');
  assert.deepEqual(await sameFieldConflict('Partner sync', true), { sf: 'Room from the mailbox', mb: 'Room from the mailbox' });
  assert.deepEqual(await sameFieldConflict('Partner sync', false), { sf: 'Room from Salesforce', mb: 'Room from Salesforce' });
  await configure({ [cfgField.conflictPolicy]: 'SalesforceWins' });
});

test('direction mailbox → Salesforce: Salesforce events and edits stay in Salesforce; mailbox events flow', async () => {
  const rep = allRep();
  await configure({ [cfgField.eventsDirection]: 'MailboxToSalesforce' });
  await sfCreate(rep.id, 'Salesforce only', 6, 9);
  await mbCreate(rep.email, 'Up only', 6, 11);
  await eventually('the mailbox event in Salesforce', () => sfBySubject(rep.id, 'Up only')[0]);
  const copy = sfBySubject(rep.id, 'Up only')[0]!;
  await h.sf.sobject('Event').update({ Id: String(copy.Id), Location: 'Edited in Salesforce' });
  await h.converge(Date.now());
  assert.equal(mbBySubject(rep.email, 'Salesforce only').length, 0, 'a Salesforce event reached the mailbox');
  assert.notEqual((mbBySubject(rep.email, 'Up only')[0]!.location as Rec | undefined)?.displayName, 'Edited in Salesforce', 'a Salesforce edit reached the mailbox');
  await configure({ [cfgField.eventsDirection]: 'Both' });
  await eventually('back to both ways: the Salesforce event flows', () => mbBySubject(rep.email, 'Salesforce only')[0]);
});

test('sync window, days back: an event further back than the window is left alone until the window reaches it', async () => {
  const rep = allRep();
  await configure({ [cfgField.eventsWindowDaysBack]: 5 });
  await sfCreate(rep.id, 'Last week', -10, 9);
  await sfCreate(rep.id, 'Day before yesterday', -2, 9);
  await eventually('the recent past event in the mailbox', () => mbBySubject(rep.email, 'Day before yesterday')[0]);
  await h.converge(Date.now());
  assert.equal(mbBySubject(rep.email, 'Last week').length, 0);
  await configure({ [cfgField.eventsWindowDaysBack]: 30 });
  await eventually('the older event once the window covers it', () => mbBySubject(rep.email, 'Last week')[0]);
});

test("selected events with the admin's own category name: only events tagged with it reach Salesforce, and copies carry it", async () => {
  const rep = selectedRep();
  await configure({ [cfgField.eventsCategory]: 'CRM' }, h.sandbox.seeded.selectedEventsConfigurationId);
  await mbCreate(rep.email, 'Tagged CRM', 7, 9, { categories: ['CRM'] });
  await mbCreate(rep.email, 'Tagged the old way', 7, 11, { categories: ['Salesforce'] });
  await sfCreate(rep.id, 'Logged in Salesforce', 7, 14);
  await eventually('the CRM-tagged event in Salesforce', () => sfBySubject(rep.id, 'Tagged CRM')[0]);
  const copy = await eventually('the Salesforce event in the mailbox', () => mbBySubject(rep.email, 'Logged in Salesforce')[0]);
  await h.converge(Date.now());
  assert.deepEqual(copy.categories, ['CRM']);
  assert.equal(sfBySubject(rep.id, 'Tagged the old way').length, 0, 'an event without the configured category reached Salesforce');
});

test('a mass delete in the calendar stops that rep instead of deleting in Salesforce; a reset restores the events', async () => {
  const rep = allRep();
  await h.converge();
  const links = (await h.app.store.eventLinks(rep.id)).filter((l) => !l.parked);
  const singles = h.sandbox.graph.events(rep.email).filter((e) => e.type === 'singleInstance' && links.some((l) => l.mbId === e.id));
  const victims = singles.slice(0, Math.max(6, Math.floor(links.length / 2) + 1));
  assert.ok(victims.length > Math.max(5, Math.floor(links.length / 2)), `too few linked events to trip the valve (${singles.length} of ${links.length})`);
  const sfBefore = h.sandbox.org.records('Event').filter((e) => e.OwnerId === rep.id).length;
  // One multi-select delete in Outlook, through the mailbox owner's hook so no pass splits it.
  for (const e of victims) h.sandbox.graph.user.deleteEvent(rep.email, String(e.id));
  const status = await eventually('the rep stopped by the safety valve', async () => {
    const s = await h.app.store.getUserStatus(rep.id);
    return s?.state === 'stopped' ? s : undefined;
  });
  assert.equal(status.lastErrorCode, 'mass_delete_salesforce');
  assert.match(status.lastError ?? '', new RegExp(`${victims.length} of ${links.length} linked events`));
  await pause(2_500);
  assert.equal(h.sandbox.org.records('Event').filter((e) => e.OwnerId === rep.id).length, sfBefore, 'an event was deleted in Salesforce');

  await h.app.resetUser(rep.id);
  await h.converge(Date.now());
  for (const e of victims) assert.equal(mbBySubject(rep.email, String(e.subject)).length, 1, `${String(e.subject)} is not back in the mailbox`);
  assert.equal((await h.app.store.getUserStatus(rep.id))?.state, 'idle');
});
