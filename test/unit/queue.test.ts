/**
 * The mailbox-sync JobQueue on pg-boss over in-memory PGlite: coalescing, one run per user at a
 * time, users in parallel, retries, graceful and bounded stop, recovery after a crash.
 *
 * No assertion depends on timing: tests wait on promises the handler resolves, or on job states in
 * the database, each with a generous bound that only turns a hang into a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDb, type Db } from '../../companion/src/store/db.ts';
import { createJobQueue, MAILBOX_SYNC_QUEUE, type JobQueueOptions } from '../../companion/src/queue/pgboss-queue.ts';
import type { JobQueue } from '../../companion/src/ports/state.ts';

const BOUND_MS = 15_000;

let db: Db;
let schemaSeq = 0;
const open: JobQueue[] = [];

function newQueue(opts: JobQueueOptions = {}): { queue: JobQueue; schema: string } {
  // A pg-boss schema per test keeps their jobs apart on the one shared database.
  const schema = `jobs_${++schemaSeq}`;
  const queue = createJobQueue(db, {
    schema,
    queueCacheIntervalSeconds: 1,
    retryDelaySeconds: 1,
    onError: () => undefined,
    ...opts,
  });
  open.push(queue);
  return { queue, schema };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function within<T>(p: Promise<T>, what: string, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function until(what: string, check: () => Promise<boolean>, ms = BOUND_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function jobStates(schema: string, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ state: string }>(
    `SELECT state::text AS state FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on`,
    [MAILBOX_SYNC_QUEUE, userId],
  );
  return rows.map((r) => r.state);
}

const settled = (states: string[]) => states.every((s) => ['completed', 'failed', 'cancelled'].includes(s));

before(async () => {
  db = await openDb({ dataDir: ':memory:' });
});

after(async () => {
  for (const q of open) await q.stop();
  await db?.close();
});

describe('mailbox-sync queue on PGlite', () => {
  it('a burst for one user while it syncs coalesces into one more run, never two at once', async () => {
    const { queue, schema } = newQueue();
    await queue.start();
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const firstStarted = deferred();
    const releaseFirst = deferred();
    await queue.work(async (userId) => {
      assert.equal(userId, 'u1');
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        if (runs === 1) {
          firstStarted.resolve();
          await releaseFirst.promise;
        }
      } finally {
        active--;
      }
    });

    await queue.enqueueMailboxSync('u1');
    await within(firstStarted.promise, 'the first sync to start');
    for (let i = 0; i < 50; i++) await queue.enqueueMailboxSync('u1');
    const waiting = (await jobStates(schema, 'u1')).filter((s) => s === 'created');
    assert.equal(waiting.length, 1, 'fifty enqueues leave exactly one waiting job');

    releaseFirst.resolve();
    await until('the follow-up sync to run and every job to settle', async () => runs >= 2 && settled(await jobStates(schema, 'u1')));
    assert.ok(runs <= 3, `handler ran ${runs} times for a burst of 50`);
    assert.equal(maxActive, 1, 'never two syncs of one user at once');
    await queue.stop();
  });

  it('different users sync in parallel', async () => {
    const { queue } = newQueue();
    await queue.start();
    const started = { a: deferred(), b: deferred() };
    await queue.work(async (userId) => {
      const mine = userId === 'ua' ? started.a : started.b;
      const other = userId === 'ua' ? started.b : started.a;
      mine.resolve();
      // Returns only if the other user's sync is running at the same time.
      await within(other.promise, `the other user's sync while ${userId} runs`);
    });
    await queue.enqueueMailboxSync('ua');
    await queue.enqueueMailboxSync('ub');
    await within(Promise.all([started.a.promise, started.b.promise]), 'both users to be running');
    await queue.stop();
  });

  it('a user with a sync waiting behind a running one does not hold up other users', async () => {
    const { queue } = newQueue({ queueCacheIntervalSeconds: 60 });
    await queue.start();
    const slowStarted = deferred();
    const releaseSlow = deferred();
    const otherRan = deferred();
    await queue.work(async (userId) => {
      if (userId === 'slow') {
        slowStarted.resolve();
        await releaseSlow.promise;
      } else {
        otherRan.resolve();
      }
    });
    await queue.enqueueMailboxSync('slow');
    await within(slowStarted.promise, 'the slow sync to start');
    await queue.enqueueMailboxSync('slow');
    await queue.enqueueMailboxSync('other');
    try {
      await within(otherRan.promise, 'the other user to run while the slow one is active');
    } finally {
      releaseSlow.resolve();
    }
    await queue.stop();
  });

  it('a failing sync is retried', async () => {
    const { queue, schema } = newQueue({ retryLimit: 2 });
    await queue.start();
    let attempts = 0;
    const succeeded = deferred();
    await queue.work(async () => {
      attempts++;
      if (attempts === 1) throw new Error('mailbox unavailable');
      succeeded.resolve();
    });
    await queue.enqueueMailboxSync('u1');
    await within(succeeded.promise, 'the retry to succeed');
    assert.equal(attempts, 2);
    await until('the job to complete', async () => (await jobStates(schema, 'u1')).includes('completed'));
    await queue.stop();
  });

  it('stop() waits for a running sync to finish', async () => {
    const { queue, schema } = newQueue();
    await queue.start();
    const started = deferred();
    const release = deferred();
    const events: string[] = [];
    await queue.work(async () => {
      started.resolve();
      await release.promise;
      events.push('sync finished');
    });
    await queue.enqueueMailboxSync('u1');
    await within(started.promise, 'the sync to start');
    const stopping = queue.stop().then(() => events.push('stopped'));
    // Gives a stop() that did not wait the chance to finish first; the order below then shows it.
    await new Promise((r) => setTimeout(r, 300));
    release.resolve();
    await within(stopping, 'stop() to return');
    assert.deepEqual(events, ['sync finished', 'stopped']);
    assert.deepEqual(await jobStates(schema, 'u1'), ['completed']);
  });

  it('stop() gives up on a hung sync after its bound and leaves the job to be retried', async () => {
    const { queue, schema } = newQueue({ stopTimeoutMs: 1000 });
    await queue.start();
    const started = deferred();
    const never = deferred();
    await queue.work(async () => {
      started.resolve();
      await never.promise;
    });
    await queue.enqueueMailboxSync('u1');
    await within(started.promise, 'the sync to start');
    await within(queue.stop(), 'a bounded stop()');
    assert.ok(!(await jobStates(schema, 'u1')).includes('active'), 'the hung job no longer holds the user');
    never.resolve();
  });

  it('after a crash, a job left active is replaced so the user syncs again at once', async () => {
    const { queue: first, schema } = newQueue();
    await first.start();
    await first.enqueueMailboxSync('u1');
    await first.stop();
    // What a crash mid-sync leaves behind in a data directory.
    await db.query(`UPDATE ${schema}.job SET state = 'active', started_on = now() WHERE name = $1`, [MAILBOX_SYNC_QUEUE]);

    const second = createJobQueue(db, { schema, queueCacheIntervalSeconds: 1, onError: () => undefined });
    open.push(second);
    await second.start();
    const ran = deferred<string>();
    await second.work(async (userId) => ran.resolve(userId));
    assert.equal(await within(ran.promise, 'the interrupted user to sync'), 'u1');
    await second.stop();
  });

  it('rejects use before start() and user ids pg-boss cannot key', async () => {
    const { queue } = newQueue();
    await assert.rejects(queue.enqueueMailboxSync('u1'), /before start/);
    await queue.start();
    await assert.rejects(queue.enqueueMailboxSync('bad id with spaces'), /cannot be a job key/);
    await queue.stop();
  });
});
