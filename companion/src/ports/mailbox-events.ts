import type { MappingWarning } from '../core/contact.ts';
import type { EventFields, EventKind, MappedEvent } from '../core/event.ts';
import type { SideChange, SideItem, WriteResult } from './items.ts';

/** The span of the calendar a rep's events are synced over; both ends UTC instants ('…Z'). */
export interface EventWindow {
  start: string;
  end: string;
}

/** How a mailbox's events are read and written; the same shape as core's GraphEventOptions. */
export interface MailboxEventOptions {
  /** Outlook category that marks an event for sync in 'selected' mode (default 'Salesforce'). */
  category: string;
  selection: 'all' | 'selected';
  /** The rep's IANA zone, used when the mailbox gives none. */
  defaultTimeZone: string;
}

export interface MailboxEventDelta {
  /**
   * Upserts carry full events: occurrences are resolved through their series master (fields of
   * the master, the occurrence's own start and end), and each master of a series seen in the
   * round is listed too, as kind 'seriesMaster'. Deletes cover removed items, cancelled
   * occurrences and the occurrences of a master that is gone.
   */
  changes: SideChange<MappedEvent>[];
  /** Cursor to store once the changes are applied (Graph deltaLink). */
  cursor: string;
  /** Per-item mapping warnings, by mailbox item id. */
  warnings: Record<string, MappingWarning[]>;
}

export interface MailboxEventCreate {
  fields: EventFields;
  /**
   * Client-chosen id of this create, stable across retries (e.g. derived from the Salesforce id):
   * the mailbox drops a second create with the same id and answers with the first event.
   */
  transactionId: string;
}

export interface MailboxEventUpdate {
  id: string;
  /** Version we last saw; sent as If-Match, so a later edit in the mailbox makes this a conflict. */
  version?: string;
  set: Partial<EventFields>;
}

/** One instance of a mailbox series (Graph /instances): an occurrence or an exception. */
export interface MailboxSeriesInstance {
  id: string;
  kind: EventKind;
  /** Mapped like any event (core/graph-event.ts); the full instance, inherited values included. */
  fields: EventFields;
  /** The slot the instance fills: the start the pattern gave it (UTC instant, or date when all-day). */
  originalStart?: string;
  modifiedAt?: string;
  version: string;
}

export interface MailboxEventsPort {
  /**
   * cursor null: a full listing of `window` (initial round of delta), all upserts. Later rounds
   * follow the cursor, which remembers the window. Throws CursorExpiredError (ports/mailbox.ts)
   * when the cursor can no longer be resumed.
   */
  eventChanges(mailbox: string, window: EventWindow, cursor: string | null, opts: MailboxEventOptions): Promise<MailboxEventDelta>;
  /**
   * The listed events as they are now, wherever they sit in the calendar (inside the window or
   * not). Ids that no longer exist are simply absent; any other failure throws, so a missing
   * event always means "deleted". Used to tell a real delete from an event that left the window.
   */
  getEvents(mailbox: string, ids: string[], opts: MailboxEventOptions): Promise<SideItem<MappedEvent>[]>;
  createEvents(mailbox: string, items: MailboxEventCreate[], opts: MailboxEventOptions): Promise<WriteResult[]>;
  updateEvents(mailbox: string, items: MailboxEventUpdate[], opts: MailboxEventOptions): Promise<WriteResult[]>;
  /** An event already gone counts as deleted (ok): the engine takes any failure as a failure. */
  deleteEvents(mailbox: string, ids: string[]): Promise<WriteResult[]>;
  /**
   * The instances of a series master whose time overlaps `window` (every page), cancelled ones
   * left out as Graph leaves them out. null: the master is gone (404 ErrorItemNotFound). Any other
   * failure throws: an instance that could not be read must never look like a cancelled one.
   * Updates and deletes of single instances go through updateEvents / deleteEvents with the
   * instance id (a PATCH makes an occurrence an exception; a DELETE cancels it).
   */
  seriesInstances(mailbox: string, masterId: string, window: EventWindow, opts: MailboxEventOptions): Promise<MailboxSeriesInstance[] | null>;
}
