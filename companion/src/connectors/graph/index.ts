/**
 * Microsoft 365 contacts through Microsoft Graph: app-only msal-node tokens, a folder Syncline
 * owns in each mailbox, delta queries for reading and JSON $batch for writing, all through the
 * shared HTTP pipeline with at most `maxConcurrentPerMailbox` requests in flight per mailbox.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../../ports/log.ts';
import type { MailboxContactsPort } from '../../ports/mailbox.ts';
import { createHttpClient, type HttpResponse, type RetryPolicy } from '../http/index.ts';
import { createGraphTokenSource } from './auth.ts';
import { readContactDelta } from './delta.ts';
import { parseGraphError } from './errors.ts';
import { createContactFolders } from './folders.ts';
import { createGraphHttp } from './graph-http.ts';
import { RawContactCache } from './raw-cache.ts';
import { createContacts, deleteContacts, updateContacts, type WriteDeps } from './writes.ts';

export { GraphAuthError } from './auth.ts';
export { GraphError } from './errors.ts';

export interface GraphConnectorOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https URL including the tenant, e.g. https://login.microsoftonline.com/<tenant> */
  authority: string;
  /** OpenID configuration JSON, for non-public clouds and the sandbox (DESIGN §7). */
  authorityMetadata?: string;
  /** e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  /** Default 'Salesforce_Sync'. */
  folderName?: string;
  /** Default 4: Exchange Online's concurrent-request limit per mailbox and app. */
  maxConcurrentPerMailbox?: number;
  /** Contacts per delta page (Prefer: odata.maxpagesize). Default 100. */
  pageSize?: number;
  /** Receives ids, statuses and counts; never tokens, secrets or contact content. */
  log?: Log;
}

const RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const MAX_RETRY_AFTER_MS = 120_000;
/** Raw contacts kept for updates; about 2 KB each with the fields selected. */
const RAW_CACHE_SIZE = 10_000;

export function createGraphConnector(opts: GraphConnectorOptions): MailboxContactsPort & { close(): Promise<void> } {
  const log: Log = opts.log ?? (() => {});
  const pageSize = opts.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  const closing = new AbortController();
  const sleep = (ms: number) => delay(ms, undefined, { signal: closing.signal });
  const tokens = createGraphTokenSource({ ...opts, log });

  const http = createHttpClient({
    maxConcurrentPerKey: opts.maxConcurrentPerMailbox ?? 4,
    retry: RETRY,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    log,
    auth: {
      authorization: async (_mailbox, rejected) => `Bearer ${await tokens.token(rejected?.replace(/^Bearer /, ''))}`,
      isRejected: async (res: HttpResponse) => res.status === 401 && (await errorCode(res)) === 'invalidauthenticationtoken',
    },
  });
  const graph = createGraphHttp(opts.graphUrl, http);
  const folders = createContactFolders(graph, opts.folderName ?? 'Salesforce_Sync', log);
  const raws = new RawContactCache(RAW_CACHE_SIZE);
  const writeDeps: WriteDeps = {
    graph,
    raws,
    retry: RETRY,
    sleep,
    random: Math.random,
    now: Date.now,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    log,
  };

  return {
    ensureContactFolder: (mailbox) => folders.ensure(mailbox),
    contactChanges: (mailbox, folderId, cursor) =>
      readContactDelta({ graph, folders, raws, pageSize }, mailbox, folderId, cursor),
    createContacts: (mailbox, folderId, items) => createContacts(writeDeps, mailbox, folderId, items),
    updateContacts: (mailbox, items) => updateContacts(writeDeps, mailbox, items),
    deleteContacts: (mailbox, ids) => deleteContacts(writeDeps, mailbox, ids),
    async close() {
      closing.abort();
      http.close();
      folders.clear();
      raws.clear();
    },
  };
}

export async function errorCode(res: HttpResponse): Promise<string | undefined> {
  try {
    return parseGraphError(await res.json()).code.toLowerCase();
  } catch {
    return undefined;
  }
}
