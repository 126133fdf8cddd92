import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createHttpClient,
  HttpNetworkError,
  parseRetryAfter,
  backoffDelay,
  isTransientNetworkError,
  type FetchInit,
  type FetchLike,
  type HttpClientOptions,
} from '../../companion/src/connectors/http/index.ts';
import type { LogLevel } from '../../companion/src/ports/log.ts';

type Reply = { status: number; headers?: Record<string, string>; body?: string } | Error;

/** A fetch that answers from a script and records what it was sent. */
function scriptedFetch(replies: Reply[]) {
  const calls: Array<{ url: string; init: FetchInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const next = replies.shift();
    if (!next) throw new Error('scripted fetch ran out of replies');
    if (next instanceof Error) throw next;
    const headers = new Headers(next.headers);
    return { status: next.status, headers, text: async () => next.body ?? '' };
  };
  return { fetch, calls };
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const retry = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function client(fetch: FetchLike, extra: Partial<HttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const logs: Array<{ level: LogLevel; msg: string; data?: Record<string, unknown> }> = [];
  const http = createHttpClient({
    maxConcurrentPerKey: 2,
    retry,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => Date.parse('2030-01-01T00:00:00Z'),
    log: (level, msg, data) => logs.push({ level, msg, data }),
    ...extra,
  });
  return { http, sleeps, logs };
}

function netError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('read ' + code), { code }) });
}

test('parseRetryAfter reads delta-seconds and HTTP dates', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Mon, 31 Dec 2029 23:59:00 GMT', now), 0, 'a date in the past means now');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('backoffDelay doubles, caps and keeps half the step fixed', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(1, policy, () => 0), 50);
  assert.equal(backoffDelay(1, policy, () => 1), 100);
  assert.equal(backoffDelay(3, policy, () => 0.5), 300);
  assert.equal(backoffDelay(10, policy, () => 1), 1000);
});

test('isTransientNetworkError looks through the fetch cause chain', () => {
  assert.equal(isTransientNetworkError(netError('ECONNRESET')), true);
  assert.equal(isTransientNetworkError(new Error('socket hang up')), true);
  assert.equal(isTransientNetworkError(new TypeError('fetch failed')), true);
  assert.equal(isTransientNetworkError(Object.assign(new Error('t'), { name: 'TimeoutError' })), true);
  assert.equal(isTransientNetworkError(netError('ENOTFOUND')), false, 'a wrong host does not heal by retrying');
  assert.equal(isTransientNetworkError(new TypeError('Invalid URL')), false);
});

test('429 with Retry-After seconds waits that long, then succeeds', async () => {
  const { fetch, calls } = scriptedFetch([
    { status: 429, headers: { 'Retry-After': '2' } },
    { status: 200, body: '{"ok":true}' },
  ]);
  const { http, sleeps } = client(fetch);
  const res = await http.request('mb', 'https://graph.test/v1.0/users/a/contacts');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
  assert.equal(calls.length, 2);
  assert.deepEqual(sleeps, [2000]);
});

test('Retry-After as an HTTP date is honoured', async () => {
  const { fetch } = scriptedFetch([
    { status: 503, headers: { 'Retry-After': 'Tue, 01 Jan 2030 00:00:07 GMT' } },
    { status: 204 },
  ]);
  const { http, sleeps } = client(fetch);
  assert.equal((await http.request('mb', 'https://graph.test/x')).status, 204);
  assert.deepEqual(sleeps, [7000]);
});

test('5xx without Retry-After backs off exponentially, bounded by maxAttempts', async () => {
  const { fetch, calls } = scriptedFetch([{ status: 500 }, { status: 502 }, { status: 504 }, { status: 503 }, { status: 200 }]);
  const { http, sleeps } = client(fetch);
  const res = await http.request('mb', 'https://graph.test/x');
  assert.equal(res.status, 503, 'the last response is returned once attempts run out');
  assert.equal(calls.length, retry.maxAttempts);
  assert.deepEqual(sleeps, [75, 150, 300]);
});

