import type { AppIdentity } from './access-tokens.ts';
import type { InputError } from './contact-schema.ts';
import type { DeltaTokens } from './delta-tokens.ts';
import { graphError, type GraphResult, type RequestContext } from './graph-errors.ts';
import type { FolderRecord, MailboxRecord, MailboxStore } from './store.ts';
import type { MailboxThrottle } from './throttle.ts';

/** One Graph call, from the wire or from inside a $batch; path is relative to /v1.0. */
export interface GraphRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, or undefined when the request had no body. */
  body: unknown;
  ctx: RequestContext;
  app: AppIdentity;
}

export interface GraphServices {
  store: MailboxStore;
  throttle: MailboxThrottle;
  deltaTokens: DeltaTokens;
  graphUrl: string;
  /** How long a request holds its mailbox slot: what makes concurrency limits reachable. */
  serviceTimeMs: number;
  defaultPageSize: number;
  maxDeltaPageSize: number;
}

/** What a route handler gets once the user (and folder, where the path has one) resolved. */
export interface Target {
  svc: GraphServices;
  req: GraphRequest;
  mailbox: MailboxRecord;
  folder?: FolderRecord;
}

export const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): GraphResult {
  return { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, 'OData-Version': '4.0', ...headers }, body };
}

export const noContent = (): GraphResult => ({ status: 204 });

export const fromInputError = (ctx: RequestContext, e: InputError): GraphResult => graphError(ctx, e.status, e.code, e.message);

export const metadataUrl = (svc: GraphServices, fragment: string): string => `${svc.graphUrl}/$metadata#${fragment}`;
