/**
 * sObject Collections (/composite/sobjects): create (POST), update (PATCH), delete (DELETE ?ids=)
 * up to 200 records, and retrieve (GET/POST /composite/sobjects/T). One request is one API call
 * and one transaction. Results are in request order; a record's failure stays its own unless
 * allOrNone is set, in which case nothing is saved and the good records report the rollback.
 */
import type { Response } from '../../common/server.ts';
import { apiWriteRefusal, deleteRecord, findTarget, insertRecord, updateRecord, type SaveOutcome } from '../dml.ts';
import { SfError, SfRequestError, methodNotAllowed } from '../errors.ts';
import { keyPrefixOf, normalizeId } from '../ids.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { recordAttributes } from '../soql/execute.ts';
import type { Transaction } from '../store.ts';
import { errorResponse, guarded, isPlainObject, jsonBody, objectOr404, ok, type RestCall } from './context.ts';
import { restRecord } from './records.ts';
import { collectionBody, MAX_COLLECTION, rolledBack, tooManyRecords } from './collection-common.ts';
import { collectionUpsert } from './upsert.ts';

interface Result {
  kind: 'create' | 'update' | 'delete';
  id?: string;
  outcome: SaveOutcome;
}

export function handleCollections(call: RestCall): Response | undefined {
  const [composite, sobjects, type, extField, ...extra] = call.segments;
  if (composite !== 'composite' || sobjects !== 'sobjects' || extra.length) return undefined;
  return guarded(call, () => {
    const { method } = call.req;
    if (type !== undefined && extField !== undefined) {
      if (method === 'PATCH') return collectionUpsert(call, objectOr404(call.core, type), extField);
      return errorResponse(methodNotAllowed(method, ['PATCH']));
    }
    if (type !== undefined) {
      if (method === 'GET' || method === 'POST') return retrieve(call, objectOr404(call.core, type));
      return errorResponse(methodNotAllowed(method, ['GET', 'HEAD', 'POST']));
    }
    if (method === 'POST') return save(call, 'create');
    if (method === 'PATCH') return save(call, 'update');
    if (method === 'DELETE') return remove(call);
    return errorResponse(methodNotAllowed(method, ['POST', 'PATCH', 'DELETE']));
  });
}

function save(call: RestCall, mode: 'create' | 'update'): Response {
  const { records, allOrNone } = collectionBody(call);
  const typed = records.map((r) => typedRecord(call, r));
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const results: Result[] = typed.map(({ def, input }) => (mode === 'create' ? createOne(tx, def, input) : updateOne(tx, def, input)));
  return finish(tx, results, allOrNone);
}

function typedRecord(call: RestCall, raw: unknown): { def: ObjectDef; input: Record<string, unknown> } {
  if (!isPlainObject(raw)) throw new SfRequestError('JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
  const attributes = raw['attributes'];
  const type = isPlainObject(attributes) ? attributes['type'] : undefined;
  if (typeof type !== 'string' || !type) {
    throw new SfRequestError('INVALID_TYPE', 'sObject type is required: each record needs attributes.type');
  }
  const def = call.core.schema.object(type);
  if (!def || def.isEvent) {
    throw new SfRequestError(
      'INVALID_TYPE',
      `sObject type '${type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return { def, input: raw };
}

function createOne(tx: Transaction, def: ObjectDef, input: Record<string, unknown>): Result {
  const refused = apiWriteRefusal(def, 'create');
  const outcome = refused ? { errors: [refused] } : insertRecord(tx, def, input);
  return { kind: 'create', ...(outcome.id ? { id: outcome.id } : {}), outcome };
}

function updateOne(tx: Transaction, def: ObjectDef, input: Record<string, unknown>): Result {
  const { id: lowerId, Id: upperId, ...fields } = input;
  const target = findTarget(tx, def, lowerId ?? upperId, 'update');
  if (target instanceof SfError) {
    const id = typeof (lowerId ?? upperId) === 'string' ? normalizeId(String(lowerId ?? upperId)) : undefined;
    return { kind: 'update', ...(id && keyPrefixOf(id) === def.keyPrefix ? { id } : {}), outcome: { errors: [target] } };
  }
  const refused = apiWriteRefusal(def, 'update');
  return { kind: 'update', id: target.id, outcome: refused ? { id: target.id, errors: [refused] } : updateRecord(tx, def, target.id, fields) };
}

function remove(call: RestCall): Response {
  const raw = call.req.query.get('ids');
  if (!raw) throw new SfRequestError('MISSING_ARGUMENT', 'ids: required parameter missing');
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length > MAX_COLLECTION) throw tooManyRecords();
  const allOrNone = call.req.query.get('allOrNone') === 'true';
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const results = ids.map((rawId): Result => {
    const target = findTarget(tx, undefined, rawId, 'delete');
    if (target instanceof SfError) {
      const id = normalizeId(rawId);
      return { kind: 'delete', ...(id && target.errorCode !== 'MALFORMED_ID' ? { id } : {}), outcome: { errors: [target] } };
    }
    const outcome = deleteRecord(tx, target.def, target.id);
    return { kind: 'delete', id: target.id, outcome };
  });
  return finish(tx, results, allOrNone);
}

function finish(tx: Transaction, results: Result[], allOrNone: boolean): Response {
  const failed = results.some((r) => r.outcome.errors.length > 0);
  if (!(allOrNone && failed)) tx.commit();
  return ok(
    results.map((r) => {
      const errors = r.outcome.errors.length ? r.outcome.errors : allOrNone && failed ? [rolledBack()] : [];
      // A create that was rolled back never existed, so it reports no id.
      const showId = r.id !== undefined && !(allOrNone && failed && r.kind === 'create');
      return { ...(showId ? { id: r.id } : {}), success: errors.length === 0, errors: errors.map((e) => e.toSaveError()) };
    }),
  );
}

function retrieve(call: RestCall, def: ObjectDef): Response {
  let ids: unknown;
  let fieldNames: unknown;
  if (call.req.method === 'GET') {
    ids = call.req.query.get('ids')?.split(',');
    fieldNames = call.req.query.get('fields')?.split(',');
  } else {
    const body = jsonBody(call);
    if (isPlainObject(body)) {
      ids = body['ids'];
      fieldNames = body['fields'];
    }
  }
  if (!Array.isArray(ids) || !Array.isArray(fieldNames)) {
    throw new SfRequestError('MISSING_ARGUMENT', 'ids and fields are required');
  }
  const fields: FieldDef[] = fieldNames.map((n) => {
    const f = call.core.schema.field(def, String(n).trim());
    if (!f) {
      throw new SfError(
        'INVALID_FIELD',
        `No such column '${String(n)}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return f;
  });
  return ok(
    ids.map((raw) => {
      const id = typeof raw === 'string' ? normalizeId(raw.trim()) : undefined;
      const rec = id && keyPrefixOf(id) === def.keyPrefix ? call.core.store.get(id) : undefined;
      if (!rec || rec.values['IsDeleted'] === true) return null;
      return { attributes: recordAttributes(def.name, id, call.version), ...restRecord(def, rec.values, fields) };
    }),
  );
}
