/**
 * The Graph events connector against the Microsoft 365 emulator (sandbox/microsoft), through
 * msal-node and real HTTP. The emulator's user.* helpers play the rep editing in Outlook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphEmulator } from '../../sandbox/microsoft/index.ts';
import type { GraphEventsConnectorOptions } from '../../companion/src/connectors/graph/events/index.ts';
import type { MappedEvent } from '../../companion/src/core/event.ts';
import type { SideChange } from '../../companion/src/ports/items.ts';
import { CursorExpiredError } from '../../companion/src/ports/mailbox.ts';
import { GraphError } from '../../companion/src/connectors/graph/errors.ts';
import type { MailboxEventDelta, MailboxEventOptions } from '../../companion/src/ports/mailbox-events.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';
import { assertOk, graphEventsTestbed } from '../support/graph-connector-setup.ts';

interface LogLine {
  level: LogLevel;
  msg: string;
  data?: Record<string, unknown>;
}

const DELTA = 'GET /v1.0/users/{u}/calendarView/delta';
const WINDOW = { start: '2026-06-01T00:00:00Z', end: '2026-07-01T00:00:00Z' };
const ALL: MailboxEventOptions = { category: 'Salesforce', selection: 'all', defaultTimeZone: 'America/Los_Angeles' };

let g: GraphEmulator;
const testbed = graphEventsTestbed('cal', (started) => {
  g = started;
});
const newMailbox = testbed.newMailbox;

/** A connector whose log lines the test can read. */
function connect(extra: Partial<GraphEventsConnectorOptions> = {}) {
  const logs: LogLine[] = [];
  const c = testbed.connect({ log: (level, msg, data) => logs.push({ level, msg, data }), ...extra });
  return { c, logs };
}

const day = (d: number) => String(d).padStart(2, '0');
const timed = (subject: string, d: number, extra: Record<string, unknown> = {}) => ({
  subject,
  start: { dateTime: `2026-06-${day(d)}T10:00:00`, timeZone: 'UTC' },
  end: { dateTime: `2026-06-${day(d)}T11:00:00`, timeZone: 'UTC' },
  ...extra,
});

const weekly = (subject: string, extra: Record<string, unknown> = {}) => ({
  subject,
  start: { dateTime: '2026-06-01T09:00:00', timeZone: 'Pacific Standard Time' },
  end: { dateTime: '2026-06-01T09:30:00', timeZone: 'Pacific Standard Time' },
  location: { displayName: 'Room 7' },
  recurrence: {
    pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
    range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: 6 },
  },
  ...extra,
});

type Upsert = Extract<SideChange<MappedEvent>, { kind: 'upsert' }>;
const upserts = (d: MailboxEventDelta): Upsert[] => d.changes.filter((ch): ch is Upsert => ch.kind === 'upsert');
const deletes = (d: MailboxEventDelta): string[] => d.changes.flatMap((ch) => (ch.kind === 'delete' ? [ch.id] : []));
const byId = (d: MailboxEventDelta) => new Map(upserts(d).map((ch) => [ch.item.id, ch.item]));

