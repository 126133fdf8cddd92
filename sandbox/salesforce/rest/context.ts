/** What every REST resource handler gets, and the response helpers they share. */
import type { Request, Response } from '../../common/server.ts';
import type { PlatformEventMessage } from '../changes.ts';
import { SfError, SfRequestError } from '../errors.ts';
import type { ObjectDef, Schema } from '../schema.ts';
import type { OrgStore } from '../store.ts';
import type { QueryCursors } from './query-cursors.ts';

/** The org's parts a REST handler may use. */
export interface OrgCore {
  schema: Schema;
  store: OrgStore;
  now: () => number;
  apiVersion: string;
  orgId: string;
  /** The org's URL (known once the server listens). */
  baseUrl(): string;
  cursors: QueryCursors;
  publishPlatformEvent(msg: PlatformEventMessage): void;
}

export interface RestCall {
  req: Request;
  core: OrgCore;
  /** "61.0", from the URL. */
  version: string;
  /** Path segments after /services/data/vXX.X. */
  segments: string[];
  userId: string;
  /** changeOrigin for writes made by this request. */
  changeOrigin: string;
}

export type RestHandler = (call: RestCall) => Response | undefined;

export const ok = (body: unknown, status = 200): Response => ({ status, body });

export function errorResponse(err: SfError, body?: string): Response {
  const rest = err.toRest();
  if (err instanceof SfRequestError && err.errorCode === 'JSON_PARSER_ERROR' && body !== undefined) {
    rest.message += ` at ${locate(body, err.field)}`;
  }
  return { status: err.status, body: [rest] };
}

/** Runs a handler body, turning thrown SfErrors into Salesforce error responses. */
export function guarded(call: RestCall, fn: () => Response | undefined): Response | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SfError) return errorResponse(err, call.req.body.toString('utf8'));
    throw err;
  }
}

/** The request body as JSON; a syntax error is Salesforce's JSON_PARSER_ERROR. */
export function jsonBody(call: RestCall): unknown {
  const text = call.req.body.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new SfRequestError('JSON_PARSER_ERROR', `Unexpected character in request body: ${detail}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectOr404(core: OrgCore, name: string | undefined): ObjectDef {
  const def = name ? core.schema.object(name) : undefined;
  if (!def) throw new SfError('NOT_FOUND', 'The requested resource does not exist', [], 404);
  return def;
}

/**
 * "[line:1, column:42]" for the value of `field` in a JSON text, the way Salesforce's parser
 * reports where it stopped; the start of the body when the field cannot be found.
 */
function locate(body: string, field: string | undefined): string {
  let idx = -1;
  if (field) {
    const re = new RegExp(`"${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:\\s*`, 'i');
    const m = re.exec(body);
    if (m) idx = m.index + m[0].length;
  }
  if (idx < 0) return '[line:1, column:1]';
  const before = body.slice(0, idx + 1);
  const line = before.split('\n').length;
  const column = idx - before.lastIndexOf('\n');
  return `[line:${line}, column:${column}]`;
}
