/**
 * The store on PGlite: the StateStore contract in memory, migrations, a data directory surviving a
 * restart, and the guarantee that the schema has nowhere to put contact or event content.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { DataDirLockedError, openDb, type Db } from '../../companion/src/store/db.ts';
import { loadMigrations, runMigrations } from '../../companion/src/store/migrate.ts';
import { createStateStore } from '../../companion/src/store/state-store.ts';
import { stateStoreChecks } from '../../companion/src/store/state-store-contract.ts';

const STORE_TABLES = ['meta', 'contact_links', 'event_links', 'event_series_slots', 'cursors', 'pending_sf_ids', 'pending_event_ids', 'item_errors', 'user_status'];

/**
 * Every column that can hold text, and why that text is not content. A migration that adds a text,
 * json or binary column (say `first_name`) fails this test until the column is argued for here.
 */
const TEXT_COLUMNS_ALLOWED: Record<string, string> = {
  'schema_migrations.name': 'migration file name',
  'meta.key': 'setting name',
  'meta.value': 'setting value set by the companion (identifiers; the hash salt sealed with storeKey, or plain without it: store/sealed-salt.ts), never record content',
  'contact_links.user_id': 'Salesforce User id',
  'contact_links.sf_id': 'Salesforce record id',
  'contact_links.mb_id': 'mailbox item id',
  'contact_links.sf_version': 'SystemModstamp',
  'contact_links.mb_version': 'etag / changeKey',
  'contact_links.hashes': 'field name → HMAC',
  'contact_links.parked': 'side and whether it was deleted',
  'contact_links.unsettled': 'side → field name → HMAC, or a delete flag',
  'event_links.user_id': 'Salesforce User id',
  'event_links.sf_id': 'Salesforce Event id',
  'event_links.mb_id': 'mailbox event id',
  'event_links.sf_version': 'SystemModstamp',
  'event_links.mb_version': 'changeKey',
  'event_links.hashes': 'field name → HMAC',
  'event_links.parked': 'side and whether it was deleted',
  'event_links.unsettled': 'side → field name → HMAC, or a delete flag',
  'event_series_slots.user_id': 'Salesforce User id',
  'event_series_slots.sf_id': 'Salesforce Event id (series record)',
  'event_series_slots.mb_id': 'mailbox series master id',
  'event_series_slots.slots': 'slot HMAC → field name → HMAC',
  'cursors.name': 'cursor name (kind, scope, user id)',
  'cursors.value': 'opaque replay id / delta link / sync token',
  'pending_sf_ids.user_id': 'Salesforce User id',
  'pending_sf_ids.sf_id': 'Salesforce record id',
  'pending_event_ids.user_id': 'Salesforce User id',
  'pending_event_ids.sf_id': 'Salesforce Event id',
  'item_errors.user_id': 'Salesforce User id',
  'item_errors.side': 'salesforce | mailbox',
  'item_errors.kind': 'contact | event',
  'item_errors.item_id': 'record / item id',
  'item_errors.code': 'error code',
  'item_errors.message': 'names ids and fields, never values (ports/state.ts)',
  'item_errors.fields': 'field names',
  'user_status.user_id': 'Salesforce User id',
  'user_status.state': 'sync state',
  'user_status.last_error_code': 'error code',
  'user_status.last_error': 'error text naming ids and fields, never values',
};

/** Types that cannot carry free text. Anything else must be in the allow-list above. */
const CONTENT_FREE_TYPES = new Set([
  'integer',
  'bigint',
  'smallint',
  'boolean',
  'timestamp with time zone',
  'timestamp without time zone',
  'date',
]);

async function emptyStore(db: Db): Promise<void> {
  await db.exec(`TRUNCATE ${STORE_TABLES.join(', ')}`);
}