test('initial delta over several pages, then incremental update, delete and @removed', async () => {
  const upn = newMailbox();
  const ids = Array.from({ length: 12 }, (_, i) => g.user.createEvent(upn, timed(`Visit ${i}`, i + 1)));
  const outside = g.user.createEvent(upn, { ...timed('July', 1), start: { dateTime: '2026-07-10T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-07-10T11:00:00', timeZone: 'UTC' } });
  const { c } = connect({ pageSize: 5 });

  const pages = g.counter.get(DELTA);
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  assert.equal(g.counter.get(DELTA) - pages, 3, '12 events at 5 per page');
  assert.equal(first.changes.length, 12);
  const items = byId(first);
  assert.deepEqual(new Set(items.keys()), new Set(ids));
  assert.equal(items.has(outside), false);
  const third = items.get(ids[2]!);
  assert.equal(third?.data.kind, 'single');
  assert.equal(third?.data.selected, true);
  assert.equal(third?.data.fields.subject, 'Visit 2');
  assert.equal(third?.data.fields.start, '2026-06-03T10:00:00Z');
  assert.equal(third?.data.fields.end, '2026-06-03T11:00:00Z');
  const live = new Map(g.events(upn).map((e) => [e.id, e.changeKey]));
  assert.equal(third?.version, live.get(ids[2]));

  const added = g.user.createEvent(upn, timed('Newcomer', 20));
  g.user.updateEvent(upn, ids[0]!, { subject: 'Visit 0 (moved)' });
  g.user.deleteEvent(upn, ids[1]!);
  // Moved out of the window: Graph reports it as removed from this view.
  g.user.updateEvent(upn, ids[3]!, { start: { dateTime: '2026-08-01T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-08-01T11:00:00', timeZone: 'UTC' } });
  const second = await c.eventChanges(upn, WINDOW, first.cursor, ALL);
  assert.equal(byId(second).get(ids[0]!)?.data.fields.subject, 'Visit 0 (moved)');
  assert.equal(byId(second).get(added)?.data.fields.subject, 'Newcomer');
  assert.deepEqual(new Set(deletes(second)), new Set([ids[1], ids[3]]));
  assert.equal(second.changes.length, 4);

  const quiet = await c.eventChanges(upn, WINDOW, second.cursor, ALL);
  assert.deepEqual(quiet.changes, []);
});

test('a weekly series: the master once, occurrences resolved with its fields; a cancelled occurrence is a delete', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, weekly('Weekly 1:1', { categories: ['Salesforce'] }));
  const single = g.user.createEvent(upn, timed('One-off', 3));
  const { c } = connect({ pageSize: 2 });

  const batches = g.counter.get('POST /v1.0/$batch');
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  assert.equal(g.counter.get('POST /v1.0/$batch') - batches, 1, 'one $batch reads the master for all five stubs');
  const items = byId(first);
  const master = items.get(masterId);
  assert.equal(master?.data.kind, 'seriesMaster');
  assert.equal(master?.data.fields.subject, 'Weekly 1:1');
  assert.equal(master?.data.fields.recurrence?.freq, 'weekly');
  assert.deepEqual(master?.data.fields.recurrence?.byDay, ['MO']);
  assert.equal(items.get(single)?.data.kind, 'single');

  const occurrences = upserts(first).filter((ch) => ch.item.data.kind === 'occurrence');
  assert.equal(occurrences.length, 5, 'five Mondays in June');
  assert.equal(first.changes.length, 7);
  const starts = occurrences.map((ch) => ch.item.data.fields.start).sort();
  assert.deepEqual(starts, ['01', '08', '15', '22', '29'].map((d) => `2026-06-${d}T16:00:00Z`));
  for (const { item } of occurrences) {
    assert.equal(item.data.seriesMasterId, masterId);
    assert.equal(item.data.fields.subject, 'Weekly 1:1');
    assert.equal(item.data.fields.location, 'Room 7');
    assert.equal(item.data.fields.timeZone, 'America/Los_Angeles');
    assert.equal(item.data.fields.recurrence, undefined);
    assert.equal(item.data.originalStart, item.data.fields.start);
    assert.equal(item.data.selected, true);
    const end = Date.parse(item.data.fields.end ?? '') - Date.parse(item.data.fields.start ?? '');
    assert.equal(end, 30 * 60_000);
  }
  // The master must come before its members for an engine that applies in order.
  const order = first.changes.map((ch) => (ch.kind === 'upsert' ? ch.item.id : ch.id));
  assert.ok(order.indexOf(masterId) < order.indexOf(occurrences[0]!.item.id));

  // The rep cancels the second Monday and moves the third.
  const [, second, third] = [...occurrences].sort((a, b) => (a.item.data.fields.start! < b.item.data.fields.start! ? -1 : 1));
  g.user.deleteEvent(upn, second!.item.id);
  g.user.updateEvent(upn, third!.item.id, { subject: 'Weekly 1:1 (customer visit)' });
  const next = await c.eventChanges(upn, WINDOW, first.cursor, ALL);
  assert.ok(deletes(next).includes(second!.item.id));
  const exception = byId(next).get(third!.item.id);
  assert.equal(exception?.data.kind, 'exception');
  assert.equal(exception?.data.seriesMasterId, masterId);
  assert.equal(exception?.data.fields.subject, 'Weekly 1:1 (customer visit)');
  assert.equal(exception?.data.originalStart, '2026-06-15T16:00:00Z');

  // The series goes: every member is deleted.
  g.user.deleteEvent(upn, masterId);
  const gone = await c.eventChanges(upn, WINDOW, next.cursor, ALL);
  assert.equal(upserts(gone).length, 0);
  for (const { item } of occurrences) if (item.id !== second!.item.id) assert.ok(deletes(gone).includes(item.id), item.id);
});

