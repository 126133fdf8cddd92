/**
 * The walking skeleton end to end: the sandbox (org + Microsoft 365 emulators) and the companion,
 * driven from outside with jsforce and msal-node + fetch, as an admin's own scripts would.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { loadConfig } from '../../companion/src/config/load.ts';
import { startApp, type App } from '../../companion/src/app.ts';
import { waitForConvergence } from '../../companion/src/cli/converge.ts';
import { silentLog } from '../../companion/src/ports/log.ts';
import { salesforceAdmin, graphClient, eventually, type GraphTestClient } from '../support/clients.ts';
import type jsforce from 'jsforce';

let sandbox: Sandbox;
let app: App | undefined;
let sf: jsforce.Connection;
let graph: GraphTestClient;
let dir: string;

async function startCompanion(): Promise<App> {
  const config = loadConfig(sandbox.configPath);
  config.sync.pollIntervalSeconds = 1;
  app = await startApp({ config, log: silentLog });
  return app;
}

async function converge(timeoutMs = 60_000): Promise<void> {
  await waitForConvergence(app!, sandbox.seeded.users.map((u) => u.id), timeoutMs);
}

const rep = () => sandbox.seeded.users[0]!;
const sfContactsOf = (userId: string) => sandbox.org.records('Contact').filter((c) => c.OwnerId === userId);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-e2e-'));
  sandbox = await startSandbox({ dir, users: 2, contactsPerUser: 6, mailboxContactsPerUser: 3 });
  sf = salesforceAdmin(sandbox.manifest);
  graph = graphClient(sandbox.manifest);
  await startCompanion();
  await converge();
});

after(async () => {
  await app?.stop();
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('initial sync: every contact exists on both sides, the e-mail match is paired, not duplicated', async () => {
  for (const [i, user] of sandbox.seeded.users.entries()) {
    const inSf = sfContactsOf(user.id);
    const inMb = await graph.folderContacts(user.email);
    // 6 seeded in Salesforce + 3 in the mailbox, one of which matches a Salesforce contact by e-mail.
    assert.equal(inSf.length, 8, `user ${i} Salesforce contacts`);
    assert.equal(inMb.length, 8, `user ${i} mailbox contacts`);
    const sfEmails = inSf.map((c) => String(c.Email).toLowerCase()).sort();
    const mbEmails = inMb.map((c) => String(c.emailAddresses?.[0]?.address).toLowerCase()).sort();
    assert.deepEqual(mbEmails, sfEmails);
    const matched = inMb.find((c) => c.mobilePhone === '+1 555 0199');
    const sfMatched = inSf.find((c) => String(c.Email).toLowerCase() === String(matched?.emailAddresses?.[0]?.address).toLowerCase());
    assert.equal(sfMatched?.MobilePhone, '+1 555 0199', 'the mailbox-only field of the paired contact reached Salesforce');
  }
  // Admins see the same status in Salesforce: one Sync_User_Status__c per rep.
  const statuses = await eventually('status records in Salesforce', () => {
    const rows = sandbox.org.records('Sync_User_Status__c');
    return rows.length === sandbox.seeded.users.length && rows.every((r) => r.State__c === 'Idle') ? rows : undefined;
  });
  for (const user of sandbox.seeded.users) {
    const r = statuses.find((x) => x.User__c === user.id)!;
    assert.equal(r.User_Key__c, user.id);
    assert.equal(r.Contacts_Synced__c, 8);
    assert.equal(r.Contacts_Failed__c, 0);
    assert.ok(r.Last_Sync_To_Mailbox__c && r.Last_Sync_To_Salesforce__c);
  }
});

test('Salesforce → mailbox: create, update, delete made with jsforce show up in the mailbox', async () => {
  const user = rep();
  const created = (await sf.sobject('Contact').create({ OwnerId: user.id, FirstName: 'Nia', LastName: 'Okoro', Email: 'nia.okoro@client.example', Title: 'CFO' })) as { id: string; success: boolean };
  assert.ok(created.success);
  const found = await eventually('the new contact in the mailbox', async () => (await graph.folderContacts(user.email)).find((c) => c.emailAddresses?.[0]?.address === 'nia.okoro@client.example'));
  assert.equal(found.jobTitle, 'CFO');
  assert.equal(found.surname, 'Okoro');

  await sf.sobject('Contact').update({ Id: created.id, Title: 'CEO', MailingCity: 'Lagos' });
  const updated = await eventually('the update in the mailbox', async () => (await graph.folderContacts(user.email)).find((c) => c.id === found.id && c.jobTitle === 'CEO'));
  assert.equal(updated.businessAddress?.city, 'Lagos');

  await sf.sobject('Contact').destroy(created.id);
  await eventually('the delete in the mailbox', async () => !(await graph.folderContacts(user.email)).some((c) => c.id === found.id));
});

test('mailbox → Salesforce: create, update, delete made through Graph show up in Salesforce', async () => {
  const user = rep();
  const folders = await graph.request('GET', `/users/${encodeURIComponent(user.email)}/contactFolders`);
  const folderId = folders.body.value.find((f: { displayName: string }) => f.displayName === 'Salesforce_Sync').id;
  const created = await graph.request('POST', `/users/${encodeURIComponent(user.email)}/contactFolders/${folderId}/contacts`, {
    givenName: 'Tomás',
    surname: 'Ibarra',
    emailAddresses: [{ address: 'tomas.ibarra@client.example' }],
    mobilePhone: '+34 600 000 001',
  });
  assert.equal(created.status, 201);
  const inSf = await eventually('the new contact in Salesforce', () => sfContactsOf(user.id).find((c) => c.Email === 'tomas.ibarra@client.example'));
  assert.equal(inSf.LastName, 'Ibarra');
  assert.equal(inSf.MobilePhone, '+34 600 000 001');

  await graph.request('PATCH', `/users/${encodeURIComponent(user.email)}/contacts/${created.body.id}`, { jobTitle: 'Head of Sales', mobilePhone: null });
  await eventually('the update in Salesforce', () => sfContactsOf(user.id).find((c) => c.Id === inSf.Id && c.Title === 'Head of Sales' && !c.MobilePhone));

  await graph.request('DELETE', `/users/${encodeURIComponent(user.email)}/contacts/${created.body.id}`);
  await eventually('the delete in Salesforce', () => !sandbox.org.records('Contact').some((c) => c.Id === inSf.Id));
});

test('a contact Salesforce rejects is reported for that contact only; the others still sync', async () => {
  const user = rep();
  const folders = await graph.request('GET', `/users/${encodeURIComponent(user.email)}/contactFolders`);
  const folderId = folders.body.value.find((f: { displayName: string }) => f.displayName === 'Salesforce_Sync').id;
  const base = `/users/${encodeURIComponent(user.email)}/contactFolders/${folderId}/contacts`;
  const bad = await graph.request('POST', base, { givenName: 'NoSurname', emailAddresses: [{ address: 'nosurname@client.example' }] });
  const good = await graph.request('POST', base, { givenName: 'Has', surname: 'Surname', emailAddresses: [{ address: 'has.surname@client.example' }] });
  const longTitle = 'Senior Vice President of Strategic Partnerships and Channel Alliances for Europe, the Middle East, Africa and the Asia-Pacific Region';
  const tooLong = await graph.request('POST', base, { givenName: 'Long', surname: 'Title', jobTitle: longTitle, emailAddresses: [{ address: 'long.title@client.example' }] });
  assert.ok(longTitle.length > 128, 'longer than Contact.Title allows');
  assert.equal(tooLong.status, 201);
  assert.equal(bad.status, 201);
  assert.equal(good.status, 201);
  await eventually('the good contact in Salesforce', () => sfContactsOf(user.id).find((c) => c.Email === 'has.surname@client.example'));
  const errors = await eventually('the per-contact error', async () => (await app!.store.itemErrors(user.id)).filter((e) => e.code === 'REQUIRED_FIELD_MISSING'));
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.itemId, bad.body.id);
  assert.deepEqual(errors[0]!.fields, ['LastName']);
  assert.ok(!errors[0]!.message.includes('NoSurname'), 'the error names the field, not the contact content');
  const status = await app!.store.getUserStatus(user.id);
  assert.ok(status && status.contactsFailed >= 1);
  await eventually('the failure visible in Sync_User_Status__c', () => {
    const r = sandbox.org.records('Sync_User_Status__c').find((x) => x.User__c === user.id);
    return r && Number(r.Contacts_Failed__c) >= 2 && typeof r.Last_Error_Code__c === 'string' && r.State__c === 'Idle';
  });
  assert.ok(!sfContactsOf(user.id).some((c) => c.Email === 'nosurname@client.example'));
  const tooLongErrors = await eventually('the over-long field error', async () => (await app!.store.itemErrors(user.id)).filter((e) => e.itemId === tooLong.body.id));
  assert.equal(tooLongErrors[0]!.code, 'STRING_TOO_LONG');
  assert.deepEqual(tooLongErrors[0]!.fields, ['Title']);
  assert.ok(!tooLongErrors[0]!.message.includes('Strategic'), 'the value is not echoed');
  assert.ok(!sfContactsOf(user.id).some((c) => c.Email === 'long.title@client.example'));

  // Fixing it in the mailbox clears the error and syncs it.
  await graph.request('PATCH', `/users/${encodeURIComponent(user.email)}/contacts/${bad.body.id}`, { surname: 'Fixed' });
  await eventually('the fixed contact in Salesforce', () => sfContactsOf(user.id).find((c) => c.Email === 'nosurname@client.example' && c.LastName === 'Fixed'));
  await eventually('the error gone', async () => !(await app!.store.itemErrors(user.id)).some((e) => e.itemId === bad.body.id));
  // Deleting the other one in the mailbox clears its error too.
  await graph.request('DELETE', `/users/${encodeURIComponent(user.email)}/contacts/${tooLong.body.id}`);
  await eventually('the over-long contact\'s error gone', async () => !(await app!.store.itemErrors(user.id)).some((e) => e.itemId === tooLong.body.id));
  assert.equal((await app!.store.getUserStatus(user.id))?.contactsFailed, 0);
});

test('no echo loop: once converged, idling writes nothing on either side', async () => {
  await converge();
  // Contact writes only: the status mirror (Sync_User_Status__c) is not sync traffic.
  const sfWrites = () => sandbox.org.counter.total((k) => /^(POST|PATCH|DELETE) .*\/(composite\/sobjects|sobjects\/)/.test(k) && !k.includes('Sync_User_Status__c'));
  const beforeSf = sfWrites();
  const beforeMb = sandbox.graph.writeCount();
  // Several poll cycles (1 s each) with CDC live.
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(sfWrites(), beforeSf, 'Salesforce writes while idle');
  assert.equal(sandbox.graph.writeCount(), beforeMb, 'mailbox writes while idle');
});

test('companion restart in the middle of changes on both sides: converges, nothing lost, no duplicates', async () => {
  const user = rep();
  await app!.stop();
  app = undefined;
  const folders = await graph.request('GET', `/users/${encodeURIComponent(user.email)}/contactFolders`);
  const folderId = folders.body.value.find((f: { displayName: string }) => f.displayName === 'Salesforce_Sync').id;
  await sf.sobject('Contact').create({ OwnerId: user.id, LastName: 'WhileDownSf', Email: 'while.down.sf@client.example' });
  await graph.request('POST', `/users/${encodeURIComponent(user.email)}/contactFolders/${folderId}/contacts`, { surname: 'WhileDownMb', emailAddresses: [{ address: 'while.down.mb@client.example' }] });
  const someSf = sfContactsOf(user.id).find((c) => c.Email && String(c.Email).endsWith('@customer.example'))!;
  await sf.sobject('Contact').update({ Id: someSf.Id as string, Department: 'Changed while down' });

  await startCompanion();
  await converge();
  const inSf = sfContactsOf(user.id);
  const inMb = await graph.folderContacts(user.email);
  assert.equal(inSf.length, inMb.length);
  assert.equal(new Set(inMb.map((c) => c.emailAddresses?.[0]?.address)).size, inMb.length, 'no duplicate in the mailbox');
  assert.equal(new Set(inSf.map((c) => c.Email)).size, inSf.length, 'no duplicate in Salesforce');
  assert.ok(inMb.some((c) => c.emailAddresses?.[0]?.address === 'while.down.sf@client.example'));
  assert.ok(inSf.some((c) => c.Email === 'while.down.mb@client.example'));
  assert.equal(inMb.find((c) => c.emailAddresses?.[0]?.address === String(someSf.Email).toLowerCase())?.department, 'Changed while down');
});

test('the conflict policy is the one set in Salesforce: mailbox wins, then Salesforce wins again', async () => {
  const user = rep();
  const resolveConflict = async (policy: 'MailboxWins' | 'SalesforceWins', tag: string) => {
    await app!.stop();
    app = undefined;
    await sf.sobject('Sync_Configuration__c').update({ Id: sandbox.seeded.configurationId, Conflict_Policy__c: policy });
    const contact = sfContactsOf(user.id).find((c) => String(c.Email).endsWith('@customer.example'))!;
    const mbContact = (await graph.folderContacts(user.email)).find((c) => c.emailAddresses?.[0]?.address === String(contact.Email).toLowerCase())!;
    await sf.sobject('Contact').update({ Id: contact.Id as string, Title: `${tag} from Salesforce` });
    await graph.request('PATCH', `/users/${encodeURIComponent(user.email)}/contacts/${mbContact.id}`, { jobTitle: `${tag} from the mailbox` });
    await startCompanion();
    await converge();
    const sfTitle = sfContactsOf(user.id).find((c) => c.Id === contact.Id)!.Title;
    const mbTitle = (await graph.folderContacts(user.email)).find((c) => c.id === mbContact.id)!.jobTitle;
    assert.equal(sfTitle, mbTitle, 'both sides agree after the conflict');
    return sfTitle;
  };
  assert.equal(await resolveConflict('MailboxWins', 'A'), 'A from the mailbox');
  assert.equal(await resolveConflict('SalesforceWins', 'B'), 'B from Salesforce');
  // Each decision is on the rep's status, named by the copy that lost, the field and the time (never the value).
  const conflicts = (await app!.store.itemErrors(user.id, 'contact')).filter((e) => e.code === 'policy_conflict' && e.fields[0] === 'title');
  assert.deepEqual(conflicts.map((c) => c.side).sort(), ['mailbox', 'salesforce'], 'the Salesforce copy lost the first, the mailbox copy the second');
  for (const c of conflicts) assert.doesNotMatch(c.message, /[AB] from/, 'no value in the status');
  const newest = conflicts.find((c) => c.side === 'mailbox')!;
  const status = await eventually('the newest conflict on Sync_User_Status__c', () =>
    sandbox.org.records('Sync_User_Status__c').find((r) => r.User__c === user.id && r.Last_Conflict__c === `contact ${newest.itemId}: title at ${newest.at}`),
  );
  assert.ok(Number(status.Conflicts_Decided__c) >= 2);
  assert.equal((await app!.store.getUserStatus(user.id))?.contactsFailed, 0, 'a decided conflict is not a failure');
});

test('throttling (429) and server errors (5xx) injected on both sides: still converges', async () => {
  const user = rep();
  const folders = await graph.request('GET', `/users/${encodeURIComponent(user.email)}/contactFolders`);
  const folderId = folders.body.value.find((f: { displayName: string }) => f.displayName === 'Salesforce_Sync').id;
  sandbox.graph.faults.add({ match: 'contacts/delta', status: 429, retryAfterSeconds: 1, count: 3 });
  sandbox.graph.faults.add({ match: '\\$batch', status: 503, count: 2 });
  sandbox.org.faults.add({ match: 'composite/sobjects', status: 503, count: 2 });
  sandbox.org.faults.add({ match: '/query', status: 500, count: 1 });
  await sf.sobject('Contact').create({ OwnerId: user.id, LastName: 'UnderFaults', Email: 'under.faults@client.example' });
  await graph.request('POST', `/users/${encodeURIComponent(user.email)}/contactFolders/${folderId}/contacts`, { surname: 'UnderFaultsMb', emailAddresses: [{ address: 'under.faults.mb@client.example' }] });
  // Probed through the emulators' own state, so the injected faults hit only the companion.
  await eventually('both contacts synced despite faults', () => {
    const mb = sandbox.graph.contacts(user.email) as Array<{ emailAddresses?: Array<{ address?: string }> }>;
    return mb.some((c) => c.emailAddresses?.[0]?.address === 'under.faults@client.example') && sfContactsOf(user.id).some((c) => c.Email === 'under.faults.mb@client.example');
  }, 60_000);
  assert.equal(sandbox.graph.faults.firedCount(), 5, 'every injected Graph fault was hit');
  assert.equal(sandbox.org.faults.firedCount(), 3, 'every injected Salesforce fault was hit');
  sandbox.graph.faults.clear();
  sandbox.org.faults.clear();
  await converge();
  const inSf = sfContactsOf(user.id);
  const inMb = await graph.folderContacts(user.email);
  assert.equal(inSf.length, inMb.length);
});

test('a create whose answer is lost (carried out, connection dropped) is adopted, not duplicated', async () => {
  const user = rep();
  const folders = await graph.request('GET', `/users/${encodeURIComponent(user.email)}/contactFolders`);
  const folderId = folders.body.value.find((f: { displayName: string }) => f.displayName === 'Salesforce_Sync').id;
  await converge();
  sandbox.graph.faults.add({ match: '\\$batch', dropResponse: true, count: 1 });
  sandbox.org.faults.add({ match: 'composite/sobjects', dropResponse: true, count: 1 });
  await sf.sobject('Contact').create({ OwnerId: user.id, LastName: 'LostAnswerSf', Email: 'lost.answer.sf@client.example' });
  await graph.request('POST', `/users/${encodeURIComponent(user.email)}/contactFolders/${folderId}/contacts`, { surname: 'LostAnswerMb', emailAddresses: [{ address: 'lost.answer.mb@client.example' }] });
  await eventually('both injected drops hit', () => sandbox.graph.faults.firedCount() === 1 && sandbox.org.faults.firedCount() === 1, 30_000);
  sandbox.graph.faults.clear();
  sandbox.org.faults.clear();
  await converge();
  const mb = sandbox.graph.contacts(user.email) as Array<{ emailAddresses?: Array<{ address?: string }> }>;
  assert.equal(mb.filter((c) => c.emailAddresses?.[0]?.address === 'lost.answer.sf@client.example').length, 1, 'exactly one copy in the mailbox');
  assert.equal(sfContactsOf(user.id).filter((c) => c.Email === 'lost.answer.mb@client.example').length, 1, 'exactly one copy in Salesforce');
  const links = await app!.store.contactLinks(user.id);
  assert.equal(links.length, sfContactsOf(user.id).length, 'every Salesforce contact is linked once');
});

test('a mass delete in the mailbox stops that rep instead of deleting in Salesforce; a reset restores the contacts', async () => {
  const user = sandbox.seeded.users[1]!;
  await converge();
  const sfBefore = sfContactsOf(user.id).length;
  const inMb = await graph.folderContacts(user.email);
  assert.equal(inMb.length, sfBefore);
  // One multi-select delete in Outlook: all six vanish at once (made through the emulator's
  // mailbox-owner hook, so no poll can land between them and split them across passes).
  const victims = inMb.slice(0, 6);
  for (const c of victims) sandbox.graph.user.deleteContact(user.email, String(c.id));
  const status = await eventually('the rep stopped by the safety valve', async () => {
    const s = await app!.store.getUserStatus(user.id);
    return s?.state === 'stopped' ? s : undefined;
  });
  assert.equal(status.lastErrorCode, 'mass_delete_salesforce');
  assert.match(status.lastError ?? '', /6 of 8 linked contacts/);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(sfContactsOf(user.id).length, sfBefore, 'nothing deleted in Salesforce');
  await eventually('the stop visible in Sync_User_Status__c', () => sandbox.org.records('Sync_User_Status__c').find((r) => r.User__c === user.id && r.State__c === 'Stopped'));

  await app!.resetUser(user.id);
  await waitForConvergence(app!, [user.id], 60_000);
  assert.equal((await graph.folderContacts(user.email)).length, sfBefore, 'the deleted contacts are back in the mailbox');
  assert.equal(sfContactsOf(user.id).length, sfBefore);
  assert.equal((await app!.store.getUserStatus(user.id))?.state, 'idle');
});

test('reset: forgetting a user\'s links re-pairs everything without creating duplicates', async () => {
  const user = rep();
  const beforeSf = sfContactsOf(user.id).length;
  const beforeMb = (await graph.folderContacts(user.email)).length;
  await app!.resetUser(user.id);
  await converge();
  assert.equal(sfContactsOf(user.id).length, beforeSf);
  assert.equal((await graph.folderContacts(user.email)).length, beforeMb);
});
