/**
 * Microsoft 365 contacts through Microsoft Graph: app-only msal-node tokens, a folder Syncline
 * owns in each mailbox, delta queries for reading and JSON $batch for writing, all through the
 * shared HTTP pipeline with at most `maxConcurrentPerMailbox` requests in flight per mailbox.
 */
import type { Log } from '../../ports/log.ts';
import type { MailboxContactsPort } from '../../ports/mailbox.ts';
import { createGraphClient, type GraphClient, type GraphClientOptions } from './client.ts';
import { readContactDelta } from './delta.ts';
import { createContactFolders } from './folders.ts';
import { RawContactCache } from './raw-cache.ts';
import { createContacts, deleteContacts, updateContacts, type WriteDeps } from './writes.ts';

export { GraphAuthError } from './auth.ts';
export { GraphError } from './errors.ts';

export interface GraphConnectorOptions extends GraphClientOptions {
  /** Default 'Salesforce_Sync'. */
  folderName?: string;
  /** Contacts per delta page (Prefer: odata.maxpagesize). Default 100. */
  pageSize?: number;
  /** A client shared with the events connector, so both count against one per-mailbox limit; its owner closes it. */
  client?: GraphClient;
}

/** Raw contacts kept for updates; about 2 KB each with the fields selected. */
const RAW_CACHE_SIZE = 10_000;

export function createGraphConnector(opts: GraphConnectorOptions): MailboxContactsPort & { close(): Promise<void> } {
  const log: Log = opts.log ?? (() => {});
  const pageSize = opts.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  const shared = opts.client;
  const client = shared ?? createGraphClient({ ...opts, log });
  const { graph } = client.deps;
  const folders = createContactFolders(graph, opts.folderName ?? 'Salesforce_Sync', log);
  const raws = new RawContactCache(RAW_CACHE_SIZE);
  const writeDeps: WriteDeps = { ...client.deps, raws };

  return {
    ensureContactFolder: (mailbox) => folders.ensure(mailbox),
    contactChanges: (mailbox, folderId, cursor) =>
      readContactDelta({ graph, folders, raws, pageSize }, mailbox, folderId, cursor),
    createContacts: (mailbox, folderId, items) => createContacts(writeDeps, mailbox, folderId, items),
    updateContacts: (mailbox, items) => updateContacts(writeDeps, mailbox, items),
    deleteContacts: (mailbox, ids) => deleteContacts(writeDeps, mailbox, ids),
    async close() {
      if (!shared) client.close();
      folders.clear();
      raws.clear();
    },
  };
}
