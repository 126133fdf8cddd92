/**
 * The one database handle the store and the job queue share. Two implementations behind one
 * interface and one SQL dialect (PostgreSQL): PGlite (embedded, a data directory or in memory) and
 * PostgreSQL through a `pg.Pool`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement, `$1`-style parameters. Row types are the caller's promise; nothing checks them. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** Parameterless SQL; may hold several statements. */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly dialect: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. Inside `fn`, use
   * `tx` only — calling the Db itself there throws, because on PGlite it would wait forever for the
   * transaction it is part of, and on PostgreSQL it would silently run outside the transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * The `executeSql(text, values)` contract pg-boss's `db` option expects. Parameterless text may be
   * several statements (pg-boss installs its schema that way) and returns the rows of all of them.
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface OpenDbOptions {
  /** PGlite data directory, created if missing; ':memory:' for a throwaway in-memory database. */
  dataDir?: string;
  /** PostgreSQL connection string. Wins over `dataDir` when both are given. */
  databaseUrl?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * How long to wait for a PGlite data directory another live process holds (default 0: fail at
   * once). The companion waits, so a `syncline status` reading the store at the moment it starts
   * delays it instead of stopping it.
   */
  lockWaitMs?: number;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  if (opts.dataDir) return openPglite(opts.dataDir, opts.lockWaitMs ?? 0);
  throw new Error('openDb: set either dataDir (PGlite; ":memory:" for in-memory) or databaseUrl (PostgreSQL)');
}

