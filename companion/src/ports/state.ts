/**
 * What the companion keeps between runs. Ids, versions, hashes, cursors and counts only:
 * never a name, an address, a subject or any other content.
 */
import type { ContactLink, EventLink } from '../core/sync-types.ts';
export type { ContactLink, EventLink };

export type ItemKind = 'contact' | 'event';

export interface ItemErrorRow {
  userId: string;
  /** Which sync the row belongs to; absent means contact. Each pass replaces only its own kind. */
  kind?: ItemKind;
  side: 'salesforce' | 'mailbox';
  itemId: string;
  code: string;
  /** Names the item by id and the field by name; never contains field values. */
  message: string;
  fields: string[];
  at: string;
}

export interface UserStatusRow {
  userId: string;
  state: 'initial_sync' | 'syncing' | 'idle' | 'error' | 'stopped';
  lastSyncToMailbox?: string;
  lastSyncToSalesforce?: string;
  contactsLinked: number;
  contactsFailed: number;
  /** Absent until the user's first events pass. */
  eventsLinked?: number;
  eventsFailed?: number;
  lastErrorCode?: string;
  lastError?: string;
  updatedAt: string;
}

/**
 * A status row as Sync_User_Status__c shows it: the stored row, and what the rep has to look at,
 * counted from the item rows when it is published (never stored twice).
 */
export interface PublishedUserStatus extends UserStatusRow {
  /** Items left for the rep to settle ('unresolved' rows), contacts and events. */
  unresolvedItems: number;
  /** Item fields settled by the conflict policy in the last seven days. */
  conflictsDecided: number;
  /** The newest of those: kind, id, field names and time; never a value. */
  lastConflict?: string;
}

export interface StateStore {
  migrate(): Promise<void>;
  close(): Promise<void>;
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;

  contactLinks(userId: string): Promise<ContactLink[]>;
  contactLinksBySfIds(sfIds: string[]): Promise<ContactLink[]>;
  /** One transaction: first remove the listed links, then upsert by (userId, sfId) — a re-created item replaces its old link. */
  saveContactLinks(upserts: ContactLink[], removals: Array<{ userId: string; sfId: string }>): Promise<void>;

  /** The same three, for events: a separate set of links (an event id and a contact id never share a table row). */
  eventLinks(userId: string): Promise<EventLink[]>;
  eventLinksBySfIds(sfIds: string[]): Promise<EventLink[]>;
  /** Removing an event link also drops its series slots (below). */
  saveEventLinks(upserts: EventLink[], removals: Array<{ userId: string; sfId: string }>): Promise<void>;
  /**
   * The per-occurrence state of linked event series (see SeriesSlotsRow), for the given series
   * record ids; ids without a row are absent.
   */
  seriesSlots(userId: string, sfIds: string[]): Promise<SeriesSlotsRow[]>;
  /** Replaces each series' row; a row with no slots deletes it. */
  saveSeriesSlots(userId: string, rows: SeriesSlotsRow[]): Promise<void>;

  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string | undefined): Promise<void>;

  /** Salesforce record ids a CDC event named for this user, waiting for the user's next sync. */
  addPendingSalesforceIds(userId: string, ids: string[]): Promise<void>;
  pendingSalesforceIds(userId: string): Promise<string[]>;
  clearPendingSalesforceIds(userId: string, ids: string[]): Promise<void>;
  /** The same, for Event ids named by EventChangeEvent: kept apart so a contact pass never clears them. */
  addPendingEventIds(userId: string, ids: string[]): Promise<void>;
  pendingEventIds(userId: string): Promise<string[]>;
  clearPendingEventIds(userId: string, ids: string[]): Promise<void>;

  /** Replaces the user's current item errors of one kind (default 'contact') with these. */
  setItemErrors(userId: string, errors: ItemErrorRow[], kind?: ItemKind): Promise<void>;
  /** Item errors of one kind, or of every kind when kind is absent; rows carry their kind. */
  itemErrors(userId?: string, kind?: ItemKind): Promise<ItemErrorRow[]>;

  getUserStatus(userId: string): Promise<UserStatusRow | undefined>;
  listUserStatus(): Promise<UserStatusRow[]>;
  saveUserStatus(row: UserStatusRow): Promise<void>;

  /** Forget everything about a user (reset): contact and event links, series slots, cursors named for them, pending ids of both kinds, errors, status. */
  resetUser(userId: string): Promise<void>;
}

/**
 * What both sides of a linked series last agreed on, slot by slot: slot HMAC → field → HMAC.
 * It belongs to the pair (sfId, mbId); a row whose mbId is no longer the link's does not apply.
 */
export interface SeriesSlotsRow {
  sfId: string;
  mbId: string;
  slots: Record<string, Record<string, string>>;
}

export interface JobQueue {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Coalescing: at most one waiting job per user; a burst of changes becomes one sync. */
  enqueueMailboxSync(userId: string): Promise<void>;
  /** Runs handler for each job; one user's jobs never run at the same time. */
  work(handler: (userId: string) => Promise<void>): Promise<void>;
}
