/**
 * The Salesforce connector against the org emulator: JWT per user, SOQL reads, sObject
 * Collections writes as the rep, CDC with caller-persisted replay ids.
 *
 * One org for the file; every test makes its own users and contacts so none depends on another.
 * The org's clock and the connector's clock are the same variable, so a test can expire tokens.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Connection } from 'jsforce';
import { startOrg, type OrgEmulator } from '../../sandbox/salesforce/index.ts';
import { createSalesforceConnector, type SalesforceConnector, type SalesforceWriteResult } from '../../companion/src/connectors/salesforce/index.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import type { RecordChangeEvent } from '../../companion/src/ports/salesforce.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';

const TOKEN_TTL_SECONDS = 600;
const CLIENT = 'syncline';

let org: OrgEmulator;
let sf: SalesforceConnector;
let clockMs = Date.now();
let privateKeyPem: string;
let clientId: string;
const logs: Array<{ level: LogLevel; msg: string; data?: Record<string, unknown> }> = [];
let integrationId: string;
let seq = 0;

const unique = (prefix: string) => `${prefix}${++seq}${randomBytes(3).toString('hex')}`;

function newRep(profileId?: string): string {
  const name = unique('rep');
  return org.addUser({ username: `${name}@connector.example`, email: `${name}@connector.example`, lastName: name, ...(profileId ? { profileId } : {}) });
}

function makeConnector(extra: Partial<Parameters<typeof createSalesforceConnector>[0]> = {}): SalesforceConnector {
  return createSalesforceConnector({
    instanceUrl: org.url,
    loginUrl: org.loginUrl,
    apiVersion: org.apiVersion,
    clientId,
    privateKeyPem,
    integrationUsername: 'integration@connector.example',
    clientIdForCallOptions: CLIENT,
    clock: { now: () => new Date(clockMs) },
    retry: { baseDelayMs: 20, maxDelayMs: 1500 },
    log: (level, msg, data) => logs.push({ level, msg, ...(data ? { data } : {}) }),
    ...extra,
  });
}

function contact(id: string): Record<string, unknown> | undefined {
  return org.records('Contact').find((c) => c.Id === id);
}

function okId(r: SalesforceWriteResult | undefined): string {
  assert.ok(r?.ok, `expected success, got ${JSON.stringify(r)}`);
  return r.id;
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Collects events and lets a test wait for the ones about given records. */
function collector() {
  const events: RecordChangeEvent[] = [];
  return {
    events,
    onEvent: async (e: RecordChangeEvent) => {
      events.push(e);
    },
    about: (id: string) => events.filter((e) => e.recordIds.includes(id)),
    wait: (what: string, pred: (e: RecordChangeEvent) => boolean) => until(what, () => events.find(pred)),
  };
}

before(async () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  clientId = `3MVG9connector${randomBytes(8).toString('hex')}`;
  org = await startOrg({
    forceAppDir: fileURLToPath(new URL('../../force-app', import.meta.url)),
    connectedApp: { clientId, publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    now: () => clockMs,
    tokenTtlSeconds: TOKEN_TTL_SECONDS,
  });
  integrationId = org.addUser({ username: 'integration@connector.example', email: 'integration@connector.example', lastName: 'Integration', isAdmin: true });
  sf = makeConnector();
});

after(async () => {
  await sf?.close();
  await org?.close();
});


test('JWT bearer login, then one de-duplicated refresh when the token expires', async () => {
  const rep = newRep();
  org.insert('Contact', { LastName: 'Auth', OwnerId: rep }, integrationId);
  assert.equal((await sf.listOwnedContacts(rep)).length, 1);

  const refreshesBefore = logs.filter((l) => l.msg === 'salesforce token refreshed').length;
  clockMs += (TOKEN_TTL_SECONDS + 60) * 1000;
  const lists = await Promise.all([1, 2, 3, 4, 5].map(() => sf.listOwnedContacts(rep)));
  for (const l of lists) assert.equal(l.length, 1);
  const refreshes = logs.filter((l) => l.msg === 'salesforce token refreshed').length - refreshesBefore;
  assert.equal(refreshes, 1, 'five concurrent calls on an expired token share one refresh');

  // The rep's own session expires too: the write gets a new token and goes through.
  await sf.createContacts(rep, [{ ownerId: rep, data: { lastName: 'BeforeExpiry' } }]);
  clockMs += (TOKEN_TTL_SECONDS + 60) * 1000;
  const [w] = await sf.createContacts(rep, [{ ownerId: rep, data: { lastName: 'AfterExpiry' } }]);
  assert.equal(contact(okId(w))?.CreatedById, rep);
  assert.ok(!/00D[A-Za-z0-9]{12}!/.test(JSON.stringify(logs)), 'no access token reaches the log');
});

