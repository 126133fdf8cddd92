import assert from 'node:assert/strict';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { startGraph, type GraphEmulator, type GraphOptions } from '../../sandbox/microsoft/index.ts';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The msal-node configuration the companion uses against the emulator. */
function msalConfig(em: GraphEmulator, credential: Partial<Configuration['auth']> = { clientSecret: em.clientSecret }): Configuration {
  return {
    auth: {
      clientId: em.clientId,
      authority: em.authority,
      knownAuthorities: [new URL(em.authority).host],
      authorityMetadata: em.authorityMetadata,
      ...credential,
    },
  };
}

async function acquireToken(em: GraphEmulator): Promise<string> {
  const result = await new ConfidentialClientApplication(msalConfig(em)).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
  assert.ok(result?.accessToken);
  return result.accessToken;
}

interface Reply {
  status: number;
  headers: Headers;
  body: any; // test-side JSON of varying shape; assertions check the fields they need
}

function client(em: GraphEmulator, token: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const url = path.startsWith('http') ? path : `${em.graphUrl}${path}`;
    const res = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

async function setup(opts: GraphOptions = {}) {
  const em = await startGraph({ serviceTimeMs: 0, ...opts });
  const userId = em.addMailbox({ userPrincipalName: 'rep@contoso.example', displayName: 'Rep' });
  const token = await acquireToken(em);
  const call = client(em, token);
  const folder = await call('POST', `/users/${userId}/contactFolders`, { displayName: 'Salesforce' });
  assert.equal(folder.status, 201);
  return { em, userId, token, call, folderId: folder.body.id as string };
}

describe('identity', () => {
  let em: GraphEmulator;
  before(async () => {
    em = await startGraph();
  });
  after(() => em.close());

  test('msal-node acquires a client-credentials token from the loopback endpoint', async () => {
    const token = await acquireToken(em);
    assert.equal(token.split('.').length, 3);
    assert.equal(em.counter.get(`POST /{tenant}/oauth2/v2.0/token`), 1);
  });

  test('a wrong secret fails in msal-node with invalid_client and AADSTS7000215', async () => {
    const cca = new ConfidentialClientApplication(msalConfig(em, { clientSecret: 'not-the-secret' }));
    await assert.rejects(cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }), (err: Error & { errorCode?: string }) => {
      assert.equal(err.errorCode, 'invalid_client');
      assert.match(err.message, /AADSTS7000215/);
      return true;
    });
  });

  test('a certificate credential (client_assertion) is accepted', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certEm = await startGraph({ clientCertificates: [publicKey] });
    try {
      const thumbprintSha256 = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
      const cca = new ConfidentialClientApplication(
        msalConfig(certEm, { clientCertificate: { thumbprintSha256, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } }),
      );
      const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      assert.ok(result?.accessToken);
    } finally {
      await certEm.close();
    }
  });

  test('Entra errors for unknown apps and non-.default scopes', async () => {
    const post = (form: Record<string, string>) =>
      fetch(em.tokenEndpoint, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', ...form }) });
    const unknown = await post({ client_id: 'nobody', client_secret: 'x', scope: GRAPH_SCOPE });
    assert.equal(unknown.status, 400);
    const unknownBody = (await unknown.json()) as Record<string, unknown>;
    assert.equal(unknownBody.error, 'unauthorized_client');
    assert.deepEqual(unknownBody.error_codes, [700016]);
    assert.match(String(unknownBody.error_description), /^AADSTS700016: .*\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /s);
    const scope = await post({ client_id: em.clientId, client_secret: em.clientSecret, scope: 'Contacts.ReadWrite' });
    assert.equal(scope.status, 400);
    assert.equal(((await scope.json()) as Record<string, unknown>).error, 'invalid_scope');
  });

  test('Graph refuses missing and expired bearer tokens with InvalidAuthenticationToken', async () => {
    let clock = Date.now();
    const timed = await startGraph({ now: () => clock, tokenTtlSeconds: 600 });
    try {
      const id = timed.addMailbox({ userPrincipalName: 'a@contoso.example' });
      const anonymous = await fetch(`${timed.graphUrl}/users/${id}/contactFolders`);
      assert.equal(anonymous.status, 401);
      assert.ok(anonymous.headers.get('request-id'));
      assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
      const call = client(timed, await acquireToken(timed));
      assert.equal((await call('GET', `/users/${id}/contactFolders`)).status, 200);
      clock += (600 + 301) * 1000; // past expiry and Entra's five minutes of clock skew
      const expired = await call('GET', `/users/${id}/contactFolders`);
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, 'InvalidAuthenticationToken');
      assert.equal(expired.body.error.message, 'Lifetime validation failed, the token is expired.');
    } finally {
      await timed.close();
    }
  });
});

