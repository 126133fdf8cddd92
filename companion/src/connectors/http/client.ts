import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../../ports/log.ts';
import { KeyedLimiter } from './limiter.ts';
import {
  NOT_EXECUTED_STATUSES,
  RETRYABLE_STATUSES,
  backoffDelay,
  isTransientNetworkError,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.ts';

export interface HttpHeadersLike {
  get(name: string): string | null;
}

/** A response whose body has already been read, so it can be inspected more than once. */
export interface HttpResponse {
  status: number;
  headers: HttpHeadersLike;
  text(): Promise<string>;
  /** The parsed body; undefined for an empty body. Throws SyntaxError for a body that is not JSON. */
  json(): Promise<unknown>;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The slice of global fetch the pipeline uses; tests inject their own. */
export type FetchLike = (
  url: string,
  init: FetchInit,
) => Promise<{ status: number; headers: HttpHeadersLike; text(): Promise<string> }>;

export interface HttpAuth {
  /**
   * The Authorization header value for a request on `key`. `rejected` is the value the service
   * has just refused: return a fresh one (and share one refresh among concurrent callers).
   */
  authorization(key: string, rejected?: string): Promise<string>;
  /** Whether this response means the credential itself was refused (so one refresh may help). */
  isRejected(res: HttpResponse): boolean | Promise<boolean>;
}

export interface HttpClientOptions {
  /** Requests in flight per key at most; e.g. Exchange Online allows 4 per mailbox and app. */
  maxConcurrentPerKey: number;
  retry: RetryPolicy;
  /** A Retry-After longer than this is not waited for: the response goes back to the caller. */
  maxRetryAfterMs?: number;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  auth?: HttpAuth;
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  log?: Log;
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** Always a string: a buffered body can be sent again on retry. */
  body?: string;
  /**
   * false for a request that must not be carried out twice (a create): it is then retried only
   * when the service certainly did not run it (429, 503, connection refused), never after a
   * dropped connection, a timeout, or a 500/502/504. Default true.
   */
  idempotent?: boolean;
}

export interface HttpClient {
  /**
   * Sends through the per-key limit, retrying throttling, 5xx and dropped connections. After the
   * last attempt the response is returned whatever its status; only network failures throw.
   */
  request(key: string, url: string, init?: HttpRequestInit): Promise<HttpResponse>;
  /** Aborts requests and waits in progress; later requests are refused. */
  close(): void;
}

/** The connection failed on every attempt (or failed in a way retrying cannot mend). */
export class HttpNetworkError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpNetworkError';
  }
}

/** Origin and path only: query strings carry delta and skip tokens, filters, sometimes keys. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(unparsable url)';
  }
}

class BufferedResponse implements HttpResponse {
  constructor(
    readonly status: number,
    readonly headers: HttpHeadersLike,
    private readonly body: string,
  ) {}

  async text(): Promise<string> {
    return this.body;
  }

  async json(): Promise<unknown> {
    return this.body === '' ? undefined : JSON.parse(this.body);
  }
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const limiter = new KeyedLimiter(opts.maxConcurrentPerKey);
  const closing = new AbortController();
  const fetchImpl: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  const sleep = opts.sleep ?? ((ms: number) => delay(ms, undefined, { signal: closing.signal }));
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const log: Log = opts.log ?? (() => {});
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
  const timeoutMs = opts.timeoutMs ?? 100_000;
  const maxAttempts = Math.max(1, opts.retry.maxAttempts);

  function assertOpen(): void {
    if (closing.signal.aborted) throw new Error('HTTP client is closed');
  }

  async function request(key: string, url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
    assertOpen();
    const method = (init.method ?? 'GET').toUpperCase();
    const where = { key, method, url: redactUrl(url) };
    let attempt = 0;
    let refreshedAuth = false;
    let rejectedAuth: string | undefined;

    for (;;) {
      attempt++;
      const release = await limiter.acquire(key);
      let res: HttpResponse;
      let authorization: string | undefined;
      try {
        assertOpen();
        // Token failures are configuration or identity-service problems, not this request's: no retry here.
        authorization = opts.auth ? await opts.auth.authorization(key, rejectedAuth) : undefined;
      } catch (err) {
        release();
        throw err;
      }
      try {
        const headers = { ...init.headers };
        if (authorization !== undefined) headers.Authorization = authorization;
        const signal = AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]);
        const raw = await fetchImpl(url, { method, headers, body: init.body, signal });
        res = new BufferedResponse(raw.status, raw.headers, await raw.text());
      } catch (err) {
        release();
        if (closing.signal.aborted) throw new Error('HTTP client is closed', { cause: err });
        const transient = isTransientNetworkError(err, init.idempotent === false);
        const reason = describeNetworkError(err);
        if (!transient || attempt >= maxAttempts) {
          log('warn', 'http request failed', { ...where, attempt, reason });
          throw new HttpNetworkError(`${method} ${where.url}: ${reason} (attempt ${attempt})`, attempt, { cause: err });
        }
        const wait = backoffDelay(attempt, opts.retry, random);
        log('info', 'http retry after network error', { ...where, attempt, reason, waitMs: wait });
        await sleep(wait);
        continue;
      }
      release();

      if (opts.auth && !refreshedAuth && (await opts.auth.isRejected(res))) {
        // A refused token is not a failed attempt: refresh once and send again.
        refreshedAuth = true;
        rejectedAuth = authorization;
        attempt--;
        log('info', 'http credential refused; refreshing once', { ...where, status: res.status });
        continue;
      }

      const retryable = init.idempotent === false ? NOT_EXECUTED_STATUSES.has(res.status) : RETRYABLE_STATUSES.has(res.status);
      if (!retryable || attempt >= maxAttempts) {
        log('debug', 'http response', { ...where, status: res.status, attempt });
        return res;
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now());
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
        log('warn', 'http retry-after beyond limit; giving up', { ...where, status: res.status, retryAfterMs: retryAfter });
        return res;
      }
      const wait = retryAfter ?? backoffDelay(attempt, opts.retry, random);
      log('info', 'http retry', { ...where, status: res.status, attempt, waitMs: wait, retryAfter: retryAfter !== undefined });
      const slept = sleep(wait);
      // The service named a wait for this key: hold everyone else on the key as well.
      if (retryAfter !== undefined) limiter.pause(key, slept);
      await slept;
    }
  }

  return {
    request,
    close: () => closing.abort(),
  };
}

/** A short, content-free reason: error codes and names only, never bodies or headers. */
function describeNetworkError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const { code, name, cause } = e as { code?: unknown; name?: unknown; cause?: unknown };
    const label = typeof code === 'string' ? code : typeof name === 'string' ? name : undefined;
    if (label && !parts.includes(label)) parts.push(label);
    e = cause;
  }
  return parts.join(' ← ') || 'unknown network error';
}
