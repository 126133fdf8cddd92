/**
 * The Salesforce connector against the org emulator: JWT per user, SOQL reads, sObject
 * Collections writes as the rep, CDC with caller-persisted replay ids.
 *
 * One org for the file; every test makes its own users and contacts so none depends on another.
 * The org's clock and the connector's clock are the same variable, so a test can expire tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OrgEmulator } from '../../sandbox/salesforce/index.ts';
import { startGraph } from '../../sandbox/microsoft/index.ts';
import { seedSandbox, SELECTED_EVENTS_CATEGORY } from '../../sandbox/seed.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../companion/src/connectors/salesforce/index.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import type { RecordChangeEvent, SyncConfiguration } from '../../companion/src/ports/salesforce.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';
import { addIntegrationUser, addRep, connectorOptions, connectorOrgHooks, FORCE_APP_DIR, okId, orgClient, startAppOrg, unique, until, type ConnectedApp } from '../support/salesforce-connector-setup.ts';

const TOKEN_TTL_SECONDS = 600;
const CLIENT = 'syncline';
const DOMAIN = 'connector.example';

let org: OrgEmulator;
let sf: SalesforceConnector;
let clockMs = Date.now();
let app: ConnectedApp;
const logs: Array<{ level: LogLevel; msg: string; data?: Record<string, unknown> }> = [];
let integrationId: string;

const newRep = (profileId?: string): string => addRep(org, DOMAIN, profileId ? { profileId } : {}).id;

function makeConnector(extra: Partial<Parameters<typeof createSalesforceConnector>[0]> = {}, target: OrgEmulator = org): SalesforceConnector {
  return createSalesforceConnector({
    ...connectorOptions(target, app, DOMAIN, () => clockMs),
    clientIdForCallOptions: CLIENT,
    log: (level, msg, data) => logs.push({ level, msg, ...(data ? { data } : {}) }),
    ...extra,
  });
}

function contact(id: string): Record<string, unknown> | undefined {
  return org.records('Contact').find((c) => c.Id === id);
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

connectorOrgHooks({ name: 'connector', domain: DOMAIN, now: () => clockMs, org: { tokenTtlSeconds: TOKEN_TTL_SECONDS } }, (s) => {
  ({ org, app, integrationId } = s);
  return (sf = makeConnector());
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

  const cfgOwn = cfg(unique('own-'), 50, {
    [C.fields.contactsDirection]: 'SalesforceToMailbox',
    [C.fields.eventsEnabled]: true,
    [C.fields.eventsSelection]: 'SelectedEvents',
  });
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
  // Settings are never mixed across configurations: events come from the same winner.
  assert.equal(byId.get(ownBeatsProfile)?.configuration.events.selection, 'selected');
  assert.equal(byId.get(ownBeatsProfile)?.configuration.events.enabled, true);
  assert.equal(byId.get(profileOnly)?.configuration.events.enabled, false);
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

/** Inserts an active configuration with contacts on (as the seed does) plus `fields`, and assigns it to a new rep of `target`. */
function assignedConfiguration(target: OrgEmulator, adminId: string, fields: Record<string, unknown>): { configId: string; rep: string } {
  const C = SF.configuration;
  const A = SF.assignment;
  const configId = target.insert(
    C.object,
    {
      Name: unique('events-'),
      [C.fields.active]: true,
      [C.fields.priority]: 1,
      [C.fields.contactsEnabled]: true,
      [C.fields.contactsDirection]: 'Both',
      [C.fields.contactsFilter]: 'OwnedByUser',
      ...fields,
    },
    adminId,
  );
  const name = unique('rep');
  const rep = target.addUser({ username: `${name}@connector.example`, email: `${name}@connector.example`, lastName: name });
  target.insert(A.object, { [A.fields.configuration]: configId, [A.fields.user]: rep }, adminId);
  return { configId, rep };
}

/** What a configuration that never mentions events gets: the package defaults, events off. */
const DEFAULT_EVENTS: SyncConfiguration['events'] = {
  enabled: false,
  direction: 'both',
  selection: 'all',
  category: 'Salesforce',
  series: true,
  privateEvents: false,
  autoRelate: true,
  propagateDeletes: true,
  windowDaysBack: 30,
  windowDaysAhead: 365,
};

