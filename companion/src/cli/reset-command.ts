import { loadConfig } from '../config/load.ts';
import { DataDirLockedError, openDb } from '../store/db.ts';
import { createStateStore } from '../store/state-store.ts';
import { askCompanion, type ResetAnswer } from './status-server.ts';
import { UsageError } from './usage-error.ts';

/**
 * Forgets one user's links and cursors (like Lightning Sync's Reset Sync): record data on both
 * sides is untouched, and the next pass pairs everything again by e-mail and name, creating no
 * duplicates. The way to resume a rep the safety valve stopped, once the cause is understood.
 */
export async function runReset(configPath: string, user: string | undefined): Promise<number> {
  if (!user) throw new UsageError('reset needs --user ID_OR_EMAIL');
  const config = loadConfig(configPath);
  const viaCompanion = config.databaseUrl ? undefined : await askCompanion<ResetAnswer>(config.dataDir, { command: 'reset', user });
  if (viaCompanion) {
    if ('error' in viaCompanion) {
      process.stderr.write(`syncline: ${viaCompanion.error}\n`);
      return 1;
    }
    process.stdout.write(`reset ${viaCompanion.reset.email ?? viaCompanion.reset.userId}: links and cursors forgotten; re-pairing now\n`);
    return 0;
  }
  // No companion answered: reset in the store directly. Only ids are known there.
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(user)) {
    throw new UsageError('with the companion stopped, give the Salesforce user id (e-mails are known only to a running companion)');
  }
  let db;
  try {
    db = await openDb({ dataDir: config.databaseUrl ? undefined : config.dataDir, databaseUrl: config.databaseUrl });
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    process.stderr.write(`syncline: the companion (process ${err.pid}) holds ${config.dataDir} but did not answer; it may be starting. Try again in a few seconds.\n`);
    return 1;
  }
  const store = createStateStore(db);
  try {
    await store.migrate();
    const known = (await store.listUserStatus()).find((s) => s.userId === user || s.userId.slice(0, 15) === user.slice(0, 15));
    if (!known) {
      process.stderr.write(`syncline: no sync state for user ${user}\n`);
      return 1;
    }
    await store.resetUser(known.userId);
    process.stdout.write(`reset ${known.userId}: links and cursors forgotten; the next start re-pairs without duplicates\n`);
    return 0;
  } finally {
    await store.close();
  }
}
