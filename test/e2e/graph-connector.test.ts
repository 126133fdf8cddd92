/**
 * The Graph connector against the Microsoft 365 emulator (sandbox/microsoft), through msal-node
 * and real HTTP. Where a documented Graph behaviour cannot be provoked in the emulator (replayed
 * delta items, a contact Graph rejects), the test rewrites the wire traffic, never the connector.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGraph, type GraphEmulator, type GraphOptions } from '../../sandbox/microsoft/index.ts';
import { createGraphConnector, type GraphConnectorOptions } from '../../companion/src/connectors/graph/index.ts';
import type { ContactFields } from '../../companion/src/core/contact.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';
import { CursorExpiredError } from '../../companion/src/ports/mailbox.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';

interface LogLine {
  level: LogLevel;
  msg: string;
  data?: Record<string, unknown>;
}

const DELTA = 'GET /v1.0/users/{u}/contactFolders/{f}/contacts/delta';
const BATCH = 'POST /v1.0/$batch';

const emulators: GraphEmulator[] = [];
const closers: Array<() => Promise<void>> = [];
const allLogs: LogLine[] = [];
let g: GraphEmulator;

before(async () => {
  g = await emulator();
});

after(async () => {
  for (const close of closers) await close();
  for (const e of emulators) await e.close();
});

async function emulator(opts: GraphOptions = {}): Promise<GraphEmulator> {
  const e = await startGraph(opts);
  emulators.push(e);
  return e;
}

function connect(emu: GraphEmulator = g, extra: Partial<GraphConnectorOptions> = {}) {
  const logs: LogLine[] = [];
  const c = createGraphConnector({
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    authority: emu.authority,
    authorityMetadata: emu.authorityMetadata,
    graphUrl: emu.graphUrl,
    log: (level, msg, data) => {
      logs.push({ level, msg, data });
      allLogs.push({ level, msg, data });
    },
    ...extra,
  });
  closers.push(() => c.close());
  return { c, logs };
}

let mailboxes = 0;
function newMailbox(emu: GraphEmulator = g): string {
  const upn = `rep${++mailboxes}@contoso.test`;
  emu.addMailbox({ userPrincipalName: upn });
  return upn;
}

function assertOk(r: WriteResult | undefined): asserts r is Extract<WriteResult, { ok: true }> {
  assert.ok(r?.ok, `expected success, got ${JSON.stringify(r)}`);
}

const retried = (logs: LogLine[]) => logs.filter((l) => l.msg === 'http retry' || l.msg === 'graph batch: sending again');

/** Routes global fetch (which the connector uses) through `rewrite` while `fn` runs. */
async function withFetch<T>(
  rewrite: (url: string, init: RequestInit | undefined, real: typeof fetch) => Promise<Response>,
  fn: () => Promise<T>,
): Promise<T> {
  const real = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => rewrite(String(input), init, real)) as typeof fetch;
  try {
    return await fn();
  } finally {
    globalThis.fetch = real;
  }
}

async function rewrittenJson(res: Response, edit: (body: Record<string, unknown>) => void): Promise<Response> {
  const body = (await res.json()) as Record<string, unknown>;
  edit(body);
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: res.status, headers });
}

test('the sync folder is created once, reused, and shared by concurrent callers', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const ids = await Promise.all([c.ensureContactFolder(upn), c.ensureContactFolder(upn), c.ensureContactFolder(upn)]);
  assert.equal(new Set(ids).size, 1);
  assert.equal(await c.ensureContactFolder(upn), ids[0]);
  assert.deepEqual(
    g.folders(upn).map((f) => [f.id, f.displayName]),
    [[ids[0], 'Salesforce_Sync']],
  );

  // After a restart the folder is found, not created again.
  const creates = g.counter.get('POST /v1.0/users/{u}/contactFolders');
  assert.equal(await connect().c.ensureContactFolder(upn), ids[0]);
  assert.equal(g.counter.get('POST /v1.0/users/{u}/contactFolders'), creates);

  // Two processes racing on a new mailbox: one creates, the other gets 409 and reads it back.
  const upn2 = newMailbox();
  const raced = await Promise.all([connect().c.ensureContactFolder(upn2), connect().c.ensureContactFolder(upn2)]);
  assert.equal(raced[0], raced[1]);
  assert.equal(g.folders(upn2).length, 1);

  // A quote in the name is escaped in $filter, so the folder is found again.
  const quoted = await connect(g, { folderName: "O'Brien Sync" }).c.ensureContactFolder(upn);
  assert.equal(await connect(g, { folderName: "O'Brien Sync" }).c.ensureContactFolder(upn), quoted);
  assert.equal(g.folders(upn).length, 2);
});

