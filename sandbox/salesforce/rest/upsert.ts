/**
 * Records addressed by an external id field (Sync_User_Status__c.User_Key__c):
 * GET/PATCH/DELETE /sobjects/T/Field/value, and PATCH /composite/sobjects/T/Field for up to 200.
 * PATCH upserts: no match creates (201, created:true), one match updates (200, created:false),
 * several matches answer 300 with the matching records' URLs.
 */
import type { Response } from '../../common/server.ts';
import { deleteRecord, insertRecord, updateRecord, type SaveOutcome } from '../dml.ts';
import { SfError, SfRequestError, methodNotAllowed, notFound } from '../errors.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { recordAttributes } from '../soql/execute.ts';
import type { StoredRecord, Transaction } from '../store.ts';
import { errorResponse, isPlainObject, jsonBody, ok, type RestCall } from './context.ts';
import { collectionBody, rolledBack } from './collection-common.ts';
import { dmlOutcomeResponse, restRecord } from './records.ts';

export function externalIdField(call: RestCall, def: ObjectDef, name: string, single: boolean): FieldDef {
  const f = call.core.schema.field(def, name);
  if (!f && single) throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`, [], 404);
  if (!f || !(f.externalId || f.type === 'id')) {
    throw new SfRequestError('INVALID_FIELD', `Field name provided, ${name} is not an External ID or indexed field for ${def.name}`);
  }
  return f;
}

function matches(tx: Transaction, def: ObjectDef, field: FieldDef, value: string): StoredRecord[] {
  const want = value.toLowerCase();
  return tx.list(def.name).filter((r) => String(r.values[field.name] ?? '').toLowerCase() === want);
}

interface UpsertResult {
  id?: string;
  created: boolean;
  outcome: SaveOutcome;
  /** Set when the value matched several records. */
  ambiguous?: StoredRecord[];
}

function upsertOne(tx: Transaction, def: ObjectDef, field: FieldDef, value: string, input: Record<string, unknown>): UpsertResult {
  const found = matches(tx, def, field, value);
  if (found.length > 1) {
    const ids = found.map((r) => String(r.values['Id']));
    return {
      created: false,
      ambiguous: found,
      outcome: { errors: [new SfError('DUPLICATE_EXTERNAL_ID', `${field.label}: more than one record found for external id field: [${ids.join(', ')}]`, [field.name])] },
    };
  }
  const body = { ...input };
  for (const k of Object.keys(body)) if (k.toLowerCase() === field.name.toLowerCase()) delete body[k];
  const existing = found[0];
  if (existing) {
    const id = String(existing.values['Id']);
    return { id, created: false, outcome: updateRecord(tx, def, id, body) };
  }
  const outcome = insertRecord(tx, def, { ...body, [field.name]: value });
  return { ...(outcome.id ? { id: outcome.id } : {}), created: true, outcome };
}

/** /sobjects/T/Field/value */
export function singleByExternalId(call: RestCall, def: ObjectDef, fieldName: string, value: string): Response {
  const field = externalIdField(call, def, fieldName, true);
  const { method } = call.req;
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
    const found = matches(tx, def, field, value);
    if (found.length > 1) return multipleChoices(call, def, found);
    const rec = found[0];
    if (!rec) throw notFound();
    if (method === 'DELETE') {
      const outcome = deleteRecord(tx, def, String(rec.values['Id']));
      if (outcome.errors.length) return dmlOutcomeResponse(outcome);
      tx.commit();
      return { status: 204 };
    }
    return ok({ attributes: recordAttributes(def.name, rec.values['Id'], call.version), ...restRecord(def, rec.values) });
  }
  if (method !== 'PATCH') return errorResponse(methodNotAllowed(method, ['GET', 'HEAD', 'PATCH', 'DELETE']));
  const input = jsonBody(call);
  if (!isPlainObject(input)) throw new SfRequestError('JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
  const result = upsertOne(tx, def, field, value, input);
  if (result.ambiguous) return multipleChoices(call, def, result.ambiguous);
  if (result.outcome.errors.length) return dmlOutcomeResponse(result.outcome);
  // updateOnly (API 61.0+) refuses to create; the staged insert is simply not committed.
  if (result.created && call.req.query.get('updateOnly') === 'true') throw notFound();
  tx.commit();
  return ok({ id: result.id, success: true, errors: [], created: result.created }, result.created ? 201 : 200);
}

function multipleChoices(call: RestCall, def: ObjectDef, found: StoredRecord[]): Response {
  return { status: 300, body: found.map((r) => `/services/data/v${call.version}/sobjects/${def.name}/${String(r.values['Id'])}`) };
}

/** PATCH /composite/sobjects/T/Field */
export function collectionUpsert(call: RestCall, def: ObjectDef, fieldName: string): Response {
  const field = externalIdField(call, def, fieldName, false);
  const { records, allOrNone } = collectionBody(call);
  const keyOf = (r: Record<string, unknown>): string | undefined => {
    const entry = Object.entries(r).find(([k]) => k.toLowerCase() === field.name.toLowerCase());
    return typeof entry?.[1] === 'string' && entry[1] !== '' ? entry[1] : undefined;
  };
  const inputs = records.map((r) => {
    if (!isPlainObject(r)) throw new SfRequestError('JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
    return r;
  });
  const counts = new Map<string, number>();
  for (const r of inputs) {
    const k = keyOf(r)?.toLowerCase();
    if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const results: UpsertResult[] = inputs.map((r) => {
    const key = keyOf(r);
    if (!key) return { created: false, outcome: { errors: [new SfError('MISSING_ARGUMENT', `${field.name} not specified`)] } };
    if ((counts.get(key.toLowerCase()) ?? 0) > 1) {
      return { created: false, outcome: { errors: [new SfError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${key}`, [field.name])] } };
    }
    return upsertOne(tx, def, field, key, r);
  });
  const failed = results.some((r) => r.outcome.errors.length > 0);
  if (!(allOrNone && failed)) tx.commit();
  return ok(
    results.map((r) => {
      const undone = allOrNone && failed && r.outcome.errors.length === 0;
      const errors = undone ? [rolledBack()] : r.outcome.errors;
      const showId = r.id !== undefined && !(undone && r.created);
      return {
        ...(showId ? { id: r.id } : {}),
        success: errors.length === 0,
        errors: errors.map((e) => e.toSaveError()),
        created: r.created && errors.length === 0,
      };
    }),
  );
}
