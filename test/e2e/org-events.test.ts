/**
 * Event, EventRelation and Lead in the org emulator, driven by jsforce as the companion drives a
 * real org: derived time fields, validation codes and messages, invitees, event series, change
 * events and the SOQL the companion's event sync runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { startOrg, type OrgEmulator } from '../../sandbox/salesforce/index.ts';
import type { EventData } from '../../sandbox/salesforce/cometd.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLIENT = 'syncline-events-test';
const publicKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

/**
 * force-app plus the Event and EventRelation channel members, so CDC for them is on exactly as a
 * deploy would switch it on (force-app itself only enables Contact so far).
 */
function forceAppWithEventCdc(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'org-events-'));
  cpSync(path.join(REPO, 'force-app'), path.join(dir, 'force-app'), { recursive: true });
  for (const entity of ['EventChangeEvent', 'EventRelationChangeEvent']) {
    writeFileSync(
      path.join(dir, 'force-app/main/default/platformEventChannelMembers', `ChangeEvents_${entity}.platformEventChannelMember-meta.xml`),
      `<?xml version="1.0" encoding="UTF-8"?>\n<PlatformEventChannelMember xmlns="http://soap.sforce.com/2006/04/metadata">\n    <eventChannel>ChangeEvents</eventChannel>\n    <selectedEntity>${entity}</selectedEntity>\n</PlatformEventChannelMember>\n`,
    );
  }
  return dir;
}

interface FayeClient {
  subscribe(channel: string, listener: (data: EventData) => void): PromiseLike<void>;
  disconnect(): PromiseLike<void> | undefined;
}

type Rec = Record<string, unknown>;
type SaveResult = { success: boolean; id?: string; errors: Array<{ errorCode?: string; statusCode?: string; message: string; fields?: string[] }> };