describe('contact folders and contacts', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    ctx = await setup();
  });
  after(() => ctx.em.close());

  test('folders: create, duplicate name, list and $filter by displayName', async () => {
    const { call, userId, em } = ctx;
    const dup = await call('POST', `/users/${userId}/contactFolders`, { displayName: 'salesforce' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'ErrorFolderExists');
    await call('POST', `/users/rep@contoso.example/contactFolders`, { displayName: 'Other' });
    const all = await call('GET', `/users/${userId}/contactFolders`);
    assert.deepEqual(all.body.value.map((f: { displayName: string }) => f.displayName).sort(), ['Other', 'Salesforce']);
    const filtered = await call('GET', `/users/${userId}/contactFolders?$filter=${encodeURIComponent("displayName eq 'Salesforce'")}`);
    assert.deepEqual(filtered.body.value.map((f: { id: string }) => f.id), [ctx.folderId]);
    assert.equal(em.folders(userId).length, 2);
    const nobody = await call('GET', `/users/ghost@contoso.example/contactFolders`);
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.error.code, 'ErrorInvalidUser');
  });

  test('contact CRUD with Graph shapes, change keys and validation errors', async () => {
    const { call, userId, folderId, em } = ctx;
    const writesBefore = em.writeCount();
    const created = await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, {
      givenName: 'Ada',
      surname: 'Lovelace',
      emailAddresses: [{ address: 'ada@example.org', name: 'Ada' }],
      businessPhones: ['+44 20 7946 0000'],
      birthday: '1815-12-10',
      businessAddress: { city: 'London', countryOrRegion: 'UK' },
    });
    assert.equal(created.status, 201);
    const c = created.body;
    assert.equal(c.displayName, 'Ada Lovelace');
    assert.equal(c.parentFolderId, folderId);
    assert.equal(c['@odata.etag'], `W/"${c.changeKey}"`);
    assert.equal(c.birthday, '1815-12-10T00:00:00Z');
    assert.deepEqual(c.homePhones, []);
    assert.deepEqual(c.otherAddress, {});
    assert.ok(created.headers.get('request-id'));

    const got = await call('GET', `/users/${userId}/contacts/${c.id}?$select=givenName,emailAddresses`, undefined, {
      Prefer: 'IdType="ImmutableId"',
    });
    assert.equal(got.headers.get('preference-applied'), 'IdType="ImmutableId"');
    assert.deepEqual(Object.keys(got.body).filter((k) => !k.startsWith('@')).sort(), ['emailAddresses', 'givenName', 'id']);
    const wrongCase = await call('GET', `/users/${userId}/contacts/${c.id.toLowerCase()}`);
    assert.equal(wrongCase.status, 404, 'ids are case-sensitive');

    const patched = await call('PATCH', `/users/${userId}/contactFolders/${folderId}/contacts/${c.id}`, { jobTitle: 'Analyst', businessPhones: null });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.jobTitle, 'Analyst');
    assert.deepEqual(patched.body.businessPhones, []);
    assert.notEqual(patched.body.changeKey, c.changeKey);

    const stale = await call('PATCH', `/users/${userId}/contacts/${c.id}`, { jobTitle: 'x' }, { 'If-Match': c['@odata.etag'] });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.code, 'ErrorIrresolvableConflict');
    const current = await call('PATCH', `/users/${userId}/contacts/${c.id}`, { jobTitle: 'Countess' }, { 'If-Match': patched.body['@odata.etag'] });
    assert.equal(current.status, 200);

    const unknown = await call('PATCH', `/users/${userId}/contacts/${c.id}`, { favouriteColour: 'blue' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'RequestBodyRead');
    const tooMany = await call('PATCH', `/users/${userId}/contacts/${c.id}`, {
      emailAddresses: ['a', 'b', 'c', 'd'].map((x) => ({ address: `${x}@example.org` })),
    });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /EmailAddresses has 4 entries, that exceeds the max allowed value of 3/);
    const notJson = await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, '{"givenName":');
    assert.equal(notJson.status, 400);
    const badSelect = await call('GET', `/users/${userId}/contacts/${c.id}?$select=shoeSize`);
    assert.equal(badSelect.status, 400);
    assert.equal(badSelect.body.error.code, 'RequestBroker--ParseUri');

    const deleted = await call('DELETE', `/users/${userId}/contacts/${c.id}`);
    assert.equal(deleted.status, 204);
    const gone = await call('GET', `/users/${userId}/contacts/${c.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'ErrorItemNotFound');
    assert.equal(em.writeCount() - writesBefore, 4);
  });

  test('list pages with $top/$skip and finds a contact by e-mail or extended-property marker', async () => {
    const { call, userId, folderId } = ctx;
    const marker = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name SynclineId';
    for (let i = 0; i < 12; i++) {
      await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, {
        givenName: `List${i}`,
        emailAddresses: [{ address: `list${i}@example.org` }],
        singleValueExtendedProperties: [{ id: marker, value: `sf-${i}` }],
      });
    }
    const first = await call('GET', `/users/${userId}/contactFolders/${folderId}/contacts`);
    assert.equal(first.body.value.length, 10);
    const second = await call('GET', first.body['@odata.nextLink']);
    assert.equal(second.body.value.length, 2);
    assert.equal(second.body['@odata.nextLink'], undefined);
    const byEmail = await call(
      'GET',
      `/users/${userId}/contactFolders/${folderId}/contacts?$filter=${encodeURIComponent("emailAddresses/any(a:a/address eq 'LIST3@example.org')")}`,
    );
    assert.deepEqual(byEmail.body.value.map((x: { givenName: string }) => x.givenName), ['List3']);
    const filter = encodeURIComponent(`singleValueExtendedProperties/any(ep:ep/id eq '${marker}' and ep/value eq 'sf-7')`);
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${marker}')`);
    const byMarker = await call('GET', `/users/${userId}/contactFolders/${folderId}/contacts?$filter=${filter}&$expand=${expand}`);
    assert.equal(byMarker.body.value.length, 1);
    assert.deepEqual(byMarker.body.value[0].singleValueExtendedProperties, [{ id: marker, value: 'sf-7' }]);
  });
});