test('a stub whose master is gone (404) turns into a delete', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, weekly('Vanishing'));
  const { c } = connect();
  // The rep deletes the series between the delta pages and the master read.
  const real = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    if (String(input).endsWith('/$batch') && g.events(upn).length > 0) g.user.deleteEvent(upn, masterId);
    return real(input, init);
  }) as typeof fetch;
  let first: MailboxEventDelta;
  try {
    first = await c.eventChanges(upn, WINDOW, null, ALL);
  } finally {
    globalThis.fetch = real;
  }
  assert.equal(upserts(first).length, 0);
  assert.equal(deletes(first).length, 6, 'five stubs and the master');
  assert.ok(deletes(first).includes(masterId));
});

test('an item repeated on a later page keeps its last state (Graph replays items)', async () => {
  const upn = newMailbox();
  const ids = Array.from({ length: 4 }, (_, i) => g.user.createEvent(upn, timed(`Replay ${i}`, i + 1)));
  const { c } = connect({ pageSize: 2 });
  // Rewrites the wire: the last page repeats the first event with a later subject, then removes the second.
  const real = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const res = await real(input, init);
    if (!String(input).includes('calendarView/delta')) return res;
    const body = (await res.json()) as { value: Array<Record<string, unknown>>; '@odata.deltaLink'?: string };
    if (body['@odata.deltaLink']) {
      body.value.push({ ...timed('Replay 0 (later)', 1), id: ids[0], type: 'singleInstance', changeKey: 'later' });
      body.value.push({ id: ids[1], '@removed': { reason: 'deleted' } });
    }
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(body), { status: res.status, headers });
  }) as typeof fetch;
  let first: MailboxEventDelta;
  try {
    first = await c.eventChanges(upn, WINDOW, null, ALL);
  } finally {
    globalThis.fetch = real;
  }
  assert.equal(first.changes.length, 4);
  assert.equal(byId(first).get(ids[0]!)?.data.fields.subject, 'Replay 0 (later)');
  assert.equal(byId(first).get(ids[0]!)?.version, 'later');
  assert.deepEqual(deletes(first), [ids[1]]);
});

test('an expired cursor throws CursorExpiredError', async () => {
  const upn = newMailbox();
  g.user.createEvent(upn, timed('Anything', 5));
  const { c } = connect();
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  g.expireDeltaTokens();
  await assert.rejects(c.eventChanges(upn, WINDOW, first.cursor, ALL), CursorExpiredError);
  await assert.rejects(c.eventChanges(upn, WINDOW, `${g.graphUrl}/users/${upn}/calendarView/delta?$deltatoken=garbage`, ALL), CursorExpiredError);
});

test("'selected' mode marks only events with the category (any spelling), occurrences through their master", async () => {
  const upn = newMailbox();
  const tagged = g.user.createEvent(upn, timed('Tagged', 4, { categories: ['salesforce'] }));
  const plain = g.user.createEvent(upn, timed('Plain', 5, { categories: ['Personal'] }));
  const series = g.user.createEvent(upn, weekly('Tagged series', { categories: ['Salesforce'] }));
  const { c } = connect();
  const opts: MailboxEventOptions = { ...ALL, selection: 'selected' };
  const items = byId(await c.eventChanges(upn, WINDOW, null, opts));
  assert.equal(items.get(tagged)?.data.selected, true);
  assert.equal(items.get(plain)?.data.selected, false);
  assert.equal(items.get(series)?.data.selected, true);
  const occurrences = [...items.values()].filter((item) => item.data.kind === 'occurrence');
  assert.equal(occurrences.length, 5);
  assert.ok(occurrences.every((item) => item.data.selected), 'a stub has no categories; the master decides');

  // A create in 'selected' mode carries the category, so it reads back as selected.
  const [made] = await c.createEvents(upn, [{ fields: { subject: 'From Salesforce', start: '2026-06-09T12:00:00Z', end: '2026-06-09T13:00:00Z', timeZone: 'UTC' }, transactionId: 'sf-00U1' }], opts);
  assertOk(made);
  assert.deepEqual(g.events(upn).find((e) => e.id === made.id)?.categories, ['Salesforce']);
});

