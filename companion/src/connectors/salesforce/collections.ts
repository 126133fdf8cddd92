/**
 * Writes through sObject Collections as the acting rep, shared by contacts and events: at most
 * 200 records per request, one result per item, one bad item never failing the batch, and texts
 * built from ids, codes and field names only.
 */
import type { MappingWarning } from '../../core/contact.ts';
import type { WriteResult } from '../../ports/items.ts';
import type { Log } from '../../ports/log.ts';
import type { Actor, SalesforceApi } from './api.ts';
import {
  classify,
  describeRecordError,
  describeRequestError,
  recordErrorIsRetryable,
  safeCode,
  safeFieldNames,
  SalesforceApiError,
} from './errors.ts';
import { chunk, isSalesforceId, soqlIdList, to18 } from './soql.ts';

/** A WriteResult that may carry mapping warnings (e.g. a company with no matching Account). */
export type SalesforceWriteResult = WriteResult & { warnings?: MappingWarning[] };

/** sObject Collections takes at most 200 records per request. */
const COLLECTION_LIMIT = 200;
/** Ids per IN clause: 200 × 21 characters keeps GET /query well under the URL limit. */
export const IN_CLAUSE_IDS = 200;

/** Which sObject a collection writes, and how its records are named in texts ('contact 003…'). */
export interface CollectionTarget {
  sobject: string;
  noun: string;
}

interface SaveResult {
  id?: string | null;
  success?: boolean;
  errors?: Array<{ statusCode?: unknown; message?: unknown; fields?: unknown }>;
}

/** One record ready to send, plus where its result goes. */
export interface Pending {
  index: number;
  /** Record id for update/delete; undefined for create. */
  id?: string;
  body: Record<string, unknown>;
  warnings: MappingWarning[];
}

export type CollectionOp = 'create' | 'update' | 'delete';

/** 'contact 003…' or 'new contact #2': names the record, never its content. */
export function subjectOf(target: CollectionTarget, p: Pick<Pending, 'index' | 'id'>): string {
  return p.id ? `${target.noun} ${p.id}` : `new ${target.noun} #${p.index + 1}`;
}

export function itemFailure(id: string | undefined, code: string, message: string, retryable: boolean, fields?: string[]): SalesforceWriteResult {
  return {
    ok: false,
    ...(id ? { id } : {}),
    error: { code, message, ...(fields && fields.length > 0 ? { fields } : {}), retryable },
  };
}

export function withWarnings(r: SalesforceWriteResult, warnings: MappingWarning[]): SalesforceWriteResult {
  return warnings.length > 0 ? { ...r, warnings } : r;
}

function fromSaveResult(target: CollectionTarget, op: CollectionOp, p: Pending, res: SaveResult | undefined): SalesforceWriteResult {
  if (res?.success === true) {
    const id = typeof res.id === 'string' && res.id !== '' ? res.id : p.id;
    if (id) return withWarnings({ ok: true, id, version: '' }, p.warnings);
  }
  const first = res?.errors?.[0];
  const code = safeCode(first?.statusCode);
  if (op === 'delete' && code === 'ENTITY_IS_DELETED' && p.id) {
    // Already gone is what a delete asks for.
    return { ok: true, id: p.id, version: '' };
  }
  if (!res) {
    return withWarnings(itemFailure(p.id, 'NO_RESULT', `Salesforce returned no result for ${subjectOf(target, p)}`, true), p.warnings);
  }
  const fields = safeFieldNames(first?.fields);
  return withWarnings(
    itemFailure(p.id, code, describeRecordError(subjectOf(target, p), code, fields), recordErrorIsRetryable(code), fields),
    p.warnings,
  );
}

/**
 * Splits into requests of at most 200 records in which no record repeats (in its 15- or
 * 18-character form): within one collection the order of two writes to one record is not
 * defined, and the caller's order must hold.
 */
