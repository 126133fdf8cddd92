/**
 * The hash salt sealed at rest with storeKey (companion/src/store/sealed-salt.ts): the AES-256-GCM
 * envelope, every case of loadSalt, and startApp turning storeKey problems into configuration
 * errors that leave the data directory free.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { deriveStoreKey, isSealed, loadSalt, openSealedSalt, sealSalt, StoreKeyError, STORE_KEY_MIN_LENGTH } from '../../companion/src/store/sealed-salt.ts';
import { SALT_META_KEY } from '../../companion/src/engine/cursors.ts';
import type { Log, LogLevel } from '../../companion/src/ports/log.ts';
import { ConfigError, parseConfig } from '../../companion/src/config/load.ts';
import { startApp } from '../../companion/src/app.ts';
import { openDb } from '../../companion/src/store/db.ts';
import { createStateStore } from '../../companion/src/store/state-store.ts';
import { createMemoryStore } from '../support/memory-store.ts';

const SECRET_A = 'a'.repeat(8) + crypto.randomBytes(32).toString('base64url');
const SECRET_B = 'b'.repeat(8) + crypto.randomBytes(32).toString('base64url');
const keyA = deriveStoreKey(SECRET_A);
const keyB = deriveStoreKey(SECRET_B);
const SALT = crypto.randomBytes(32).toString('base64url');

interface Entry {
  level: LogLevel;
  message: string;
  data?: Record<string, unknown>;
}

function recorder(): { log: Log; entries: Entry[] } {
  const entries: Entry[] = [];
  return { entries, log: (level, message, data) => entries.push(data ? { level, message, data } : { level, message }) };
}

/** Flips one bit of one base64url part of a sealed value. */
function tamper(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

const isStoreKeyError = (pattern: RegExp) => (err: unknown) => err instanceof StoreKeyError && /^storeKey: /.test(err.message) && pattern.test(err.message);

describe('sealing the salt', () => {
  it('round-trips, in the versioned base64url format, with a fresh IV each time', () => {
    const one = sealSalt(SALT, keyA);
    const two = sealSalt(SALT, keyA);
    assert.match(one, /^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    assert.notEqual(one, two);
    assert.ok(!one.includes(SALT));
    assert.ok(isSealed(one));
    assert.ok(!isSealed(SALT));
    assert.equal(openSealedSalt(one, keyA), SALT);
    assert.equal(openSealedSalt(two, keyA), SALT);
  });

  it('derives the same key from the same secret, whether read from a file (trimmed) or the environment', () => {
    assert.equal(openSealedSalt(sealSalt(SALT, keyA), deriveStoreKey(`  ${SECRET_A}\n`)), SALT);
  });

  it('refuses a storeKey shorter than 32 characters, without echoing it', () => {
    const short = 'x'.repeat(STORE_KEY_MIN_LENGTH - 1);
    assert.throws(() => deriveStoreKey(short), (err: unknown) => isStoreKeyError(/at least 32 characters/)(err) && !(err as Error).message.includes(short));
    assert.throws(() => deriveStoreKey(` ${short}\n`), StoreKeyError);
    assert.doesNotThrow(() => deriveStoreKey('x'.repeat(STORE_KEY_MIN_LENGTH)));
  });

  it('detects a wrong key', () => {
    assert.throws(() => openSealedSalt(sealSalt(SALT, keyA), keyB), isStoreKeyError(/does not open the hash key/));
  });

  it('detects tampering with the IV, the tag or the ciphertext', () => {
    const sealed = sealSalt(SALT, keyA);
    for (const part of [1, 2, 3] as const) {
      assert.throws(() => openSealedSalt(tamper(sealed, part), keyA), isStoreKeyError(/does not open the hash key/), `part ${part}`);
    }
  });

  it('refuses malformed values and unknown versions', () => {
    const [, iv, tag, ct] = sealSalt(SALT, keyA).split(':');
    for (const bad of [`v1:${iv}:${tag}`, `v1:${iv}:${tag}:${ct}:x`, `v1:${iv}:${tag}:`, `v1:${iv}:${tag}:${ct}=`, `v1:${iv}AA:${tag}:${ct}`, `v1:${iv}:${tag}AA:${ct}`]) {
      assert.throws(() => openSealedSalt(bad, keyA), isStoreKeyError(/malformed/), bad);
    }
    assert.throws(() => openSealedSalt(`v2:${iv}:${tag}:${ct}`, keyA), isStoreKeyError(/format this version does not read \(v2/));
  });
});

describe('loadSalt', () => {
  /** Nothing logged may hold the salt or the storeKey secret. */
  const assertQuiet = (entries: Entry[], salt: string) => {
    const text = JSON.stringify(entries);
    for (const secret of [salt, SECRET_A, SECRET_B]) assert.ok(!text.includes(secret), 'a secret was logged');
  };

  it('nothing stored, with a key: creates a random salt and stores it sealed, without a warning', async () => {
    const store = createMemoryStore();
    const { log, entries } = recorder();
    const salt = await loadSalt(store, keyA, log);
    assert.match(salt, /^[A-Za-z0-9_-]{43}$/);
    const stored = (await store.getMeta(SALT_META_KEY))!;
    assert.ok(isSealed(stored));
    assert.equal(openSealedSalt(stored, keyA), salt);
    assert.deepEqual(entries, []);
    assert.equal(await loadSalt(store, keyA, log), salt);
    assert.deepEqual(entries, []);
  });

  it('nothing stored, without a key: creates a random salt, stores it plain, and warns naming storeKey', async () => {
    const store = createMemoryStore();
    const { log, entries } = recorder();
    const salt = await loadSalt(store, undefined, log);
    assert.equal(await store.getMeta(SALT_META_KEY), salt);
    assert.deepEqual(entries.map((e) => e.level), ['warn']);
    assert.match(entries[0]!.message, /unencrypted.*"storeKey"/);
    assertQuiet(entries, salt);
    const other = await loadSalt(createMemoryStore(), undefined, log);
    assert.notEqual(other, salt);
  });

  it('plain stored, with a key: seals it in place with the same value and says so once', async () => {
    const store = createMemoryStore();
    await store.setMeta(SALT_META_KEY, SALT);
    const { log, entries } = recorder();
    assert.equal(await loadSalt(store, keyA, log), SALT);
    const stored = (await store.getMeta(SALT_META_KEY))!;
    assert.ok(isSealed(stored));
    assert.equal(openSealedSalt(stored, keyA), SALT);
    assert.deepEqual(entries.map((e) => [e.level, e.message]), [['info', 'hash key sealed in the state store with storeKey']]);
    // The next start finds it sealed: same salt, nothing more to say.
    assert.equal(await loadSalt(store, keyA, log), SALT);
    assert.equal(await store.getMeta(SALT_META_KEY), stored);
    assert.equal(entries.length, 1);
    assertQuiet(entries, SALT);
  });

  it('plain stored, without a key: keeps working on the same value, plain, with a warning', async () => {
    const store = createMemoryStore();
    await store.setMeta(SALT_META_KEY, SALT);
    const { log, entries } = recorder();
    assert.equal(await loadSalt(store, undefined, log), SALT);
    assert.equal(await store.getMeta(SALT_META_KEY), SALT);
    assert.deepEqual(entries.map((e) => e.level), ['warn']);
    assert.match(entries[0]!.message, /storeKey/);
    assertQuiet(entries, SALT);
  });

  it('sealed stored, with the key: opens it', async () => {
    const store = createMemoryStore();
    const sealed = sealSalt(SALT, keyA);
    await store.setMeta(SALT_META_KEY, sealed);
    const { log, entries } = recorder();
    assert.equal(await loadSalt(store, keyA, log), SALT);
    assert.equal(await store.getMeta(SALT_META_KEY), sealed);
    assert.deepEqual(entries, []);
  });

  it('sealed stored, without a key: refuses, naming storeKey, and leaves the store alone', async () => {
    const store = createMemoryStore();
    const sealed = sealSalt(SALT, keyA);
    await store.setMeta(SALT_META_KEY, sealed);
    await assert.rejects(loadSalt(store, undefined, recorder().log), isStoreKeyError(/sealed: give the storeKey/));
    assert.equal(await store.getMeta(SALT_META_KEY), sealed);
  });

  it('sealed stored, with a wrong key: refuses and never makes a new salt', async () => {
    const store = createMemoryStore();
    const sealed = sealSalt(SALT, keyA);
    await store.setMeta(SALT_META_KEY, sealed);
    await assert.rejects(loadSalt(store, keyB, recorder().log), isStoreKeyError(/does not open the hash key/));
    assert.equal(await store.getMeta(SALT_META_KEY), sealed);
  });
});

describe('startApp and storeKey', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-sealed-'));
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(path.join(dir, 'jwt.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'store-key'), `${SECRET_A}\n`, { mode: 0o600 });
  const env = { GRAPH_SECRET: 's3cret', STORE_KEY_B: SECRET_B, STORE_KEY_SHORT: 'too-short' };
  const config = (storeKey: Record<string, string> | undefined) =>
    parseConfig(
      {
        dataDir: './data',
        ...(storeKey ? { storeKey } : {}),
        // Nothing listens here: every case below must stop before the first call.
        salesforce: { instanceUrl: 'http://127.0.0.1:9', loginUrl: 'http://127.0.0.1:9', clientId: 'cid', integrationUsername: 'sync@x.example', privateKey: { file: 'jwt.key' } },
        microsoft: { tenantId: 't', clientId: 'c', clientSecret: { env: 'GRAPH_SECRET' } },
      },
      dir,
    );
  const start = (storeKey: Record<string, string> | undefined) => startApp({ config: config(storeKey), log: recorder().log, env });

  it('a short storeKey, a wrong one, or none for a sealed store are configuration errors naming storeKey, and free the data directory', { timeout: 60_000 }, async () => {
    try {
      await assert.rejects(start({ env: 'STORE_KEY_SHORT' }), (err: unknown) => err instanceof ConfigError && /^storeKey: must be at least 32/.test(err.message));
      await assert.rejects(start({ env: 'STORE_KEY_MISSING' }), (err: unknown) => err instanceof ConfigError && /^storeKey: environment variable STORE_KEY_MISSING/.test(err.message));

      const db = await openDb({ dataDir: path.join(dir, 'data') });
      const store = createStateStore(db);
      await store.migrate();
      await loadSalt(store, deriveStoreKey(SECRET_A), recorder().log);
      await store.close();

      await assert.rejects(start({ env: 'STORE_KEY_B' }), (err: unknown) => err instanceof ConfigError && /^storeKey: does not open/.test(err.message));
      await assert.rejects(start(undefined), (err: unknown) => err instanceof ConfigError && /^storeKey: .*sealed: give the storeKey/.test(err.message));

      // The failed starts released the data directory, and the right key still opens the salt.
      const again = createStateStore(await openDb({ dataDir: path.join(dir, 'data'), lockWaitMs: 1000 }));
      const sealed = (await again.getMeta(SALT_META_KEY))!;
      assert.ok(isSealed(sealed));
      assert.match(openSealedSalt(sealed, deriveStoreKey(fs.readFileSync(path.join(dir, 'store-key'), 'utf8'))), /^[A-Za-z0-9_-]{43}$/);
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