describe('delta', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    ctx = await setup();
  });
  after(() => ctx.em.close());

  /** Follows nextLinks to the deltaLink; returns every item and the number of pages. */
  async function round(start: string, pageSize = 10) {
    const items: Array<Record<string, unknown>> = [];
    let url = start;
    let pages = 0;
    for (;;) {
      const page = await ctx.call('GET', url, undefined, { Prefer: `odata.maxpagesize=${pageSize}` });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      pages++;
      items.push(...page.body.value);
      if (page.body['@odata.deltaLink']) return { items, pages, deltaLink: page.body['@odata.deltaLink'] as string };
      url = page.body['@odata.nextLink'];
      assert.match(url, /\/contacts\/delta\?\$skiptoken=/);
    }
  }

  test('initial round pages with nextLink, then deltaLink reports only changes, replays are identical', async () => {
    const { call, userId, folderId, em } = ctx;
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, { givenName: `P${i}`, surname: 'Delta' });
      ids.push(r.body.id);
    }
    const doomed = await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, { givenName: 'Short-lived' });
    await call('DELETE', `/users/${userId}/contacts/${doomed.body.id}`);

    const initial = await round(`/users/${userId}/contactFolders/${folderId}/contacts/delta?$select=givenName,surname`);
    assert.equal(initial.pages, 3);
    assert.equal(initial.items.length, 25, 'created-then-deleted items are not in the initial round');
    assert.ok(initial.items.every((i) => i['@odata.type'] === '#microsoft.graph.contact' && i.surname === 'Delta' && !('jobTitle' in i)));
    assert.match(initial.deltaLink, /\/contacts\/delta\?\$deltatoken=/);

    const quiet = await round(initial.deltaLink);
    assert.deepEqual(quiet.items, []);

    const other = await call('POST', `/users/${userId}/contactFolders`, { displayName: 'Elsewhere' });
    await call('PATCH', `/users/${userId}/contacts/${ids[0]}`, { surname: 'Changed' });
    await call('DELETE', `/users/${userId}/contacts/${ids[1]}`);
    em.user.moveContact(userId, ids[2] ?? '', other.body.id);
    const fresh = await call('POST', `/users/${userId}/contactFolders/${folderId}/contacts`, { givenName: 'New' });

    const changes = await round(initial.deltaLink, 2);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    assert.equal(changes.items.length, 4);
    assert.equal(byId.get(ids[0])?.surname, 'Changed');
    assert.deepEqual(byId.get(ids[1]), { '@odata.type': '#microsoft.graph.contact', id: ids[1], '@removed': { reason: 'deleted' } });
    assert.deepEqual(byId.get(ids[2])?.['@removed'], { reason: 'deleted' }, 'moved out of the folder');
    assert.equal(byId.get(fresh.body.id)?.givenName, 'New');
    assert.ok(!('jobTitle' in (byId.get(ids[0]) ?? {})), 'the $select of the first request is kept in the tokens');

    const replay = await round(initial.deltaLink, 2);
    assert.deepEqual(replay.items, changes.items, 'replaying a deltaLink is idempotent');
    const after = await round(changes.deltaLink);
    assert.deepEqual(after.items, []);
  });

  test('an expired sync state answers 410 with a Location to restart; a mangled token answers 400', async () => {
    const { call, userId, folderId, em } = ctx;
    const start = await round(`/users/${userId}/contactFolders/${folderId}/contacts/delta`, 200);
    em.expireDeltaTokens();
    const expired = await call('GET', start.deltaLink);
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, 'SyncStateNotFound');
    assert.match(expired.headers.get('location') ?? '', /\/contacts\/delta\?\$deltatoken=$/);
    const restarted = await round(expired.headers.get('location') ?? '', 200);
    assert.ok(restarted.items.length > 0);
    const mangled = await call('GET', start.deltaLink.replace(/deltatoken=(.)/, 'deltatoken=x$1'));
    assert.equal(mangled.status, 400);
  });
});

