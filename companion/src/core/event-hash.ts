/**
 * Per-field event hashes for the state store, as hash.ts does for contacts: "did this field
 * change since the last sync?" is answered without storing subjects, bodies or attendee lists.
 */
import { createHmac } from 'node:crypto';
import { EVENT_FIELDS } from './event.ts';
import type { EventField, EventFields } from './event.ts';
import { comparableValue, normaliseEvent } from './event-normalise.ts';
import { canonicalJson } from './normalise.ts';

/** Not valid JSON, so no present value can serialise to it. */
const ABSENT = '\u0000absent';

/** 22 base64url characters = 132 bits, as for contacts. */
const HASH_LENGTH = 22;

/**
 * Keyed with the per-installation salt so a leaked store cannot be matched against a dictionary
 * of subjects or addresses. The field name is inside the MAC, so equal values in two fields (a
 * start equal to an end) do not hash alike, and the 'event' domain keeps an event field from
 * ever hashing like a contact field of the same name.
 */
export function hashEventFields(fields: EventFields, salt: string): Record<EventField, string> {
  if (salt.length === 0) {
    // An empty key makes the HMAC a plain, dictionary-attackable hash of personal data.
    throw new TypeError('hashEventFields needs a non-empty salt');
  }
  const normalised = normaliseEvent(fields);
  const result = {} as Record<EventField, string>;
  for (const field of EVENT_FIELDS) {
    const value = comparableValue(field, normalised);
    const payload = value === undefined ? ABSENT : canonicalJson(value);
    const digest = createHmac('sha256', salt).update(`event\u0000${field}\u0000${payload}`, 'utf8').digest('base64url');
    result[field] = digest.slice(0, HASH_LENGTH);
  }
  return result;
}

/**
 * A series slot (its pattern start) as the store keeps it: an HMAC, so the store never holds
 * when an occurrence falls. The 'slot' domain keeps it apart from every field hash.
 */
export function slotKeyHash(slot: string, salt: string): string {
  if (salt.length === 0) throw new TypeError('slotKeyHash needs a non-empty salt');
  return createHmac('sha256', salt).update(`slot\u0000${slot}`, 'utf8').digest('base64url').slice(0, HASH_LENGTH);
}