describe('org emulator: events', () => {
  let org: OrgEmulator;
  let tmp: string;
  let ownerId: string;
  let conn: jsforce.Connection;
  let contactId: string;
  let accountId: string;
  const clock = { t: Date.UTC(2025, 4, 14, 9, 30, 0) };

  before(async () => {
    tmp = forceAppWithEventCdc();
    org = await startOrg({ forceAppDir: path.join(tmp, 'force-app'), connectedApp: { clientId: 'events', publicKeyPem }, now: () => clock.t });
    ownerId = org.addUser({ username: 'rep@events.test', email: 'rep@events.test', lastName: 'Rep', timeZoneSidKey: 'Europe/Berlin', isAdmin: true });
    conn = new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(ownerId), version: org.apiVersion, callOptions: { client: CLIENT } });
    accountId = await created('Account', { Name: 'Acme' });
    contactId = await created('Contact', { LastName: 'Lovelace', Email: 'ada@acme.test', AccountId: accountId });
  });
  after(async () => {
    await org.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function created(type: string, fields: Rec): Promise<string> {
    const r = (await conn.sobject(type).create(fields)) as SaveResult;
    assert.ok(r.success && r.id, JSON.stringify(r));
    return r.id;
  }
  const get = async (type: string, id: string): Promise<Rec> => (await conn.sobject(type).retrieve(id)) as Rec;
  /** A single-record collection create, whose SaveResult carries the error's fields. */
  async function failure(type: string, fields: Rec): Promise<{ errorCode: string; message: string; fields: string[] }> {
    const [r] = (await conn.sobject(type).create([fields], { allOrNone: false })) as SaveResult[];
    const e = r?.errors[0];
    assert.ok(r && !r.success && e, `expected the create to fail: ${JSON.stringify(r)}`);
    return { errorCode: String(e.statusCode), message: e.message, fields: e.fields ?? [] };
  }
  const meeting = (over: Rec = {}): Rec => ({ Subject: 'Review', StartDateTime: '2025-06-02T08:00:00.000Z', DurationInMinutes: 60, ...over });

  it('requires LastName and Company on Lead and defaults Status', async () => {
    const bad = await failure('Lead', { FirstName: 'No' });
    assert.equal(bad.errorCode, 'REQUIRED_FIELD_MISSING');
    assert.equal(bad.message, 'Required fields are missing: [LastName, Company]');
    const id = await created('Lead', { LastName: 'Hopper', Company: 'Navy', Email: 'grace@navy.test' });
    const lead = await get('Lead', id);
    assert.equal(lead['Status'], 'Open - Not Contacted');
    assert.equal(lead['IsConverted'], false);
    assert.equal(lead['Name'], 'Hopper');
  });

  it('creates, updates and deletes an event with derived times', async () => {
    const id = await created('Event', meeting({ WhoId: contactId, Location: 'Room 1' }));
    let ev = await get('Event', id);
    assert.equal(ev['EndDateTime'], '2025-06-02T09:00:00.000+0000');
    assert.equal(ev['ActivityDateTime'], '2025-06-02T08:00:00.000+0000');
    assert.equal(ev['ActivityDate'], '2025-06-02');
    assert.equal(ev['ShowAs'], 'Busy');
    assert.equal(ev['OwnerId'], ownerId);
    assert.equal(ev['AccountId'], accountId, 'AccountId follows the contact WhoId');
    const [who] = (await conn.query<Rec>(`SELECT Who.Name, Who.Email, Who.Type, What.Name FROM Event WHERE Id = '${id}'`)).records;
    assert.deepEqual([(who?.['Who'] as Rec)['Email'], (who?.['Who'] as Rec)['Type'], who?.['What']], ['ada@acme.test', 'Contact', null]);

    await conn.sobject('Event').update({ Id: id, EndDateTime: '2025-06-02T09:30:00Z' });
    ev = await get('Event', id);
    assert.equal(ev['DurationInMinutes'], 90);
    await conn.sobject('Event').update({ Id: id, StartDateTime: '2025-06-02T22:30:00Z' });
    ev = await get('Event', id);
    assert.equal(ev['EndDateTime'], '2025-06-03T00:00:00.000+0000', 'a moved start keeps the duration');
    assert.equal(ev['ActivityDate'], '2025-06-03', "ActivityDate is the date in the owner's zone (Berlin)");

    const r = (await conn.sobject('Event').destroy(id)) as SaveResult;
    assert.ok(r.success);
    assert.equal(org.records('Event').some((e) => e['Id'] === id), false);
  });

  it('saves through sObject Collections with per-record failures', async () => {
    const results = (await conn.sobject('Event').create([meeting({ Subject: 'ok' }), meeting({ DurationInMinutes: null })], { allOrNone: false })) as SaveResult[];
    assert.equal(results[0]?.success, true);
    assert.equal(results[1]?.success, false);
    assert.equal(results[1]?.errors[0]?.statusCode, 'REQUIRED_FIELD_MISSING');
    assert.equal(results[1]?.errors[0]?.message, 'Required fields are missing: [DurationInMinutes]');
    const upd = (await conn.sobject('Event').update([{ Id: results[0]?.id as string, Subject: 'renamed' }], { allOrNone: false })) as SaveResult[];
    assert.equal(upd[0]?.success, true);
    const del = (await conn.sobject('Event').destroy([results[0]?.id as string], { allOrNone: false })) as SaveResult[];
    assert.equal(del[0]?.success, true);
  });

  it('rejects invalid times and references with Salesforce codes', async () => {
    const long = await failure('Event', meeting({ DurationInMinutes: 14 * 1440 + 1 }));
    assert.deepEqual(long, { errorCode: 'FIELD_INTEGRITY_EXCEPTION', message: 'Duration must be between 0 and 20160 minutes', fields: ['DurationInMinutes'] });
    const backwards = await failure('Event', { StartDateTime: '2025-06-02T08:00:00Z', EndDateTime: '2025-06-02T07:00:00Z' });
    assert.equal(backwards.errorCode, 'FIELD_INTEGRITY_EXCEPTION');
    assert.equal(backwards.message, 'Duration must be between 0 and 20160 minutes');
    const noEnd = await failure('Event', { StartDateTime: '2025-06-02T08:00:00Z' });
    assert.deepEqual([noEnd.errorCode, noEnd.message], ['REQUIRED_FIELD_MISSING', 'Required fields are missing: [DurationInMinutes]']);
    const noStart = await failure('Event', { DurationInMinutes: 30 });
    assert.deepEqual([noStart.errorCode, noStart.message], ['REQUIRED_FIELD_MISSING', 'Required fields are missing: [StartDateTime]']);
    const mismatch = await failure('Event', meeting({ EndDateTime: '2025-06-02T10:00:00Z' }));
    assert.equal(mismatch.errorCode, 'FIELD_INTEGRITY_EXCEPTION');
    const showAs = await failure('Event', meeting({ ShowAs: 'Sleeping' }));
    assert.deepEqual([showAs.errorCode, showAs.message], ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Show Time As: bad value for restricted picklist field: Sleeping']);
    const who = await failure('Event', meeting({ WhoId: accountId }));
    assert.deepEqual([who.errorCode, who.message], ['FIELD_INTEGRITY_EXCEPTION', `Name ID: id value of incorrect type: ${accountId}`]);
    const privateWho = await failure('Event', meeting({ IsPrivate: true, WhoId: contactId }));
    assert.deepEqual([privateWho.errorCode, privateWho.fields], ['FIELD_INTEGRITY_EXCEPTION', ['IsPrivate']]);
    const subject = await failure('Event', meeting({ Subject: 'x'.repeat(256) }));
    assert.equal(subject.errorCode, 'STRING_TOO_LONG');
  });

  it('stores all-day events at midnight UTC with an inclusive end day', async () => {
    const one = await get('Event', await created('Event', { Subject: 'Offsite', IsAllDayEvent: true, ActivityDate: '2025-06-05' }));
    assert.equal(one['StartDateTime'], '2025-06-05T00:00:00.000+0000');
    assert.equal(one['EndDateTime'], '2025-06-05T00:00:00.000+0000');
    assert.equal(one['DurationInMinutes'], 1440);
    const three = await get('Event', await created('Event', { IsAllDayEvent: true, StartDateTime: '2025-06-05T00:00:00Z', EndDateTime: '2025-06-07T00:00:00Z' }));
    assert.equal(three['ActivityDate'], '2025-06-05');
    assert.equal(three['EndDate'], '2025-06-07');
    assert.equal(three['DurationInMinutes'], 4320);
    const missing = await failure('Event', { IsAllDayEvent: true });
    assert.deepEqual([missing.errorCode, missing.message], ['REQUIRED_FIELD_MISSING', 'Required fields are missing: [ActivityDate]']);
    const tooLong = await failure('Event', { IsAllDayEvent: true, ActivityDate: '2025-06-01', EndDateTime: '2025-06-15T00:00:00Z' });
    assert.equal(tooLong.errorCode, 'FIELD_INTEGRITY_EXCEPTION');
  });

  it('adds, answers and removes invitees', async () => {
    const eventId = await created('Event', meeting({ Subject: 'With guests' }));
    const leadId = await created('Lead', { LastName: 'Guest', Company: 'Else' });
    const relContact = await created('EventRelation', { EventId: eventId, RelationId: contactId });
    await created('EventRelation', { EventId: eventId, RelationId: leadId, Status: 'Declined' });
    const rel = await get('EventRelation', relContact);
    assert.deepEqual([rel['Status'], rel['IsInvitee'], rel['IsParent'], rel['IsWhat'], rel['RespondedDate']], ['New', true, false, false, null]);
    assert.equal((await get('Event', eventId))['IsGroupEvent'], true);

    await conn.sobject('EventRelation').update({ Id: relContact, Status: 'Accepted', Response: 'See you' });
    const answered = await get('EventRelation', relContact);
    assert.equal(answered['Status'], 'Accepted');
    assert.equal(answered['RespondedDate'], new Date(clock.t).toISOString().replace('Z', '+0000'));

    const dup = await failure('EventRelation', { EventId: eventId, RelationId: contactId });
    assert.equal(dup.errorCode, 'DUPLICATE_VALUE');
    const rows = await conn.query<Rec>(`SELECT Id, RelationId, Status FROM EventRelation WHERE EventId IN ('${eventId}') ORDER BY Status`);
    assert.deepEqual(rows.records.map((r) => r['Status']), ['Accepted', 'Declined']);
    const people = await conn.query<Rec>(`SELECT Relation.Email, Relation.Type FROM EventRelation WHERE EventId = '${eventId}' AND Relation.Type = 'Contact'`);
    assert.deepEqual(people.records.map((r) => [(r['Relation'] as Rec)['Email'], (r['Relation'] as Rec)['Type']]), [['ada@acme.test', 'Contact']]);

    await conn.sobject('EventRelation').destroy(relContact);
    assert.equal((await conn.query(`SELECT Id FROM EventRelation WHERE EventId = '${eventId}'`)).totalSize, 1);
    await conn.sobject('Event').destroy(eventId);
    assert.equal((await conn.query(`SELECT Id FROM EventRelation WHERE EventId = '${eventId}'`)).totalSize, 0, 'relations go with the event');
  });

  it("copies the event onto an invited user's calendar as a child event", async () => {
    const colleague = org.addUser({ username: 'peer@events.test', email: 'peer@events.test', lastName: 'Peer' });
    const eventId = await created('Event', meeting({ Subject: 'Team sync' }));
    const relId = await created('EventRelation', { EventId: eventId, RelationId: colleague });
    const q = `SELECT Id, Subject, OwnerId, IsChild, StartDateTime FROM Event WHERE IsChild = true AND OwnerId = '${colleague}'`;
    let copies = (await conn.query<Rec>(q)).records;
    assert.deepEqual(copies.map((c) => [c['Subject'], c['IsChild']]), [['Team sync', true]]);
    const child = await failure('EventRelation', { EventId: copies[0]?.['Id'], RelationId: contactId });
    assert.equal(child.errorCode, 'FIELD_INTEGRITY_EXCEPTION', 'no invitees on a child event');
    await conn.sobject('Event').update({ Id: eventId, Subject: 'Team sync (moved)', StartDateTime: '2025-06-02T10:00:00Z' });
    copies = (await conn.query<Rec>(q)).records;
    assert.deepEqual([copies[0]?.['Subject'], copies[0]?.['StartDateTime']], ['Team sync (moved)', '2025-06-02T10:00:00.000+0000']);
    await conn.sobject('EventRelation').destroy(relId);
    assert.equal((await conn.query(q)).totalSize, 0, 'uninviting removes the copy');
    await created('EventRelation', { EventId: eventId, RelationId: colleague });
    await conn.sobject('Event').destroy(eventId);
    assert.equal((await conn.query(q)).totalSize, 0, 'deleting the event removes the copy');
  });

  /** The series key (ActivityRecurrence2Id) the series record and its occurrences share. */
  const seriesKey = async (seriesId: string): Promise<string> => String((await get('Event', seriesId))['ActivityRecurrence2Id']);

  it('expands a weekly series into a series record and occurrences; edits make exceptions; deleting the series removes them', async () => {
    const seriesId = await created('Event', meeting({ Subject: 'Weekly', IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5', Recurrence2PatternTimeZone: 'Europe/Berlin' }));
    const series = await get('Event', seriesId);
    const key = String(series['ActivityRecurrence2Id']);
    assert.match(key, /^828[A-Za-z0-9]{15}$/);
    assert.deepEqual(
      [series['IsRecurrence2'], series['GroupEventType'], series['Recurrence2PatternVersion'], series['RecurrenceActivityId']],
      [true, '3', '1', null],
      'the inserted row is the series record; RecurrenceActivityId is Classic only',
    );
    const q = `SELECT Id, StartDateTime, Subject, IsRecurrence2Exception FROM Event WHERE ActivityRecurrence2Id = '${key}' AND GroupEventType = '0' ORDER BY StartDateTime`;
    let occ = (await conn.query<Rec>(q)).records;
    assert.equal(occ.length, 5, 'the first occurrence is a row of its own');
    assert.ok(!occ.some((o) => o['Id'] === seriesId));
    assert.deepEqual(
      occ.map((o) => o['StartDateTime']),
      ['2025-06-02', '2025-06-09', '2025-06-16', '2025-06-23', '2025-06-30'].map((d) => `${d}T08:00:00.000+0000`),
    );
    assert.equal((await conn.query(`SELECT Id FROM Event WHERE ActivityRecurrence2Id = '${key}'`)).totalSize, 6, 'series record plus occurrences');

    const third = occ[2]?.['Id'] as string;
    await conn.sobject('Event').update({ Id: third, Subject: 'Moved', StartDateTime: '2025-06-17T08:00:00Z' });
    assert.equal((await get('Event', third))['IsRecurrence2Exception'], true);
    await conn.sobject('Event').update({ Id: seriesId, Location: 'Room 9' });
    occ = (await conn.query<Rec>(`SELECT Id, Location FROM Event WHERE ActivityRecurrence2Id = '${key}' AND GroupEventType = '0' AND IsRecurrence2Exception = false`)).records;
    assert.ok(occ.length === 4 && occ.every((o) => o['Location'] === 'Room 9'), 'series edits reach unedited occurrences');

    await conn.sobject('Event').update({ Id: seriesId, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3' });
    assert.equal((await conn.query(q)).totalSize, 3, 'a pattern change recreates the occurrences');

    const bad = await failure('Event', meeting({ IsRecurrence2: true, Recurrence2PatternText: 'FREQ=SOMETIMES' }));
    assert.equal(bad.errorCode, 'FIELD_INTEGRITY_EXCEPTION');

    await conn.sobject('Event').destroy(seriesId);
    assert.equal((await conn.query(q)).totalSize, 0);
  });

  it('deletes one occurrence, or a series from one occurrence onwards', async () => {
    const seriesId = await created('Event', meeting({ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;COUNT=5' }));
    const key = await seriesKey(seriesId);
    const q = `SELECT Id, Recurrence2PatternText FROM Event WHERE ActivityRecurrence2Id = '${key}' AND GroupEventType = '0' ORDER BY StartDateTime`;
    const [first, , third, , fifth] = (await conn.query<Rec>(q)).records.map((r) => r['Id'] as string);
    await conn.sobject('Event').destroy(fifth as string);
    assert.equal((await conn.query(q)).totalSize, 4, 'a plain DELETE removes only that occurrence');
    const res = await conn.request<Rec>({ method: 'DELETE', url: `/services/data/v${org.apiVersion}/sobjects/Event/${third}/fromThisEventOnwards` });
    assert.match(String(res['success']), /deleting the selected events/);
    const left = (await conn.query<Rec>(q)).records;
    assert.equal(left.length, 2);
    assert.ok(left.every((r) => /UNTIL=20250616T075959Z/.test(String(r['Recurrence2PatternText']))), JSON.stringify(left));
    assert.match(String((await get('Event', seriesId))['Recurrence2PatternText']), /UNTIL=20250616T075959Z/);
    await conn.request({ method: 'DELETE', url: `/services/data/v${org.apiVersion}/sobjects/Event/${first}/fromThisEventOnwards` });
    assert.equal((await conn.query(`SELECT Id FROM Event WHERE ActivityRecurrence2Id = '${key}'`)).totalSize, 0, 'from the first occurrence it is the whole series');
  });

  it('keeps a series at the same local time across a daylight-saving change', async () => {
    const seriesId = await created('Event', meeting({ StartDateTime: '2025-10-20T07:00:00Z', IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;COUNT=2' }));
    const key = await seriesKey(seriesId);
    const occ = await conn.query<Rec>(`SELECT StartDateTime, EndDateTime FROM Event WHERE ActivityRecurrence2Id = '${key}' AND GroupEventType = '0' ORDER BY StartDateTime`);
    assert.deepEqual(
      occ.records.map((o) => o['StartDateTime']),
      ['2025-10-20T07:00:00.000+0000', '2025-10-27T08:00:00.000+0000'],
      '09:00 in Berlin (the owner zone, used when the pattern names none) before and after the change',
    );
    assert.equal((await get('Event', seriesId))['Recurrence2PatternTimeZone'], 'Europe/Berlin');
    await conn.sobject('Event').destroy(seriesId);
  });

  it('describes Event, EventRelation and Lead as a real org does', async () => {
    const ev = await conn.sobject('Event').describe();
    const f = (d: typeof ev, n: string) => d.fields.find((x) => x.name === n);
    assert.equal(ev.keyPrefix, '00U');
    assert.deepEqual([f(ev, 'Subject')?.type, f(ev, 'Subject')?.length], ['combobox', 255]);
    assert.deepEqual(f(ev, 'WhoId')?.referenceTo, ['Contact', 'Lead']);
    assert.equal((f(ev, 'WhoId') as { polymorphicForeignKey?: boolean } | undefined)?.polymorphicForeignKey, true);
    assert.deepEqual(f(ev, 'ShowAs')?.picklistValues?.map((p) => p.value), ['Busy', 'OutOfOffice', 'Free']);
    assert.equal(f(ev, 'RecurrenceActivityId')?.createable, false);
    assert.deepEqual([f(ev, 'ActivityRecurrence2Id')?.type, f(ev, 'ActivityRecurrence2Id')?.createable], ['reference', false]);
    const rel = await conn.sobject('EventRelation').describe();
    assert.equal(rel.keyPrefix, '0RE');
    assert.deepEqual(f(rel, 'Status')?.picklistValues?.map((p) => p.value), ['New', 'Declined', 'Accepted', 'Uninvited', 'Maybe']);
    const lead = await conn.sobject('Lead').describe();
    assert.deepEqual([lead.keyPrefix, f(lead, 'Company')?.nillable, f(lead, 'LastName')?.nillable], ['00Q', false, false]);
  });

  it('finds events in a window and people by e-mail', async () => {
    const inside = await created('Event', meeting({ Subject: 'Inside', StartDateTime: '2025-07-01T10:00:00Z' }));
    await created('Event', meeting({ Subject: 'Outside', StartDateTime: '2025-08-01T10:00:00Z' }));
    const window = await conn.query<Rec>(
      `SELECT Id, Subject FROM Event WHERE OwnerId = '${ownerId}' AND StartDateTime < 2025-07-02T00:00:00Z AND EndDateTime > 2025-07-01T00:00:00Z`,
    );
    assert.deepEqual(window.records.map((r) => r['Id']), [inside]);
    const contacts = await conn.query<Rec>(`SELECT Id, Email FROM Contact WHERE Email IN ('ada@acme.test', 'nobody@x.test')`);
    assert.deepEqual(contacts.records.map((r) => r['Id']), [contactId]);
    assert.equal((await conn.query(`SELECT Id, Email FROM Lead WHERE Email IN ('grace@navy.test')`)).totalSize, 1);
    assert.equal((await conn.query(`SELECT Id, Email FROM User WHERE Email IN ('rep@events.test')`)).totalSize, 1);
  });

  it('delivers EventChangeEvent and EventRelationChangeEvent with the client changeOrigin', async () => {
    assert.deepEqual(org.cdcEntities, ['Contact', 'Event', 'EventRelation']);
    const id = await created('Event', meeting({ Subject: 'Watched' }));
    await conn.sobject('Event').update({ Id: id, Subject: 'Watched 2' });
    const relId = await created('EventRelation', { EventId: id, RelationId: contactId });
    await conn.sobject('Event').destroy(id);

    const events = await replayAll('/data/EventChangeEvent', (ds) => ds.some((d) => header(d)['changeType'] === 'DELETE' && ids(d).includes(id)));
    const mine = events.filter((d) => ids(d).includes(id));
    assert.deepEqual(mine.map((d) => header(d)['changeType']), ['CREATE', 'UPDATE', 'UPDATE', 'DELETE']);
    for (const d of mine) {
      assert.match(String(header(d)['changeOrigin']), new RegExp(`^com/salesforce/api/rest/\\d+\\.\\d;client=${CLIENT}$`));
      assert.equal(header(d)['entityName'], 'Event');
    }
    assert.equal(mine[0]?.payload['Subject'], 'Watched');
    assert.equal(mine[0]?.payload['EndDateTime'], '2025-06-02T09:00:00.000Z');
    assert.deepEqual(header(mine[1] as EventData)['changedFields'], ['Subject', 'LastModifiedDate']);
    assert.deepEqual(header(mine[2] as EventData)['changedFields'], ['IsGroupEvent', 'GroupEventType', 'LastModifiedDate'], 'an invitee makes it a group event');

    const rels = await replayAll('/data/EventRelationChangeEvent', (ds) => ds.filter((d) => ids(d).includes(relId)).length >= 2);
    const relEvents = rels.filter((d) => ids(d).includes(relId));
    assert.deepEqual(relEvents.map((d) => header(d)['changeType']), ['CREATE', 'DELETE']);
    assert.equal(relEvents[0]?.payload['RelationId'], contactId);
    assert.equal(relEvents[0]?.payload['Status'], 'New');
  });

  it('emits a change event for the series record and one per occurrence when a series is created', async () => {
    const seriesId = await created('Event', meeting({ Subject: 'Daily', IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=3' }));
    const key = await seriesKey(seriesId);
    const events = await replayAll('/data/EventChangeEvent', (ds) => ds.filter((d) => d.payload['ActivityRecurrence2Id'] === key).length >= 4);
    const creates = events.filter((d) => d.payload['ActivityRecurrence2Id'] === key);
    assert.equal(creates.length, 4);
    assert.ok(creates.every((d) => header(d)['changeType'] === 'CREATE'));
    assert.deepEqual(creates.map((d) => d.payload['GroupEventType']), ['3', '0', '0', '0'], 'the series record first, as in the CDC guide');
    assert.deepEqual(ids(creates[0] as EventData), [seriesId]);
    assert.ok(creates[0]?.payload['ActivityDateTime'] !== undefined);
    assert.equal(creates[0]?.payload['ActivityDateTime'], creates[1]?.payload['ActivityDateTime'], 'the first occurrence starts with the series');
    assert.equal(new Set(creates.map((d) => header(d)['transactionKey'])).size, 1, 'one transaction');
  });

  const header = (d: EventData): Rec => d.payload['ChangeEventHeader'] as Rec;
  const ids = (d: EventData): string[] => header(d)['recordIds'] as string[];

  /** Subscribes with replay -2 (every retained event) until `done` holds, then disconnects. */
  async function replayAll(channel: string, done: (events: EventData[]) => boolean): Promise<EventData[]> {
    const c = new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(ownerId), version: org.apiVersion });
    // jsforce types createClient's result with a faye Client that lacks disconnect().
    const client = c.streaming.createClient([new StreamingExtension.Replay(channel, -2)]) as unknown as FayeClient;
    const got: EventData[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out on ${channel}: ${got.length} events`)), 5000);
        client.subscribe(channel, (d) => {
          got.push(d);
          if (done(got)) {
            clearTimeout(timer);
            resolve();
          }
        }).then(undefined, reject);
      });
    } finally {
      await client.disconnect();
    }
    return got;
  }
});