test('delta: a full listing across pages, then incremental create, update and delete', async () => {
  const upn = newMailbox();
  const { c } = connect(g, { pageSize: 10 });
  const folder = await c.ensureContactFolder(upn);
  const ids = Array.from({ length: 25 }, (_, i) =>
    g.user.createContact(upn, folder, { givenName: `Given${i}`, surname: `Sur${i}`, emailAddresses: [{ address: `p${i}@example.test` }] }),
  );

  const pages = g.counter.get(DELTA);
  const first = await c.contactChanges(upn, folder, null);
  assert.equal(g.counter.get(DELTA) - pages, 3, '25 contacts at 10 per page');
  assert.equal(first.changes.length, 25);
  assert.deepEqual(new Set(first.changes.map((ch) => (ch.kind === 'upsert' ? ch.item.id : ''))), new Set(ids));
  const third = first.changes.find((ch) => ch.kind === 'upsert' && ch.item.id === ids[3]);
  assert.ok(third?.kind === 'upsert');
  assert.deepEqual(third.item.data, { firstName: 'Given3', lastName: 'Sur3', email: 'p3@example.test' });
  const live = new Map(g.contacts(upn, folder).map((r) => [r.id, r.changeKey]));
  assert.equal(third.item.version, live.get(ids[3]));

  const added = g.user.createContact(upn, folder, { surname: 'Newcomer' });
  g.user.updateContact(upn, ids[0]!, { jobTitle: 'CFO' });
  g.user.deleteContact(upn, ids[1]!);
  const second = await c.contactChanges(upn, folder, first.cursor);
  const byId = new Map(second.changes.map((ch) => [ch.kind === 'upsert' ? ch.item.id : ch.id, ch]));
  assert.equal(second.changes.length, 3);
  assert.equal(byId.get(ids[1]!)?.kind, 'delete');
  const updated = byId.get(ids[0]!);
  assert.ok(updated?.kind === 'upsert');
  assert.equal(updated.item.data.title, 'CFO');
  assert.equal(updated.item.version, g.contacts(upn, folder).find((r) => r.id === ids[0])?.changeKey);
  const created = byId.get(added);
  assert.ok(created?.kind === 'upsert');
  assert.equal(created.item.data.lastName, 'Newcomer');

  const quiet = await c.contactChanges(upn, folder, second.cursor);
  assert.deepEqual(quiet.changes, []);
  assert.notEqual(quiet.cursor, second.cursor);
});

test('delta: an id seen on several pages keeps its last occurrence', async () => {
  const upn = newMailbox();
  const { c } = connect(g, { pageSize: 4 });
  const folder = await c.ensureContactFolder(upn);
  for (let i = 0; i < 10; i++) g.user.createContact(upn, folder, { surname: `Person${i}` });

  // Graph documents replays: the same item again later in the round, or removed after all.
  let firstPage: Array<Record<string, unknown>> | undefined;
  const delta = await withFetch(
    async (url, init, real) => {
      const res = await real(url, init);
      if (!url.includes('/contacts/delta')) return res;
      return rewrittenJson(res, (body) => {
        const value = body.value as Array<Record<string, unknown>>;
        if (!firstPage) firstPage = [...value];
        else if (body['@odata.nextLink']) value.push({ ...firstPage[0], surname: 'Replayed' });
        else value.push({ id: firstPage[1]?.id, '@removed': { reason: 'deleted' } });
      });
    },
    () => c.contactChanges(upn, folder, null),
  );
  assert.ok(firstPage);
  assert.equal(delta.changes.length, 10, 'one change per id');
  const replayed = delta.changes.find((ch) => ch.kind === 'upsert' && ch.item.id === firstPage![0]!.id);
  assert.ok(replayed?.kind === 'upsert');
  assert.equal(replayed.item.data.lastName, 'Replayed');
  assert.deepEqual(
    delta.changes.find((ch) => ch.kind === 'delete'),
    { kind: 'delete', id: firstPage[1]!.id },
  );
});

