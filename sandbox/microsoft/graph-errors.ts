import { randomUUID } from 'node:crypto';

/** What every Graph response carries so a caller can quote it in a support case. */
export interface RequestContext {
  requestId: string;
  clientRequestId: string;
  /** innerError.date is second precision with no zone suffix, as Graph writes it. */
  date: string;
}

export interface GraphResult {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export function newRequestContext(now: number, clientRequestId?: string): RequestContext {
  const requestId = randomUUID();
  return {
    requestId,
    // Graph echoes the caller's client-request-id, or reuses its own id when none was sent.
    clientRequestId: clientRequestId ?? requestId,
    date: new Date(now).toISOString().slice(0, 19),
  };
}

export function contextHeaders(ctx: RequestContext): Record<string, string> {
  return { 'request-id': ctx.requestId, 'client-request-id': ctx.clientRequestId };
}

/**
 * The OData error envelope. Outlook's throttling errors arrive without innerError (as observed
 * in the wild), so callers can leave it out.
 */
export function graphError(
  ctx: RequestContext,
  status: number,
  code: string,
  message: string,
  opts: { headers?: Record<string, string>; innerError?: boolean } = {},
): GraphResult {
  const error: Record<string, unknown> = { code, message };
  if (opts.innerError !== false) {
    error.innerError = { date: ctx.date, 'request-id': ctx.requestId, 'client-request-id': ctx.clientRequestId };
  }
  return { status, headers: opts.headers, body: { error } };
}

/** Codes and messages used in more than one module, collected so they stay identical. */
export const Errors = {
  itemNotFound: (ctx: RequestContext) =>
    graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
  invalidUser: (ctx: RequestContext, user: string) =>
    graphError(ctx, 404, 'ErrorInvalidUser', `The requested user '${user}' is invalid.`),
  badJson: (ctx: RequestContext) =>
    graphError(
      ctx,
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  methodNotAllowed: (ctx: RequestContext) =>
    graphError(ctx, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
  segmentNotFound: (ctx: RequestContext, segment: string) =>
    graphError(ctx, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
};
