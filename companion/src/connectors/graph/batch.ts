import type { Log } from '../../ports/log.ts';
import { HttpNetworkError, RETRYABLE_STATUSES, backoffDelay, parseRetryAfter, type RetryPolicy } from '../http/index.ts';
import type { WriteResult } from '../../ports/items.ts';
import { parseGraphError } from './errors.ts';
import { PREFER_IMMUTABLE_ID, type GraphHttp } from './graph-http.ts';

/** Graph's limit on requests in one $batch. */
export const MAX_BATCH = 20;

export interface BatchOp {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the version root, e.g. /users/{m}/contacts/{id}. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** One inner response; status 0 stands for "the $batch itself never got an answer". */
export interface BatchOutcome {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** The $batch call itself failed; the pipeline has already spent its retries on it. */
  outer?: boolean;
}

export interface BatchDeps {
  graph: GraphHttp;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /** A longer Retry-After ends the retries: the item goes back to the engine as retryable. */
  maxRetryAfterMs: number;
  log: Log;
}

interface InnerResponse {
  id?: unknown;
  status?: unknown;
  headers?: unknown;
  body?: unknown;
}

/**
 * Runs the operations for one mailbox through $batch and returns their outcomes in input order.
 *
 * Each batch is a dependsOn chain: Graph then runs it one request at a time, so a batch costs
 * one of the mailbox's 4 concurrent Outlook requests — the slot our limiter already counted for
 * it. Unchained, Graph would run up to 4 of its requests at once on top of our other requests.
 * The price is that a failed request fails the rest of its chain with 424; those are sent again
 * (without the failed one) until each has its own answer. Inner 429 and 5xx are retried after
 * their Retry-After, up to the retry policy's attempts.
 */
export async function runBatch(deps: BatchDeps, mailbox: string, ops: BatchOp[]): Promise<BatchOutcome[]> {
  const outcomes: Array<BatchOutcome | undefined> = new Array(ops.length);
  const last: BatchOutcome[] = [];
  const attempts = new Array<number>(ops.length).fill(0);
  let pending = ops.map((_, i) => i);
  // Every round with a 424 also settled the request that caused it, so ops.length rounds
  // always suffice for dependency failures; the attempts cover throttling on top.
  const maxRounds = ops.length + deps.retry.maxAttempts;

  const tooLong = (out: BatchOutcome) => (parseRetryAfter(out.headers['retry-after'], deps.now()) ?? 0) > deps.maxRetryAfterMs;

  for (let round = 1; pending.length > 0; round++) {
    const chunks: number[][] = [];
    for (let i = 0; i < pending.length; i += MAX_BATCH) chunks.push(pending.slice(i, i + MAX_BATCH));
    // Chunks run side by side; the pipeline's per-mailbox limit decides how many at once.
    const answers = await Promise.all(chunks.map((chunk) => sendChain(deps, mailbox, ops, chunk)));

    const again: number[] = [];
    let waitMs = 0;
    answers.forEach((answer, c) => {
      for (const i of chunks[c] ?? []) {
        const out = answer.get(i) ?? missing();
        last[i] = out;
        const transient = !out.outer && (RETRYABLE_STATUSES.has(out.status) || out.status === 0);
        const tries = transient ? (attempts[i] ?? 0) + 1 : 0;
        if (transient) attempts[i] = tries;
        if (out.status === 424 && round < maxRounds) {
          again.push(i);
        } else if (transient && tries < deps.retry.maxAttempts && round < maxRounds && !tooLong(out)) {
          again.push(i);
          const asked = parseRetryAfter(out.headers['retry-after'], deps.now());
          waitMs = Math.max(waitMs, asked ?? backoffDelay(tries, deps.retry, deps.random));
        } else {
          outcomes[i] = out;
        }
      }
    });
    pending = again.sort((a, b) => a - b);
    if (pending.length > 0) {
      deps.log('info', 'graph batch: sending again', { count: pending.length, round, waitMs });
      if (waitMs > 0) await deps.sleep(waitMs);
    }
  }
  return ops.map((_, i) => outcomes[i] ?? last[i] ?? missing());
}

async function sendChain(deps: BatchDeps, mailbox: string, ops: BatchOp[], chunk: number[]): Promise<Map<number, BatchOutcome>> {
  const requests = chunk.map((i, k) => {
    const op = ops[i]!;
    const headers: Record<string, string> = { Prefer: PREFER_IMMUTABLE_ID, ...op.headers };
    if (op.body !== undefined) headers['Content-Type'] = 'application/json';
    return {
      id: String(i + 1),
      method: op.method,
      url: op.url,
      headers,
      ...(op.body !== undefined ? { body: op.body } : {}),
      ...(k > 0 ? { dependsOn: [String(chunk[k - 1]! + 1)] } : {}),
    };
  });

  const all = (out: BatchOutcome) => new Map(chunk.map((i) => [i, out]));
  let res;
  try {
    // A batch that creates must not be sent again after a dropped connection or a 5xx that may have run it.
    const creates = chunk.some((i) => ops[i]!.method === 'POST');
    res = await deps.graph.call(mailbox, '/$batch', { method: 'POST', body: { requests }, idempotent: !creates });
  } catch (err) {
    if (!(err instanceof HttpNetworkError)) throw err;
    return all({ status: 0, headers: {}, body: { error: { code: 'NetworkError' } }, outer: true });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.status !== 200) return all({ status: res.status, headers: {}, body, outer: true });
  const answers = new Map<number, BatchOutcome>();
  const responses = (body as { responses?: unknown } | undefined)?.responses;
  // Graph answers in any order: match on id, never on position.
  for (const r of Array.isArray(responses) ? (responses as InnerResponse[]) : []) {
    const index = Number(r.id) - 1;
    if (!Number.isInteger(index) || !chunk.includes(index) || typeof r.status !== 'number') continue;
    answers.set(index, { status: r.status, headers: lowerCaseHeaders(r.headers), body: r.body });
  }
  return answers;
}

function missing(): BatchOutcome {
  return { status: 0, headers: {}, body: { error: { code: 'MissingBatchResponse' } } };
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  }
  return out;
}

