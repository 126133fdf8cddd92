/**
 * Turns a JSON record body into stored values the way Salesforce does, in its order:
 * 1. deserialization: unknown fields and values of the wrong JSON type fail the whole request;
 * 2. read-only fields named in the body;
 * 3. per-value checks (length, e-mail, picklist, number range, lookups), all reported together;
 * 4. required fields still empty.
 * Stages 2–4 fail only the record, so a collection can save the others.
 */
import { SfError, SfRequestError } from './errors.ts';
import { normalizeId, keyPrefixOf } from './ids.ts';
import type { FieldDef, ObjectDef, Schema } from './schema.ts';
import { isValidDate, parseDateTime, truncateToSecond } from './values.ts';

export interface ReferenceTarget {
  type: string;
  deleted: boolean;
  /** Users only. */
  active?: boolean;
}

export interface WriteContext {
  schema: Schema;
  userId: string;
  lookup(id: string): ReferenceTarget | undefined;
}

export interface PreparedWrite {
  /** Fields to set, by canonical name, in stored representation. */
  values: Record<string, unknown>;
  errors: SfError[];
}

const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox']);
const NUMBER_TYPES = new Set(['double', 'int', 'currency', 'percent']);

export function prepareWrite(
  ctx: WriteContext,
  def: ObjectDef,
  input: Record<string, unknown>,
  mode: 'create' | 'update',
  existing?: Readonly<Record<string, unknown>>,
): PreparedWrite {
  const parsed = deserialize(ctx.schema, def, input);
  const readOnly = [...parsed.keys()].filter((f) => !(mode === 'create' ? f.createable : f.updateable) || f.derive);
  if (readOnly.length) {
    const names = readOnly.map((f) => f.name);
    return {
      values: {},
      errors: [
        new SfError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${names.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          names,
        ),
      ],
    };
  }
  const values: Record<string, unknown> = {};
  const errors: SfError[] = [];
  for (const [field, value] of parsed) {
    const checked = checkValue(ctx, def, field, value, errors);
    values[field.name] = checked;
  }
  if (mode === 'create') applyDefaults(ctx, def, values);
  if (errors.length) return { values: {}, errors };
  const merged = { ...existing, ...values };
  const missing = def.fields.filter(
    (f) =>
      !f.nillable &&
      (mode === 'create' ? f.createable && !f.defaultedOnCreate : f.name in values) &&
      (merged[f.name] ?? null) === null,
  );
  if (missing.length) {
    const names = missing.map((f) => f.name);
    errors.push(new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, names));
  }
  return { values: errors.length ? {} : values, errors };
}

function applyDefaults(ctx: WriteContext, def: ObjectDef, values: Record<string, unknown>): void {
  for (const f of def.fields) {
    if (f.name in values || !f.createable) continue;
    if (f.name === 'OwnerId') values[f.name] = ctx.userId;
    else if (f.defaultValue !== null && f.defaultValue !== undefined) values[f.name] = f.defaultValue;
  }
}

/** Stage 1. Throws SfRequestError, which fails the whole request. */
export function deserialize(schema: Schema, def: ObjectDef, input: Record<string, unknown>): Map<FieldDef, unknown> {
  const out = new Map<FieldDef, unknown>();
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'attributes') continue;
    const field = schema.field(def, key);
    if (!field) throw new SfRequestError('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
    out.set(field, coerce(field, raw));
  }
  return out;
}

function jsonToken(v: unknown): string {
  if (typeof v === 'string') return `VALUE_STRING value ${v}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT'} value ${v}`;
  if (v === true) return 'VALUE_TRUE value true';
  if (v === false) return 'VALUE_FALSE value false';
  if (Array.isArray(v)) return 'START_ARRAY value [';
  return 'START_OBJECT value {';
}

const parserError = (field: FieldDef, javaType: string, v: unknown): SfRequestError =>
  new SfRequestError(
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${javaType} from ${jsonToken(v)} or request may be missing a required field`,
    field.name,
  );

function coerce(field: FieldDef, v: unknown): unknown {
  if (field.type === 'boolean') {
    if (v === null || v === undefined) return false;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    throw parserError(field, 'boolean', v);
  }
  if (v === null || v === undefined) return null;
  if (TEXT_TYPES.has(field.type)) {
    if (typeof v === 'string') return v === '' ? null : v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw parserError(field, 'string', v);
  }
  if (NUMBER_TYPES.has(field.type)) {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() === '') return null;
    if (typeof v === 'string' && Number.isFinite(Number(v))) return Number(v);
    throw parserError(field, 'double', v);
  }
  if (field.type === 'date') {
    if (typeof v === 'string' && isValidDate(v)) return v;
    throw parserError(field, 'date', v);
  }
  if (field.type === 'datetime') {
    const ms = typeof v === 'string' ? parseDateTime(v) : undefined;
    if (ms === undefined) throw parserError(field, 'datetime', v);
    return truncateToSecond(ms);
  }
  // id / reference: checked against the org in stage 3.
  if (typeof v === 'string') return v === '' ? null : v;
  throw parserError(field, 'id', v);
}

/** Stage 3 for one value; pushes errors and returns the value to store. */
function checkValue(ctx: WriteContext, def: ObjectDef, field: FieldDef, value: unknown, errors: SfError[]): unknown {
  if (value === null) return null;
  if (typeof value === 'string' && TEXT_TYPES.has(field.type)) {
    if (value.length > field.length) {
      errors.push(
        new SfError('STRING_TOO_LONG', `${field.label}: data value too large: ${value} (max length=${field.length})`, [field.name]),
      );
    } else if (field.type === 'email' && !EMAIL.test(value)) {
      errors.push(new SfError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${value}`, [field.name]));
    } else if (field.type === 'picklist' && field.restrictedPicklist && !field.picklistValues.some((p) => p.active && p.value === value)) {
      errors.push(
        new SfError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${value}`,
          [field.name],
        ),
      );
    }
    return value;
  }
  if (typeof value === 'number' && NUMBER_TYPES.has(field.type) && field.precision > 0) {
    const intDigits = Math.trunc(Math.abs(value)).toString().length;
    if (intDigits > field.precision - field.scale) {
      errors.push(
        new SfError('NUMBER_OUTSIDE_VALID_RANGE', `${field.label}: value outside of valid range on numeric field: ${value}`, [field.name]),
      );
    }
    return field.scale >= 0 ? Number(value.toFixed(field.scale)) : value;
  }
  if (field.type === 'reference' && typeof value === 'string') return checkReference(ctx, def, field, value, errors);
  return value;
}

function checkReference(ctx: WriteContext, def: ObjectDef, field: FieldDef, raw: string, errors: SfError[]): unknown {
  const id = normalizeId(raw);
  if (!id) {
    errors.push(new SfError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${raw}`, [field.name]));
    return raw;
  }
  const targetDef = ctx.schema.objectByPrefix(keyPrefixOf(id));
  if (!targetDef || !field.referenceTo.some((r) => r.toLowerCase() === targetDef.name.toLowerCase())) {
    errors.push(new SfError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${raw}`, [field.name]));
    return id;
  }
  const target = ctx.lookup(id);
  if (!target) {
    errors.push(new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []));
  } else if (target.deleted) {
    errors.push(new SfError('ENTITY_IS_DELETED', 'entity is deleted', []));
  } else if (field.name === 'OwnerId' && target.active === false) {
    errors.push(
      new SfError('INACTIVE_OWNER_OR_USER', `operation performed with inactive user [${id}] as owner of ${def.label.toLowerCase()}`, []),
    );
  }
  return id;
}
