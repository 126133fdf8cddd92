/**
 * What every Graph connector (contacts, events) stands on: msal-node app-only tokens, the shared
 * HTTP pipeline with its per-mailbox limit and retry policy, and the Graph URL wrapper — built
 * once here so both connectors throttle, retry and refresh tokens the same way.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../../ports/log.ts';
import { createHttpClient, type HttpResponse, type RetryPolicy } from '../http/index.ts';
import { createGraphTokenSource } from './auth.ts';
import type { BatchDeps } from './batch.ts';
import { parseGraphError } from './errors.ts';
import { createGraphHttp } from './graph-http.ts';

export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https URL including the tenant, e.g. https://login.microsoftonline.com/<tenant> */
  authority: string;
  /** OpenID configuration JSON, for non-public clouds and the sandbox (DESIGN §7). */
  authorityMetadata?: string;
  /** e.g. https://graph.microsoft.com/v1.0 */
  graphUrl: string;
  /** Default 4: Exchange Online's concurrent-request limit per mailbox and app. */
  maxConcurrentPerMailbox?: number;
  log?: Log;
}

export const GRAPH_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const MAX_RETRY_AFTER_MS = 120_000;

export interface GraphClient {
  /** Ready-made dependencies for runBatch and the readers and writers built on it. */
  deps: BatchDeps;
  close(): void;
}

export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const log: Log = opts.log ?? (() => {});
  const closing = new AbortController();
  const sleep = (ms: number) => delay(ms, undefined, { signal: closing.signal });
  const tokens = createGraphTokenSource({ ...opts, log });
  const http = createHttpClient({
    maxConcurrentPerKey: opts.maxConcurrentPerMailbox ?? 4,
    retry: GRAPH_RETRY,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    log,
    auth: {
      authorization: async (_mailbox, rejected) => `Bearer ${await tokens.token(rejected?.replace(/^Bearer /, ''))}`,
      isRejected: async (res: HttpResponse) => res.status === 401 && (await errorCode(res)) === 'invalidauthenticationtoken',
    },
  });
  const graph = createGraphHttp(opts.graphUrl, http);
  return {
    deps: { graph, retry: GRAPH_RETRY, sleep, random: Math.random, now: Date.now, maxRetryAfterMs: MAX_RETRY_AFTER_MS, log },
    close() {
      closing.abort();
      http.close();
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
