import type { HttpClient, HttpResponse } from '../http/index.ts';

/**
 * Outlook ids change when an item moves unless every request asks for immutable ids; one
 * request without it can hand the engine an id that later stops matching.
 */
export const PREFER_IMMUTABLE_ID = 'IdType="ImmutableId"';

export interface GraphCallInit {
  method?: string;
  /** Serialised as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Preferences sent beside the immutable-id one, e.g. `odata.maxpagesize=100`. */
  prefer?: string[];
  /** false when the call must not run twice (it creates items); see HttpRequestInit.idempotent. */
  idempotent?: boolean;
}

export interface GraphHttp {
  /** graphUrl without a trailing slash, e.g. https://graph.microsoft.com/v1.0 */
  readonly base: string;
  /** `target` is a path under base ("/users/…") or an absolute link Graph returned (nextLink, deltaLink). */
  call(mailbox: string, target: string, init?: GraphCallInit): Promise<HttpResponse>;
}

export function userPath(mailbox: string): string {
  return `/users/${encodeURIComponent(mailbox)}`;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** TLS everywhere except the loopback (the sandbox); a token must never travel in clear. */
export function assertSafeServiceUrl(name: string, url: string): URL {
  const u = new URL(url);
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return u;
  throw new Error(`${name} must be an https URL (plain http is allowed for the loopback only)`);
}

export function createGraphHttp(graphUrl: string, http: HttpClient): GraphHttp {
  const base = assertSafeServiceUrl('graphUrl', graphUrl).href.replace(/\/+$/, '');
  const origin = new URL(base).origin;

  function resolve(target: string): string {
    if (target.startsWith('/')) return base + target;
    // Links come from Graph or from a stored cursor; our bearer token goes to Graph's origin only.
    const url = new URL(target);
    if (url.origin !== origin) throw new Error('refusing to follow a Graph link to another origin');
    return url.href;
  }

  return {
    base,
    call(mailbox, target, init = {}) {
      const headers: Record<string, string> = {
        Accept: 'application/json',
        Prefer: [PREFER_IMMUTABLE_ID, ...(init.prefer ?? [])].join(', '),
        ...init.headers,
      };
      let body: string | undefined;
      if (init.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(init.body);
      }
      // One key per mailbox however the caller spells it: the limit is per mailbox.
      return http.request(mailbox.toLowerCase(), resolve(target), { method: init.method ?? 'GET', headers, body, idempotent: init.idempotent });
    },
  };
}
