/** Data shapes shared by the pure core and the ports; defined here so core imports nothing outside itself. */

export type Direction = 'salesforce_to_mailbox' | 'mailbox_to_salesforce' | 'both';

/** One item as a side currently holds it, already mapped to the canonical model. */
export interface SideItem<T> {
  id: string;
  /** Opaque version: Salesforce SystemModstamp, Graph changeKey, … */
  version: string;
  /** When the side last changed the item (ISO instant), for the newest-wins policy; absent when unknown. */
  modifiedAt?: string;
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
}

export type ContactLink = ItemLink;
export type EventLink = ItemLink;