test('create with transactionId: a repeated create does not duplicate', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const fields = { subject: 'Quarterly review', start: '2026-06-10T15:00:00Z', end: '2026-06-10T16:00:00Z', timeZone: 'Europe/Berlin', location: 'HQ' };
  const writes = g.eventWriteCount();
  const [a, b] = await c.createEvents(
    upn,
    [
      { fields, transactionId: 'sf-00U-A' },
      { fields: { ...fields, subject: 'Second' }, transactionId: 'sf-00U-B' },
    ],
    ALL,
  );
  assertOk(a);
  assertOk(b);
  assert.equal(g.eventWriteCount() - writes, 2);
  const stored = g.events(upn).find((e) => e.id === a.id);
  assert.equal(stored?.subject, 'Quarterly review');
  assert.equal(stored?.transactionId, 'sf-00U-A');
  assert.equal(a.version, stored?.changeKey);

  const [again] = await c.createEvents(upn, [{ fields, transactionId: 'sf-00U-A' }], ALL);
  assertOk(again);
  assert.equal(again.id, a.id);
  assert.equal(g.events(upn).length, 2);
  assert.equal(g.eventWriteCount() - writes, 2);

  // A $batch whose answer is lost after Graph ran it is sent again, and still makes one event.
  g.faults.add({ match: '^POST /v1\\.0/\\$batch$', dropResponse: true, count: 1 });
  const { c: c2, logs } = connect();
  const [dropped] = await c2.createEvents(upn, [{ fields: { ...fields, subject: 'Dropped' }, transactionId: 'sf-00U-C' }], ALL);
  assert.equal(g.faults.firedCount(), 1);
  g.faults.clear();
  assertOk(dropped);
  assert.equal(g.events(upn).filter((e) => e.subject === 'Dropped').length, 1);
  assert.ok(logs.some((l) => l.msg === 'http retry after network error'));
});

test('update: fields written, a stale version is a retryable conflict, a missing event an error without content', async () => {
  const upn = newMailbox();
  const id = g.user.createEvent(upn, timed('Pipeline review', 12, { body: { contentType: 'text', content: 'secret agenda' } }));
  const { c } = connect();
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  const version = byId(first).get(id)!.version;

  const [updated] = await c.updateEvents(upn, [{ id, version, set: { subject: 'Pipeline review (v2)', location: 'Room 2' } }], ALL);
  assertOk(updated);
  const stored = g.events(upn).find((e) => e.id === id);
  assert.equal(stored?.subject, 'Pipeline review (v2)');
  assert.equal(updated.version, stored?.changeKey);
  assert.equal((stored?.start as { dateTime: string }).dateTime.slice(0, 19), '2026-06-12T10:00:00', 'times untouched');

  g.user.updateEvent(upn, id, { subject: 'Edited in Outlook' });
  const [stale] = await c.updateEvents(upn, [{ id, version: updated.version, set: { subject: 'Lost update' } }], ALL);
  assert.equal(stale?.ok, false);
  assert.ok(stale && !stale.ok);
  assert.equal(stale.error.code, 'conflict');
  assert.equal(stale.error.retryable, true);
  assert.equal(g.events(upn).find((e) => e.id === id)?.subject, 'Edited in Outlook');

  const [missing] = await c.updateEvents(upn, [{ id: 'AAMkNoSuchEvent', set: { subject: 'x' } }], ALL);
  assert.ok(missing && !missing.ok);
  assert.equal(missing.id, 'AAMkNoSuchEvent');
  assert.doesNotMatch(JSON.stringify(missing), /secret agenda|Edited in Outlook|Pipeline/);

  // An occurrence can be updated (it becomes an exception) and deleted (cancelled).
  const masterId = g.user.createEvent(upn, weekly('Standup'));
  const round = await c.eventChanges(upn, WINDOW, first.cursor, ALL);
  const occ = upserts(round).filter((ch) => ch.item.data.kind === 'occurrence' && ch.item.data.seriesMasterId === masterId);
  const [moved] = await c.updateEvents(upn, [{ id: occ[0]!.item.id, version: occ[0]!.item.version, set: { subject: 'Standup (special)' } }], ALL);
  assertOk(moved);
  const [deleted, again] = await c.deleteEvents(upn, [occ[1]!.item.id, occ[1]!.item.id]);
  assertOk(deleted);
  assertOk(again);
  const later = await c.eventChanges(upn, WINDOW, round.cursor, ALL);
  assert.equal(byId(later).get(occ[0]!.item.id)?.data.kind, 'exception');
  assert.ok(deletes(later).includes(occ[1]!.item.id));
});