test('a refused JWT fails with the OAuth error code, never the assertion or username', async () => {
  const bad = makeConnector({ integrationUsername: 'nobody@connector.example' });
  try {
    await assert.rejects(bad.getContacts(['003000000000001AAA']), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'invalid_grant');
      assert.ok(!err.message.includes('nobody@'), err.message);
      return true;
    });
  } finally {
    await bad.close();
  }
});

test('loadSyncUsers: own assignment beats profile, then the lowest priority; disabled still listed', async () => {
  const standard = org.profiles['Standard User'];
  const admin = org.profiles['System Administrator'];
  assert.ok(standard && admin);
  // A profile nobody else in this file uses, so the profile assignments below touch only these users.
  const profile = org.insert('Profile', { Name: unique('Sales ') }, integrationId);
  const C = SF.configuration;
  const cfg = (name: string, priority: number, extra: Record<string, unknown> = {}) =>
    org.insert(
      C.object,
      {
        Name: name,
        [C.fields.active]: true,
        [C.fields.priority]: priority,
        [C.fields.contactsEnabled]: true,
        [C.fields.contactsDirection]: 'Both',
        [C.fields.contactsFilter]: 'OwnedByUser',
        ...extra,
      },
      integrationId,
    );
  const A = SF.assignment;
  const assign = (config: string, target: { user?: string; profile?: string }) =>
    org.insert(A.object, { [A.fields.configuration]: config, ...(target.user ? { [A.fields.user]: target.user } : {}), ...(target.profile ? { [A.fields.profileId]: target.profile } : {}) }, integrationId);

  const cfgOwn = cfg(unique('own-'), 50, { [C.fields.contactsDirection]: 'SalesforceToMailbox' });
  const cfgProfileHigh = cfg(unique('profile-high-'), 1);
  const cfgProfileLow = cfg(unique('profile-low-'), 7, { [C.fields.contactsDirection]: 'MailboxToSalesforce' });
  const cfgDisabled = cfg(unique('disabled-'), 3, { [C.fields.contactsEnabled]: false });
  const cfgInactive = cfg(unique('inactive-'), 0, { [C.fields.active]: false });

  const ownBeatsProfile = newRep(profile);
  const profileOnly = newRep(profile);
  const twoOwn = newRep(profile);
  const inactiveOnly = newRep(standard);
  assign(cfgOwn, { user: ownBeatsProfile });
  // 15-character form, as an admin may paste it.
  assign(cfgProfileHigh, { profile: profile.slice(0, 15) });
  assign(cfgProfileLow, { profile });
  assign(cfgOwn, { user: twoOwn });
  assign(cfgDisabled, { user: twoOwn });
  assign(cfgInactive, { user: inactiveOnly });

  const users = await sf.loadSyncUsers();
  const byId = new Map(users.map((u) => [u.userId, u]));

  assert.equal(byId.get(ownBeatsProfile)?.configuration.id, cfgOwn, 'own assignment beats a better-priority profile assignment');
  assert.equal(byId.get(ownBeatsProfile)?.configuration.contacts.direction, 'salesforce_to_mailbox');
  assert.equal(byId.get(profileOnly)?.configuration.id, cfgProfileHigh, 'lowest priority number wins among profile assignments');
  assert.equal(byId.get(profileOnly)?.configuration.contacts.direction, 'both');
  assert.equal(byId.get(twoOwn)?.configuration.id, cfgDisabled, 'priority 3 beats 50 among own assignments');
  assert.equal(byId.get(twoOwn)?.configuration.contacts.enabled, false, 'a disabled configuration is still returned');
  assert.equal(byId.has(inactiveOnly), false, 'inactive configurations are ignored');
  assert.equal(byId.has(integrationId), false);
  const u = byId.get(profileOnly);
  assert.match(u?.username ?? '', /@connector\.example$/);
  assert.equal(u?.email, u?.username);
  assert.equal(u?.configuration.contacts.filter, 'owned');
});