/** Marks the async context of a running transaction so a stray call on the Db itself is caught. */
class TxGuard {
  readonly #als = new AsyncLocalStorage<{ open: boolean }>();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // Timers started inside a transaction keep its context after it ends; `open` keeps their later
    // calls from being mistaken for calls made inside it.
    const marker = { open: true };
    try {
      return await this.#als.run(marker, fn);
    } finally {
      marker.open = false;
    }
  }
  check(what: string): void {
    if (this.#als.getStore()?.open) {
      throw new Error(`Db.${what}() called inside Db.transaction(); use the tx argument instead`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite

/**
 * PGlite is one connection. Every use of it — the store's statements and transactions and pg-boss's
 * — goes through this one queue, so a pg-boss statement can never land inside a store transaction,
 * and the ROLLBACK that cleans up after a failed pg-boss block runs before anything else can start.
 */
class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

const MEMORY = ':memory:';
const LOCK_FILE = 'syncline.lock';
/** Data directories this process holds, so a second open in the same process is refused too. */
const heldDataDirs = new Set<string>();

/** The PGlite data directory is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

async function lockWithWait(dir: string, waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockDataDir(dir);
    } catch (err) {
      if (!(err instanceof DataDirLockedError) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function openPglite(dataDir: string, lockWaitMs: number): Promise<Db> {
  let release = (): void => undefined;
  let pglite: PGlite;
  if (dataDir === MEMORY) {
    pglite = await PGlite.create();
  } else {
    const dir = path.resolve(dataDir);
    // PGlite writes its files world-readable; the directory's mode is what keeps other users out.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    release = await lockWithWait(dir, lockWaitMs);
    try {
      pglite = await PGlite.create(dir);
    } catch (err) {
      release();
      throw err;
    }
  }

  const serial = new SerialQueue();
  const guard = new TxGuard();
  let closed = false;

  const runExec = async (sql: string): Promise<Row[]> => {
    const results = await pglite.exec(sql);
    return results.flatMap((r) => r.rows as Row[]);
  };

  return {
    dialect: 'pglite',
    async query<T = Row>(sql: string, params: readonly unknown[] = []) {
      guard.check('query');
      return serial.run(async () => {
        const r = await pglite.query<T>(sql, [...params]);
        return { rows: r.rows };
      });
    },
    async exec(sql: string) {
      guard.check('exec');
      return serial.run(async () => {
        await pglite.exec(sql);
      });
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      guard.check('transaction');
      return serial.run(() =>
        pglite.transaction((tx) =>
          guard.run(() =>
            fn({
              async query<R = Row>(sql: string, params: readonly unknown[] = []) {
                const r = await tx.query<R>(sql, [...params]);
                return { rows: r.rows };
              },
              async exec(sql: string) {
                await tx.exec(sql);
              },
            }),
          ),
        ),
      );
    },
    async executeSql(text: string, values?: unknown[]) {
      guard.check('executeSql');
      return serial.run(async () => {
        try {
          if (values && values.length > 0) {
            const r = await pglite.query<Row>(text, values);
            return { rows: r.rows };
          }
          return { rows: await runExec(text) };
        } catch (err) {
          // A pooled driver would throw the broken connection away; the single PGlite session would
          // instead stay inside the aborted BEGIN…COMMIT block and fail everything after it.
          if (pglite.isInTransaction()) await pglite.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await serial.run(() => pglite.close());
      } finally {
        release();
      }
    },
  };
}

/**
 * PGlite has no postmaster.pid: two processes opening one data directory would both write to it and
 * corrupt it (think `syncline status` run next to the daemon). A lock file with our pid prevents it.
 * A lock whose process is gone is stale and taken over — also one that names our own pid but that
 * this process does not hold, which is what a container restart (the companion as pid 1 again) leaves.
 */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  if (heldDataDirs.has(dir)) {
    throw new Error(`PGlite data directory ${dir} is already open in this process`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DataDirLockedError(
          `PGlite data directory ${dir} is in use by process ${pid}. Stop that process first ` +
            `(or, if it is not a Syncline process, delete ${file}).`,
          pid,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  heldDataDirs.add(dir);
  return () => {
    if (!heldDataDirs.delete(dir)) return;
    fs.rmSync(file, { force: true });
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(databaseUrl),
    max: poolSize,
    application_name: 'syncline',
  });
  // An idle client that loses its connection emits on the pool; unhandled, that ends the process.
  // The next query reports the outage to whoever made it, which is where it can be handled.
  pool.on('error', () => undefined);
  // Fail at open, not at the first sync, when the server is unreachable or refuses us.
  await pool.query('SELECT 1');

  const guard = new TxGuard();
  let closed = false;

  return {
    dialect: 'postgres',
    async query<T = Row>(sql: string, params: readonly unknown[] = []) {
      guard.check('query');
      const r = await pool.query(sql, [...params]);
      return { rows: r.rows as T[] };
    },
    async exec(sql: string) {
      guard.check('exec');
      await pool.query(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      guard.check('transaction');
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await guard.run(() =>
          fn({
            async query<R = Row>(sql: string, params: readonly unknown[] = []) {
              const r = await client.query(sql, [...params]);
              return { rows: r.rows as R[] };
            },
            async exec(sql: string) {
              await client.query(sql);
            },
          }),
        );
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // A connection that cannot roll back must not go back to the pool mid-transaction.
          broken = rollbackErr;
        }
        throw err;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async executeSql(text: string, values?: unknown[]) {
      guard.check('executeSql');
      // Passed through exactly as pg-boss's own pool driver does: for parameterless multi-statement
      // text pg returns one result per statement, and pg-boss unwraps that itself where it cares.
      // pg types the result as one QueryResult even when it is that array.
      return (await pool.query(text, values)) as unknown as { rows: Row[] };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * libpq connects as the OS user when the URL names none; node-postgres falls back to $USER, which
 * containers and service managers often leave unset. Filling it in keeps `postgres://host/db`
 * meaning what it means to psql.
 */
export function withDefaultUser(databaseUrl: string): string {
  if (process.env.PGUSER || process.env.USER) return databaseUrl;
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return databaseUrl;
  }
  if (url.username || !url.hostname) return databaseUrl;
  try {
    url.username = os.userInfo().username;
  } catch {
    return databaseUrl;
  }
  return url.toString();
}
