/** describeGlobal and describeSObject bodies, with the attributes jsforce and tooling read. */
import type { FieldDef, FieldType, ObjectDef, Schema } from '../schema.ts';

const SOAP_TYPE: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  combobox: 'xsd:string',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

const TEXTLIKE = new Set<FieldType>(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox', 'id', 'reference']);

function urls(def: ObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return def.isEvent
    ? { eventSchema: `${base}/eventSchema`, sobject: base, describe: `${base}/describe` }
    : { compactLayouts: `${base}/describe/compactLayouts`, rowTemplate: `${base}/{ID}`, describe: `${base}/describe`, sobject: base };
}

function objectSummary(def: ObjectDef, version: string): Record<string, unknown> {
  return {
    activateable: false,
    createable: def.createable,
    custom: def.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: def.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: !def.isEvent,
    mergeable: false,
    mruEnabled: !def.isEvent,
    name: def.name,
    queryable: def.queryable,
    replicateable: !def.isEvent,
    retrieveable: !def.isEvent,
    searchable: !def.isEvent,
    triggerable: true,
    undeletable: def.deletable,
    updateable: def.updateable,
    urls: urls(def, version),
  };
}

export function describeGlobal(schema: Schema, version: string): Record<string, unknown> {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: schema
      .objects()
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => objectSummary(d, version)),
  };
}

export function describeSObject(schema: Schema, def: ObjectDef, version: string): Record<string, unknown> {
  return {
    ...objectSummary(def, version),
    childRelationships: childRelationships(schema, def),
    fields: def.fields.map(describeField),
    recordTypeInfos: [],
    supportedScopes: [],
  };
}

function childRelationships(schema: Schema, def: ObjectDef): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const child of schema.objects()) {
    for (const f of child.fields) {
      if (f.type !== 'reference' || !f.referenceTo.includes(def.name)) continue;
      out.push({
        cascadeDelete: f.deleteConstraint === 'Cascade',
        childSObject: child.name,
        deprecatedAndHidden: false,
        field: f.name,
        junctionIdListNames: [],
        junctionReferenceTo: [],
        relationshipName: f.childRelationshipName,
        restrictedDelete: f.deleteConstraint === 'Restrict',
      });
    }
  }
  return out;
}

export function describeField(f: FieldDef): Record<string, unknown> {
  const textual = TEXTLIKE.has(f.type);
  return {
    aggregatable: f.type !== 'textarea',
    autoNumber: f.autoNumber,
    byteLength: textual ? f.length * 3 : 0,
    calculated: f.calculated,
    cascadeDelete: f.deleteConstraint === 'Cascade' && f.type === 'reference',
    caseSensitive: false,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' ? f.defaultValue : null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? 9 : 0,
    externalId: f.externalId,
    extraTypeInfo: f.type === 'textarea' ? (f.length > 255 ? 'plaintextarea' : null) : f.name === 'Name' && f.derive ? 'personname' : null,
    filterable: f.type !== 'textarea' || f.length <= 255,
    groupable: f.type !== 'textarea' && f.type !== 'double' && f.type !== 'datetime',
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.unique || f.externalId,
    label: f.label,
    length: textual ? f.length : 0,
    name: f.name,
    nameField: f.nameField,
    namePointing: false,
    nillable: f.nillable,
    permissionable: f.custom && f.nillable,
    picklistValues: f.picklistValues.map((p) => ({ active: p.active, defaultValue: p.defaultValue, label: p.label, validFor: null, value: p.value })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: f.precision,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedDelete: f.deleteConstraint === 'Restrict' && f.type === 'reference',
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    soapType: SOAP_TYPE[f.type],
    sortable: f.type !== 'textarea' || f.length <= 255,
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
  };
}
