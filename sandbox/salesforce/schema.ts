/**
 * The org's data dictionary: objects and fields with the attributes describe reports and the
 * validator, the SOQL resolver and the store rely on. Names are looked up case-insensitively,
 * as Salesforce does in URLs, JSON bodies and SOQL.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'boolean'
  | 'double'
  | 'int'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'reference';

export interface PicklistValue {
  value: string;
  label: string;
  defaultValue: boolean;
  active: boolean;
}

export type DeleteConstraint = 'SetNull' | 'Cascade' | 'Restrict';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** Parent-to-child name (e.g. "Contacts"), for describe's childRelationships. */
  childRelationshipName: string | null;
  picklistValues: PicklistValue[];
  restrictedPicklist: boolean;
  custom: boolean;
  calculated: boolean;
  externalId: boolean;
  unique: boolean;
  nameField: boolean;
  autoNumber: boolean;
  /** Value an insert gets when the field is absent (internal representation). */
  defaultValue: unknown;
  deleteConstraint: DeleteConstraint;
  /** Derived read-only fields (Contact.Name) compute their value from the record. */
  derive?: (values: Readonly<Record<string, unknown>>) => unknown;
  /** AutoNumber display format, e.g. "SC-{0000}". */
  displayFormat?: string;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  /** Platform event (__e): publish-only, never stored or queried. */
  isEvent: boolean;
  fields: FieldDef[];
}

export function fieldDef(name: string, type: FieldType, over: Partial<FieldDef> = {}): FieldDef {
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox'].includes(type);
  return {
    name,
    label: name,
    type,
    length: type === 'id' || type === 'reference' ? 18 : text ? 255 : 0,
    precision: 0,
    scale: 0,
    nillable: type !== 'boolean' && type !== 'id',
    createable: type !== 'id',
    updateable: type !== 'id',
    defaultedOnCreate: type === 'boolean' || type === 'id',
    referenceTo: [],
    relationshipName: null,
    childRelationshipName: null,
    picklistValues: [],
    restrictedPicklist: false,
    custom: name.endsWith('__c'),
    calculated: false,
    externalId: false,
    unique: false,
    nameField: false,
    autoNumber: false,
    defaultValue: type === 'boolean' ? false : null,
    deleteConstraint: 'SetNull',
    ...over,
  };
}

/** Read-only everywhere: system-maintained fields. */
export const systemField = (name: string, type: FieldType, over: Partial<FieldDef> = {}): FieldDef =>
  fieldDef(name, type, { createable: false, updateable: false, defaultedOnCreate: true, ...over });

export class Schema {
  private byName = new Map<string, ObjectDef>();
  private byPrefix = new Map<string, ObjectDef>();
  private fieldIndex = new Map<string, Map<string, FieldDef>>();
  private relIndex = new Map<string, Map<string, FieldDef>>();

  add(def: ObjectDef): void {
    this.byName.set(def.name.toLowerCase(), def);
    this.byPrefix.set(def.keyPrefix, def);
    this.reindex(def);
  }

  /** Adds fields to an existing object (custom fields on standard objects). */
  extend(objectName: string, fields: FieldDef[]): void {
    const def = this.object(objectName);
    if (!def) throw new Error(`cannot add fields to unknown object ${objectName}`);
    def.fields.push(...fields);
    this.reindex(def);
  }

  object(name: string): ObjectDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  objects(): ObjectDef[] {
    return [...this.byName.values()];
  }

  field(def: ObjectDef, name: string): FieldDef | undefined {
    return this.fieldIndex.get(def.name)?.get(name.toLowerCase());
  }

  /** The reference field behind a relationship name (Account → AccountId, User__r → User__c). */
  relationship(def: ObjectDef, relName: string): FieldDef | undefined {
    return this.relIndex.get(def.name)?.get(relName.toLowerCase());
  }

  private reindex(def: ObjectDef): void {
    this.fieldIndex.set(def.name, new Map(def.fields.map((f) => [f.name.toLowerCase(), f])));
    const rels = new Map<string, FieldDef>();
    for (const f of def.fields) if (f.relationshipName) rels.set(f.relationshipName.toLowerCase(), f);
    this.relIndex.set(def.name, rels);
  }
}
