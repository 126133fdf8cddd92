/** Retry policy pieces shared by the pipeline and by callers that retry inside a response (Graph $batch). */

export interface RetryPolicy {
  /** Total tries per request, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Statuses a service uses for "not now": throttling, overload, a gateway that lost its backend. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date), or undefined
 * when there is none or it cannot be read — the caller then falls back to its own back-off.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Exponential back-off with "equal jitter": half the capped step is kept so a retry is never
 * immediate, the other half is random so clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Statuses that say the request was not carried out, so even a request that must not run twice
 * (a create) may be sent again. A 500, 502 or 504 may come after the work was done.
 */
export const NOT_EXECUTED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Connection failures that happen before the request could have reached the service. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TRANSIENT_MESSAGE = /socket hang up|fetch failed|other side closed|network timeout/i;

/**
 * Whether a thrown fetch error is a dropped or timed-out connection. Node's fetch wraps the
 * socket error in `TypeError('fetch failed', { cause })`, so the cause chain decides: a known
 * transient code retries, any other code (ENOTFOUND, a certificate error) does not, and only
 * a chain without codes falls back to the message.
 */
export function isTransientNetworkError(err: unknown, notSentOnly = false): boolean {
  const chain: Array<{ code?: unknown; name?: unknown; message?: unknown }> = [];
  for (let e: unknown = err; e !== null && typeof e === 'object' && chain.length < 5; ) {
    const link = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    chain.push(link);
    e = link.cause;
  }
  const codes = chain.map((e) => e.code).filter((c): c is string => typeof c === 'string');
  if (notSentOnly) return codes.some((c) => NOT_SENT_CODES.has(c));
  if (chain.some((e) => e.name === 'TimeoutError')) return true;
  if (codes.length > 0) return codes.some((c) => TRANSIENT_CODES.has(c));
  return chain.some((e) => typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message));
}