test('an expired or unreadable delta cursor throws CursorExpiredError; a full listing recovers', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const folder = await c.ensureContactFolder(upn);
  g.user.createContact(upn, folder, { surname: 'Kept' });
  const { cursor } = await c.contactChanges(upn, folder, null);

  await assert.rejects(c.contactChanges(upn, folder, `${cursor}garbage`), CursorExpiredError);
  g.expireDeltaTokens();
  await assert.rejects(c.contactChanges(upn, folder, cursor), CursorExpiredError);
  const full = await c.contactChanges(upn, folder, null);
  assert.equal(full.changes.length, 1);

  // A stored cursor pointing elsewhere never receives our token.
  await assert.rejects(c.contactChanges(upn, folder, 'https://attacker.example/v1.0/delta'), /another origin/);
});

test('45 creates go out as 3 chained $batch calls and come back with ids and change keys', async () => {
  const upn = newMailbox();
  const { c, logs } = connect();
  const folder = await c.ensureContactFolder(upn);
  const items: ContactFields[] = Array.from({ length: 45 }, (_, i) => ({
    firstName: `First${i}`,
    lastName: `Last${i}`,
    email: `c${i}@example.test`,
    mailingAddress: { city: 'Berlin', country: 'Germany' },
    fax: i === 0 ? '+49 30 1234' : undefined,
  }));
  const batches = g.counter.get(BATCH);
  const results = await c.createContacts(upn, folder, items);
  assert.equal(g.counter.get(BATCH) - batches, 3);
  assert.equal(results.length, 45);
  const live = new Map(g.contacts(upn, folder).map((r) => [r.id as string, r]));
  assert.equal(live.size, 45);
  results.forEach((r, i) => {
    assertOk(r);
    const stored = live.get(r.id);
    assert.equal(stored?.givenName, `First${i}`, 'results line up with the input');
    assert.equal(r.version, stored?.changeKey);
  });
  assert.deepEqual(
    results[0]?.ok && results[0].warnings?.map((w) => [w.field, w.code]),
    [['fax', 'dropped']],
  );
  // Chained batches never exceed the mailbox's concurrency, so nothing had to be sent again.
  assert.deepEqual(retried(logs), []);
});

test('a contact Graph rejects fails on its own; the others in the batch are written', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const folder = await c.ensureContactFolder(upn);
  const items: ContactFields[] = ['Ann', 'Ben', 'Poison', 'Dan', 'Eve'].map((firstName) => ({ firstName, lastName: 'Tester', email: `${firstName.toLowerCase()}@example.test` }));

  const batches = g.counter.get(BATCH);
  // Stands in for any body Graph refuses: an unknown property on the third contact only.
  const results = await withFetch(
    async (url, init, real) => {
      if (!url.endsWith('/$batch') || typeof init?.body !== 'string') return real(url, init);
      const batch = JSON.parse(init.body) as { requests: Array<{ body?: Record<string, unknown> }> };
      for (const r of batch.requests) if (r.body?.givenName === 'Poison') r.body.bogusProperty = 'x';
      return real(url, { ...init, body: JSON.stringify(batch) });
    },
    () => c.createContacts(upn, folder, items),
  );
  assert.deepEqual(
    results.map((r) => r.ok),
    [true, true, false, true, true],
  );
  const bad = results[2];
  assert.ok(bad && !bad.ok);
  assert.equal(bad.error.code, 'RequestBodyRead');
  assert.equal(bad.error.retryable, false);
  assert.deepEqual(bad.error.fields, ['bogusProperty']);
  assert.match(bad.error.message, /item #2/);
  assert.doesNotMatch(bad.error.message, /Poison|Tester|example\.test/);
  // The two after it were failed by Graph with 424 (dependency) and sent once more.
  assert.equal(g.counter.get(BATCH) - batches, 2);
  assert.deepEqual(g.contacts(upn, folder).map((r) => r.givenName).sort(), ['Ann', 'Ben', 'Dan', 'Eve']);

  // Updates: a malformed id and a deleted contact fail alone, too.
  const ids = results.filter((r) => r.ok).map((r) => r.id!);
  g.user.deleteContact(upn, ids[1]!);
  const updates = await c.updateContacts(upn, [
    { id: ids[0]!, set: { title: 'Lead' } },
    { id: 'not-an-id', set: { title: 'Lead' } },
    { id: ids[1]!, set: { title: 'Lead' } },
    { id: ids[2]!, set: { title: 'Lead' } },
  ]);
  assert.deepEqual(
    updates.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'ErrorInvalidIdMalformed', 'ErrorItemNotFound', 'ok'],
  );
  assert.ok(updates.every((r) => r.ok || (r.error.retryable === false && r.id !== undefined && r.error.message.includes(r.id))));
});

