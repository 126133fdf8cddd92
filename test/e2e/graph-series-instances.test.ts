/**
 * MailboxEventsPort.seriesInstances on the Graph events connector, against the Microsoft 365
 * emulator (sandbox/microsoft) through msal-node and real HTTP: GET /events/{master}/instances.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphEmulator } from '../../sandbox/microsoft/index.ts';
import { GraphError } from '../../companion/src/connectors/graph/errors.ts';
import type { MailboxEventOptions, MailboxSeriesInstance } from '../../companion/src/ports/mailbox-events.ts';
import { assertOk, graphEventsTestbed } from '../support/graph-connector-setup.ts';

const INSTANCES = 'GET /v1.0/users/{u}/events/{id}/instances';
const WINDOW = { start: '2026-06-01T00:00:00Z', end: '2026-07-01T00:00:00Z' };
const ALL: MailboxEventOptions = { category: 'Salesforce', selection: 'all', defaultTimeZone: 'America/Los_Angeles' };

let g: GraphEmulator;
const { connect, newMailbox } = graphEventsTestbed('series', (started) => {
  g = started;
});

const day = (d: number) => String(d).padStart(2, '0');
const at = (d: number, hour: number) => `2026-06-${day(d)}T${String(hour).padStart(2, '0')}:00:00Z`;

/** A daily series at 10:00–11:00 UTC from June 1st. */
const daily = (subject: string, count: number) => ({
  subject,
  start: { dateTime: '2026-06-01T10:00:00', timeZone: 'UTC' },
  end: { dateTime: '2026-06-01T11:00:00', timeZone: 'UTC' },
  location: { displayName: 'Room 4' },
  recurrence: {
    pattern: { type: 'daily', interval: 1 },
    range: { type: 'numbered', startDate: '2026-06-01', numberOfOccurrences: count },
  },
});

const byStart = (list: MailboxSeriesInstance[]) => [...list].sort((a, b) => (a.originalStart ?? '').localeCompare(b.originalStart ?? ''));

test('a daily series of five: five full occurrences in their slots', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, daily('Daily check-in', 5));
  const c = connect();

  const got = await c.seriesInstances(upn, masterId, WINDOW, ALL);
  assert.ok(got);
  assert.equal(got.length, 5);
  const live = new Map(g.events(upn).map((e) => [e.id, e.changeKey]));
  byStart(got).forEach((inst, i) => {
    assert.equal(inst.kind, 'occurrence');
    assert.equal(inst.fields.subject, 'Daily check-in');
    assert.equal(inst.fields.location, 'Room 4');
    assert.equal(inst.fields.start, at(i + 1, 10));
    assert.equal(inst.fields.end, at(i + 1, 11));
    assert.equal(inst.fields.recurrence, undefined, 'the pattern belongs to the master');
    assert.equal(inst.originalStart, inst.fields.start);
    assert.equal(inst.version, live.get(masterId), 'an occurrence carries its master version');
    assert.equal(typeof inst.modifiedAt, 'string');
  });
  assert.equal(new Set(got.map((i) => i.id)).size, 5);
});

test('a PATCHed occurrence comes back as an exception in its slot; a DELETEd one is left out', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, daily('Standup', 5));
  const c = connect();
  const before = byStart((await c.seriesInstances(upn, masterId, WINDOW, ALL)) ?? []);
  assert.equal(before.length, 5);
  const [, second, third] = before;

  const [moved] = await c.updateEvents(upn, [{ id: third!.id, version: third!.version, set: { subject: 'Standup (moved)', start: at(3, 14), end: at(3, 15) } }], ALL);
  assertOk(moved);
  const [deleted] = await c.deleteEvents(upn, [second!.id]);
  assertOk(deleted);

  const after = await c.seriesInstances(upn, masterId, WINDOW, ALL);
  assert.ok(after);
  assert.equal(after.length, 4);
  assert.equal(after.some((i) => i.id === second!.id), false, 'the cancelled occurrence is left out');
  const exception = after.find((i) => i.id === third!.id);
  assert.equal(exception?.kind, 'exception');
  assert.equal(exception?.fields.subject, 'Standup (moved)');
  assert.equal(exception?.fields.location, 'Room 4', 'inherited values included');
  assert.equal(exception?.fields.start, at(3, 14));
  assert.equal(exception?.fields.end, at(3, 15));
  assert.equal(exception?.originalStart, at(3, 10), 'still the slot the pattern gave it');
  assert.equal(exception?.version, moved.version);
  for (const inst of after.filter((i) => i.id !== third!.id)) assert.equal(inst.kind, 'occurrence');
});

