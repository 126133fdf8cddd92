/**
 * The store (and a queue smoke test) on a real PostgreSQL server.
 *
 * Needs PostgreSQL at postgres://127.0.0.1:5432/test with trust auth (or SYNCLINE_TEST_DATABASE_URL).
 * Start the local cluster with:
 *   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
 * When the server is unreachable these tests fail, saying so. Set SYNCLINE_SKIP_POSTGRES=1 to skip
 * them instead.
 *
 * Every test works in its own freshly created schema (search_path set per connection) and drops
 * it afterwards, so runs never see each other's tables.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openDb, type Db } from '../../companion/src/store/db.ts';
import { loadMigrations, runMigrations } from '../../companion/src/store/migrate.ts';
import { createStateStore } from '../../companion/src/store/state-store.ts';
import { stateStoreChecks } from '../../companion/src/store/state-store-contract.ts';
import { createJobQueue } from '../../companion/src/queue/pgboss-queue.ts';
import { advisoryLeader } from '../../companion/src/store/leader-lock.ts';

const BASE_URL = process.env.SYNCLINE_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
const START_HINT =
  'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or set SYNCLINE_SKIP_POSTGRES=1 to skip these tests).';

async function probe(): Promise<string | undefined> {
  try {
    const db = await openDb({ databaseUrl: BASE_URL, poolSize: 1 });
    await db.close();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const unreachable = await probe();
const skip =
  unreachable && process.env.SYNCLINE_SKIP_POSTGRES === '1'
    ? `PostgreSQL not reachable at ${BASE_URL} and SYNCLINE_SKIP_POSTGRES=1: skipped`
    : false;

function urlWithSearchPath(schema: string): string {
  const url = new URL(BASE_URL);
  const existing = url.searchParams.get('options');
  url.searchParams.set('options', `${existing ? `${existing} ` : ''}-c search_path=${schema}`);
  return url.toString();
}

/** A fresh schema for one test, dropped afterwards whatever happens. */
async function inFreshSchema(fn: (url: string, schema: string) => Promise<void>): Promise<void> {
  const schema = `syncline_test_${randomBytes(6).toString('hex')}`;
  const admin = await openDb({ databaseUrl: BASE_URL, poolSize: 1 });
  try {
    await admin.exec(`CREATE SCHEMA ${schema}`);
    await fn(urlWithSearchPath(schema), schema);
  } finally {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
}

async function withDb(url: string, fn: (db: Db) => Promise<void>): Promise<void> {
  const db = await openDb({ databaseUrl: url, poolSize: 4 });
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

describe('store on PostgreSQL', { skip }, () => {
  if (unreachable && !skip) {
    it('PostgreSQL is reachable', () => {
      assert.fail(`PostgreSQL is not reachable at ${BASE_URL} (${unreachable}). ${START_HINT}`);
    });
    return;
  }

  for (const [name, check] of Object.entries(stateStoreChecks)) {
    it(name, () =>
      inFreshSchema((url) =>
        withDb(url, async (db) => {
          const store = createStateStore(db);
          await store.migrate();
          await check(store);
        }),
      ),
    );
  }

  it('tables land in the schema on the search_path, not in public', () =>
    inFreshSchema((url, schema) =>
      withDb(url, async (db) => {
        await createStateStore(db).migrate();
        const { rows } = await db.query<{ table_schema: string }>(
          "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'contact_links'",
        );
        assert.ok(rows.some((r) => r.table_schema === schema));
      }),
    ));

  it('migrations are idempotent and data survives reconnecting', () =>
    inFreshSchema(async (url) => {
      await withDb(url, async (db) => {
        const store = createStateStore(db);
        await store.migrate();
        await store.migrate();
        await store.saveContactLinks([{ userId: 'u1', sfId: '003A', mbId: 'AAMk1', sfVersion: 'v', mbVersion: 'ck', hashes: { Email: 'h' } }], []);
        await store.setCursor('cdc:/data/ContactChangeEvent', '7');
      });
      await withDb(url, async (db) => {
        assert.deepEqual(await runMigrations(db), []);
        const store = createStateStore(db);
        assert.equal((await store.contactLinks('u1')).length, 1);
        assert.equal(await store.getCursor('cdc:/data/ContactChangeEvent'), '7');
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        assert.equal(rows[0]?.n, loadMigrations().length);
      });
    }));

  it('several processes migrating at once apply each migration exactly once', () =>
    inFreshSchema(async (url) => {
      const dbs = await Promise.all(Array.from({ length: 4 }, () => openDb({ databaseUrl: url, poolSize: 2 })));
      try {
        const applied = await Promise.all(dbs.map((db) => runMigrations(db)));
        assert.deepEqual(applied.flat().sort((a, b) => a - b), loadMigrations().map((m) => m.version));
        const { rows } = await dbs[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(rows.map((r) => r.version), loadMigrations().map((m) => m.version));
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    }));

  it('transactions roll back on PostgreSQL too', () =>
    inFreshSchema((url) =>
      withDb(url, async (db) => {
        await createStateStore(db).migrate();
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO meta (key, value) VALUES ($1, $2)', ['k', 'v']);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual((await db.query('SELECT * FROM meta')).rows, []);
      }),
    ));

  it('the job queue runs on the same PostgreSQL database', () =>
    inFreshSchema((url, schema) =>
      withDb(url, async (db) => {
        const queue = createJobQueue(db, { schema: `${schema}_jobs`, onError: () => undefined });
        await queue.start();
        try {
          let done!: (userId: string) => void;
          const ran = new Promise<string>((resolve) => (done = resolve));
          await queue.work(async (userId) => done(userId));
          await queue.enqueueMailboxSync('005A');
          assert.equal(await withTimeout(ran, 15_000, 'job did not run'), '005A');
        } finally {
          await queue.stop();
          await db.exec(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
        }
      }),
    ));

  it('one companion at a time leads the change subscriptions; the lead passes on when its connection ends', async () => {
    // A key of this run's own, so parallel runs on the same server never see each other.
    const key = BigInt(`0x${randomBytes(6).toString('hex')}`);
    const first = advisoryLeader(BASE_URL, key);
    const second = advisoryLeader(BASE_URL, key);
    try {
      assert.equal(await first.tryLead(), true);
      assert.equal(await first.tryLead(), true, 'still leading');
      assert.equal(await second.tryLead(), false);
      await first.close();
      assert.equal(await second.tryLead(), true, 'the lead passes on once the leader is gone');
      // The leader's database session is killed (a crash, a failover): it hears of the loss.
      let lost = false;
      second.onLost(() => {
        lost = true;
      });
      const admin = await openDb({ databaseUrl: BASE_URL, poolSize: 1 });
      try {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = $1::bigint AND granted`,
          [key.toString()],
        );
      } finally {
        await admin.close();
      }
      for (let i = 0; i < 100 && !lost; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(lost, true, 'a lost session is reported as a lost lead');
      const third = advisoryLeader(BASE_URL, key);
      try {
        assert.equal(await third.tryLead(), true, 'and the lock is free for the next one');
      } finally {
        await third.close();
      }
    } finally {
      await first.close();
      await second.close();
    }
  });
});

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