test('updates keep the secondary e-mail and phone that Salesforce does not know', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const folder = await c.ensureContactFolder(upn);
  const id = g.user.createContact(upn, folder, {
    givenName: 'Mia',
    surname: 'Multi',
    emailAddresses: [{ address: 'mia@work.example.test' }, { address: 'mia@home.example.test' }],
    businessPhones: ['+1 555 0100', '+1 555 0199'],
  });
  const delta = await c.contactChanges(upn, folder, null);
  const seen = delta.changes[0];
  assert.ok(seen?.kind === 'upsert');

  const [warm] = await c.updateContacts(upn, [{ id, version: seen.item.version, set: { email: 'mia@new.example.test', businessPhone: '+1 555 0111' } }]);
  assertOk(warm);
  let stored = g.contacts(upn, folder)[0]!;
  assert.deepEqual(
    (stored.emailAddresses as Array<{ address: string }>).map((e) => e.address),
    ['mia@new.example.test', 'mia@home.example.test'],
  );
  assert.deepEqual(stored.businessPhones, ['+1 555 0111', '+1 555 0199']);
  assert.equal(warm.version, stored.changeKey);

  // A fresh process has no copy of the contact: it reads it first, then writes.
  const reads = g.counter.get('BATCH GET /v1.0/users/{u}/contacts/{id}');
  const [cold] = await connect().c.updateContacts(upn, [{ id, version: warm.version, set: { email: 'mia@newer.example.test' } }]);
  assertOk(cold);
  assert.equal(g.counter.get('BATCH GET /v1.0/users/{u}/contacts/{id}') - reads, 1);
  stored = g.contacts(upn, folder)[0]!;
  assert.deepEqual(
    (stored.emailAddresses as Array<{ address: string }>).map((e) => e.address),
    ['mia@newer.example.test', 'mia@home.example.test'],
  );
});

test('an update against a stale version is a retryable conflict, and nothing is written', async () => {
  const upn = newMailbox();
  const { c } = connect();
  const folder = await c.ensureContactFolder(upn);
  const id = g.user.createContact(upn, folder, { surname: 'Stale', jobTitle: 'Analyst' });
  const first = await c.contactChanges(upn, folder, null);
  const seen = first.changes[0];
  assert.ok(seen?.kind === 'upsert');

  g.user.updateContact(upn, id, { department: 'Sales' });
  const [conflict] = await c.updateContacts(upn, [{ id, version: seen.item.version, set: { title: 'Director' } }]);
  assert.ok(conflict && !conflict.ok);
  assert.deepEqual({ id: conflict.id, code: conflict.error.code, retryable: conflict.error.retryable }, { id, code: 'conflict', retryable: true });
  assert.equal(g.contacts(upn, folder)[0]?.jobTitle, 'Analyst');

  // The engine re-reads and tries again with the current version.
  const reread = await c.contactChanges(upn, folder, first.cursor);
  const now = reread.changes[0];
  assert.ok(now?.kind === 'upsert');
  const [retry] = await c.updateContacts(upn, [{ id, version: now.item.version, set: { title: 'Director' } }]);
  assertOk(retry);
  assert.equal(g.contacts(upn, folder)[0]?.jobTitle, 'Director');
  assert.equal(g.contacts(upn, folder)[0]?.department, 'Sales');
});

test('429 with Retry-After, 503 and a dropped connection are retried until they succeed', async () => {
  const upn = newMailbox();
  const { c, logs } = connect();
  const folder = await c.ensureContactFolder(upn);
  g.user.createContact(upn, folder, { surname: 'Throttled' });

  g.faults.add({ match: '^GET /v1\\.0/users/[^/]+/contactFolders/[^/]+/contacts/delta$', count: 1, status: 429, retryAfterSeconds: 1 });
  const delta = await c.contactChanges(upn, folder, null);
  assert.equal(delta.changes.length, 1);

  g.faults.add({ match: '^POST /v1\\.0/\\$batch$', count: 1, status: 503 });
  const created = await c.createContacts(upn, folder, [{ lastName: 'AfterOutage' }]);
  assertOk(created[0]);

  g.faults.add({ match: '^POST /v1\\.0/\\$batch$', count: 1, drop: true });
  const deleted = await c.deleteContacts(upn, [created[0].id]);
  assertOk(deleted[0]);
  assert.deepEqual(g.contacts(upn, folder).map((r) => r.surname), ['Throttled']);

  const retries = logs.filter((l) => l.msg.startsWith('http retry'));
  assert.deepEqual(
    retries.map((l) => [l.data?.status ?? 'network', l.data?.waitMs]),
    [
      [429, 1000],
      [503, 1000],
      ['network', retries[2]?.data?.waitMs],
    ],
  );
});

