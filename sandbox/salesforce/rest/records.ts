/** Record bodies and save errors in REST form. */
import type { Response } from '../../common/server.ts';
import type { SaveOutcome } from '../dml.ts';
import type { FieldDef, ObjectDef } from '../schema.ts';
import { toRest } from '../values.ts';

/** Field values in describe order (or the order asked for), as GET /sobjects/T/id returns them. */
export function restRecord(def: ObjectDef, values: Readonly<Record<string, unknown>>, fields: FieldDef[] = def.fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = toRest(f, values[f.name]);
  return out;
}

/**
 * A single-record write that failed: 400 with every error of the record. DML errors always carry
 * `fields` (possibly empty), unlike resource errors such as NOT_FOUND.
 */
export function dmlOutcomeResponse(outcome: SaveOutcome): Response {
  return {
    status: outcome.errors[0]?.status ?? 400,
    body: outcome.errors.map((e) => ({ message: e.message, errorCode: e.errorCode, fields: e.fields })),
  };
}