function batches(items: Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let cur: Pending[] = [];
  let ids = new Set<string>();
  for (const p of items) {
    const key = p.id ? to18(p.id) : undefined;
    if (cur.length >= COLLECTION_LIMIT || (key && ids.has(key))) {
      out.push(cur);
      cur = [];
      ids = new Set();
    }
    cur.push(p);
    if (key) ids.add(key);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Sends the pending records and writes each one's result at its index; never throws for a failed request. */
export async function runCollections(
  api: SalesforceApi,
  actor: Actor,
  target: CollectionTarget,
  op: CollectionOp,
  items: Pending[],
  results: SalesforceWriteResult[],
  log: Log,
): Promise<void> {
  const what = `${target.noun} ${op}`;
  for (const batch of batches(items)) {
    let answer: unknown;
    try {
      answer = await api.call<unknown>(actor, what, op === 'create' ? 'create' : 'idempotent', () => {
        if (op === 'delete') {
          const ids = batch.map((p) => p.id).join(',');
          return { method: 'DELETE', url: `/composite/sobjects?ids=${ids}&allOrNone=false` };
        }
        const records = batch.map((p) => ({ attributes: { type: target.sobject }, ...(p.id ? { id: p.id } : {}), ...p.body }));
        return {
          method: op === 'create' ? 'POST' : 'PATCH',
          url: '/composite/sobjects',
          body: JSON.stringify({ allOrNone: false, records }),
          headers: { 'content-type': 'application/json' },
        };
      });
    } catch (err) {
      const c = classify(err);
      const retryable = err instanceof SalesforceApiError ? err.retryable : c.kind !== 'rejected';
      const text = err instanceof SalesforceApiError ? err.message : describeRequestError(what, c);
      log('warn', 'salesforce collection request failed', { sobject: target.sobject, op, user: actor.label, records: batch.length, code: c.code, status: c.status });
      for (const p of batch) results[p.index] = withWarnings(itemFailure(p.id, safeCode(c.code), text, retryable), p.warnings);
      continue;
    }
    const list = Array.isArray(answer) ? (answer as SaveResult[]) : [];
    batch.forEach((p, i) => {
      results[p.index] = fromSaveResult(target, op, p, list[i]);
    });
    const failed = batch.length - batch.filter((p) => results[p.index]?.ok).length;
    log('debug', 'salesforce collection written', { sobject: target.sobject, op, user: actor.label, records: batch.length, failed });
  }
}

/** Resolves the acting rep; if that fails, every item fails with the same error. */
export async function actorOrFail(
  api: SalesforceApi,
  asUserId: string,
  count: number,
  results: SalesforceWriteResult[],
  ids?: string[],
): Promise<Actor | undefined> {
  try {
    const actor = await api.actorFor(asUserId);
    // Log in now so a refused token fails the batch once, not per chunk.
    await api.pool.connection(actor.username, actor.label);
    return actor;
  } catch (err) {
    const c = classify(err);
    // A renamed user keeps its id; look the username up again next time.
    if (c.code === 'invalid_grant') api.forgetUsername(asUserId);
    const retryable = err instanceof SalesforceApiError ? err.retryable : c.kind !== 'rejected';
    const text = err instanceof SalesforceApiError ? err.message : describeRequestError(`acting as ${asUserId}`, c);
    for (let i = 0; i < count; i++) {
      const id = ids?.[i];
      results[i] = itemFailure(id && isSalesforceId(id) ? id : undefined, safeCode(c.code), text, retryable);
    }
    return undefined;
  }
}

/** Codes Salesforce gives a delete of an id it no longer has at all (past the recycle bin). */
const MAYBE_GONE = new Set(['INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND']);

/**
 * A deleted record leaves the recycle bin (ENTITY_IS_DELETED, already ok) for good after a while,
 * and a delete then answers as for an id that never existed. Such an id counts as deleted only when
 * the integration user's read confirms it is absent, so a refusal for any other reason stays one.
 */
export async function confirmGone(api: SalesforceApi, sobject: 'Contact' | 'Event' | 'EventRelation', pending: Pending[], results: SalesforceWriteResult[], log: Log): Promise<void> {
  const suspects = pending.filter((p) => {
    const r = results[p.index];
    return r !== undefined && !r.ok && MAYBE_GONE.has(r.error.code);
  });
  if (suspects.length === 0) return;
  const what = sobject === 'Contact' ? 'contact' : sobject === 'Event' ? 'event' : 'event relation';
  const present = new Set<string>();
  try {
    for (const part of chunk([...new Set(suspects.map((p) => to18(p.id as string)))], IN_CLAUSE_IDS)) {
      const rows = await api.query<{ Id?: unknown }>(api.integration, `${what} delete check`, `SELECT Id FROM ${sobject} WHERE Id IN ${soqlIdList(part)}`);
      for (const r of rows) if (isSalesforceId(r.Id)) present.add(to18(r.Id));
    }
  } catch (err) {
    // Unconfirmed: the items keep the error Salesforce gave.
    const c = classify(err);
    log('warn', `salesforce ${what} delete check failed`, { records: suspects.length, code: c.code, status: c.status });
    return;
  }
  for (const p of suspects) if (!present.has(to18(p.id as string))) results[p.index] = { ok: true, id: p.id as string, version: '' };
}
