/**
 * Cursor names in the state store. Names ending in `:<userId>` belong to that user and are
 * forgotten by a reset; the others are global to the companion.
 */
export const cursorNames = {
  mailboxContactsDelta: (userId: string) => `graph-delta:contacts:${userId}`,
  salesforceContactsListed: (userId: string) => `sf-listed:contacts:${userId}`,
  contactChangeReplay: 'cdc:/data/ContactChangeEvent',
} as const;

export const SALT_META_KEY = 'hash_salt';
