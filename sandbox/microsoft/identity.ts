import { randomUUID, type KeyObject } from 'node:crypto';
import type { Handler, Request, Response } from '../common/server.ts';
import { GRAPH_APP_ID, GRAPH_RESOURCE, type AccessTokens } from './access-tokens.ts';
import { decodeJwt, rsaSignatureValid } from './jwt.ts';

/** The fake https host msal-node needs (it refuses http authorities); nothing ever resolves it. */
export const AUTHORITY_HOST = 'login.microsoftonline.sandbox.invalid';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface IdentityConfig {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  certificates: KeyObject[];
  now: () => number;
}

export interface IdentityEndpoints {
  authority: string;
  tokenEndpoint: string;
  /** OpenID configuration: both served over HTTP and handed to msal-node as authorityMetadata. */
  metadata: Record<string, unknown>;
}

export function identityEndpoints(cfg: { url: string; tenantId: string }): IdentityEndpoints {
  const authority = `https://${AUTHORITY_HOST}/${cfg.tenantId}`;
  const tokenEndpoint = `${cfg.url}/${cfg.tenantId}/oauth2/v2.0/token`;
  return {
    authority,
    tokenEndpoint,
    metadata: {
      token_endpoint: tokenEndpoint,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${cfg.url}/${cfg.tenantId}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      // msal-node validates the issuer against the authority's origin, so it keeps the fake host.
      issuer: `${authority}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    },
  };
}

/** Handles the v2.0 token endpoint (client credentials only) and the OpenID configuration. */
export function identityHandler(cfg: IdentityConfig, endpoints: IdentityEndpoints, tokens: AccessTokens): Handler {
  return (req) => {
    const [tenant, ...rest] = req.path.split('/').filter(Boolean);
    if (tenant === undefined) return undefined;
    const tail = rest.join('/').toLowerCase();
    if (req.method === 'GET' && tail === 'v2.0/.well-known/openid-configuration') {
      if (tenant !== cfg.tenantId) return tenantNotFound(cfg, tenant, correlationOf(req));
      return { status: 200, body: endpoints.metadata };
    }
    if (tail !== 'oauth2/v2.0/token') return undefined;
    if (req.method !== 'POST') return undefined;
    return tokenRequest(cfg, tokens, tenant, new URLSearchParams(req.body.toString('utf8')), correlationOf(req), endpoints);
  };
}

/** Entra reports the caller's client-request-id (msal-node sends it in the query) as correlation id. */
function correlationOf(req: Request): string {
  const header = req.headers['client-request-id'];
  return req.query.get('client-request-id') || (typeof header === 'string' && header) || randomUUID();
}

function tokenRequest(
  cfg: IdentityConfig,
  tokens: AccessTokens,
  tenant: string,
  form: URLSearchParams,
  correlationId: string,
  endpoints: IdentityEndpoints,
): Response {
  const fail = (status: number, error: string, code: number, message: string) =>
    aadError(cfg, status, error, code, message, correlationId);
  if (tenant !== cfg.tenantId) return tenantNotFound(cfg, tenant, correlationId);
  const missing = ['grant_type', 'client_id', 'scope'].find((p) => !form.get(p));
  if (missing) {
    return fail(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${missing}'.`);
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  const clientId = form.get('client_id') ?? '';
  if (clientId !== cfg.clientId) {
    return fail(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${cfg.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const credentialError = checkClientCredential(cfg, form, endpoints.tokenEndpoint);
  if (credentialError) return fail(401, 'invalid_client', credentialError.code, credentialError.message);
  const scopeError = checkScope(cfg, form.get('scope') ?? '');
  if (scopeError) return fail(400, scopeError.error, scopeError.code, scopeError.message);
  const { token, expiresIn } = tokens.issue();
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', 'client-request-id': correlationId },
    body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token },
  };
}

function checkClientCredential(
  cfg: IdentityConfig,
  form: URLSearchParams,
  tokenEndpoint: string,
): { code: number; message: string } | undefined {
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (secret === cfg.clientSecret) return undefined;
    return {
      code: 7000215,
      message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${cfg.clientId}'.`,
    };
  }
  if (assertion === null) {
    return { code: 7000218, message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." };
  }
  if (form.get('client_assertion_type') !== JWT_BEARER) {
    return { code: 700025, message: `Client assertion type must be '${JWT_BEARER}'.` };
  }
  const jwt = decodeJwt(assertion);
  if (!jwt) return { code: 50027, message: 'JWT token is invalid or malformed.' };
  if (!cfg.certificates.some((key) => rsaSignatureValid(jwt, key))) {
    return { code: 700027, message: 'Client assertion failed signature validation.' };
  }
  const p = jwt.payload;
  if (p.iss !== cfg.clientId || p.sub !== cfg.clientId) {
    return { code: 700021, message: 'Client assertion application identifier doesn\'t match \'client_id\' parameter.' };
  }
  if (p.aud !== tokenEndpoint) {
    return { code: 700212, message: `No matching federated identity record found for presented assertion audience '${String(p.aud)}'.` };
  }
  const now = cfg.now() / 1000;
  if (typeof p.exp !== 'number' || p.exp < now || (typeof p.nbf === 'number' && p.nbf > now + 300)) {
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  }
  return undefined;
}

function checkScope(
  cfg: IdentityConfig,
  scope: string,
): { error: string; code: number; message: string } | undefined {
  const scopes = scope.split(' ').filter(Boolean);
  const dflt = scopes.find((s) => s.toLowerCase().endsWith('/.default'));
  if (scopes.length !== 1 || !dflt) {
    const bad = scopes.find((s) => !s.toLowerCase().endsWith('/.default')) ?? scope;
    return {
      error: 'invalid_scope',
      code: 1002012,
      message: `The provided value for scope ${bad} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    };
  }
  const resource = dflt.slice(0, -'/.default'.length).replace(/\/$/, '');
  if (resource.toLowerCase() !== GRAPH_RESOURCE && resource.toLowerCase() !== GRAPH_APP_ID) {
    return {
      error: 'invalid_resource',
      code: 500011,
      message: `The resource principal named ${resource} was not found in the tenant named ${cfg.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    };
  }
  return undefined;
}

function tenantNotFound(cfg: IdentityConfig, tenant: string, correlationId: string): Response {
  return aadError(
    cfg,
    400,
    'invalid_request',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    correlationId,
  );
}

/** Entra's error body: the description repeats trace id, correlation id and timestamp on CRLF lines. */
function aadError(
  cfg: IdentityConfig,
  status: number,
  error: string,
  code: number,
  message: string,
  correlationId: string,
): Response {
  const traceId = randomUUID();
  const timestamp = new Date(cfg.now()).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  return {
    status,
    headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', 'client-request-id': correlationId },
    body: {
      error,
      error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://${AUTHORITY_HOST}/error?code=${code}`,
    },
  };
}
