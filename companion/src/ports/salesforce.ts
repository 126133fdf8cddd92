import type { ContactFields, MappingWarning } from '../core/contact.ts';
import type { EventFields, MappedEvent } from '../core/event.ts';
import type { EventWindow } from './mailbox-events.ts';
import type { SideItem, WriteResult } from './items.ts';
import type { PublishedUserStatus } from './state.ts';

import type { Direction } from '../core/sync-types.ts';
export type { Direction };

/** A Sync_Configuration__c as the companion applies it to one user. */
export interface SyncConfiguration {
  id: string;
  name: string;
  contacts: {
    enabled: boolean;
    direction: Direction;
    /** Only 'owned' exists today: contacts whose OwnerId is the user. */
    filter: 'owned';
  };
  /** "Don't sync" is enabled false; the other settings are still filled in. */
  events: {
    enabled: boolean;
    direction: Direction;
    /** 'selected': only mailbox events carrying `category` go to Salesforce. */
    selection: 'all' | 'selected';
    /** Outlook category name, trimmed, never empty; compare case-insensitively as Outlook does. */
    category: string;
    series: boolean;
    privateEvents: boolean;
    autoRelate: boolean;
    propagateDeletes: boolean;
    /** Whole days, 0..3650. */
    windowDaysBack: number;
    windowDaysAhead: number;
  };
  /** Decides a field changed on both sides since the last sync, for contacts and events. */
  conflictPolicy: 'salesforce_wins' | 'mailbox_wins' | 'newest_wins';
  /** 0..1: a pass that would delete more than this share of a rep's linked items stops that rep's sync. */
  maxDeleteShare: number;
}

/** An assigned user whose mailbox Syncline keeps in step. */
export interface SyncUser {
  userId: string;
  username: string;
  email: string;
  timeZoneSidKey?: string;
  configuration: SyncConfiguration;
}

export interface SalesforceContact extends SideItem<ContactFields> {
  ownerId: string;
  warnings: MappingWarning[];
}

/** One CDC message, reduced to what the engine needs: ids, never field values. */
export interface RecordChangeEvent {
  replayId: number;
  entity: string;
  changeType: string;
  recordIds: string[];
  changedFields: string[];
  commitUser: string;
  commitTimestamp: number;
  /** OwnerId when the payload carried it (create, or an owner change). */
  ownerId?: string;
  /** changeOrigin carried our own client id: this is the echo of our write. */
  fromUs: boolean;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface ContactUpdate {
  id: string;
  /** Fields to write; a key present with value undefined clears the field. */
  set: Partial<ContactFields>;
}

/** An Event row the user owns, mapped; series records and occurrences included (see MappedEvent.kind). */
export interface SalesforceEvent extends SideItem<MappedEvent> {
  ownerId: string;
  /** Invitee copy of someone else's event (IsChild): never synced on its own. */
  isChild: boolean;
  /** The related contact or lead (WhoId); undefined when not read. */
  whoId?: string | null;
  /** A series record's key (ActivityRecurrence2Id): every occurrence names it as seriesMasterId. */
  seriesKey?: string;
  warnings: MappingWarning[];
}

/**
 * One occurrence row of a Lightning event series, as the per-occurrence sync needs it.
 * Historical rows (IsRecurrence2Exclusion, cut loose from an older pattern) are never returned.
 */
export interface SalesforceOccurrence {
  id: string;
  /** SystemModstamp. */
  version: string;
  modifiedAt?: string;
  /** The row mapped like any event (core/salesforce-event.ts), so its times are canonical. */
  fields: EventFields;
  /** IsRecurrence2Exception: the row was edited on its own, so it may have moved off its slot. */
  isException: boolean;
}

export interface EventUpdate {
  id: string;
  /** Fields to write; a key present with value undefined clears the field. */
  set: Partial<EventFields>;
}

export interface SalesforcePort {
  /** Active configurations resolved per assigned user (own assignment beats profile, then priority). */
  loadSyncUsers(): Promise<SyncUser[]>;
  listOwnedContacts(userId: string): Promise<SalesforceContact[]>;
  /** Existing, non-deleted contacts among ids; missing ids are simply absent. */
  getContacts(ids: string[]): Promise<SalesforceContact[]>;
  createContacts(asUserId: string, items: Array<{ ownerId: string; data: ContactFields }>): Promise<WriteResult[]>;
  updateContacts(asUserId: string, items: ContactUpdate[]): Promise<WriteResult[]>;
  /** A contact already gone counts as deleted (ok): the engine takes any failure as a failure. */
  deleteContacts(asUserId: string, ids: string[]): Promise<WriteResult[]>;
  /**
   * Events the user owns (OwnerId) that overlap the window, invitee copies (IsChild) excluded.
   * userTimeZone is the rep's IANA zone (from User.TimeZoneSidKey), used to map all-day dates.
   */
  listOwnedEvents(userId: string, window: EventWindow, userTimeZone: string): Promise<SalesforceEvent[]>;
  /** Existing, non-deleted events among ids, wherever they sit in time; missing ids are simply absent. */
  getEvents(ids: string[], userTimeZone: string): Promise<SalesforceEvent[]>;
  /**
   * Inserts as the rep. An event Salesforce would refuse (longer than 14 days, end before start,
   * over-long subject, …) is not sent: its result is an error naming the field.
   */
  createEvents(asUserId: string, items: Array<{ ownerId: string; data: EventFields }>, userTimeZone: string): Promise<WriteResult[]>;
  /** Reads each event's current record first (start, end and all-day are written as one unit). */
  updateEvents(asUserId: string, items: EventUpdate[], userTimeZone: string): Promise<WriteResult[]>;
  /** An event already gone counts as deleted (ok): the engine takes any failure as a failure. */
  deleteEvents(asUserId: string, ids: string[]): Promise<WriteResult[]>;
  /**
   * The occurrence rows of each series, by series record id (the id of its GroupEventType '3'
   * row), all of them wherever they sit in time. A series record that is gone is absent from the
   * map; a series with no occurrence left maps to []. Any failure throws: a row that could not be
   * read must never look like a deleted occurrence.
   */
  seriesOccurrences(seriesIds: string[], userTimeZone: string): Promise<Map<string, SalesforceOccurrence[]>>;
  /** Upserts one Sync_User_Status__c per user (ids, states, counts, error codes, field names — no content). */
  publishUserStatus(rows: PublishedUserStatus[]): Promise<WriteResult[]>;
  /**
   * Subscribe to /data/ContactChangeEvent. replayFrom: a stored replay id, or -1 (new only), -2 (all retained).
   * onEvent is awaited before the next event; the caller persists the replay id after it resolves.
   * onReplayRejected is called when the stored replay id is outside retention: the caller must reconcile.
   */
  subscribeContactChanges(
    replayFrom: number,
    onEvent: (event: RecordChangeEvent) => Promise<void>,
    onReplayRejected: () => Promise<void>,
  ): Promise<Subscription>;
  /** The same for /data/EventChangeEvent. */
  subscribeEventChanges(
    replayFrom: number,
    onEvent: (event: RecordChangeEvent) => Promise<void>,
    onReplayRejected: () => Promise<void>,
  ): Promise<Subscription>;
}
