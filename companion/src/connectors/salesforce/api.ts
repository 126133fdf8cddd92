/**
 * The one path by which the connector talks REST: session refresh once per request, bounded
 * retries with back-off for transient failures, and the HTTP status captured so failures can be
 * classified (jsforce's HttpApiError carries only the error code).
 */
import type { Connection, HttpRequest } from 'jsforce';
import type { Log } from '../../ports/log.ts';
import type { SessionPool } from './auth.ts';
import { classify, describeRequestError, SalesforceApiError } from './errors.ts';
import { isSalesforceId, soqlString } from './soql.ts';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * - read / idempotent: GET, PATCH and DELETE of known ids; repeated on any transient failure.
 * - create: POST that makes records; repeated only when the failure proves nothing was written,
 *   because a repeated create after an ambiguous failure duplicates contacts.
 */
export type RequestMode = 'read' | 'idempotent' | 'create';

interface Captured {
  status?: number;
  retryAfter?: string;
}

interface QueryPage<R> {
  done: boolean;
  nextRecordsUrl?: string;
  records: R[];
}

/** Who a request runs as: the username for the token, the label for logs. */
export interface Actor {
  username: string;
  label: string;
}

export class SalesforceApi {
  private readonly usernames = new Map<string, Promise<string>>();

  constructor(
    readonly pool: SessionPool,
    readonly integration: Actor,
    private readonly retry: RetryPolicy,
    private readonly log: Log,
  ) {}

  async call<T>(actor: Actor, what: string, mode: RequestMode, build: () => HttpRequest): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const conn = await this.pool.connection(actor.username, actor.label);
      const token = conn.accessToken;
      const captured: Captured = {};
      try {
        return await send<T>(conn, build(), captured);
      } catch (err) {
        const c = classify(err, captured.status);
        if (c.kind === 'session' && !refreshed) {
          refreshed = true;
          await this.pool.refresh(actor.username, actor.label, conn, token);
          attempt--;
          continue;
        }
        const repeatable = c.kind === 'unsent' || (c.kind === 'uncertain' && mode !== 'create');
        if (repeatable && attempt < this.retry.attempts) {
          const delay = this.delay(attempt, captured.retryAfter);
          this.log('warn', 'salesforce request failed; retrying', { what, user: actor.label, code: c.code, status: c.status, attempt, delayMs: delay });
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        throw new SalesforceApiError(describeRequestError(what, c), c.code, c.kind, c.status, { cause: err });
      }
    }
  }

  private delay(attempt: number, retryAfter: string | undefined): number {
    const seconds = retryAfter !== undefined ? Number(retryAfter) : NaN;
    const base = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : this.retry.baseDelayMs * 2 ** (attempt - 1);
    // A little jitter keeps several workers from retrying in lock-step.
    return Math.min(this.retry.maxDelayMs, Math.round(base * (1 + Math.random() * 0.2)));
  }

  /** Every record of a SOQL query, following nextRecordsUrl to the end (no maxFetch cap). */
  async query<R>(actor: Actor, what: string, soql: string): Promise<R[]> {
    const out: R[] = [];
    let url = `/query?q=${encodeURIComponent(soql)}`;
    for (;;) {
      const pageUrl = url;
      const page = await this.call<QueryPage<R>>(actor, what, 'read', () => ({ method: 'GET', url: pageUrl }));
      out.push(...page.records);
      if (page.done || !page.nextRecordsUrl) return out;
      url = page.nextRecordsUrl;
    }
  }

  /** The acting user for a rep's writes; usernames are cached for the life of the connector. */
  async actorFor(userId: string): Promise<Actor> {
    if (!isSalesforceId(userId)) throw new SalesforceApiError('not a Salesforce user id', 'INVALID_ID', 'rejected');
    let p = this.usernames.get(userId);
    if (!p) {
      p = this.lookupUsername(userId);
      this.usernames.set(userId, p);
      p.catch(() => {
        if (this.usernames.get(userId) === p) this.usernames.delete(userId);
      });
    }
    return { username: await p, label: userId };
  }

  rememberUsername(userId: string, username: string): void {
    this.usernames.set(userId, Promise.resolve(username));
  }

  /** Drops a cached username, e.g. after its JWT was refused because the username changed. */
  forgetUsername(userId: string): void {
    this.usernames.delete(userId);
  }

  private async lookupUsername(userId: string): Promise<string> {
    const rows = await this.query<{ Username?: unknown }>(
      this.integration,
      'user lookup',
      `SELECT Id, Username FROM User WHERE Id = ${soqlString(userId)} AND IsActive = true`,
    );
    const username = rows[0]?.Username;
    if (typeof username !== 'string' || username === '') {
      throw new SalesforceApiError(`user ${userId} is not an active Salesforce user`, 'INACTIVE_OR_UNKNOWN_USER', 'rejected');
    }
    return username;
  }
}

/**
 * jsforce passes request options through to the transport, so a thin wrapper around the
 * Connection's own transport can observe the status and Retry-After of each answer. jsforce's
 * built-in retry (GET/PUT/DELETE only, five times, ignoring Retry-After) is switched off so
 * there is exactly one retry policy: ours.
 */
function send<T>(conn: Connection, req: HttpRequest, captured: Captured): Promise<T> {
  const base = conn._transport;
  const transport = {
    httpRequest(r: HttpRequest, o?: object) {
      const p = base.httpRequest(r, o);
      p.then(
        (res) => {
          captured.status = res.statusCode;
          captured.retryAfter = res.headers['retry-after'];
        },
        () => {},
      );
      return p;
    },
  };
  return conn.request<T>(req, { transport, retry: { maxRetries: 0 } });
}