test('loadSyncUsers: event settings, conflict policy and delete threshold reach the port; blanks mean the package defaults', async () => {
  const F = SF.configuration.fields;
  const everySetting = assignedConfiguration(org, integrationId, {
    [F.eventsEnabled]: true,
    [F.eventsDirection]: 'MailboxToSalesforce',
    [F.eventsSelection]: 'SelectedEvents',
    [F.eventsCategory]: '  Customer meetings ',
    [F.eventsSeries]: false,
    [F.eventsPrivate]: true,
    [F.eventsAutoRelate]: false,
    [F.eventsPropagateDeletes]: false,
    [F.eventsWindowDaysBack]: 7,
    [F.eventsWindowDaysAhead]: 90,
    [F.conflictPolicy]: 'NewestWins',
    [F.maxDeletePercent]: 25,
  });
  // Only the contact settings: what a configuration saved before the event fields existed looks like once the checkboxes are back-filled.
  const contactsOnly = assignedConfiguration(org, integrationId, {});
  // Blank picklists, text and numbers (as Salesforce leaves them on records older than the fields): the defaults, and events stay on.
  const blanks = assignedConfiguration(org, integrationId, {
    [F.eventsEnabled]: true,
    [F.eventsDirection]: null,
    [F.eventsSelection]: null,
    [F.eventsCategory]: null,
    [F.eventsWindowDaysBack]: null,
    [F.eventsWindowDaysAhead]: null,
    [F.conflictPolicy]: null,
    [F.maxDeletePercent]: null,
  });
  const blankCategory = assignedConfiguration(org, integrationId, { [F.eventsEnabled]: true, [F.eventsCategory]: '   ' });
  // The validation rules keep these out, but records saved before the rules existed can hold them.
  const outOfRange = assignedConfiguration(org, integrationId, {
    [F.eventsEnabled]: true,
    [F.eventsWindowDaysBack]: 5000,
    [F.eventsWindowDaysAhead]: -3,
    [F.maxDeletePercent]: 250,
  });
  const zeroPercent = assignedConfiguration(org, integrationId, { [F.eventsEnabled]: true, [F.maxDeletePercent]: 0 });

  const logStart = logs.length;
  const byId = new Map((await sf.loadSyncUsers()).map((u) => [u.userId, u.configuration]));

  const all = byId.get(everySetting.rep);
  assert.equal(all?.id, everySetting.configId);
  assert.deepEqual(all?.events, {
    enabled: true,
    direction: 'mailbox_to_salesforce',
    selection: 'selected',
    category: 'Customer meetings',
    series: false,
    privateEvents: true,
    autoRelate: false,
    propagateDeletes: false,
    windowDaysBack: 7,
    windowDaysAhead: 90,
  });
  assert.equal(all?.conflictPolicy, 'newest_wins');
  assert.equal(all?.maxDeleteShare, 0.25);
  assert.deepEqual(all?.contacts, { enabled: true, direction: 'both', filter: 'owned' }, 'contacts are untouched by the event settings');

  const plain = byId.get(contactsOnly.rep);
  assert.deepEqual(plain?.events, DEFAULT_EVENTS);
  assert.equal(plain?.conflictPolicy, 'salesforce_wins');
  assert.equal(plain?.maxDeleteShare, 0.5);
  assert.equal(plain?.contacts.enabled, true);

  const blank = byId.get(blanks.rep);
  assert.deepEqual(blank?.events, { ...DEFAULT_EVENTS, enabled: true }, 'a blank is the default, not an unknown value');
  assert.equal(blank?.conflictPolicy, 'salesforce_wins');
  assert.equal(blank?.maxDeleteShare, 0.5);
  assert.equal(byId.get(blankCategory.rep)?.events.category, 'Salesforce', 'a category of spaces is blank');

  const clamped = byId.get(outOfRange.rep);
  assert.equal(clamped?.events.enabled, true, 'an out-of-range number is clamped, not a reason to stop');
  assert.equal(clamped?.events.windowDaysBack, 3650);
  assert.equal(clamped?.events.windowDaysAhead, 0);
  assert.equal(clamped?.maxDeleteShare, 1);
  assert.equal(byId.get(zeroPercent.rep)?.maxDeleteShare, 0.01, '0% would stop every delete; the floor is the rule\'s 1%');

  const warnings = logs.slice(logStart).filter((l) => l.level === 'warn');
  const clampedFields = warnings
    .filter((l) => l.msg.includes('out of range') && l.data?.['configurationId'] === outOfRange.configId)
    .map((l) => l.data?.['field'])
    .sort();
  assert.deepEqual(clampedFields, [F.eventsWindowDaysAhead, F.eventsWindowDaysBack, F.maxDeletePercent].sort());
  for (const quiet of [everySetting, contactsOnly, blanks, blankCategory]) {
    assert.ok(!warnings.some((l) => l.data?.['configurationId'] === quiet.configId), 'valid and blank settings log nothing');
  }
});