test('client errors are returned at once', async () => {
  for (const status of [400, 401, 403, 404, 409, 410, 412]) {
    const { fetch, calls } = scriptedFetch([{ status, body: '{"error":{"code":"X"}}' }]);
    const { http, sleeps } = client(fetch);
    assert.equal((await http.request('mb', 'https://graph.test/x')).status, status);
    assert.equal(calls.length, 1);
    assert.deepEqual(sleeps, []);
  }
});

test('network errors are retried; a persistent one throws HttpNetworkError', async () => {
  {
    const { fetch, calls } = scriptedFetch([netError('ECONNRESET'), new Error('socket hang up'), { status: 200 }]);
    const { http } = client(fetch);
    assert.equal((await http.request('mb', 'https://graph.test/x', { method: 'POST', body: '{}' })).status, 200);
    assert.equal(calls.length, 3);
    assert.equal(calls[2]?.init.body, '{}', 'the body is sent again on retry');
  }
  {
    const { fetch, calls } = scriptedFetch([netError('ECONNRESET'), netError('ECONNRESET'), netError('ECONNRESET'), netError('ECONNRESET')]);
    const { http } = client(fetch);
    await assert.rejects(http.request('mb', 'https://graph.test/x'), (err: unknown) => {
      assert.ok(err instanceof HttpNetworkError);
      assert.equal(err.attempts, retry.maxAttempts);
      assert.match(err.message, /ECONNRESET/);
      return true;
    });
    assert.equal(calls.length, retry.maxAttempts);
  }
  {
    const { fetch, calls } = scriptedFetch([netError('ENOTFOUND')]);
    const { http } = client(fetch);
    await assert.rejects(http.request('mb', 'https://nowhere.test/x'), HttpNetworkError);
    assert.equal(calls.length, 1);
  }
});

test('a Retry-After beyond maxRetryAfterMs goes back to the caller instead of blocking', async () => {
  const { fetch, calls } = scriptedFetch([{ status: 429, headers: { 'Retry-After': '3600' } }]);
  const { http, sleeps } = client(fetch, { maxRetryAfterMs: 60_000 });
  assert.equal((await http.request('mb', 'https://graph.test/x')).status, 429);
  assert.equal(calls.length, 1);
  assert.deepEqual(sleeps, []);
});

test('at most maxConcurrentPerKey requests are in flight per key; keys are independent', async () => {
  const gates: Array<ReturnType<typeof deferred<void>>> = [];
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const fetch: FetchLike = async (url) => {
    const key = new URL(url).pathname.split('/')[1] ?? '';
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    peak.set(key, Math.max(peak.get(key) ?? 0, inFlight.get(key) ?? 0));
    const gate = deferred();
    gates.push(gate);
    await gate.promise;
    inFlight.set(key, (inFlight.get(key) ?? 0) - 1);
    return { status: 200, headers: new Headers(), text: async () => '' };
  };
  const { http } = client(fetch);
  const all = [
    ...Array.from({ length: 5 }, () => http.request('a', 'https://graph.test/a/x')),
    ...Array.from({ length: 3 }, () => http.request('b', 'https://graph.test/b/x')),
  ];
  // Let every request that can start do so, then open the gates one at a time.
  for (let opened = 0; opened < all.length; opened++) {
    while (gates.length <= opened) await new Promise((r) => setImmediate(r));
    gates[opened]?.resolve();
  }
  await Promise.all(all);
  assert.equal(peak.get('a'), 2);
  assert.equal(peak.get('b'), 2);
});

test('a 429 with Retry-After pauses the other requests of that key only', async () => {
  const pause = deferred();
  const sent: string[] = [];
  let first = true;
  const fetch: FetchLike = async (url) => {
    sent.push(url);
    if (first) {
      first = false;
      return { status: 429, headers: new Headers({ 'Retry-After': '1' }), text: async () => '' };
    }
    return { status: 200, headers: new Headers(), text: async () => '' };
  };
  const { http } = client(fetch, { sleep: () => pause.promise });
  const throttled = http.request('a', 'https://graph.test/a/1');
  while (sent.length < 1) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const sameKey = http.request('a', 'https://graph.test/a/2');
  const otherKey = http.request('b', 'https://graph.test/b/1');
  assert.equal((await otherKey).status, 200);
  assert.deepEqual(sent, ['https://graph.test/a/1', 'https://graph.test/b/1'], 'key a waits while paused');
  pause.resolve();
  assert.equal((await throttled).status, 200);
  assert.equal((await sameKey).status, 200);
  assert.equal(sent.length, 4);
});