describe('$batch', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    ctx = await setup();
  });
  after(() => ctx.em.close());

  test('dependsOn runs in order and a failed dependency yields 424', async () => {
    const { call, userId, folderId, em } = ctx;
    const json = { 'Content-Type': 'application/json' };
    const res = await call('POST', '/$batch', {
      requests: [
        { id: '1', method: 'POST', url: `/users/${userId}/contactFolders/${folderId}/contacts`, headers: json, body: { givenName: 'Batch' } },
        { id: '2', dependsOn: ['1'], method: 'GET', url: `/users/${userId}/contacts/AAMkAnotThereAtAll000` },
        { id: '3', dependsOn: ['2'], method: 'PATCH', url: `users/${userId}/contacts/AAMkAnotThereAtAll000`, headers: json, body: {} },
        { id: '4', method: 'GET', url: `/users/${userId}/contactFolders?$select=displayName` },
      ],
    });
    assert.equal(res.status, 200);
    const status = new Map<string, number>(res.body.responses.map((r: { id: string; status: number }) => [r.id, r.status]));
    assert.deepEqual(Object.fromEntries(status), { '1': 201, '2': 404, '3': 424, '4': 200 });
    assert.equal(em.counter.get(`BATCH POST /v1.0/users/{u}/contactFolders/{f}/contacts`), 1);
    assert.equal(em.counter.get('POST /v1.0/$batch'), 1);
  });

  test('injected faults hit single requests inside a batch', async () => {
    const { call, userId, folderId, em } = ctx;
    em.faults.add({ match: 'POST .*/contacts$', status: 503, count: 1 });
    const json = { 'Content-Type': 'application/json' };
    const url = `/users/${userId}/contactFolders/${folderId}/contacts`;
    const res = await call('POST', '/$batch', {
      requests: ['x', 'y'].map((id) => ({ id, dependsOn: id === 'y' ? ['x'] : undefined, method: 'POST', url, headers: json, body: { givenName: id } })),
    });
    type Inner = { id: string; status: number; headers: Record<string, string>; body: { error: { code: string } } };
    const byId = new Map<string, Inner>(res.body.responses.map((r: Inner) => [r.id, r]));
    assert.equal(byId.get('x')?.status, 503);
    assert.equal(byId.get('x')?.headers['Retry-After'], '1');
    assert.equal(byId.get('x')?.body.error.code, 'serviceNotAvailable');
    assert.equal(byId.get('y')?.status, 424);
  });

  test('more than 20 requests, duplicate ids and bodies without Content-Type are refused', async () => {
    const { call, userId } = ctx;
    const get = (id: string) => ({ id, method: 'GET', url: `/users/${userId}/contactFolders` });
    const tooMany = await call('POST', '/$batch', { requests: Array.from({ length: 21 }, (_, i) => get(String(i))) });
    assert.equal(tooMany.status, 400);
    const dup = await call('POST', '/$batch', { requests: [get('a'), get('A')] });
    assert.equal(dup.status, 400);
    assert.match(dup.body.error.message, /has to be unique in a batch/);
    const noType = await call('POST', '/$batch', { requests: [{ id: '1', method: 'POST', url: `/users/${userId}/contactFolders`, body: {} }] });
    assert.equal(noType.status, 400);
  });
});