test('injected 429 and 503 on delta pages, master reads and writes still succeed', async () => {
  const upn = newMailbox();
  const ids = Array.from({ length: 6 }, (_, i) => g.user.createEvent(upn, timed(`Busy ${i}`, i + 1)));
  g.user.createEvent(upn, weekly('Throttled series'));
  const { c, logs } = connect({ pageSize: 4 });
  g.faults.set([
    { match: 'calendarView/delta', status: 429, retryAfterSeconds: 0, count: 1 },
    { match: 'calendarView/delta', status: 503, count: 1 },
    { match: '^GET /v1\\.0/users/[^/]+/events/', status: 429, retryAfterSeconds: 0, count: 1 },
    { match: '^POST /v1\\.0/users/[^/]+/events$', status: 503, count: 1 },
  ]);
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  assert.equal(upserts(first).length, 6 + 1 + 5);
  for (const id of ids) assert.ok(byId(first).has(id));
  const [made] = await c.createEvents(upn, [{ fields: { subject: 'After throttling', start: '2026-06-20T08:00:00Z', end: '2026-06-20T09:00:00Z' }, transactionId: 'sf-T1' }], ALL);
  assertOk(made);
  assert.equal(g.events(upn).filter((e) => e.subject === 'After throttling').length, 1);
  assert.equal(g.faults.firedCount(), 4);
  g.faults.clear();
  assert.ok(logs.some((l) => l.msg === 'http retry' || l.msg === 'graph batch: sending again'));
});

// ---------------------------------------------------------------------------------------------
// getEvents: events by id, wherever they sit in the calendar
// ---------------------------------------------------------------------------------------------

const BATCH = 'POST /v1.0/$batch';
const august = (subject: string, d: number, extra: Record<string, unknown> = {}) => ({
  ...timed(subject, d, extra),
  start: { dateTime: `2026-08-${day(d)}T10:00:00`, timeZone: 'UTC' },
  end: { dateTime: `2026-08-${day(d)}T11:00:00`, timeZone: 'UTC' },
});

