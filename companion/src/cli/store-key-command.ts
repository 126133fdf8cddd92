import path from 'node:path';
import type crypto from 'node:crypto';
import { ConfigError, loadConfig, readSecret } from '../config/load.ts';
import { SALT_META_KEY } from '../engine/cursors.ts';
import { DataDirLockedError, openDb } from '../store/db.ts';
import { deriveStoreKey, isSealed, openSealedSalt, sealSalt, StoreKeyError } from '../store/sealed-salt.ts';
import { createStateStore } from '../store/state-store.ts';
import { UsageError } from './usage-error.ts';

/**
 * `syncline store-key`: seals the store's hash key under a new storeKey (a rotation, or sealing a
 * store that was never sealed). The hash key itself never changes — every stored hash depends on
 * it — only the key it is sealed with. The config's current storeKey opens it; afterwards only the
 * new one does, so the config must name the new key before the companion next starts. A running
 * companion keeps working (it read the hash key at start); the embedded store is locked by it, so
 * there it must be stopped first.
 */
export async function runStoreKey(configPath: string, opts: { newKeyFile?: string; newKeyEnv?: string }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if ((opts.newKeyFile === undefined) === (opts.newKeyEnv === undefined)) throw new UsageError('store-key needs exactly one of --new-key-file PATH or --new-key-env VAR');
  const config = loadConfig(configPath);
  let current: crypto.KeyObject | undefined;
  let next: crypto.KeyObject;
  try {
    if (config.storeKey) current = deriveStoreKey(readSecret(config.storeKey, 'storeKey', config.configDir, env));
    const ref = opts.newKeyFile !== undefined ? { file: path.resolve(opts.newKeyFile) } : { env: opts.newKeyEnv! };
    next = deriveStoreKey(readSecret(ref, 'new storeKey', process.cwd(), env));
  } catch (err) {
    throw err instanceof StoreKeyError ? new ConfigError(err.message) : err;
  }

  let db;
  try {
    db = await openDb({ dataDir: config.databaseUrl ? undefined : config.dataDir, databaseUrl: config.databaseUrl });
  } catch (err) {
    if (!(err instanceof DataDirLockedError)) throw err;
    process.stderr.write(`syncline: the companion (process ${err.pid}) holds ${config.dataDir}; stop it, change the key, set the new storeKey in the config, then start it again.\n`);
    return 1;
  }
  const store = createStateStore(db);
  try {
    await store.migrate();
    const stored = await store.getMeta(SALT_META_KEY);
    if (!stored) {
      process.stderr.write('syncline: the store holds no hash key yet; set "storeKey" in the config and the companion seals the key it creates on first start.\n');
      return 1;
    }
    let salt: string;
    if (isSealed(stored)) {
      if (!current) throw new ConfigError('storeKey: the hash key in the store is sealed, and the config names no storeKey to open it with');
      try {
        salt = openSealedSalt(stored, current);
      } catch (err) {
        throw err instanceof StoreKeyError ? new ConfigError(err.message) : err;
      }
    } else {
      salt = stored;
    }
    await store.setMeta(SALT_META_KEY, sealSalt(salt, next));
    process.stdout.write(`hash key sealed with the new storeKey: set "storeKey" in ${configPath} to it before the companion next starts (the old key no longer opens the store)\n`);
    return 0;
  } finally {
    await store.close();
  }
}
