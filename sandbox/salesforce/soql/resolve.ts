/**
 * Binds field paths to the schema: relationship names become the reference fields they follow
 * (Account → AccountId, User__r → User__c), the last segment a field. Errors carry Salesforce's
 * wording and the path's position.
 */
import type { FieldDef, ObjectDef, Schema } from '../schema.ts';
import type { FieldPath } from './ast.ts';
import { SoqlError } from './errors.ts';
import { fieldOfName, NAME_OBJECT } from './polymorphic.ts';

export interface Hop {
  field: FieldDef;
  target: ObjectDef;
}

export interface ResolvedField {
  hops: Hop[];
  leaf: FieldDef;
  /** As written, for error messages. */
  written: string;
  /** Canonical dotted name, for duplicate detection. */
  canonical: string;
  pos: number;
}

export interface Scope {
  schema: Schema;
  root: ObjectDef;
  alias?: string;
}

export function resolvePath(scope: Scope, path: FieldPath): ResolvedField {
  const { schema, root } = scope;
  let segments = path.segments;
  const head = segments[0] ?? '';
  if (
    segments.length > 1 &&
    !schema.relationship(root, head) &&
    (head.toLowerCase() === scope.alias?.toLowerCase() || head.toLowerCase() === root.name.toLowerCase())
  ) {
    segments = segments.slice(1);
  }
  const hops: Hop[] = [];
  let current = root;
  for (const seg of segments.slice(0, -1)) {
    const ref = schema.relationship(current, seg);
    const target = !ref ? undefined : ref.referenceTo.length > 1 ? NAME_OBJECT : schema.object(ref.referenceTo[0] ?? '');
    if (!ref || !target) {
      throw new SoqlError(
        'INVALID_FIELD',
        `Didn't understand relationship '${seg}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        path.pos,
      );
    }
    hops.push({ field: ref, target });
    current = target;
  }
  const last = segments[segments.length - 1] ?? '';
  const leaf = current === NAME_OBJECT ? fieldOfName(last) : schema.field(current, last);
  if (!leaf) {
    throw new SoqlError(
      'INVALID_FIELD',
      `No such column '${last}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      path.pos,
    );
  }
  return {
    hops,
    leaf,
    written: path.segments.join('.'),
    canonical: [...hops.map((h) => h.field.relationshipName ?? h.field.name), leaf.name].join('.'),
    pos: path.pos,
  };
}
