/**
 * `syncline store-key` (companion/src/cli/store-key-command.ts): the store's hash key sealed under
 * a new storeKey, the same hash key afterwards, and every refusal named.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runStoreKey } from '../../companion/src/cli/store-key-command.ts';
import { UsageError } from '../../companion/src/cli/usage-error.ts';
import { ConfigError } from '../../companion/src/config/load.ts';
import { SALT_META_KEY } from '../../companion/src/engine/cursors.ts';
import { openDb } from '../../companion/src/store/db.ts';
import { deriveStoreKey, isSealed, loadSalt, openSealedSalt } from '../../companion/src/store/sealed-salt.ts';
import { createStateStore } from '../../companion/src/store/state-store.ts';

const OLD = crypto.randomBytes(32).toString('base64url');
const NEW = crypto.randomBytes(32).toString('base64url');
const env = { OLD_KEY: OLD, NEW_KEY: NEW, SHORT_KEY: 'short' };
const quiet = () => undefined;

/** A config file in a new directory, with the store's hash key created (sealed with OLD unless `sealed` is false). */
async function setup(sealed: boolean): Promise<{ dir: string; configPath: string; salt: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-store-key-'));
  const configPath = path.join(dir, 'syncline.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      dataDir: './data',
      ...(sealed ? { storeKey: { env: 'OLD_KEY' } } : {}),
      salesforce: { instanceUrl: 'http://127.0.0.1:9', loginUrl: 'http://127.0.0.1:9', clientId: 'cid', integrationUsername: 'sync@x.example', privateKey: { file: 'jwt.key' } },
      microsoft: { tenantId: 't', clientId: 'c', clientSecret: { env: 'GRAPH_SECRET' } },
    }),
  );
  const store = createStateStore(await openDb({ dataDir: path.join(dir, 'data') }));
  await store.migrate();
  const salt = await loadSalt(store, sealed ? deriveStoreKey(OLD) : undefined, quiet);
  await store.close();
  return { dir, configPath, salt };
}

async function storedSalt(dir: string): Promise<string> {
  const store = createStateStore(await openDb({ dataDir: path.join(dir, 'data'), lockWaitMs: 1000 }));
  try {
    return (await store.getMeta(SALT_META_KEY))!;
  } finally {
    await store.close();
  }
}

test('a sealed store is sealed again under the new key, holding the same hash key', { timeout: 60_000 }, async () => {
  const { dir, configPath, salt } = await setup(true);
  try {
    assert.equal(await runStoreKey(configPath, { newKeyEnv: 'NEW_KEY' }, env), 0);
    const sealed = await storedSalt(dir);
    assert.ok(isSealed(sealed));
    assert.equal(openSealedSalt(sealed, deriveStoreKey(NEW)), salt, 'every stored hash still holds');
    assert.throws(() => openSealedSalt(sealed, deriveStoreKey(OLD)), /does not open/);
    // The config still names the old key, which no longer opens the store.
    await assert.rejects(runStoreKey(configPath, { newKeyEnv: 'NEW_KEY' }, env), (err: unknown) => err instanceof ConfigError && /does not open/.test(err.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a store never sealed is sealed, from a key file', { timeout: 60_000 }, async () => {
  const { dir, configPath, salt } = await setup(false);
  try {
    const keyFile = path.join(dir, 'new-key');
    fs.writeFileSync(keyFile, `${NEW}\n`, { mode: 0o600 });
    assert.equal(await runStoreKey(configPath, { newKeyFile: keyFile }, env), 0);
    assert.equal(openSealedSalt(await storedSalt(dir), deriveStoreKey(NEW)), salt);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('refusals: no or two new keys, a short one, and a running companion holding the store', { timeout: 60_000 }, async () => {
  const { dir, configPath } = await setup(true);
  try {
    await assert.rejects(runStoreKey(configPath, {}, env), UsageError);
    await assert.rejects(runStoreKey(configPath, { newKeyEnv: 'NEW_KEY', newKeyFile: 'x' }, env), UsageError);
    await assert.rejects(runStoreKey(configPath, { newKeyEnv: 'SHORT_KEY' }, env), (err: unknown) => err instanceof ConfigError && /^storeKey: must be at least 32/.test(err.message));
    // Another live process (here our parent) holds the embedded store, as a running companion does.
    const lock = path.join(dir, 'data', 'syncline.lock');
    fs.writeFileSync(lock, `${process.ppid}\n`);
    try {
      assert.equal(await runStoreKey(configPath, { newKeyEnv: 'NEW_KEY' }, env), 1);
    } finally {
      fs.rmSync(lock);
    }
    assert.ok(openSealedSalt(await storedSalt(dir), deriveStoreKey(OLD)), 'nothing changed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