test('listOwnedContacts pages past 2,000 rows and maps fields; getContacts returns only live ids', async () => {
  const rep = newRep();
  const account = org.insert('Account', { Name: unique('Paging Co ') }, integrationId);
  const first = org.insert(
    'Contact',
    { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', Title: 'Analyst', AccountId: account, MailingCity: 'London', Birthdate: '1815-12-10', OwnerId: rep },
    integrationId,
  );
  for (let i = 0; i < 2050; i++) org.insert('Contact', { LastName: `Bulk${i}`, OwnerId: rep }, integrationId);

  const all = await sf.listOwnedContacts(rep);
  assert.equal(all.length, 2051, 'every page was followed');
  const ada = all.find((c) => c.id === first);
  assert.ok(ada);
  assert.equal(ada.data.firstName, 'Ada');
  assert.equal(ada.data.email, 'ada@example.com');
  assert.equal(ada.data.company, org.records('Account').find((a) => a.Id === account)?.Name);
  assert.equal(ada.data.mailingAddress?.city, 'London');
  assert.equal(ada.data.birthday, '1815-12-10');
  assert.equal(ada.ownerId, rep);
  assert.equal(ada.version, contact(first)?.SystemModstamp, 'version is SystemModstamp');

  const other = org.insert('Contact', { LastName: 'Other', OwnerId: rep }, integrationId);
  const deleted = org.insert('Contact', { LastName: 'Gone', OwnerId: rep }, integrationId);
  org.remove('Contact', deleted, integrationId);
  const got = await sf.getContacts([first, other, deleted, "003' OR Name != '", 'not-an-id', first]);
  assert.deepEqual(got.map((c) => c.id).sort(), [first, other].sort());
});

test('collections create: one bad contact fails alone, with a message free of values', async () => {
  const rep = newRep();
  const secret = `SECRET${'x'.repeat(300)}`;
  const results = await sf.createContacts(rep, [
    { ownerId: rep, data: { firstName: 'Good', lastName: 'One', email: 'good.one@example.com' } },
    { ownerId: rep, data: { firstName: 'No last name' } },
    { ownerId: rep, data: { lastName: 'Too long title', title: secret } },
    { ownerId: rep, data: { firstName: 'Good', lastName: 'Two' } },
  ]);
  assert.equal(results.length, 4);
  const good1 = okId(results[0]);
  const good2 = okId(results[3]);
  assert.equal(contact(good1)?.Email, 'good.one@example.com');
  assert.equal(contact(good1)?.OwnerId, rep);
  assert.equal(contact(good2)?.LastName, 'Two');
  assert.equal(results[0]?.ok && results[0].version, '', 'no extra query for the version');

  const missing = results[1];
  assert.ok(missing && !missing.ok);
  assert.equal(missing.error.code, 'REQUIRED_FIELD_MISSING');
  assert.deepEqual(missing.error.fields, ['LastName']);
  assert.match(missing.error.message, /field LastName is required \(REQUIRED_FIELD_MISSING\)/);
  assert.equal(missing.error.retryable, false);

  const long = results[2];
  assert.ok(long && !long.ok);
  assert.equal(long.error.code, 'STRING_TOO_LONG');
  assert.ok(!long.error.message.includes('SECRET'), `message leaks the value: ${long.error.message}`);
  assert.ok(!JSON.stringify(logs).includes('SECRET'), 'logs leak the value');
  assert.equal(org.records('Contact').filter((c) => c.OwnerId === rep).length, 2);
});

test('writes are made as the rep, and 250 records go out in two collection calls', async () => {
  const rep = newRep();
  const before = org.counter.get('POST /services/data/v*/composite/sobjects');
  const items = Array.from({ length: 250 }, (_, i) => ({ ownerId: rep, data: { lastName: `Many${i}` } }));
  const results = await sf.createContacts(rep, items);
  assert.equal(results.filter((r) => r.ok).length, 250);
  assert.equal(org.counter.get('POST /services/data/v*/composite/sobjects') - before, 2);
  const created = contact(okId(results[0]));
  assert.equal(created?.CreatedById, rep, 'created by the rep, not the integration user');
});

test('update clears a field; company resolves to AccountId by exact name, else a warning', async () => {
  const rep = newRep();
  const name = unique('Northwind ');
  const account = org.insert('Account', { Name: name }, integrationId);
  const [r1, r2] = await sf.createContacts(rep, [
    { ownerId: rep, data: { lastName: 'Linked', title: 'CTO', company: name } },
    { ownerId: rep, data: { lastName: 'Unlinked', company: unique('No Such Co ') } },
  ]);
  const linked = okId(r1);
  const unlinked = okId(r2);
  assert.equal(contact(linked)?.AccountId, account);
  assert.equal(r1?.warnings, undefined);
  assert.equal(contact(unlinked)?.AccountId ?? null, null);
  assert.deepEqual(r2?.warnings?.map((w) => [w.code, w.field]), [['unresolved', 'company']]);
  assert.ok(!r2?.warnings?.[0]?.message.includes('No Such Co'), 'the warning does not repeat the company name');

  const [u1, u2, u3] = await sf.updateContacts(rep, [
    { id: linked, set: { title: undefined } },
    { id: unlinked, set: { company: name.toUpperCase() } },
    { id: linked, set: { company: undefined } },
  ]);
  assert.ok(u1?.ok && u2?.ok && u3?.ok);
  assert.equal(contact(linked)?.Title ?? null, null, 'title cleared');
  assert.equal(contact(linked)?.AccountId ?? null, null, 'company cleared → AccountId null');
  assert.equal(contact(unlinked)?.AccountId ?? null, null, 'case-different name is not an exact match');
  assert.deepEqual(u2?.warnings?.map((w) => w.code), ['unresolved']);

  const bad = await sf.updateContacts(rep, [{ id: 'bogus', set: { title: 'x' } }]);
  assert.equal(bad[0]?.ok, false);
});

test('deletes remove the records; deleting again is fine; bad ids fail alone', async () => {
  const rep = newRep();
  const a = org.insert('Contact', { LastName: 'DelA', OwnerId: rep }, integrationId);
  const b = org.insert('Contact', { LastName: 'DelB', OwnerId: rep }, integrationId);
  const results = await sf.deleteContacts(rep, [a, 'nope', b]);
  assert.equal(results[0]?.ok, true);
  assert.equal(results[1]?.ok, false);
  assert.equal(results[2]?.ok, true);
  assert.equal(contact(a), undefined);
  assert.equal(contact(b), undefined);
  const again = await sf.deleteContacts(rep, [a]);
  assert.equal(again[0]?.ok, true, 'already deleted counts as deleted');
});

test('a 503 on the collection call is retried and the write succeeds', async () => {
  const rep = newRep();
  org.faults.add({ match: '^POST /services/data/v[0-9.]+/composite/sobjects$', status: 503, count: 1, retryAfterSeconds: 0 });
  const before = org.counter.get('POST /services/data/v*/composite/sobjects');
  const [r] = await sf.createContacts(rep, [{ ownerId: rep, data: { lastName: 'After503' } }]);
  const id = okId(r);
  assert.equal(contact(id)?.LastName, 'After503');
  assert.equal(org.counter.get('POST /services/data/v*/composite/sobjects') - before, 2, 'one 503, one success');
});

test('persistent 503s become retryable per-item errors', async () => {
  const rep = newRep();
  const a = org.insert('Contact', { LastName: 'Keep', OwnerId: rep }, integrationId);
  org.faults.add({ match: '^PATCH /services/data/v[0-9.]+/composite/sobjects$', status: 503, count: 10, retryAfterSeconds: 0 });
  try {
    const [r] = await sf.updateContacts(rep, [{ id: a, set: { title: 'Never' } }]);
    assert.ok(r && !r.ok);
    assert.equal(r.error.retryable, true);
    assert.equal(r.id, a);
    assert.match(r.error.message, /503/);
  } finally {
    org.faults.clear();
  }
});

test('a dropped connection: an update is repeated, a create is not (it might have been saved)', async () => {
  const rep = newRep();
  const a = org.insert('Contact', { LastName: 'DropUpdate', OwnerId: rep }, integrationId);
  await sf.listOwnedContacts(rep); // logs the integration user in before faults are armed
  await sf.updateContacts(rep, [{ id: a, set: { title: 'warm-up' } }]);

  org.faults.add({ match: '^PATCH /services/data/v[0-9.]+/composite/sobjects$', drop: true, count: 1 });
  const [u] = await sf.updateContacts(rep, [{ id: a, set: { title: 'after drop' } }]);
  assert.ok(u?.ok, JSON.stringify(u));
  assert.equal(contact(a)?.Title, 'after drop');

  org.faults.add({ match: '^POST /services/data/v[0-9.]+/composite/sobjects$', drop: true, count: 1 });
  const before = org.counter.get('POST /services/data/v*/composite/sobjects');
  const [c] = await sf.createContacts(rep, [{ ownerId: rep, data: { lastName: 'DropCreate' } }]);
  assert.ok(c && !c.ok);
  assert.equal(c.error.retryable, true, 'the engine may try again after matching');
  assert.equal(org.counter.get('POST /services/data/v*/composite/sobjects') - before, 1, 'not repeated blindly');
});

test('CDC: our writes arrive with fromUs, a rep editing through the API without our client id does not', async () => {
  const rep = newRep();
  const c = collector();
  const sub = await sf.subscribeContactChanges(-1, c.onEvent, async () => assert.fail('replay rejected'));
  try {
    const [r] = await sf.createContacts(rep, [{ ownerId: rep, data: { lastName: 'Echo' } }]);
    const id = okId(r);
    const ours = await c.wait('our create', (e) => e.recordIds.includes(id));
    assert.equal(ours.changeType, 'CREATE');
    assert.equal(ours.entity, 'Contact');
    assert.equal(ours.fromUs, true);
    assert.equal(ours.commitUser, rep);
    assert.equal(ours.ownerId, rep);

    const repConn = new Connection({ instanceUrl: org.url, accessToken: org.issueToken(rep), version: org.apiVersion });
    await repConn.sobject('Contact').update({ Id: id, Title: 'Edited by rep' });
    const theirs = await c.wait('the rep edit', (e) => e.recordIds.includes(id) && e.changeType === 'UPDATE');
    assert.equal(theirs.fromUs, false);
    assert.ok(theirs.changedFields.includes('Title'));
    assert.ok(!JSON.stringify(c.events).includes('Edited by rep'), 'events carry no field values');

    const viaOtherClient = new Connection({ instanceUrl: org.url, accessToken: org.issueToken(rep), version: org.apiVersion, callOptions: { client: `${CLIENT}-other` } });
    await viaOtherClient.sobject('Contact').update({ Id: id, Title: 'Other tool' });
    const other = await c.wait('the other tool edit', (e) => e.recordIds.includes(id) && e.changeType === 'UPDATE' && e !== theirs);
    assert.equal(other.fromUs, false, 'a client id that merely starts with ours is not ours');

    const replayIds = c.events.map((e) => e.replayId);
    assert.deepEqual([...replayIds].sort((a, b) => a - b), replayIds, 'delivered in order');
  } finally {
    await sub.close();
  }
});

test('CDC resume from a stored replay id delivers exactly the missed events', async () => {
  const rep = newRep();
  const first = collector();
  let stored = -1;
  const sub1 = await sf.subscribeContactChanges(
    -1,
    async (e) => {
      await first.onEvent(e);
      stored = e.replayId;
    },
    async () => assert.fail('replay rejected'),
  );
  const seen = org.insert('Contact', { LastName: 'Seen', OwnerId: rep }, integrationId);
  await first.wait('the first event', (e) => e.recordIds.includes(seen));
  await sub1.close();

  const missed1 = org.insert('Contact', { LastName: 'Missed1', OwnerId: rep }, integrationId);
  const missed2 = org.insert('Contact', { LastName: 'Missed2', OwnerId: rep }, integrationId);
  org.update('Contact', missed1, { Title: 'changed' }, integrationId);

  const second = collector();
  const sub2 = await sf.subscribeContactChanges(stored, second.onEvent, async () => assert.fail('replay rejected'));
  try {
    await second.wait('the update after the gap', (e) => e.recordIds.includes(missed1) && e.changeType === 'UPDATE');
    const live = org.insert('Contact', { LastName: 'Live', OwnerId: rep }, integrationId);
    await second.wait('a live event', (e) => e.recordIds.includes(live));
    const ids = second.events.map((e) => `${e.changeType}:${e.recordIds.join(',')}`);
    assert.deepEqual(ids, [`CREATE:${missed1}`, `CREATE:${missed2}`, `UPDATE:${missed1}`, `CREATE:${live}`]);
    assert.equal(second.about(seen).length, 0, 'the processed event is not delivered again');
  } finally {
    await sub2.close();
  }
});

test('CDC replay id outside retention: onReplayRejected, then new events from the tip', async () => {
  const rep = newRep();
  const c = collector();
  let rejected = 0;
  const sub = await sf.subscribeContactChanges(987_654_321, c.onEvent, async () => {
    rejected++;
  });
  try {
    await until('onReplayRejected', () => rejected === 1);
    const id = org.insert('Contact', { LastName: 'AfterReject', OwnerId: rep }, integrationId);
    await c.wait('an event after resubscribing', (e) => e.recordIds.includes(id));
    assert.equal(rejected, 1);
  } finally {
    await sub.close();
  }
});

test('CDC: events are handled one at a time, and a failing handler is retried, not skipped', async () => {
  const rep = newRep();
  const order: string[] = [];
  let active = 0;
  let failOnce = true;
  const sub = await sf.subscribeContactChanges(
    -1,
    async (e) => {
      active++;
      assert.equal(active, 1, 'never two handlers at once');
      await new Promise((r) => setTimeout(r, 20));
      active--;
      if (failOnce && e.changeType === 'UPDATE') {
        failOnce = false;
        throw new Error('database briefly unavailable');
      }
      order.push(`${e.changeType}:${e.recordIds.join(',')}`);
    },
    async () => assert.fail('replay rejected'),
  );
  try {
    const a = org.insert('Contact', { LastName: 'Seq', OwnerId: rep }, integrationId);
    org.update('Contact', a, { Title: 'one' }, integrationId);
    org.remove('Contact', a, integrationId);
    await until('three events', () => order.length === 3, 10_000);
    assert.deepEqual(order, [`CREATE:${a}`, `UPDATE:${a}`, `DELETE:${a}`]);
  } finally {
    await sub.close();
  }
});

test('CDC survives token expiry: the client re-authenticates and resumes from the last processed event', async () => {
  const rep = newRep();
  const c = collector();
  const sub = await sf.subscribeContactChanges(-1, c.onEvent, async () => assert.fail('replay rejected'));
  try {
    const before = org.insert('Contact', { LastName: 'BeforeExpiry', OwnerId: rep }, integrationId);
    await c.wait('an event before expiry', (e) => e.recordIds.includes(before));
    clockMs += (TOKEN_TTL_SECONDS + 60) * 1000;
    // Delivered on the poll already held, after which the next /meta/connect meets the dead token.
    const during = org.insert('Contact', { LastName: 'DuringExpiry', OwnerId: rep }, integrationId);
    await c.wait('the event that ends the held poll', (e) => e.recordIds.includes(during));
    await until('the rebuilt client', () => logs.some((l) => l.msg === 'salesforce cdc reconnecting' && l.data?.reason === 'authentication'));
    const after = org.insert('Contact', { LastName: 'AfterExpiry', OwnerId: rep }, integrationId);
    await c.wait('an event after re-authentication', (e) => e.recordIds.includes(after));
    for (const id of [before, during, after]) assert.equal(c.about(id).length, 1, 'each event exactly once');
  } finally {
    await sub.close();
  }
});

test('CDC after the server drops the session: re-handshake resumes after the last processed event, each event once', async () => {
  const rep = newRep();
  const handled: RecordChangeEvent[] = [];
  let dropped = false;
  const sub = await sf.subscribeContactChanges(
    -1,
    async (e) => {
      if (handled.length === 1 && !dropped) {
        // The server loses the session while the second event is being handled and more are queued.
        dropped = true;
        org.streaming.dropClients();
      }
      await new Promise((r) => setTimeout(r, 50));
      handled.push(e);
    },
    async () => assert.fail('replay rejected'),
  );
  try {
    const ids = [1, 2, 3, 4].map((i) => org.insert('Contact', { LastName: `Drop${i}`, OwnerId: rep }, integrationId));
    await until('all four events', () => handled.length >= 4, 10_000);
    const later = org.insert('Contact', { LastName: 'AfterDrop', OwnerId: rep }, integrationId);
    await until('the event after the drop', () => handled.some((e) => e.recordIds.includes(later)), 10_000);
    assert.deepEqual(handled.map((e) => e.recordIds.join(',')), [...ids, later]);
    const resumedFrom = logs.filter((l) => l.msg === 'salesforce cdc subscribed').map((l) => l.data?.replayFrom);
    assert.ok(resumedFrom.includes(handled[0]?.replayId), `resubscribed after the first processed event (${JSON.stringify(resumedFrom)})`);
  } finally {
    await sub.close();
  }
});