describe('throttling and faults', () => {
  test('a fifth concurrent request to one mailbox is throttled with Retry-After', async () => {
    const ctx = await setup({ serviceTimeMs: 60 });
    try {
      const replies = await Promise.all(Array.from({ length: 5 }, () => ctx.call('GET', `/users/${ctx.userId}/contactFolders`)));
      const throttled = replies.filter((r) => r.status === 429);
      assert.ok(throttled.length >= 1);
      assert.ok(Number(throttled[0]?.headers.get('retry-after')) >= 1);
      assert.equal(throttled[0]?.body.error.code, 'ApplicationThrottled');
      assert.equal(throttled[0]?.body.error.message, 'Application is over its MailboxConcurrency limit.');
    } finally {
      await ctx.em.close();
    }
  });

  test('requests running inside a $batch count against the same mailbox concurrency', async () => {
    const ctx = await setup({ serviceTimeMs: 60 });
    try {
      const path = `/users/${ctx.userId}/contactFolders`;
      const requests = ['a', 'b', 'c', 'd'].map((id) => ({ id, method: 'GET', url: path }));
      const [batch, single] = await Promise.all([ctx.call('POST', '/$batch', { requests }), ctx.call('GET', path)]);
      const statuses = [...batch.body.responses.map((r: { status: number }) => r.status), single.status];
      assert.equal(statuses.filter((s) => s === 429).length, 1, JSON.stringify(statuses));
      const alone = await ctx.call('POST', '/$batch', { requests: [...requests, { id: 'e', method: 'GET', url: path }] });
      assert.ok(alone.body.responses.every((r: { status: number }) => r.status === 200), 'a batch alone runs four at a time');
    } finally {
      await ctx.em.close();
    }
  });

  test('the ten-minute budget runs out and comes back', async () => {
    let clock = Date.now();
    const ctx = await setup({ now: () => clock, limits: { requestsPer10Minutes: 5 } });
    try {
      const path = `/users/${ctx.userId}/contactFolders`;
      // setup() already spent one request (creating the folder).
      for (let i = 0; i < 4; i++) assert.equal((await ctx.call('GET', path)).status, 200);
      const over = await ctx.call('GET', path);
      assert.equal(over.status, 429);
      const retryAfter = Number(over.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 600);
      clock += retryAfter * 1000;
      assert.equal((await ctx.call('GET', path)).status, 200);
    } finally {
      await ctx.em.close();
    }
  });

  test('an injected 503 carries a Graph error body and Retry-After', async () => {
    const ctx = await setup();
    try {
      ctx.em.faults.add({ match: 'GET .*/contactFolders$', status: 503, count: 1 });
      const failed = await ctx.call('GET', `/users/${ctx.userId}/contactFolders`);
      assert.equal(failed.status, 503);
      assert.equal(failed.body.error.code, 'serviceNotAvailable');
      assert.equal(failed.headers.get('retry-after'), '1');
      assert.ok(failed.headers.get('request-id'));
      assert.equal((await ctx.call('GET', `/users/${ctx.userId}/contactFolders`)).status, 200);
    } finally {
      await ctx.em.close();
    }
  });
});