test('loadSyncUsers against a newer package: unknown event picklist values switch events off with a warning, contacts stay on', async () => {
  // A copy of force-app with values this companion does not know, as a newer package would add them.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-newer-package-'));
  const forceApp = path.join(dir, 'force-app');
  cpSync(FORCE_APP_DIR, forceApp, { recursive: true });
  const F = SF.configuration.fields;
  const addValue = (field: string, value: string) => {
    const file = path.join(forceApp, 'main/default/objects', SF.configuration.object, 'fields', `${field}.field-meta.xml`);
    const xml = readFileSync(file, 'utf8');
    const extra = `            <value>\n                <fullName>${value}</fullName>\n                <default>false</default>\n                <label>${value}</label>\n            </value>\n        </valueSetDefinition>`;
    const next = xml.replace('        </valueSetDefinition>', extra);
    assert.notEqual(next, xml, `${field} gained ${value}`);
    writeFileSync(file, next);
  };
  addValue(F.eventsSelection, 'SharedCalendar');
  addValue(F.eventsDirection, 'Sideways');
  addValue(F.conflictPolicy, 'AskTheRep');

  const newer = await startAppOrg(app, { forceAppDir: forceApp, now: () => clockMs, tokenTtlSeconds: TOKEN_TTL_SECONDS });
  const adminId = addIntegrationUser(newer, DOMAIN);
  const connector = makeConnector({}, newer);
  try {
    const unknownSelection = assignedConfiguration(newer, adminId, { [F.eventsEnabled]: true, [F.eventsSelection]: 'SharedCalendar' });
    const unknownDirection = assignedConfiguration(newer, adminId, { [F.eventsEnabled]: true, [F.eventsDirection]: 'Sideways' });
    const unknownPolicy = assignedConfiguration(newer, adminId, { [F.eventsEnabled]: true, [F.conflictPolicy]: 'AskTheRep' });
    const eventsAlreadyOff = assignedConfiguration(newer, adminId, { [F.eventsEnabled]: false, [F.eventsSelection]: 'SharedCalendar' });
    const known = assignedConfiguration(newer, adminId, { [F.eventsEnabled]: true });

    const logStart = logs.length;
    const byId = new Map((await connector.loadSyncUsers()).map((u) => [u.userId, u.configuration]));
    const warned = (configId: string) =>
      logs.slice(logStart).filter((l) => l.level === 'warn' && l.data?.['configurationId'] === configId).map((l) => l.msg);

    for (const c of [unknownSelection, unknownDirection]) {
      const cfg = byId.get(c.rep);
      assert.equal(cfg?.events.enabled, false, 'an unknown events value switches events off');
      assert.equal(cfg?.contacts.enabled, true, 'contacts do not depend on event settings');
      assert.match(warned(c.configId).join('\n'), /unknown events direction or selection; events disabled/);
    }
    // The policy decides conflicts for contacts and events alike, so neither may run on a guess.
    const policy = byId.get(unknownPolicy.rep);
    assert.equal(policy?.events.enabled, false);
    assert.equal(policy?.contacts.enabled, false);
    assert.match(warned(unknownPolicy.configId).join('\n'), /unknown conflict policy; contacts and events disabled/);

    assert.equal(byId.get(eventsAlreadyOff.rep)?.events.enabled, false);
    assert.deepEqual(warned(eventsAlreadyOff.configId), [], 'nothing to switch off, nothing to warn about');
    assert.equal(byId.get(known.rep)?.events.enabled, true);
    assert.deepEqual(warned(known.configId), []);
  } finally {
    await connector.close();
    await newer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sandbox seed: events both ways for every rep, the last rep on "only events the rep selects", contacts alike', async () => {
  for (const users of [3, 1]) {
    const seededOrg = await startAppOrg(app, { now: () => clockMs, tokenTtlSeconds: TOKEN_TTL_SECONDS });
    const graph = await startGraph();
    const seeded = seedSandbox(seededOrg, graph, { users, contactsPerUser: 1 });
    const connector = makeConnector({ integrationUsername: seeded.integrationUser.username }, seededOrg);
    try {
      const byId = new Map((await connector.loadSyncUsers()).map((u) => [u.userId, u.configuration]));
      assert.equal(byId.size, users);
      const configs = seeded.users.map((u) => byId.get(u.id));
      const last = configs[configs.length - 1];
      const first = configs[0];
      assert.ok(first && last);
      for (const c of configs.slice(0, users > 1 ? -1 : undefined)) {
        assert.equal(c?.id, seeded.configurationId);
        assert.deepEqual(c?.events, { ...DEFAULT_EVENTS, enabled: true, category: SELECTED_EVENTS_CATEGORY }, 'all events, both ways');
      }
      if (users > 1) {
        assert.equal(last.id, seeded.selectedEventsConfigurationId, 'the last rep has only the second configuration');
        assert.deepEqual(last.events, { ...DEFAULT_EVENTS, enabled: true, selection: 'selected', category: SELECTED_EVENTS_CATEGORY });
      } else {
        assert.equal(first.id, seeded.configurationId, 'a single rep stays on "all events"');
      }
      for (const c of configs) {
        // The contact tests run on any seeded rep: both configurations must sync contacts identically.
        assert.deepEqual(c?.contacts, { enabled: true, direction: 'both', filter: 'owned' });
        assert.equal(c?.conflictPolicy, 'salesforce_wins');
        assert.equal(c?.maxDeleteShare, 0.5);
      }
    } finally {
      await connector.close();
      await graph.close();
      await seededOrg.close();
    }
  }
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
  const again = await sf.deleteContacts(rep, [a, '003Zz0000000001']);
  assert.equal(again[0]?.ok, true, 'already deleted (in the recycle bin) counts as deleted');
  assert.equal(again[1]?.ok, true, 'a contact id Salesforce no longer knows at all (purged) counts as deleted, once a read confirms it');
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

    const repConn = orgClient(org, rep);
    await repConn.sobject('Contact').update({ Id: id, Title: 'Edited by rep' });
    const theirs = await c.wait('the rep edit', (e) => e.recordIds.includes(id) && e.changeType === 'UPDATE');
    assert.equal(theirs.fromUs, false);
    assert.ok(theirs.changedFields.includes('Title'));
    assert.ok(!JSON.stringify(c.events).includes('Edited by rep'), 'events carry no field values');

    const viaOtherClient = orgClient(org, rep, { callOptions: { client: `${CLIENT}-other` } });
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
    // The re-handshake lands while or just after the second event is handled (timing), so it must resume
    // from a replay id already processed — never -1 (which would lose events) nor one not yet processed.
    const processedBeforeLater = handled.slice(0, 4).map((e) => e.replayId);
    assert.ok(
      resumedFrom.some((r) => processedBeforeLater.slice(0, 2).includes(r as number)),
      `resubscribed from a processed event (${JSON.stringify(resumedFrom)}; processed ${JSON.stringify(processedBeforeLater)})`,
    );
  } finally {
    await sub.close();
  }
});