/** Deletes items by id; one already gone counts as deleted, since that is what the caller wanted. */
export async function deleteThroughBatch(
  deps: BatchDeps,
  mailbox: string,
  ids: string[],
  urlOf: (id: string) => string,
  onFailure: (id: string, out: BatchOutcome) => WriteResult,
): Promise<WriteResult[]> {
  const outs = await runBatch(deps, mailbox, ids.map((id) => ({ method: 'DELETE', url: urlOf(id) })));
  return outs.map((out, i) => {
    const id = ids[i]!;
    const gone = out.status === 404 && parseGraphError(out.body).code === 'ErrorItemNotFound';
    return out.status === 204 || out.status === 200 || gone ? { ok: true, id, version: '' } : onFailure(id, out);
  });
}

/**
 * A failed item inside a batch, described by operation, item and field names only: Graph's own
 * message is left out because it may quote the item's content. `fieldsOf` maps Graph property
 * names to the connector's canonical field names.
 */
export function itemFailure(op: string, label: string, id: string | undefined, out: BatchOutcome, fieldsOf: (properties: string[]) => string[]): WriteResult {
  const info = parseGraphError(out.body);
  const fields = fieldsOf(info.properties);
  const status = out.status === 0 ? 'no response' : `HTTP ${out.status}`;
  return {
    ok: false,
    ...(id === undefined ? {} : { id }),
    error: {
      code: info.code,
      message: `${op} ${label}: ${info.code} (${status})${fields.length > 0 ? ` on field ${fields.join(', ')}` : ''}`,
      ...(fields.length > 0 ? { fields } : {}),
      retryable: out.status === 0 || out.status === 424 || RETRYABLE_STATUSES.has(out.status),
    },
  };
}
