/** Data shapes shared by the pure core and the ports; defined here so core imports nothing outside itself. */

export type Direction = 'salesforce_to_mailbox' | 'mailbox_to_salesforce' | 'both';

/** One item as a side currently holds it, already mapped to the canonical model. */
export interface SideItem<T> {
  id: string;
  /** Opaque version: Salesforce SystemModstamp, Graph changeKey, … */
  version: string;
  /** When the side last changed the item (ISO instant), for the newest-wins policy; absent when unknown. */
  modifiedAt?: string;
  /** The key the companion created it with, where the side keeps one (Graph event transactionId). */
  createdAs?: string;
  data: T;
}

export type SideChange<T> =
  | { kind: 'upsert'; item: SideItem<T> }
  | { kind: 'delete'; id: string };

/** A linked pair as stored: ids, versions and per-field hashes — never content. */
export interface ItemLink {
  userId: string;
  sfId: string;
  mbId: string;
  /** Version each side had when we last synced (SystemModstamp / changeKey); '' when unknown. */
  sfVersion: string;
  mbVersion: string;
  /** Per-field hashes (HMAC) of the normalised values both sides last agreed on. */
  hashes: Record<string, string>;
  /**
   * Set while one copy is out of the sync (it left the scope, or it was deleted and the delete was
   * not carried over): the pair is remembered so the other copy is neither copied again as "new"
   * nor paired twice, and the two resume where they were if the copy comes back into scope.
   */
  parked?: ParkedLink;
  /**
   * Writes of the last pass whose outcome is unknown (the request failed in a way that may have
   * applied it). The next pass compares the target with what was sent before it reads an edit there.
   */
  unsettled?: Partial<Record<'salesforce' | 'mailbox', UnsettledWrite>>;
}

export interface ParkedLink {
  /** The side whose copy is out of the sync. */
  side: 'salesforce' | 'mailbox';
  /** true: that copy was deleted, so it can never come back; false: it only left the scope. */
  gone: boolean;
}

/** What was sent to one side: the per-field hashes of an update, or a delete. */
export type UnsettledWrite = { hashes: Record<string, string> } | { delete: true };

export type ContactLink = ItemLink;
export type EventLink = ItemLink;
