/**
 * /services/data: version discovery without auth; below /vXX.X every call needs a live session,
 * counts against the daily allocation (403 REQUEST_LIMIT_EXCEEDED once spent) and answers with
 * `Sforce-Limit-Info: api-usage=N/M`.
 */
import type { Request, Response } from '../../common/server.ts';
import { errorResponse, ok, type OrgCore, type RestCall } from './context.ts';
import { invalidSession, notFound, requestLimitExceeded, methodNotAllowed } from '../errors.ts';
import { handleCollections } from './collections.ts';
import { handleQuery } from './query.ts';
import { handleSObjects } from './sobjects.ts';
import type { ApiUsage } from './usage.ts';

export const MIN_API_VERSION = 20;
const PREFIX = '/services/data';

export interface RestDeps {
  core: OrgCore;
  usage: ApiUsage;
  authenticate(token: string): string | undefined;
}

/** "Summer '24" for 61.0: three releases a year since Winter '11 (20.0). */
export function releaseLabel(version: number): string {
  const index = Math.round(version) - MIN_API_VERSION;
  const season = ['Winter', 'Spring', 'Summer'][index % 3] ?? 'Winter';
  return `${season} '${String(11 + Math.floor(index / 3)).padStart(2, '0')}`;
}

export function tokenFrom(req: Request): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Sforce-Call-Options: client=foo (options separated by ';' today, ',' in older docs and jsforce). */
export function callOptionsClient(req: Request): string | undefined {
  const raw = req.headers['sforce-call-options'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  for (const part of text.split(/[;,]/)) {
    const [k, ...v] = part.split('=');
    if (k?.trim().toLowerCase() === 'client' && v.length) return v.join('=').trim();
  }
  return undefined;
}

export function handleData(req: Request, deps: RestDeps): Response | undefined {
  if (req.path !== PREFIX && !req.path.startsWith(`${PREFIX}/`)) return undefined;
  const rest = req.path.slice(PREFIX.length);
  const max = Number(deps.core.apiVersion);
  if (rest === '' || rest === '/') {
    if (req.method !== 'GET') return errorResponse(methodNotAllowed(req.method, ['GET', 'HEAD']));
    const versions = [];
    for (let v = MIN_API_VERSION; v <= max; v++) {
      versions.push({ label: releaseLabel(v), url: `${PREFIX}/v${v.toFixed(1)}`, version: v.toFixed(1) });
    }
    return ok(versions);
  }
  const m = /^\/v(\d+\.\d)(\/.*)?$/.exec(rest);
  const version = m?.[1];
  if (!version || Number(version) < MIN_API_VERSION || Number(version) > max) return errorResponse(notFound());
  const token = tokenFrom(req);
  const userId = token ? deps.authenticate(token) : undefined;
  if (!userId) return errorResponse(invalidSession());
  const limitHeader = (r: Response): Response => ({ ...r, headers: { ...r.headers, 'Sforce-Limit-Info': deps.usage.header() } });
  if (deps.usage.exhausted()) return limitHeader(errorResponse(requestLimitExceeded()));
  deps.usage.record();
  const client = callOptionsClient(req);
  const call: RestCall = {
    req,
    core: deps.core,
    version,
    segments: (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent),
    userId,
    changeOrigin: `com/salesforce/api/rest/${version}${client ? `;client=${client}` : ''}`,
  };
  return limitHeader(dispatch(call, deps) ?? errorResponse(notFound()));
}

function dispatch(call: RestCall, deps: RestDeps): Response | undefined {
  const base = `${PREFIX}/v${call.version}`;
  if (call.segments.length === 0) {
    return ok({
      tooling: `${base}/tooling`,
      metadata: `${base}/metadata`,
      eclair: `${base}/eclair`,
      limits: `${base}/limits`,
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      composite: `${base}/composite`,
      search: `${base}/search`,
      // jsforce's identity() reads this when it has only a token.
      identity: `${call.core.baseUrl()}/id/${call.core.orgId}/${call.userId}`,
    });
  }
  if (call.segments.length === 1 && call.segments[0] === 'limits') {
    return call.req.method === 'GET' ? ok(deps.usage.limits()) : errorResponse(methodNotAllowed(call.req.method, ['GET', 'HEAD']));
  }
  return handleSObjects(call) ?? handleQuery(call) ?? handleCollections(call);
}
