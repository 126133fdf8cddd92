export {
  createHttpClient,
  redactUrl,
  HttpNetworkError,
  type FetchInit,
  type FetchLike,
  type HttpAuth,
  type HttpClient,
  type HttpClientOptions,
  type HttpHeadersLike,
  type HttpRequestInit,
  type HttpResponse,
} from './client.ts';
export { KeyedLimiter } from './limiter.ts';
export { RETRYABLE_STATUSES, backoffDelay, isTransientNetworkError, parseRetryAfter, type RetryPolicy } from './retry.ts';
