import type { ContactFields, MappingWarning } from '../core/contact.ts';
import type { SideChange, WriteResult } from './items.ts';

export interface MailboxDelta {
  changes: SideChange<ContactFields>[];
  /** Cursor to store once the changes are applied (Graph deltaLink). */
  cursor: string;
  /** Per-item mapping warnings, by mailbox item id. */
  warnings: Record<string, MappingWarning[]>;
}

/** The cursor is no longer valid (Graph 410 / syncStateNotFound): the caller must do a full listing. */
export class CursorExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CursorExpiredError';
  }
}

export interface MailboxContactUpdate {
  id: string;
  /** Version we last saw; connectors send it as If-Match where the service supports it. */
  version?: string;
  set: Partial<ContactFields>;
}

export interface MailboxContactsPort {
  /** The folder Syncline owns in the mailbox (created if missing); returns its id. */
  ensureContactFolder(mailbox: string): Promise<string>;
  /** cursor null: a full listing (initial round of delta), whose changes are all upserts. */
  contactChanges(mailbox: string, folderId: string, cursor: string | null): Promise<MailboxDelta>;
  createContacts(mailbox: string, folderId: string, items: ContactFields[]): Promise<WriteResult[]>;
  updateContacts(mailbox: string, items: MailboxContactUpdate[]): Promise<WriteResult[]>;
  /** A contact already gone counts as deleted (ok): the engine takes any failure as a failure. */
  deleteContacts(mailbox: string, ids: string[]): Promise<WriteResult[]>;
}
