/**
 * Runs a parsed query against the store and shapes the rows as the REST API does: an
 * `attributes` header on every record and on every parent reached through a relationship, parent
 * fields nested under the relationship name, a missing parent as null.
 */
import type { OrgStore, StoredRecord } from '../store.ts';
import { toRest } from '../values.ts';
import type { Query } from './ast.ts';
import { SoqlError } from './errors.ts';
import { leafValue } from './polymorphic.ts';
import { compileCondition, readValue, type Fetch } from './filter.ts';
import { parseSoql } from './parser.ts';
import { resolvePath, type ResolvedField, type Scope } from './resolve.ts';

export interface QueryOutcome {
  totalSize: number;
  /** Shaped rows; empty for COUNT(). */
  records: Array<Record<string, unknown>>;
}

export interface QueryOptions {
  includeDeleted: boolean;
  apiVersion: string;
  now: number;
}

export function runSoql(store: OrgStore, text: string, opts: QueryOptions): QueryOutcome {
  const q = parseSoql(text);
  const root = store.schema.object(q.from.name);
  if (!root || !root.queryable) {
    throw new SoqlError(
      'INVALID_TYPE',
      `sObject type '${q.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      q.from.pos,
    );
  }
  const scope: Scope = { schema: store.schema, root, ...(q.alias ? { alias: q.alias } : {}) };
  const fetch: Fetch = (id) => {
    const r = store.get(id);
    return r && !r.values['IsDeleted'] ? r : undefined;
  };
  const fields = selectFields(scope, q);
  const where = q.where ? compileCondition(scope, q.where, fetch, opts.now) : () => true;
  const order = q.orderBy.map((o) => ({ ...o, field: resolvePath(scope, o.path) }));
  let rows = store.list(root.name, opts.includeDeleted).filter(where);
  if (order.length) rows = sortRows(rows, order, fetch);
  rows = rows.slice(q.offset ?? 0, q.limit === undefined ? undefined : (q.offset ?? 0) + q.limit);
  if (!fields) return { totalSize: rows.length, records: [] };
  return { totalSize: rows.length, records: rows.map((r) => shape(r, fields, fetch, opts.apiVersion)) };
}

/** Resolved select list, or undefined for SELECT COUNT(). */
function selectFields(scope: Scope, q: Query): ResolvedField[] | undefined {
  const count = q.select.find((s) => s.kind === 'count');
  if (count) {
    if (q.select.length > 1) throw new SoqlError('MALFORMED_QUERY', 'COUNT() and other fields cannot be selected together', count.pos);
    return undefined;
  }
  const seen = new Set<string>();
  const out: ResolvedField[] = [];
  for (const item of q.select) {
    if (item.kind !== 'field') continue;
    const rf = resolvePath(scope, item.path);
    const key = rf.canonical.toLowerCase();
    if (seen.has(key)) throw new SoqlError('MALFORMED_QUERY', `duplicate field selected: ${rf.written}`, rf.pos);
    seen.add(key);
    out.push(rf);
  }
  return out;
}

function sortRows(
  rows: StoredRecord[],
  order: Array<{ field: ResolvedField; descending: boolean; nullsLast: boolean }>,
  fetch: Fetch,
): StoredRecord[] {
  const keyed = rows.map((r) => ({ r, keys: order.map((o) => sortKey(readValue(o.field, r, fetch))) }));
  keyed.sort((a, b) => {
    for (const [i, o] of order.entries()) {
      const x = a.keys[i] ?? null;
      const y = b.keys[i] ?? null;
      if (x === y) continue;
      if (x === null) return o.nullsLast ? 1 : -1;
      if (y === null) return o.nullsLast ? -1 : 1;
      const cmp = x < y ? -1 : 1;
      return o.descending ? -cmp : cmp;
    }
    return 0;
  });
  return keyed.map((k) => k.r);
}

const sortKey = (v: unknown): string | number | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v.toLowerCase() : typeof v === 'boolean' ? Number(v) : (v as number);

export function recordAttributes(type: string, id: unknown, apiVersion: string): { type: string; url: string } {
  return { type, url: `/services/data/v${apiVersion}/sobjects/${type}/${String(id)}` };
}

function shape(rec: StoredRecord, fields: ResolvedField[], fetch: Fetch, apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: recordAttributes(rec.type, rec.values['Id'], apiVersion) };
  for (const rf of fields) {
    let target = out;
    let cur: StoredRecord = rec;
    let missing = false;
    for (const hop of rf.hops) {
      const rel = hop.field.relationshipName ?? hop.field.name;
      const parentId = cur.values[hop.field.name];
      const parent = typeof parentId === 'string' ? fetch(parentId) : undefined;
      if (!parent) {
        if (!(rel in target)) target[rel] = null;
        missing = true;
        break;
      }
      const existing = target[rel];
      const nested =
        existing && typeof existing === 'object'
          ? (existing as Record<string, unknown>)
          : { attributes: recordAttributes(parent.type, parent.values['Id'], apiVersion) };
      target[rel] = nested;
      target = nested;
      cur = parent;
    }
    if (!missing) target[rf.leaf.name] = toRest(rf.leaf, leafValue(rf.leaf, cur));
  }
  return out;
}
