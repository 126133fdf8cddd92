import { randomBytes } from 'node:crypto';
import { newGuid } from './ids.ts';
import { decodeJwt, hs256Valid, signHs256 } from './jwt.ts';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Graph's well-known application id; Entra accepts it in place of the resource URI. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Entra tolerates this much clock skew when validating lifetimes. */
const CLOCK_SKEW_SECONDS = 300;

export interface AppIdentity {
  appId: string;
  tenantId: string;
  roles: string[];
}

export type TokenCheck = { ok: true; app: AppIdentity } | { ok: false; message: string };

export class AccessTokens {
  private readonly key = randomBytes(32);
  private readonly servicePrincipalId = newGuid();

  constructor(
    private readonly cfg: { tenantId: string; clientId: string; roles: string[]; ttlSeconds: number; now: () => number },
  ) {}

  issue(): { token: string; expiresIn: number } {
    const iat = Math.floor(this.cfg.now() / 1000);
    const token = signHs256(
      {
        aud: GRAPH_RESOURCE,
        iss: `https://sts.windows.net/${this.cfg.tenantId}/`,
        iat,
        nbf: iat,
        exp: iat + this.cfg.ttlSeconds,
        appid: this.cfg.clientId,
        idtyp: 'app',
        oid: this.servicePrincipalId,
        sub: this.servicePrincipalId,
        roles: this.cfg.roles,
        tid: this.cfg.tenantId,
        ver: '1.0',
        uti: newGuid(),
      },
      this.key,
    );
    return { token, expiresIn: this.cfg.ttlSeconds };
  }

  /** Messages follow what Graph answers for each failure (InvalidAuthenticationToken). */
  check(authorization: string | undefined): TokenCheck {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return { ok: false, message: 'Access token is empty.' };
    const jwt = decodeJwt(m[1]);
    if (!jwt) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    if (!hs256Valid(jwt, this.key)) return { ok: false, message: 'Access token validation failure.' };
    const p = jwt.payload;
    if (p.aud !== GRAPH_RESOURCE) return { ok: false, message: 'Access token validation failure. Invalid audience.' };
    const now = this.cfg.now() / 1000;
    if (typeof p.exp !== 'number' || now > p.exp + CLOCK_SKEW_SECONDS) {
      return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    }
    if (typeof p.nbf === 'number' && now < p.nbf - CLOCK_SKEW_SECONDS) {
      return { ok: false, message: 'Lifetime validation failed, the token is not yet valid.' };
    }
    const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [];
    return { ok: true, app: { appId: String(p.appid), tenantId: String(p.tid), roles } };
  }
}