test('inner 429s of a $batch are sent again, without duplicating creates', async () => {
  // Another app holds the mailbox's other slots: only one request at a time gets through.
  const busy = await emulator({ limits: { concurrentPerMailbox: 1 }, serviceTimeMs: 5 });
  const upn = newMailbox(busy);
  const { c, logs } = connect(busy);
  const folder = await c.ensureContactFolder(upn);
  const results = await c.createContacts(
    upn,
    folder,
    Array.from({ length: 45 }, (_, i) => ({ lastName: `Busy${i}` })),
  );
  results.forEach(assertOk);
  assert.equal(busy.contacts(upn, folder).length, 45);
  assert.ok(logs.some((l) => l.msg === 'graph batch: sending again'), 'the emulator did throttle inner requests');
});

test('at most 4 requests per mailbox are in flight: Graph never answers MailboxConcurrency', async () => {
  let clock = Date.now();
  const slow = await emulator({ serviceTimeMs: 25, now: () => clock });
  const upn = newMailbox(slow);

  const burst = async (c: ReturnType<typeof connect>['c']) => {
    const folder = await c.ensureContactFolder(upn);
    const made = await c.createContacts(upn, folder, Array.from({ length: 12 }, (_, i) => ({ lastName: `Seed${i}` })));
    const ids = made.map((r) => (r.ok ? r.id : ''));
    return Promise.allSettled([
      ...Array.from({ length: 6 }, () => c.contactChanges(upn, folder, null)),
      c.createContacts(upn, folder, Array.from({ length: 25 }, (_, i) => ({ lastName: `Burst${i}` }))),
      c.updateContacts(upn, ids.map((id) => ({ id, set: { title: 'Burst' } }))),
      c.deleteContacts(upn, ids.slice(0, 6)),
    ]);
  };

  const { c, logs } = connect(slow, { pageSize: 5 });
  for (const settled of await burst(c)) {
    assert.equal(settled.status, 'fulfilled', String(settled.status === 'rejected' && settled.reason));
    const out = settled.status === 'fulfilled' ? settled.value : undefined;
    if (Array.isArray(out)) out.forEach(assertOk);
    else assert.ok(out?.cursor);
  }
  assert.deepEqual(retried(logs), [], 'no 429 reached the connector, let alone the caller');

  // The limit is what kept it clean: allowed more in flight, the same burst is throttled.
  const loose = connect(slow, { pageSize: 5, maxConcurrentPerMailbox: 12 });
  // (Some calls may even fail once their retries run out, which is why the limit exists.)
  await burst(loose.c);
  assert.ok(retried(loose.logs).some((l) => l.data?.status === 429));

  // An access token Graph no longer accepts (clock moved past its expiry) is replaced once.
  const tokens = slow.counter.get('POST /{tenant}/oauth2/v2.0/token');
  clock += 3 * 3600 * 1000;
  const folder = await c.ensureContactFolder(upn);
  const fresh = await c.contactChanges(upn, folder, null);
  assert.ok(fresh.changes.length > 0);
  assert.equal(slow.counter.get('POST /{tenant}/oauth2/v2.0/token') - tokens, 1);
  assert.ok(logs.some((l) => l.msg === 'http credential refused; refreshing once'));
});

test('logs carry no token, secret or contact content', () => {
  const text = JSON.stringify(allLogs);
  assert.ok(allLogs.length > 0);
  for (const e of emulators) assert.ok(!text.includes(e.clientSecret), 'client secret in logs');
  for (const leak of ['Bearer', 'eyJ', 'example.test', 'Poison', 'Given3', '$deltatoken', '$skiptoken']) {
    assert.ok(!text.includes(leak), `logs contain ${leak}`);
  }
});
