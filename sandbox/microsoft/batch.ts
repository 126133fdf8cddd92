import type { AppIdentity } from './access-tokens.ts';
import { graphError, newRequestContext, type GraphResult, type RequestContext } from './graph-errors.ts';
import { ok, type GraphServices } from './graph-context.ts';
import { isRecord } from './is-record.ts';
import { executeGraph } from './router.ts';

export interface BatchOptions {
  maxRequests: number;
  /** Graph hands at most this many requests of one batch to Outlook at a time. */
  parallelism: number;
  now: () => number;
  /** Called for each inner request, so request counting sees what throttling sees. */
  onInner: (method: string, path: string) => void;
  /** Fault injection for inner requests: an answer replaces the real one, as a failing backend would. */
  inject: (method: string, path: string) => Promise<GraphResult | undefined>;
  /** Responses come back in completion order, or reversed: Graph promises no order at all. */
  reverse: () => boolean;
}

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT']);

/** POST /v1.0/$batch (JSON batching). The outer call was authenticated; inner calls inherit it. */
export async function handleBatch(
  svc: GraphServices,
  outer: { body: unknown; ctx: RequestContext; app: AppIdentity },
  opts: BatchOptions,
): Promise<GraphResult> {
  const parsed = parseBatch(outer.body, opts.maxRequests);
  if ('message' in parsed) return graphError(outer.ctx, 400, 'BadRequest', parsed.message);
  const requests = parsed.requests;
  const key = (id: string) => id.toLowerCase();
  const done = new Map<string, Promise<GraphResult>>();
  const completed: Array<{ id: string; result: GraphResult }> = [];
  const slots = new Semaphore(opts.parallelism);
  // parseBatch has ordered the requests so every dependency comes before its dependents.
  for (const r of requests) {
    done.set(
      key(r.id),
      (async () => {
        const deps = await Promise.all(r.dependsOn.map((d) => done.get(key(d)) ?? Promise.resolve(undefined)));
        const ctx = newRequestContext(opts.now());
        let result: GraphResult;
        if (deps.some((d) => !d || d.status >= 400)) {
          result = graphError(ctx, 424, 'FailedDependency', 'The request failed because a request it depends on failed.');
        } else {
          result = await slots.run(() => runInner(svc, r, ctx, outer.app, opts));
        }
        completed.push({ id: r.id, result });
        return result;
      })(),
    );
  }
  await Promise.all(done.values());
  const ordered = opts.reverse() ? [...completed].reverse() : completed;
  return ok({ responses: ordered.map(({ id, result }) => toInnerResponse(id, result)) });
}

async function runInner(svc: GraphServices, r: InnerRequest, ctx: RequestContext, app: AppIdentity, opts: BatchOptions): Promise<GraphResult> {
  const target = relativeTarget(r.url);
  if (!target) return graphError(ctx, 400, 'BadRequest', `Invalid request URL '${r.url}'.`);
  opts.onInner(r.method, `/v1.0${target.path}`);
  if (target.path.toLowerCase().startsWith('/$batch')) {
    return graphError(ctx, 400, 'BadRequest', 'Nested batch requests are not supported.');
  }
  const injected = await opts.inject(r.method, `/v1.0${target.path}`);
  if (injected) return injected;
  return executeGraph(svc, { method: r.method, path: target.path, query: target.query, headers: r.headers, body: r.body, ctx, app });
}

/** Inner URLs are relative to the version root ("/users/…" or "users/…"); absolute ones are tolerated. */
function relativeTarget(url: string): { path: string; query: URLSearchParams } | undefined {
  let u: URL;
  try {
    u = new URL(url, 'https://graph.invalid/v1.0/');
  } catch {
    return undefined;
  }
  const path = u.pathname.replace(/^\/(v1\.0|beta)(?=\/|$)/i, '');
  return { path: path || '/', query: u.searchParams };
}

function toInnerResponse(id: string, result: GraphResult): Record<string, unknown> {
  const headers: Record<string, string> = { ...result.headers };
  if (result.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  const out: Record<string, unknown> = { id, status: result.status, headers };
  if (result.body !== undefined) out.body = result.body;
  return out;
}

function parseBatch(body: unknown, max: number): { requests: InnerRequest[] } | { message: string } {
  const invalid = { message: 'Invalid batch payload format.' };
  if (!isRecord(body) || !Array.isArray(body.requests)) return invalid;
  if (body.requests.length > max) return { message: `The number of requests in the batch exceeds the limit of ${max}.` };
  const requests: InnerRequest[] = [];
  const seen = new Set<string>();
  for (const raw of body.requests) {
    if (!isRecord(raw) || typeof raw.id !== 'string' || !raw.id || typeof raw.method !== 'string' || typeof raw.url !== 'string') {
      return invalid;
    }
    // Ids are not case-sensitive.
    if (seen.has(raw.id.toLowerCase())) return { message: `Request Id ${raw.id} has to be unique in a batch.` };
    seen.add(raw.id.toLowerCase());
    const headers: Record<string, string> = {};
    if (raw.headers !== undefined) {
      if (!isRecord(raw.headers)) return invalid;
      for (const [k, v] of Object.entries(raw.headers)) headers[k.toLowerCase()] = String(v);
    }
    const method = raw.method.toUpperCase();
    if (WRITE_METHODS.has(method) && (raw.body === undefined || !headers['content-type'])) {
      return { message: `Write request id : ${raw.id} does not contain Content-Type header or body.` };
    }
    if (raw.dependsOn !== undefined && (!Array.isArray(raw.dependsOn) || !raw.dependsOn.every((d) => typeof d === 'string'))) {
      return invalid;
    }
    requests.push({ id: raw.id, method, url: raw.url, headers, body: raw.body, dependsOn: (raw.dependsOn as string[] | undefined) ?? [] });
  }
  return orderByDependencies(requests);
}

function orderByDependencies(requests: InnerRequest[]): { requests: InnerRequest[] } | { message: string } {
  const byId = new Map(requests.map((r) => [r.id.toLowerCase(), r]));
  for (const r of requests) {
    const missing = r.dependsOn.find((d) => !byId.has(d.toLowerCase()));
    if (missing !== undefined) return { message: `Request ${r.id} depends on request ${missing}, which is not in the batch.` };
  }
  const ordered: InnerRequest[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (r: InnerRequest): boolean => {
    const k = r.id.toLowerCase();
    if (state.get(k) === 'done') return true;
    if (state.get(k) === 'visiting') return false;
    state.set(k, 'visiting');
    for (const d of r.dependsOn) if (!visit(byId.get(d.toLowerCase()) as InnerRequest)) return false;
    state.set(k, 'done');
    ordered.push(r);
    return true;
  };
  for (const r of requests) if (!visit(r)) return { message: 'The dependencies in the batch form a cycle.' };
  return { requests: ordered };
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so the count never overshoots.
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
