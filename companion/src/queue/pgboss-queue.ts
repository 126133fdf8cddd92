/**
 * JobQueue on pg-boss 12, in the same database as the store.
 *
 * What pg-boss 12.35 gives us, read from its source (dist/plans.js, dist/manager.js):
 *
 * - Policy 'stately' puts a unique index on (name, state, singleton_key) for the states up to and
 *   including 'active' (created, retry, active). With singletonKey = userId that means, per user:
 *   at most one job waiting in 'created', at most one in 'retry', at most one 'active'. A send()
 *   that would make a second waiting job is dropped (ON CONFLICT DO NOTHING; send resolves null) —
 *   that is the coalescing: a burst of enqueues while a sync runs leaves exactly one sync to follow.
 *   The same index makes a second 'active' job for a user impossible, across every process on the
 *   database: a fetch that would activate it fails with 23505, which pg-boss treats as "nothing
 *   fetched".
 * - The retry slot is single too: if a user's job fails while another of theirs already waits in
 *   'retry', the second goes straight to 'failed' (documented pg-boss behaviour). The user is still
 *   covered — the waiting retry and any waiting 'created' job run later.
 * - That 23505 would hit the *oldest* queued job, so a user whose next sync waits behind a running
 *   one would block every worker's fetch until pg-boss's queue cache (refreshed every
 *   queueCacheIntervalSeconds) learns the user is active. To keep other users flowing, every job
 *   also carries group = userId and workers fetch with groupConcurrency 1: the fetch then skips
 *   users with an active job, checked in SQL at fetch time. The cache still lags the other way (a
 *   user stays "active" in it until the next refresh), which delays a coalesced follow-up by at
 *   most queueCacheIntervalSeconds.
 * - A handler that outlives expireInSeconds is failed (and retried) by pg-boss while it is still
 *   running — the retry could then start the same user again. An in-process per-user lock makes that
 *   retry wait for the first run in this process; on PostgreSQL with several processes the only
 *   guard is a generous expireInSeconds. Heartbeats (heartbeatSeconds) make a crashed process's
 *   jobs fail over quickly instead of waiting out that expiry.
 * - With the `db` option pg-boss never opens or closes connections; stop() leaves the Db open for
 *   the store, which closes it.
 */
import { PgBoss } from 'pg-boss';
import type { Job } from 'pg-boss';
import type { JobQueue } from '../ports/state.ts';

/**
 * What the queue needs of the database: the store's Db (store/db.ts) fits it. Declared here because
 * queue/ may not import store/ (scripts/check-imports.ts); the app passes the one Db to both.
 */