test('getEvents: an event in the window as delta maps it, one outside the window found, a deleted id absent', async () => {
  const upn = newMailbox();
  const inside = g.user.createEvent(upn, timed('Inside', 5, { body: { contentType: 'html', content: '<p>Agenda</p>' }, location: { displayName: 'HQ' } }));
  const outside = g.user.createEvent(upn, august('Outside', 3, { categories: ['Salesforce'] }));
  const deleted = g.user.createEvent(upn, timed('Deleted', 6));
  g.user.deleteEvent(upn, deleted);
  const { c } = connect();

  const delta = byId(await c.eventChanges(upn, WINDOW, null, ALL));
  assert.equal(delta.has(outside), false, 'outside the window: not in delta');
  const got = await c.getEvents(upn, [outside, deleted, inside, inside], ALL);
  assert.deepEqual(got.map((item) => item.id), [outside, inside], 'request order, each id once, the deleted id absent');

  // Same mapping, version and modifiedAt as a delta round.
  assert.deepEqual(got[1], delta.get(inside));
  assert.equal(got[1]?.data.fields.description, 'Agenda');

  const far = got[0]!;
  const live = g.events(upn).find((e) => e.id === outside);
  assert.equal(far.version, live?.changeKey);
  assert.equal(far.modifiedAt, live?.lastModifiedDateTime);
  assert.equal(far.data.kind, 'single');
  assert.equal(far.data.selected, true);
  assert.equal(far.data.fields.subject, 'Outside');
  assert.equal(far.data.fields.start, '2026-08-03T10:00:00Z');
  assert.equal(far.data.fields.end, '2026-08-03T11:00:00Z');

  assert.deepEqual(await c.getEvents(upn, [], ALL), []);
  // Not an id Graph could have issued: an error, not an absence (only "no such item" means deleted).
  await assert.rejects(c.getEvents(upn, [inside, 'AAMkNoSuchEvent'], ALL), (err: unknown) => err instanceof GraphError && err.status === 400);
});

test('getEvents: occurrences resolved through their master as delta does, exceptions in full, cancelled occurrences absent', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, weekly('Weekly sync', { categories: ['Salesforce'] }));
  const { c } = connect();
  const first = await c.eventChanges(upn, WINDOW, null, ALL);
  const occurrences = upserts(first)
    .filter((ch) => ch.item.data.kind === 'occurrence')
    .map((ch) => ch.item)
    .sort((a, b) => (a.data.fields.start! < b.data.fields.start! ? -1 : 1));
  assert.equal(occurrences.length, 5);
  const [plain, cancelled, moved] = occurrences;
  // Exactly what the delta round said, occurrence and master alike.
  const firstById = byId(first);
  assert.deepEqual(await c.getEvents(upn, [plain!.id, masterId], ALL), [firstById.get(plain!.id), firstById.get(masterId)]);

  g.user.deleteEvent(upn, cancelled!.id);
  g.user.updateEvent(upn, moved!.id, { subject: 'Weekly sync (moved)' });
  const next = byId(await c.eventChanges(upn, WINDOW, first.cursor, ALL));

  const batches = g.counter.get(BATCH);
  const found = await c.getEvents(upn, [plain!.id, moved!.id, masterId], ALL);
  assert.equal(g.counter.get(BATCH) - batches, 1, 'a master asked for in the same call is not read again');
  const got = await c.getEvents(upn, [plain!.id, cancelled!.id, moved!.id, masterId], ALL);
  assert.deepEqual(got, found, 'the cancelled occurrence is absent');
  assert.deepEqual(got.map((item) => item.id), [plain!.id, moved!.id, masterId]);
  // Resolved through the master as it is now (the exception and the cancellation touched it).
  assert.deepEqual(got[0]?.data, plain!.data);
  assert.equal(got[0]?.version, next.get(masterId)?.version);
  assert.equal(got[0]?.modifiedAt, next.get(masterId)?.modifiedAt);
  assert.equal(got[0]?.data.kind, 'occurrence');
  assert.equal(got[0]?.data.seriesMasterId, masterId);
  assert.equal(got[0]?.data.fields.subject, 'Weekly sync');
  assert.equal(got[0]?.data.fields.location, 'Room 7');
  assert.equal(got[0]?.data.originalStart, plain!.data.fields.start);
  assert.deepEqual(got[1], next.get(moved!.id));
  assert.equal(got[1]?.data.kind, 'exception');
  assert.deepEqual(got[2], next.get(masterId));
  assert.equal(got[2]?.data.kind, 'seriesMaster');

  // Without the master in the call, it is read (once, batched) to resolve the occurrence.
  const alone = await c.getEvents(upn, [plain!.id, occurrences[3]!.id], ALL);
  assert.deepEqual(alone[0], got[0]);
  assert.equal(alone[1]?.data.fields.subject, 'Weekly sync');
  assert.equal(alone[1]?.data.fields.start, occurrences[3]!.data.fields.start);

  // The series goes: its members are absent with it.
  g.user.deleteEvent(upn, masterId);
  assert.deepEqual(await c.getEvents(upn, [plain!.id, moved!.id, masterId], ALL), []);
});

