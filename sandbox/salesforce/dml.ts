/**
 * Record-level DML inside a transaction: target checks, validation, then the write. Every
 * function returns a SaveResult-like outcome for a record failure and throws SfRequestError only
 * for problems that fail a whole request.
 */
import { hooksFor } from './activity-hooks.ts';
import { SfError } from './errors.ts';
import { keyPrefixOf, normalizeId } from './ids.ts';
import type { ObjectDef } from './schema.ts';
import type { Transaction } from './store.ts';
import { prepareWrite, type WriteContext } from './validate.ts';

export interface SaveOutcome {
  id?: string;
  errors: SfError[];
}

export function writeContext(tx: Transaction): WriteContext {
  return {
    schema: tx.schema,
    userId: tx.userId,
    lookup(id) {
      const r = tx.get(id);
      if (!r) return undefined;
      return { type: r.type, deleted: r.values['IsDeleted'] === true, ...(r.type === 'User' ? { active: r.values['IsActive'] === true } : {}) };
    },
  };
}

const idLabel = (def: ObjectDef): string => def.fields.find((f) => f.name === 'Id')?.label ?? `${def.name} ID`;

/**
 * Finds the live record an update or delete names. `def` is the type the caller claims (URL or
 * attributes.type); absent for collection deletes, where the id alone decides.
 */
export function findTarget(
  tx: Transaction,
  def: ObjectDef | undefined,
  rawId: unknown,
  op: 'update' | 'delete',
): { def: ObjectDef; id: string } | SfError {
  if (typeof rawId !== 'string' || rawId === '') {
    return new SfError('MISSING_ARGUMENT', `Id not specified in an ${op} call`);
  }
  const id = normalizeId(rawId);
  const actual = id ? tx.schema.objectByPrefix(keyPrefixOf(id)) : undefined;
  if (!id || !actual || (def && actual !== def)) {
    if (!def) return new SfError('MALFORMED_ID', `malformed id ${rawId}`);
    return new SfError('MALFORMED_ID', `${idLabel(def)}: id value of incorrect type: ${rawId}`, ['Id']);
  }
  const rec = tx.get(id);
  if (!rec) return new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
  if (rec.values['IsDeleted'] === true) return new SfError('ENTITY_IS_DELETED', 'entity is deleted');
  return { def: actual, id };
}

/**
 * API clients may not insert or update setup objects such as Profile; the emulator's own
 * seeding API may (an admin makes those in Setup), so only the REST layer asks this.
 */
export function apiWriteRefusal(def: ObjectDef, op: 'create' | 'update'): SfError | undefined {
  if (op === 'create' ? def.createable : def.updateable) return undefined;
  return new SfError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be ${op === 'create' ? 'inserted' : 'updated'}`);
}

export function insertRecord(tx: Transaction, def: ObjectDef, input: Record<string, unknown>): SaveOutcome {
  const { values, errors } = prepareWrite(writeContext(tx), def, input, 'create');
  if (errors.length) return { errors };
  const unique = uniqueViolation(tx, def, values, undefined);
  if (unique) return { errors: [unique] };
  const hooks = hooksFor(def);
  const ruleErrors = hooks?.prepare?.(tx, def, values, undefined) ?? [];
  if (ruleErrors.length) return { errors: ruleErrors };
  const id = tx.insert(def, values);
  hooks?.afterInsert?.(tx, def, id);
  return { id, errors: [] };
}

export function updateRecord(tx: Transaction, def: ObjectDef, id: string, input: Record<string, unknown>): SaveOutcome {
  const current = tx.get(id);
  const { values, errors } = prepareWrite(writeContext(tx), def, input, 'update', current?.values);
  if (errors.length) return { id, errors };
  const unique = uniqueViolation(tx, def, values, id);
  if (unique) return { id, errors: [unique] };
  const hooks = hooksFor(def);
  const given = new Set(Object.keys(values));
  const ruleErrors = current ? (hooks?.prepare?.(tx, def, values, current.values) ?? []) : [];
  if (ruleErrors.length) return { id, errors: ruleErrors };
  tx.update(def, id, values);
  if (current) hooks?.afterUpdate?.(tx, def, id, current.values, given);
  return { id, errors: [] };
}

export function deleteRecord(tx: Transaction, def: ObjectDef, id: string): SaveOutcome {
  if (!def.deletable) return { errors: [new SfError('INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id')] };
  try {
    const before = tx.get(id)?.values;
    tx.delete(def, id);
    if (before) hooksFor(def)?.afterDelete?.(tx, def, id, before);
    return { id, errors: [] };
  } catch (err) {
    if (err instanceof SfError) return { errors: [err] };
    throw err;
  }
}

function uniqueViolation(tx: Transaction, def: ObjectDef, values: Record<string, unknown>, selfId: string | undefined): SfError | undefined {
  for (const f of def.fields) {
    const v = values[f.name];
    if (!f.unique || v === null || v === undefined) continue;
    const clash = tx.list(def.name).find((r) => r.values['Id'] !== selfId && String(r.values[f.name]).toLowerCase() === String(v).toLowerCase());
    if (!clash) continue;
    if (def.name === 'User' && f.name === 'Username') {
      return new SfError('DUPLICATE_USERNAME', 'Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn\'t need to match the user\'s email address). ', ['Username']);
    }
    return new SfError('DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${String(clash.values['Id'])}`, [f.name]);
  }
  return undefined;
}