export interface QueueDb {
  readonly dialect: 'pglite' | 'postgres';
  /** pg-boss's executeSql contract; parameterless text may hold several statements. */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export const MAILBOX_SYNC_QUEUE = 'mailbox-sync';

export interface JobQueueOptions {
  /** How often idle workers look for jobs. pg-boss's minimum is 0.5. */
  pollingIntervalSeconds?: number;
  /** pg-boss's schema. */
  schema?: string;
  /** Users synced in parallel by this process. */
  concurrency?: number;
  /** Attempts after the first before a job is marked failed. */
  retryLimit?: number;
  /** First retry delay; doubles (with jitter) per attempt up to retryDelayMaxSeconds. */
  retryDelaySeconds?: number;
  retryDelayMaxSeconds?: number;
  /** A sync running longer than this is failed and retried. pg-boss's maximum is 24 h. */
  expireInSeconds?: number;
  /** How soon a job whose process died is failed over. pg-boss's minimum is 10. */
  heartbeatSeconds?: number;
  /**
   * How stale pg-boss's cached list of users with a running sync may get. A user's coalesced
   * follow-up sync can wait up to this long after the previous one ends.
   */
  queueCacheIntervalSeconds?: number;
  /** How long stop() waits for running syncs before failing them for a later retry. */
  stopTimeoutMs?: number;
  /** pg-boss's background errors (fetch, maintenance). Defaults to a line on stderr. */
  onError?: (error: Error) => void;
}

interface SyncJobData {
  userId: string;
}

/** What pg-boss accepts in a singleton key. Salesforce ids fit it. */
const KEY_PATTERN = /^[\w.\-/]+$/;

export function createJobQueue(db: QueueDb, opts: JobQueueOptions = {}): JobQueue {
  const pglite = db.dialect === 'pglite';
  const pollingIntervalSeconds = opts.pollingIntervalSeconds ?? 0.5;
  const concurrency = opts.concurrency ?? 4;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 30_000;
  const onError = opts.onError ?? ((e: Error) => process.stderr.write(`syncline queue: ${e.message}\n`));

  const boss = new PgBoss({
    db: { executeSql: (text, values) => db.executeSql(text, values) },
    backend: pglite ? 'pglite' : 'postgres',
    schema: opts.schema ?? 'pgboss',
    // No cron schedules: syncs are enqueued by CDC, polling and commands.
    schedule: false,
    queueCacheIntervalSeconds: opts.queueCacheIntervalSeconds ?? 2,
    superviseIntervalSeconds: 60,
    monitorIntervalSeconds: 60,
    // Deletes completed jobs (kept an hour, below) hourly, so the job table stays small.
    maintenanceIntervalSeconds: 3600,
    // PGlite is one connection shared with the store: keep background work to the essentials
    // (expiry, heartbeats, deletion) and skip index rebuilds and vacuum checks.
    ...(pglite ? { reindex: false, monitorVacuum: false, bamIntervalSeconds: 600 } : {}),
  });
  boss.on('error', (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));

  let started = false;
  let working = false;
  const running = new Map<string, Promise<void>>();

  const queueOptions = {
    retryLimit: opts.retryLimit ?? 5,
    retryDelay: opts.retryDelaySeconds ?? 10,
    retryBackoff: true,
    retryDelayMax: opts.retryDelayMaxSeconds ?? 600,
    expireInSeconds: opts.expireInSeconds ?? 3600,
    heartbeatSeconds: opts.heartbeatSeconds ?? 60,
    // A finished sync job records nothing worth keeping.
    deleteAfterSeconds: 3600,
  };

  /** Runs one user's syncs in this process one after another, whatever pg-boss hands us. */
  function runExclusive(userId: string, fn: () => Promise<void>): Promise<void> {
    const previous = running.get(userId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    running.set(userId, settled);
    void settled.then(() => {
      if (running.get(userId) === settled) running.delete(userId);
    });
    return next;
  }

  return {
    async start() {
      if (started) return;
      await boss.start();
      // Idempotent in pg-boss 12 (ON CONFLICT DO NOTHING); the update applies changed options to a
      // queue an earlier version created. The policy itself can never change.
      await boss.createQueue(MAILBOX_SYNC_QUEUE, { policy: 'stately', ...queueOptions });
      await boss.updateQueue(MAILBOX_SYNC_QUEUE, queueOptions);
      if (pglite) await recoverInterrupted();
      started = true;
    },

    async stop() {
      if (!started) return;
      started = false;
      // pg-boss stops fetching, waits up to the timeout for running handlers, then fails what is
      // still running ('pg-boss shut down while active') so it is retried after a restart. Nothing
      // can cancel a handler it gave up on: that one finishes (or fails on a closed Db) on its own.
      await boss.stop({ graceful: true, timeout: stopTimeoutMs, close: false });
      working = false;
    },

    async enqueueMailboxSync(userId) {
      if (!started) throw new Error('JobQueue.enqueueMailboxSync() before start()');
      if (!KEY_PATTERN.test(userId)) throw new Error(`user id ${JSON.stringify(userId)} cannot be a job key`);
      // null when coalesced into the job already waiting for this user.
      await boss.send(MAILBOX_SYNC_QUEUE, { userId } satisfies SyncJobData, {
        singletonKey: userId,
        group: { id: userId },
      });
    },

    async work(handler) {
      if (!started) throw new Error('JobQueue.work() before start()');
      if (working) throw new Error('JobQueue.work() called twice');
      working = true;
      await boss.work<SyncJobData>(
        MAILBOX_SYNC_QUEUE,
        {
          pollingIntervalSeconds,
          batchSize: 1,
          localConcurrency: concurrency,
          groupConcurrency: 1,
        },
        async (jobs: Job<SyncJobData>[]) => {
          for (const job of jobs) {
            const userId = job.data?.userId;
            if (typeof userId !== 'string' || userId === '') throw new Error(`job ${job.id} has no userId`);
            await runExclusive(userId, () => handler(userId));
          }
        },
      );
    },
  };

  /**
   * A PGlite data directory belongs to one process, so a job still 'active' at start was cut off by
   * a crash. Left alone it would hold the user's active slot until its heartbeat or expiry ran
   * out; cancel it now and queue a fresh sync for the user instead.
   */
  async function recoverInterrupted(): Promise<void> {
    const jobs = await boss.findJobs<SyncJobData>(MAILBOX_SYNC_QUEUE);
    const stale = jobs.filter((j) => j.state === 'active');
    if (stale.length === 0) return;
    await boss.cancel(MAILBOX_SYNC_QUEUE, stale.map((j) => j.id));
    for (const userId of new Set(stale.map((j) => j.data?.userId))) {
      if (typeof userId === 'string' && KEY_PATTERN.test(userId)) {
        await boss.send(MAILBOX_SYNC_QUEUE, { userId } satisfies SyncJobData, { singletonKey: userId, group: { id: userId } });
      }
    }
  }
}
