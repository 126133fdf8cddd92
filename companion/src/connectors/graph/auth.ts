import { ConfidentialClientApplication, LogLevel as MsalLogLevel } from '@azure/msal-node';
import type { Log } from '../../ports/log.ts';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphAuthOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authority: string;
  authorityMetadata?: string;
  log: Log;
}

/** App-only tokens for Graph. `rejected` is a token Graph just refused: a fresh one is fetched. */
export interface GraphTokenSource {
  token(rejected?: string): Promise<string>;
}

/** A token could not be obtained: wrong tenant, secret or consent, or the identity service is down. */
export class GraphAuthError extends Error {
  constructor(
    message: string,
    readonly errorCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GraphAuthError';
  }
}

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

/**
 * The authority msal gets: `authority` as given, with the tenant appended when it names a host
 * only. The client-credentials flow needs one tenant, so the multi-tenant aliases are refused.
 */
export function resolveAuthority(authority: string, tenantId: string): URL {
  const url = new URL(authority);
  if (url.protocol !== 'https:') throw new Error('microsoft authority must be an https URL (msal-node refuses others)');
  const segment = url.pathname.split('/').filter(Boolean)[0];
  if (segment === undefined) url.pathname = `/${tenantId}`;
  else if (MULTI_TENANT.has(segment.toLowerCase())) {
    throw new Error(`microsoft authority must name the tenant, not '${segment}': app-only tokens are issued per tenant`);
  }
  return url;
}

export function createGraphTokenSource(opts: GraphAuthOptions): GraphTokenSource {
  const authority = resolveAuthority(opts.authority, opts.tenantId);
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      authority: authority.href.replace(/\/$/, ''),
      // Given metadata, msal must neither discover the instance nor fetch the OpenID document:
      // a sovereign cloud or the sandbox answers from a host msal does not know.
      ...(opts.authorityMetadata ? { knownAuthorities: [authority.host], authorityMetadata: opts.authorityMetadata } : {}),
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: MsalLogLevel.Warning,
        // msal warns on every app-only token ("No client info in response"); its errors matter,
        // and our own log line names a failed acquisition anyway.
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          opts.log(level === MsalLogLevel.Error ? 'warn' : 'debug', 'msal', { message });
        },
      },
    },
  });

  let current: string | undefined;
  // One acquisition of each kind at a time: a burst of first requests, or of 401s, then costs a
  // single token call. A forced refresh also stands in for plain acquisitions while it runs.
  let plain: Promise<string> | undefined;
  let refreshing: Promise<string> | undefined;

  async function acquire(skipCache: boolean): Promise<string> {
    try {
      const result = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache });
      if (!result?.accessToken) throw new GraphAuthError('the identity service returned no access token', 'no_token');
      current = result.accessToken;
      return current;
    } catch (err) {
      if (err instanceof GraphAuthError) throw err;
      const { errorCode, errorMessage } = err as { errorCode?: unknown; errorMessage?: unknown };
      const code = typeof errorCode === 'string' ? errorCode : 'unknown';
      // AADSTS numbers say what is wrong (7000215: bad secret, 700016: unknown app, 90002: unknown tenant).
      const aadsts = typeof errorMessage === 'string' ? /AADSTS\d+/.exec(errorMessage)?.[0] : undefined;
      opts.log('error', 'graph token request failed', { errorCode: code, aadsts });
      throw new GraphAuthError(`could not get a Graph token: ${code}${aadsts ? ` (${aadsts})` : ''}`, code, { cause: err });
    }
  }

  return {
    async token(rejected) {
      if (refreshing) return refreshing;
      if (rejected === undefined) {
        plain ??= acquire(false).finally(() => {
          plain = undefined;
        });
        return plain;
      }
      // Another request already replaced the refused token.
      if (current !== undefined && current !== rejected) return current;
      opts.log('info', 'graph refused the access token; fetching a new one');
      refreshing = acquire(true).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
