/**
 * /sobjects: global describe, object describe, and single-record create / read / update / delete,
 * plus publishing platform events (POST /sobjects/X__e). Record errors come back as a 400 with an
 * array of `{message, errorCode, fields}`.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from '../../common/server.ts';
import { apiWriteRefusal, deleteRecord, insertRecord, updateRecord, writeContext } from '../dml.ts';
import { SfError, SfRequestError, methodNotAllowed, notFound } from '../errors.ts';
import { keyPrefixOf, normalizeId } from '../ids.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { recordAttributes } from '../soql/execute.ts';
import { prepareWrite } from '../validate.ts';
import { dmlOutcomeResponse, restRecord } from './records.ts';
import { errorResponse, guarded, isPlainObject, jsonBody, objectOr404, ok, type RestCall } from './context.ts';
import { describeGlobal, describeSObject } from './describe.ts';
import { singleByExternalId } from './upsert.ts';
import { deleteOnwards, FROM_THIS_EVENT_ONWARDS } from './event-series-delete.ts';
import { toCdc } from '../values.ts';

export function handleSObjects(call: RestCall): Response | undefined {
  const [resource, type, third, fourth, ...extra] = call.segments;
  if (resource !== 'sobjects' || extra.length) return undefined;
  return guarded(call, () => {
    const { method } = call.req;
    if (!type) return method === 'GET' ? ok(describeGlobal(call.core.schema, call.version)) : errorResponse(methodNotAllowed(method, ['GET', 'HEAD']));
    const def = objectOr404(call.core, type);
    if (def.name === 'Event' && third !== undefined && fourth === FROM_THIS_EVENT_ONWARDS) return deleteOnwards(call, def, third);
    if (third !== undefined && fourth !== undefined) return singleByExternalId(call, def, third, fourth);
    if (third === 'describe') {
      return method === 'GET' ? ok(describeSObject(call.core.schema, def, call.version)) : errorResponse(methodNotAllowed(method, ['GET', 'HEAD']));
    }
    if (third === undefined) {
      if (method === 'GET') return ok({ objectDescribe: summaryOf(call, def), recentItems: [] });
      if (method === 'POST') return def.isEvent ? publish(call, def) : create(call, def);
      return errorResponse(methodNotAllowed(method, ['GET', 'HEAD', 'POST']));
    }
    return recordResource(call, def, third);
  });
}

function summaryOf(call: RestCall, def: ObjectDef): unknown {
  const all = describeGlobal(call.core.schema, call.version)['sobjects'];
  return Array.isArray(all) ? all.find((o: { name?: string }) => o.name === def.name) : undefined;
}

function bodyObject(call: RestCall): Record<string, unknown> {
  const body = jsonBody(call);
  if (!isPlainObject(body)) throw new SfRequestError('JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from START_ARRAY value [ or request may be missing a required field');
  return body;
}

function create(call: RestCall, def: ObjectDef): Response {
  const input = bodyObject(call);
  const refused = apiWriteRefusal(def, 'create');
  if (refused) return dmlOutcomeResponse({ errors: [refused] });
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const outcome = insertRecord(tx, def, input);
  if (outcome.errors.length) return dmlOutcomeResponse(outcome);
  tx.commit();
  return ok({ id: outcome.id, success: true, errors: [] }, 201);
}

function publish(call: RestCall, def: ObjectDef): Response {
  const input = bodyObject(call);
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const { values, errors } = prepareWrite(writeContext(tx), def, input, 'create');
  if (errors.length) return dmlOutcomeResponse({ errors });
  const uuid = randomUUID();
  const now = call.core.now();
  const fields: Record<string, unknown> = {};
  const all: Record<string, unknown> = { ...values, CreatedDate: Math.floor(now / 1000) * 1000, CreatedById: call.userId, EventUuid: uuid };
  for (const f of def.fields) {
    const v = all[f.name];
    if (v !== null && v !== undefined) fields[f.name] = toCdc(f, v);
  }
  call.core.publishPlatformEvent({ eventName: def.name, fields, publishedAt: now });
  return ok(
    { id: call.core.store.ids.id(def.keyPrefix), success: true, errors: [{ statusCode: 'OPERATION_ENQUEUED', message: uuid, fields: [] }] },
    201,
  );
}

function recordResource(call: RestCall, def: ObjectDef, rawId: string): Response {
  const { method } = call.req;
  if (def.isEvent) throw notFound();
  const allowed = ['GET', 'HEAD', ...(def.updateable ? ['PATCH'] : []), ...(def.deletable ? ['DELETE'] : [])];
  if (!allowed.includes(method)) return errorResponse(methodNotAllowed(method, allowed));
  const id = normalizeId(rawId);
  if (!id && method === 'GET') {
    throw new SfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${rawId}`, [], 404);
  }
  const idField = def.fields.find((f) => f.name === 'Id');
  if (!id || keyPrefixOf(id) !== def.keyPrefix) {
    throw new SfError('MALFORMED_ID', `${idField?.label ?? 'Record ID'}: id value of incorrect type: ${rawId}`, ['Id']);
  }
  const rec = call.core.store.get(id);
  if (!rec) throw notFound();
  if (rec.values['IsDeleted'] === true) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);

  if (method === 'GET' || method === 'HEAD') {
    const wanted = call.req.query.get('fields');
    const fields = wanted ? wanted.split(',').map((n) => fieldOrError(call, def, n.trim())) : def.fields;
    return ok({ attributes: recordAttributes(def.name, id, call.version), ...restRecord(def, rec.values, fields) });
  }
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const outcome = method === 'PATCH' ? updateRecord(tx, def, id, bodyObject(call)) : deleteRecord(tx, def, id);
  if (outcome.errors.length) return dmlOutcomeResponse(outcome);
  tx.commit();
  return { status: 204 };
}

function fieldOrError(call: RestCall, def: ObjectDef, name: string): FieldDef {
  const f = call.core.schema.field(def, name);
  if (!f) {
    throw new SfError(
      'INVALID_FIELD',
      `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return f;
}
