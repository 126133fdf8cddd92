/**
 * Per-field hashes: the state store keeps these instead of contact content, so "did this field
 * change since the last sync?" can be answered without storing names, e-mails or notes.
 */
import { createHmac } from 'node:crypto';
import { CONTACT_FIELDS } from './contact.ts';
import type { ContactField, ContactFields } from './contact.ts';
import { canonicalJson, normaliseContact } from './normalise.ts';

/**
 * Not valid JSON, so no present value can serialise to it: absent and the string "null" or ""
 * stay distinct.
 */
const ABSENT = '\u0000absent';

/** 22 base64url characters = 132 bits: far beyond collision risk for one contact's history. */
const HASH_LENGTH = 22;

/**
 * Keyed with a per-installation salt so a leaked store cannot be matched against a dictionary of
 * names or e-mails. The field name is inside the MAC, so equal values in two fields (a phone
 * used as both business and mobile) do not hash alike.
 */
export function hashContactFields(fields: ContactFields, salt: string): Record<ContactField, string> {
  if (salt.length === 0) {
    // An empty key makes the HMAC a plain, dictionary-attackable hash of personal data.
    throw new TypeError('hashContactFields needs a non-empty salt');
  }
  const normalised = normaliseContact(fields);
  const result = {} as Record<ContactField, string>;
  for (const field of CONTACT_FIELDS) {
    const value = normalised[field];
    const payload = value === undefined ? ABSENT : canonicalJson(value);
    // The NUL separator keeps ("ab", "c…") and ("a", "bc…") from ever producing the same input.
    const digest = createHmac('sha256', salt).update(`${field}\u0000${payload}`, 'utf8').digest('base64url');
    result[field] = digest.slice(0, HASH_LENGTH);
  }
  return result;
}
