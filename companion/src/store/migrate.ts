/**
 * Applies the numbered plain-SQL files in ./migrations in order, each in its own transaction, and
 * records them in schema_migrations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Any fixed key will do; this one spells "Sync" so it is recognisable in pg_locks. Every process
 * that migrates takes it inside its migration transaction, so when several companions start at once
 * on one PostgreSQL database, one applies each migration and the others wait, then see it applied.
 */
const MIGRATION_LOCK_KEY = 0x53796e63;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const m = FILE_NAME.exec(file);
      if (!m) throw new Error(`migration file ${file} must be named NNNN_name.sql (lower case)`);
      return { version: Number(m[1]), name: file, sql: fs.readFileSync(path.join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    // Gaps or duplicates mean a lost or mis-numbered file; applying around it would be guesswork.
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps; found ${m.name}`);
  });
  return migrations;
}

const CREATE_BOOKKEEPING = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/** Returns the versions this call applied (empty when the schema was already current). */
export async function runMigrations(db: Db, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  const known = migrations.length === 0 ? 0 : Math.max(...migrations.map((m) => m.version));
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await tx.exec(CREATE_BOOKKEEPING);
      const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      const newest = rows.length === 0 ? 0 : Number(rows[rows.length - 1]!.version);
      if (newest > known) {
        // A newer companion has migrated this database; running older code on it could corrupt it.
        throw new Error(`database schema is at version ${newest}, newer than this Syncline (${known}); upgrade Syncline`);
      }
      if (rows.some((r) => Number(r.version) === migration.version)) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
