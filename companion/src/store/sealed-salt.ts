/**
 * The hash key ("salt") of the per-field HMACs, sealed at rest with the admin's `storeKey`.
 *
 * The salt itself never changes once created: every stored hash depends on it. What changes is
 * only how it is kept in the store's meta table:
 *
 *   plain   the salt as is (stores created before storeKey, or run without one)
 *   sealed  `v1:<iv>:<tag>:<ciphertext>`, each part base64url: AES-256-GCM with a random 12-byte IV
 *           and a fixed associated-data label, under a key derived from storeKey by HKDF-SHA256
 *
 * A plain salt never contains ":" (it is base64url), so the two forms can't be confused.
 */
import crypto from 'node:crypto';
import { SALT_META_KEY } from '../engine/cursors.ts';
import type { Log } from '../ports/log.ts';
import type { StateStore } from '../ports/state.ts';

/** storeKey must have at least this many characters (after trimming surrounding white space). */
export const STORE_KEY_MIN_LENGTH = 32;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed HKDF labels: the same storeKey always gives the same AES key, and a key for nothing else. */
const HKDF_SALT = 'syncline/store-key';
const HKDF_INFO = 'syncline/hash-salt/aes-256-gcm/v1';
/** Associated data: a sealed value only opens as the hash salt, in this format version. */
const AAD = Buffer.from(`syncline/${SALT_META_KEY}/${VERSION}`, 'utf8');
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SEALED_PREFIX = /^v\d+:/;

/** A problem with storeKey or with the sealed salt; the message starts with "storeKey:" and never holds a key. */
export class StoreKeyError extends Error {
  constructor(message: string) {
    super(`storeKey: ${message}`);
    this.name = 'StoreKeyError';
  }
}

/** The AES-256 key for sealing, derived from the admin's storeKey secret (any string of at least 32 characters). */
export function deriveStoreKey(secret: string): crypto.KeyObject {
  const text = secret.trim();
  if ([...text].length < STORE_KEY_MIN_LENGTH) {
    throw new StoreKeyError(`must be at least ${STORE_KEY_MIN_LENGTH} characters (a random string, e.g. from "openssl rand -base64 32")`);
  }
  const bytes = crypto.hkdfSync('sha256', Buffer.from(text, 'utf8'), HKDF_SALT, HKDF_INFO, 32);
  return crypto.createSecretKey(Buffer.from(bytes));
}

/** Whether a stored value is in the sealed form (of any version), as opposed to a plain salt. */
export function isSealed(stored: string): boolean {
  return SEALED_PREFIX.test(stored);
}

export function sealSalt(salt: string, key: crypto.KeyObject): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const ciphertext = Buffer.concat([cipher.update(salt, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
}

/** Opens a sealed salt; a wrong key, an altered value or an unknown format is a StoreKeyError. */
export function openSealedSalt(sealed: string, key: crypto.KeyObject): string {
  const parts = sealed.split(':');
  if (parts[0] !== VERSION) {
    throw new StoreKeyError(`the hash key in the store is sealed in a format this version does not read (${parts[0] ?? '?'}, expected ${VERSION})`);
  }
  const malformed = () => new StoreKeyError('the sealed hash key in the store is malformed (was it altered?)');
  if (parts.length !== 4 || !parts.slice(1).every((p) => BASE64URL.test(p))) throw malformed();
  const iv = Buffer.from(parts[1]!, 'base64url');
  const tag = Buffer.from(parts[2]!, 'base64url');
  const ciphertext = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw malformed();
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(AAD);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new StoreKeyError('does not open the hash key sealed in the store (a different key, or the stored value was altered); give the storeKey the store was sealed with');
  }
}

const UNSEALED_WARNING =
  'the hash key of the stored field hashes is kept unencrypted in the state store: set "storeKey" in the config ({ "file": path } or { "env": VAR }, at least 32 random characters) to seal it';

/**
 * The salt of this store, created on first use. With a key, a plain salt is sealed in place (same
 * value); without one, a sealed salt is an error and a plain one a warning. Never replaces an
 * existing salt, and never logs the salt or the key.
 */
export async function loadSalt(store: Pick<StateStore, 'getMeta' | 'setMeta'>, key: crypto.KeyObject | undefined, log: Log): Promise<string> {
  const stored = await store.getMeta(SALT_META_KEY);
  if (stored) {
    if (isSealed(stored)) {
      if (!key) throw new StoreKeyError('the hash key in the store is sealed: give the storeKey it was sealed with');
      return openSealedSalt(stored, key);
    }
    if (key) {
      await store.setMeta(SALT_META_KEY, sealSalt(stored, key));
      log('info', 'hash key sealed in the state store with storeKey');
    } else {
      log('warn', UNSEALED_WARNING);
    }
    return stored;
  }
  const salt = crypto.randomBytes(32).toString('base64url');
  if (key) {
    await store.setMeta(SALT_META_KEY, sealSalt(salt, key));
  } else {
    await store.setMeta(SALT_META_KEY, salt);
    log('warn', UNSEALED_WARNING);
  }
  return salt;
}
