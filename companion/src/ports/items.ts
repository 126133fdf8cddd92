import type { MappingWarning } from '../core/contact.ts';

export type { SideItem, SideChange } from '../core/sync-types.ts';

/** The outcome of one write inside a batch. Batches never fail as a whole for one bad item. */
export type WriteResult =
  | { ok: true; id: string; version: string; warnings?: MappingWarning[] }
  | { ok: false; id?: string; error: ItemError };

export interface ItemError {
  /** Vendor error code, e.g. REQUIRED_FIELD_MISSING, ErrorInvalidRequest, or our own. */
  code: string;
  /** Human text naming the field; must not contain contact content. */
  message: string;
  fields?: string[];
  /** true when retrying later may succeed (throttling, 5xx, network). */
  retryable?: boolean;
}