describe('store on PGlite in memory', () => {
  let db: Db;

  before(async () => {
    db = await openDb({ dataDir: ':memory:' });
    await createStateStore(db).migrate();
  });
  after(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await emptyStore(db);
  });

  for (const [name, check] of Object.entries(stateStoreChecks)) {
    it(name, async () => {
      await check(createStateStore(db));
    });
  }

  it('migrations are recorded once and re-running them is a no-op', async () => {
    const all = loadMigrations();
    assert.ok(all.length >= 1);
    assert.deepEqual(await runMigrations(db), []);
    const { rows } = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, all.map((m) => ({ version: m.version, name: m.name })));
  });

  it('refuses a database migrated by a newer Syncline', async () => {
    await db.query('INSERT INTO schema_migrations (version, name) VALUES (9999, $1)', ['9999_future.sql']);
    try {
      await assert.rejects(runMigrations(db), /newer than this Syncline/);
    } finally {
      await db.query('DELETE FROM schema_migrations WHERE version = 9999');
    }
  });

  it('the schema has no column that could hold content', async () => {
    const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    assert.ok(rows.length > 0);
    const textual = rows.filter((r) => !CONTENT_FREE_TYPES.has(r.data_type)).map((r) => `${r.table_name}.${r.column_name}`);
    const unexpected = textual.filter((c) => !(c in TEXT_COLUMNS_ALLOWED));
    assert.deepEqual(unexpected, [], `columns that could hold content: ${unexpected.join(', ')}`);
    // Keeps the allow-list honest: a dropped column must leave it too.
    const stale = Object.keys(TEXT_COLUMNS_ALLOWED).filter((c) => !textual.includes(c));
    assert.deepEqual(stale, [], `allow-listed columns that no longer exist: ${stale.join(', ')}`);
    const tables = new Set(rows.map((r) => r.table_name));
    assert.deepEqual([...tables].sort(), [...STORE_TABLES, 'schema_migrations'].sort());
  });

  it('a transaction rolls back when its function throws, and the Db refuses calls made around tx', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO meta (key, value) VALUES ($1, $2)', ['k', 'v']);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual((await db.query('SELECT * FROM meta')).rows, []);
    await assert.rejects(
      db.transaction(async () => {
        await db.query('SELECT 1');
      }),
      /use the tx argument/,
    );
  });

  it('openDb needs a dataDir or a databaseUrl', async () => {
    await assert.rejects(openDb({}), /dataDir|databaseUrl/);
  });
});

describe('store on PGlite in a data directory', () => {
  let parent: string;
  let dataDir: string;

  before(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-store-'));
    dataDir = path.join(parent, 'nested', 'db');
  });
  after(() => {
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('creates the directory, keeps data across close and reopen, migrates idempotently', async () => {
    const first = await openDb({ dataDir });
    const store = createStateStore(first);
    await store.migrate();
    await store.saveContactLinks([{ userId: 'u1', sfId: '003A', mbId: 'AAMk1', sfVersion: 'v1', mbVersion: 'ck1', hashes: { Email: 'h' } }], []);
    await store.setCursor('graph-delta:contacts:u1', 'https://delta/1');
    await store.close();
    assert.ok(fs.existsSync(path.join(dataDir, 'PG_VERSION')));

    const second = await openDb({ dataDir });
    try {
      // Taken while open: a second opener (another process, or this one) is refused.
      await assert.rejects(openDb({ dataDir }), /already open|in use/);
      assert.deepEqual(await runMigrations(second), []);
      const reopened = createStateStore(second);
      await reopened.migrate();
      assert.deepEqual(await reopened.contactLinks('u1'), [
        { userId: 'u1', sfId: '003A', mbId: 'AAMk1', sfVersion: 'v1', mbVersion: 'ck1', hashes: { Email: 'h' } },
      ]);
      assert.equal(await reopened.getCursor('graph-delta:contacts:u1'), 'https://delta/1');
      const { rows } = await second.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(rows[0]?.n, loadMigrations().length);
    } finally {
      await second.close();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    // A pid far above any real one stands for a crashed companion.
    fs.writeFileSync(path.join(dataDir, 'syncline.lock'), '2147483646\n');
    const db = await openDb({ dataDir });
    await db.close();
    assert.equal(fs.existsSync(path.join(dataDir, 'syncline.lock')), false);
  });

  it('a directory held by a live process: refused at once by default, waited for with lockWaitMs', async () => {
    assert.equal(fs.statSync(dataDir).mode & 0o077, 0, 'the data directory is owner-only');
    // A short-lived live process stands for `syncline status` reading the store for a moment.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1500)']);
    const exited = new Promise((r) => holder.on('exit', r));
    const lock = path.join(dataDir, 'syncline.lock');
    fs.writeFileSync(lock, `${holder.pid}\n`);
    await assert.rejects(openDb({ dataDir }), (err: unknown) => err instanceof DataDirLockedError && err.pid === holder.pid);
    const waited = openDb({ dataDir, lockWaitMs: 20_000 });
    await exited;
    const db = await waited;
    assert.equal(fs.readFileSync(lock, 'utf8').trim(), String(process.pid));
    await db.close();
  });
});
