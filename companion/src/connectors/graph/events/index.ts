/**
 * Microsoft 365 calendar events through Microsoft Graph: calendarView/delta for reading (occurrence
 * stubs resolved through their series masters) and JSON $batch for writing. It reuses the contacts
 * connector's token source, Graph HTTP wrapper, $batch runner and error parsing, and the shared
 * HTTP pipeline, so it has the same per-mailbox limit and retry behaviour.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../../../ports/log.ts';
import type { MailboxEventsPort } from '../../../ports/mailbox-events.ts';
import { createHttpClient, type HttpResponse, type RetryPolicy } from '../../http/index.ts';
import { createGraphTokenSource } from '../auth.ts';
import type { BatchDeps } from '../batch.ts';
import { createGraphHttp } from '../graph-http.ts';
import { errorCode } from '../index.ts';
import { readEventDelta } from './delta.ts';
import { createEvents, deleteEvents, updateEvents } from './writes.ts';

export interface GraphEventsConnectorOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https URL including the tenant, e.g. https://login.microsoftonline.com/<tenant> */
  authority: string;
  /** OpenID configuration JSON, for non-public clouds and the sandbox. */
  authorityMetadata?: string;
  /** e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  /** Default 4: Exchange Online's concurrent-request limit per mailbox and app. */
  maxConcurrentPerMailbox?: number;
  /** Events per delta page (Prefer: odata.maxpagesize). Default 100. */
  pageSize?: number;
  /** Receives ids, statuses and counts; never tokens, secrets or event content. */
  log?: Log;
}

const RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const MAX_RETRY_AFTER_MS = 120_000;

export function createGraphEventsConnector(opts: GraphEventsConnectorOptions): MailboxEventsPort & { close(): Promise<void> } {
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
  const deps: BatchDeps = { graph, retry: RETRY, sleep, random: Math.random, now: Date.now, maxRetryAfterMs: MAX_RETRY_AFTER_MS, log };

  return {
    eventChanges: (mailbox, window, cursor, eventOpts) => readEventDelta({ ...deps, pageSize }, mailbox, window, cursor, eventOpts),
    createEvents: (mailbox, items, eventOpts) => createEvents(deps, mailbox, items, eventOpts),
    updateEvents: (mailbox, items, eventOpts) => updateEvents(deps, mailbox, items, eventOpts),
    deleteEvents: (mailbox, ids) => deleteEvents(deps, mailbox, ids),
    async close() {
      closing.abort();
      http.close();
    },
  };
}
