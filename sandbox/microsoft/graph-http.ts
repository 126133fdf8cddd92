import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInjector } from '../common/faults.ts';
import type { Handler, Response } from '../common/server.ts';
import type { AccessTokens } from './access-tokens.ts';
import { handleBatch, type BatchOptions } from './batch.ts';
import { contextHeaders, Errors, graphError, newRequestContext, type GraphResult, type RequestContext } from './graph-errors.ts';
import type { GraphServices } from './graph-context.ts';
import { executeGraph } from './router.ts';

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/** The /v1.0 surface over HTTP: authentication, JSON parsing and the headers every answer carries. */
export function graphHttpHandler(
  svc: GraphServices,
  tokens: AccessTokens,
  batch: BatchOptions,
  now: () => number,
): Handler {
  return async (req) => {
    if (!/^\/v1\.0(\/|$)/i.test(req.path)) return undefined;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const ctx = newRequestContext(now(), headers['client-request-id']);
    const finish = (r: GraphResult): Response => ({ status: r.status, headers: { ...r.headers, ...contextHeaders(ctx) }, body: r.body });

    const auth = tokens.check(headers.authorization);
    if (!auth.ok) {
      return finish(graphError(ctx, 401, 'InvalidAuthenticationToken', auth.message, { headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } }));
    }
    let body: unknown;
    if (req.body.length > 0) {
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return finish(Errors.badJson(ctx));
      }
    }
    const path = req.path.replace(/^\/v1\.0/i, '') || '/';
    if (path.toLowerCase() === '/$batch') {
      if (req.method !== 'POST') return finish(Errors.methodNotAllowed(ctx));
      return finish(await handleBatch(svc, { body, ctx, app: auth.app }, batch));
    }
    return finish(await executeGraph(svc, { method: req.method, path, query: req.query, headers, body, ctx, app: auth.app }));
  };
}

/** The body an injected fault answers with; its request id is fresh since the fault skips the handler. */
export function graphFaultBody(now: () => number) {
  return (status: number): Response => {
    const ctx: RequestContext = newRequestContext(now());
    const [code, message] = FAULTS[status] ?? ['generalException', 'An unspecified error has occurred.'];
    const r = graphError(ctx, status, code, message);
    return { status, headers: { ...r.headers, ...contextHeaders(ctx) }, body: r.body };
  };
}

const FAULTS: Record<number, [string, string]> = {
  404: ['ResourceNotFound', 'Resource could not be discovered.'],
  429: ['TooManyRequests', 'Please retry again later.'],
  500: ['generalException', 'An unspecified error has occurred.'],
  502: ['BadGateway', 'The service is temporarily unavailable.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please try again later.'],
  504: ['GatewayTimeout', 'The request timed out.'],
};

/** Applies the fault rules to a request executed inside a $batch, the way server.ts does for the wire. */
export function innerFaults(faults: FaultInjector, now: () => number) {
  const body = graphFaultBody(now);
  return async (method: string, path: string): Promise<GraphResult | undefined> => {
    const decision = faults.decide(method, path);
    if (decision.latencyMs) await sleep(decision.latencyMs);
    if (decision.status === undefined) return undefined;
    const r = body(decision.status);
    const retry: Record<string, string> =
      decision.status === 429 || decision.status === 503 ? { 'Retry-After': String(decision.retryAfterSeconds ?? 1) } : {};
    return { status: r.status, headers: { ...r.headers, ...retry }, body: r.body };
  };
}
