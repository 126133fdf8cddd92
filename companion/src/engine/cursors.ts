/**
 * Cursor names in the state store. Names ending in `:<userId>` belong to that user and are
 * forgotten by a reset; the others are global to the companion.
 */
export const cursorNames = {
  mailboxContactsDelta: (userId: string) => `graph-delta:contacts:${userId}`,
  salesforceContactsListed: (userId: string) => `sf-listed:contacts:${userId}`,
  contactChangeReplay: 'cdc:/data/ContactChangeEvent',
  /** JSON { scope, cursor }: the delta link and the scope (window, selection, …) it was opened for. */
  mailboxEventsDelta: (userId: string) => `graph-delta:events:${userId}`,
  /** The scope Salesforce was last listed in full for; a different scope lists again. */
  salesforceEventsListed: (userId: string) => `sf-listed:events:${userId}`,
  /** JSON [{ sfId, keyHash }]: Salesforce events held back in "selected events" mode (event-plan.ts). */
  heldEvents: (userId: string) => `held:events:${userId}`,
  /** JSON [{ from, sourceId, hashes }]: event creates whose outcome is unknown (pair-plan.ts, UnsettledCreate). */
  unsettledEventCreates: (userId: string) => `unsettled-creates:events:${userId}`,
  /** JSON [sfId]: linked series whose occurrences are to be visited next pass (engine/event-series-sync.ts). */
  seriesRevisit: (userId: string) => `series-revisit:events:${userId}`,
  eventChangeReplay: 'cdc:/data/EventChangeEvent',
} as const;

export const SALT_META_KEY = 'hash_salt';