test('a refused credential is refreshed once, then the response is returned', async () => {
  const invalid = { status: 401, body: '{"error":{"code":"InvalidAuthenticationToken"}}' };
  const { fetch, calls } = scriptedFetch([invalid, { status: 200 }, invalid, invalid]);
  const refreshes: Array<string | undefined> = [];
  let token = 1;
  const { http } = client(fetch, {
    auth: {
      authorization: async (_key, rejected) => {
        if (rejected) {
          refreshes.push(rejected);
          token++;
        }
        return `Bearer t${token}`;
      },
      isRejected: async (res) => res.status === 401,
    },
  });
  assert.equal((await http.request('mb', 'https://graph.test/x')).status, 200);
  assert.deepEqual(
    calls.map((c) => c.init.headers.Authorization),
    ['Bearer t1', 'Bearer t2'],
  );
  assert.deepEqual(refreshes, ['Bearer t1']);
  assert.equal((await http.request('mb', 'https://graph.test/x')).status, 401, 'only one refresh per request');
  assert.equal(calls.length, 4);
});

test('logs carry no Authorization header, body or query string', async () => {
  const secret = 'eyJ0eXAiOiJKV1QiLCJhbGciOi.secret-token';
  const { fetch } = scriptedFetch([netError('ECONNRESET'), { status: 503 }, { status: 400, body: '{"error":{"message":"bad jane@example.com"}}' }]);
  const { http, logs } = client(fetch, {
    auth: { authorization: async () => `Bearer ${secret}`, isRejected: () => false },
  });
  await http.request('mb', 'https://graph.test/v1.0/users/a/contacts/delta?$deltatoken=opaque-delta', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"givenName":"Jane","emailAddresses":[{"address":"jane@example.com"}]}',
  });
  assert.ok(logs.length >= 3);
  const text = JSON.stringify(logs);
  for (const leak of [secret, 'Bearer', 'Jane', 'jane@example.com', 'opaque-delta', 'deltatoken']) {
    assert.ok(!text.includes(leak), `log must not contain ${leak}`);
  }
  assert.match(text, /users\/a\/contacts\/delta\?…/);
});

test('close aborts waits and refuses new requests', async () => {
  const { fetch } = scriptedFetch([]);
  const { http } = client(fetch);
  http.close();
  await assert.rejects(http.request('mb', 'https://graph.test/x'), /closed/);
});

test('a non-idempotent request (a create) is not sent again after it may have run', async () => {
  for (const ambiguous of [{ status: 500 }, { status: 502 }, { status: 504 }] as Reply[]) {
    const { fetch, calls } = scriptedFetch([ambiguous, { status: 200 }]);
    const { http } = client(fetch);
    const res = await http.request('mb', 'https://graph.example/v1.0/$batch', { method: 'POST', body: '{}', idempotent: false });
    assert.equal(res.status, (ambiguous as { status: number }).status);
    assert.equal(calls.length, 1);
  }
  const dropped = scriptedFetch([netError('ECONNRESET'), { status: 200 }]);
  await assert.rejects(client(dropped.fetch).http.request('mb', 'https://graph.example/v1.0/$batch', { method: 'POST', body: '{}', idempotent: false }), HttpNetworkError);
  assert.equal(dropped.calls.length, 1);
});

test('a non-idempotent request is still retried when the service certainly did not run it', async () => {
  const { fetch, calls } = scriptedFetch([{ status: 429, headers: { 'Retry-After': '1' } }, { status: 503 }, netError('ECONNREFUSED'), { status: 200 }]);
  const { http, sleeps } = client(fetch);
  const res = await http.request('mb', 'https://graph.example/v1.0/$batch', { method: 'POST', body: '{}', idempotent: false });
  assert.equal(res.status, 200);
  assert.equal(calls.length, 4);
  assert.equal(sleeps[0], 1000);
});
