/**
 * OAuth 2.0 JWT bearer flow, one jsforce Connection per acting user.
 *
 * Each user (the integration user, and every rep we write as) gets one long-lived Connection
 * whose accessToken is swapped in place on refresh, so requests in flight elsewhere pick up the
 * new token. Refreshes are de-duplicated per user: concurrent callers that saw the same stale
 * token share one token request.
 *
 * jsforce's own refreshFn hook is deliberately not used: jsforce calls it on every 401 and then
 * repeats the request with no bound, so a token the org keeps rejecting loops forever against
 * the token endpoint. SalesforceApi refreshes once per request instead.
 */
import { createSign } from 'node:crypto';
import { Connection } from 'jsforce';
import type { Clock } from '../../ports/clock.ts';
import type { Log } from '../../ports/log.ts';
import { classify, describeRequestError, SalesforceApiError } from './errors.ts';

export interface AuthConfig {
  instanceUrl: string;
  loginUrl: string;
  apiVersion: string;
  clientId: string;
  privateKeyPem: string;
  callOptionsClient: string;
  clock: Clock;
  log: Log;
}

const base64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** An RS256-signed assertion for one user; lives 3 minutes, as Salesforce allows. */
export function signAssertion(cfg: Pick<AuthConfig, 'clientId' | 'loginUrl' | 'privateKeyPem' | 'clock'>, username: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const exp = Math.floor(cfg.clock.now().getTime() / 1000) + 180;
  const claims = base64url(JSON.stringify({ iss: cfg.clientId, sub: username, aud: trimSlash(cfg.loginUrl), exp }));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${base64url(signer.sign(cfg.privateKeyPem))}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

interface TokenResponse {
  access_token?: unknown;
  instance_url?: unknown;
  error?: unknown;
}

/** Token requests are repeated on these few transient failures; a rejected grant is final. */
const TOKEN_ATTEMPTS = 3;

async function requestToken(cfg: AuthConfig, username: string, label: string): Promise<string> {
  const url = `${trimSlash(cfg.loginUrl)}/services/oauth2/token`;
  for (let attempt = 1; ; attempt++) {
    let status: number | undefined;
    try {
      const body = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: signAssertion(cfg, username),
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
      status = res.status;
      const text = await res.text();
      let json: TokenResponse = {};
      try {
        json = JSON.parse(text) as TokenResponse;
      } catch {
        // Non-JSON bodies (HTML error pages) are classified by status alone.
      }
      if (res.ok && typeof json.access_token === 'string') return json.access_token;
      // error_description can name the user; only the OAuth error code is kept.
      const code = typeof json.error === 'string' && /^[a-z_]{1,60}$/.test(json.error) ? json.error : `ERROR_HTTP_${res.status}`;
      const kind = res.status === 503 || res.status === 429 ? 'unsent' : res.status >= 500 ? 'uncertain' : 'rejected';
      throw new SalesforceApiError(`Salesforce refused a token for ${label} (HTTP ${res.status}, ${code})`, code, kind, res.status);
    } catch (err) {
      const c = classify(err, status);
      const transient = c.kind === 'unsent' || c.kind === 'uncertain';
      if (transient && attempt < TOKEN_ATTEMPTS) {
        cfg.log('warn', 'salesforce token request failed; retrying', { user: label, code: c.code, status: c.status, attempt });
        await new Promise((r) => setTimeout(r, 300 * 2 ** (attempt - 1)));
        continue;
      }
      if (err instanceof SalesforceApiError) throw err;
      throw new SalesforceApiError(describeRequestError(`token request for ${label}`, c), c.code, c.kind, c.status, { cause: err });
    }
  }
}

export class SessionPool {
  private readonly cfg: AuthConfig;
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(cfg: AuthConfig) {
    this.cfg = cfg;
  }

  /**
   * The user's Connection, logging in on first use. `label` is what logs and errors call the
   * user (a user id or "integration user"): usernames look like e-mail addresses and stay out.
   */
  connection(username: string, label: string): Promise<Connection> {
    let p = this.connections.get(username);
    if (!p) {
      p = this.login(username, label);
      this.connections.set(username, p);
      // A failed login must not stick: the next call tries again.
      p.catch(() => {
        if (this.connections.get(username) === p) this.connections.delete(username);
      });
    }
    return p;
  }

  private async login(username: string, label: string): Promise<Connection> {
    const accessToken = await requestToken(this.cfg, username, label);
    this.cfg.log('debug', 'salesforce session established', { user: label });
    return new Connection({
      instanceUrl: trimSlash(this.cfg.instanceUrl),
      accessToken,
      version: this.cfg.apiVersion,
      // HttpApi.beforeSend turns this into `Sforce-Call-Options: client=<id>` on every REST
      // request the Connection makes, sObject Collections included (they go through
      // Connection.request like everything else).
      callOptions: { client: this.cfg.callOptionsClient },
      // jsforce's debug log prints request URLs, and a SOQL URL can hold a company name; our own
      // log says what happened without content. (JSFORCE_LOG_LEVEL still reaches its fetch layer.)
      logLevel: 'NONE',
    });
  }

  /**
   * Replaces the token the caller saw fail. If another caller already replaced it, nothing is
   * requested; if a refresh is running, the caller joins it.
   */
  async refresh(username: string, label: string, conn: Connection, staleToken: string | null | undefined): Promise<void> {
    if (conn.accessToken !== staleToken) return;
    let p = this.refreshing.get(username);
    if (!p) {
      p = (async () => {
        try {
          conn.accessToken = await requestToken(this.cfg, username, label);
          this.cfg.log('info', 'salesforce token refreshed', { user: label });
        } finally {
          this.refreshing.delete(username);
        }
      })();
      this.refreshing.set(username, p);
    }
    await p;
  }
}