test('every page is read, whatever the page size; the window limits what comes back', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, daily('Long series', 25));
  const c = connect({ pageSize: 2 });

  const pages = g.counter.get(INSTANCES);
  const all = await c.seriesInstances(upn, masterId, WINDOW, ALL);
  assert.ok(g.counter.get(INSTANCES) - pages > 1, 'more than one page was read');
  assert.ok(all);
  assert.deepEqual(byStart(all).map((i) => i.fields.start), Array.from({ length: 25 }, (_, i) => at(i + 1, 10)));

  const some = await c.seriesInstances(upn, masterId, { start: '2026-06-10T00:00:00Z', end: '2026-06-13T00:00:00Z' }, ALL);
  assert.ok(some);
  assert.deepEqual(byStart(some).map((i) => i.originalStart), [at(10, 10), at(11, 10), at(12, 10)]);
  const none = await c.seriesInstances(upn, masterId, { start: '2026-08-01T00:00:00Z', end: '2026-08-31T00:00:00Z' }, ALL);
  assert.deepEqual(none, []);
});

test('a master that is gone, or never was: null', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, daily('Soon gone', 5));
  const c = connect();
  assert.equal((await c.seriesInstances(upn, masterId, WINDOW, ALL))?.length, 5);
  g.user.deleteEvent(upn, masterId);
  assert.equal(await c.seriesInstances(upn, masterId, WINDOW, ALL), null);
  assert.equal(await c.seriesInstances(upn, 'AAMkNoSuchSeriesMaster0000', WINDOW, ALL), null);
});

test('any other failure throws, never null, and names no event content', async () => {
  const upn = newMailbox();
  const masterId = g.user.createEvent(upn, daily('Confidential merger talks', 12));
  const c = connect({ pageSize: 5 });
  const fail = async (status: number) =>
    assert.rejects(c.seriesInstances(upn, masterId, WINDOW, ALL), (err: unknown) => {
      assert.ok(err instanceof GraphError);
      assert.equal(err.status, status);
      assert.doesNotMatch(err.message, /Confidential|merger/);
      return true;
    });

  // A 404 that is not "no such item" (ResourceNotFound) does not mean the master is gone.
  g.faults.set([{ match: '/instances$', status: 404 }]);
  try {
    await fail(404);
  } finally {
    g.faults.clear();
  }

  // A passing 503 is retried, and every instance of both pages still comes back.
  g.faults.set([{ match: '/instances$', status: 503, retryAfterSeconds: 0, count: 1 }]);
  const pages = g.counter.get(INSTANCES);
  try {
    assert.equal((await c.seriesInstances(upn, masterId, WINDOW, ALL))?.length, 12);
    assert.equal(g.faults.firedCount(), 1);
  } finally {
    g.faults.clear();
  }
  assert.ok(g.counter.get(INSTANCES) - pages > 1);

  // A 500 that outlasts the pipeline's retries throws.
  g.faults.set([{ match: '/instances$', status: 500 }]);
  try {
    await fail(500);
  } finally {
    g.faults.clear();
  }
  assert.equal((await c.seriesInstances(upn, masterId, WINDOW, ALL))?.length, 12);
});