test('getEvents: more than 20 ids in one call are split across $batch requests', async () => {
  const upn = newMailbox();
  const inside = Array.from({ length: 22 }, (_, i) => g.user.createEvent(upn, timed(`Many ${i}`, (i % 28) + 1)));
  const outside = Array.from({ length: 3 }, (_, i) => g.user.createEvent(upn, august(`Later ${i}`, i + 1)));
  const deleted = Array.from({ length: 3 }, (_, i) => g.user.createEvent(upn, timed(`Gone ${i}`, i + 1)));
  for (const id of deleted) g.user.deleteEvent(upn, id);
  const { c } = connect();
  const ids = [...inside.slice(0, 10), deleted[0]!, ...outside, deleted[1]!, ...inside.slice(10), deleted[2]!];
  assert.equal(ids.length, 28);

  // Without a 404 in a chain, one $batch per 20 ids.
  const batches = g.counter.get(BATCH);
  const present = await c.getEvents(upn, [...inside, ...outside], ALL);
  assert.equal(g.counter.get(BATCH) - batches, 2);
  assert.equal(present.length, 25);

  // A 404 fails the rest of its dependsOn chain (424): those are sent again, and still come back.
  const got = await c.getEvents(upn, ids, ALL);
  assert.deepEqual(got.map((item) => item.id), [...inside.slice(0, 10), ...outside, ...inside.slice(10)]);
  assert.deepEqual(got.map((item) => item.data.fields.subject), [
    ...inside.slice(0, 10).map((_, i) => `Many ${i}`),
    ...outside.map((_, i) => `Later ${i}`),
    ...inside.slice(10).map((_, i) => `Many ${i + 10}`),
  ]);
  const presentById = new Map(present.map((item) => [item.id, item]));
  assert.deepEqual(got, got.map((item) => presentById.get(item.id)), 'the same items whichever chain they were read in');
});

test('getEvents: 429 and 503 are retried; a failure that outlasts the retries throws, never reads as deleted', async () => {
  const upn = newMailbox();
  const ids = Array.from({ length: 3 }, (_, i) => g.user.createEvent(upn, august(`Throttled ${i}`, i + 1)));
  const { c, logs } = connect();

  // Passing faults, on the inner GETs and on the $batch itself: every event still comes back.
  g.faults.set([
    { match: '^GET /v1\\.0/users/[^/]+/events/', status: 429, retryAfterSeconds: 0, count: 1 },
    { match: '^GET /v1\\.0/users/[^/]+/events/', status: 503, count: 1 },
    { match: '^POST /v1\\.0/\\$batch$', status: 503, count: 1 },
  ]);
  try {
    const got = await c.getEvents(upn, ids, ALL);
    assert.equal(g.faults.firedCount(), 3);
    assert.deepEqual(got.map((item) => item.id), ids);
  } finally {
    g.faults.clear();
  }
  assert.ok(logs.some((l) => l.msg === 'graph batch: sending again'));
  assert.ok(logs.some((l) => l.msg === 'http retry'));

  // Inner throttling that never ends: the call throws rather than report the events as missing.
  g.faults.set([{ match: '^GET /v1\\.0/users/[^/]+/events/', status: 429, retryAfterSeconds: 0 }]);
  try {
    await assert.rejects(c.getEvents(upn, ids, ALL), (err: unknown) => err instanceof GraphError && err.status === 429);
  } finally {
    g.faults.clear();
  }

  // The $batch itself keeps failing: the pipeline's retries are spent, then the call throws.
  g.faults.set([{ match: '^POST /v1\\.0/\\$batch$', status: 429, retryAfterSeconds: 0 }]);
  try {
    await assert.rejects(c.getEvents(upn, ids, ALL), (err: unknown) => err instanceof GraphError && err.status === 429);
  } finally {
    g.faults.clear();
  }
  assert.equal((await c.getEvents(upn, ids, ALL)).length, 3);
});
