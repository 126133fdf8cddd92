/**
 * OAuth 2.0 JWT bearer flow as Salesforce runs it for a connected app with a certificate: the
 * assertion is an RS256 JWT whose iss is the consumer key, sub the username, aud the login host.
 * Errors are the 400 `{error, error_description}` bodies Salesforce sends (texts as reported by
 * users of the real endpoint). Access tokens live tokenTtl from issue; there is no refresh token.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { Request, Response } from '../common/server.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const STANDARD_AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];

export interface OAuthUser {
  id: string;
  username: string;
  email: string;
  firstName: string | null;
  lastName: string;
  timeZoneSidKey: string;
  active: boolean;
}

export interface OAuthConfig {
  clientId: string;
  publicKeyPem: string;
  orgId: string;
  now: () => number;
  tokenTtlSeconds: number;
  /** The org's own URL, also an accepted audience; read late because the port is known only after listen. */
  baseUrl: () => string;
  apiVersion: string;
  userByUsername(username: string): OAuthUser | undefined;
  userById(id: string): OAuthUser | undefined;
}

interface Session {
  userId: string;
  expiresAt: number;
}

const oauthError = (error: string, description: string, status = 400): Response => ({
  status,
  headers: { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
  body: { error, error_description: description },
});

export class OAuthServer {
  private sessions = new Map<string, Session>();
  private publicKey: KeyObject;

  constructor(private readonly cfg: OAuthConfig) {
    this.publicKey = createPublicKey(cfg.publicKeyPem);
  }

  /** A token "as if from OAuth", for tests and the sandbox's admin session. */
  issueToken(userId: string): string {
    // Real tokens are the 15-character org id, '!', then an opaque part.
    const token = `${this.cfg.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.sessions.set(token, { userId, expiresAt: this.cfg.now() + this.cfg.tokenTtlSeconds * 1000 });
    return token;
  }

  /** The user behind a live token of an active user. */
  authenticate(token: string): string | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.cfg.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return this.cfg.userById(s.userId)?.active ? s.userId : undefined;
  }

  /** Routes /services/oauth2/* and /id/*; undefined for other paths. */
  handle(req: Request): Response | undefined {
    if (req.path === '/services/oauth2/token') {
      if (req.method !== 'POST') return oauthError('invalid_request', 'must use HTTP POST');
      return this.token(new URLSearchParams(req.body.toString('utf8')));
    }
    if (req.path === '/services/oauth2/userinfo' && req.method === 'GET') return this.identity(req, 'userinfo');
    if (/^\/id\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/.test(req.path) && req.method === 'GET') return this.identity(req, 'id');
    return undefined;
  }

  private token(form: URLSearchParams): Response {
    if (form.get('grant_type') !== JWT_BEARER) return oauthError('unsupported_grant_type', 'grant type not supported');
    const parts = (form.get('assertion') ?? '').split('.');
    const [h, c, s] = parts;
    if (parts.length !== 3 || !h || !c || !s) return oauthError('invalid_grant', 'invalid assertion');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return oauthError('invalid_grant', 'invalid assertion');
    }
    if (claims['iss'] !== this.cfg.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    const signatureOk =
      header['alg'] === 'RS256' && verify('RSA-SHA256', Buffer.from(`${h}.${c}`), this.publicKey, Buffer.from(s, 'base64url'));
    if (!signatureOk) return oauthError('invalid_grant', 'invalid assertion');
    const audiences = [...STANDARD_AUDIENCES, this.cfg.baseUrl()];
    const aud = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
    if (!aud.some((a) => typeof a === 'string' && audiences.includes(a.replace(/\/$/, '')))) {
      return oauthError('invalid_grant', 'audience is invalid');
    }
    const exp = claims['exp'];
    if (typeof exp !== 'number' || exp * 1000 <= this.cfg.now()) return oauthError('invalid_grant', 'expired authorization code');
    const user = typeof claims['sub'] === 'string' ? this.cfg.userByUsername(claims['sub']) : undefined;
    // An unknown username reads, to the client, like a user who never approved the app.
    if (!user) return oauthError('invalid_grant', "user hasn't approved this consumer");
    if (!user.active) return oauthError('invalid_grant', 'inactive user');
    const base = this.cfg.baseUrl();
    return {
      status: 200,
      body: {
        access_token: this.issueToken(user.id),
        scope: 'api',
        instance_url: base,
        id: `${base}/id/${this.cfg.orgId}/${user.id}`,
        token_type: 'Bearer',
      },
    };
  }

  private identity(req: Request, kind: 'id' | 'userinfo'): Response {
    const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const userId = m?.[1] ? this.authenticate(m[1]) : undefined;
    if (!userId) return { status: 403, body: 'Bad_OAuth_Token', headers: { 'Content-Type': 'text/plain' } };
    const wanted = kind === 'id' ? req.path.split('/')[3] : userId;
    const user = wanted ? this.cfg.userById(wanted) : undefined;
    if (!user) return { status: 404, body: 'Bad_Id', headers: { 'Content-Type': 'text/plain' } };
    const base = this.cfg.baseUrl();
    const v = this.cfg.apiVersion;
    const idUrl = `${base}/id/${this.cfg.orgId}/${user.id}`;
    const displayName = [user.firstName, user.lastName].filter(Boolean).join(' ');
    const urls = {
      rest: `${base}/services/data/v${v}/`,
      sobjects: `${base}/services/data/v${v}/sobjects/`,
      query: `${base}/services/data/v${v}/query/`,
      profile: `${base}/${user.id}`,
    };
    if (kind === 'userinfo') {
      return {
        status: 200,
        body: {
          sub: idUrl,
          user_id: user.id,
          organization_id: this.cfg.orgId,
          preferred_username: user.username,
          name: displayName,
          given_name: user.firstName,
          family_name: user.lastName,
          email: user.email,
          zoneinfo: user.timeZoneSidKey,
          active: user.active,
          urls,
        },
      };
    }
    return {
      status: 200,
      body: {
        id: idUrl,
        asserted_user: user.id === userId,
        user_id: user.id,
        organization_id: this.cfg.orgId,
        username: user.username,
        nick_name: user.username.split('@')[0],
        display_name: displayName,
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        timezone: user.timeZoneSidKey,
        active: user.active,
        user_type: 'STANDARD',
        language: 'en_US',
        locale: 'en_US',
        urls,
      },
    };
  }
}
