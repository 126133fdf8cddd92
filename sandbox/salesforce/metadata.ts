/**
 * Learns custom objects and fields from the SFDX source tree (force-app/main/default/objects), so
 * the emulated org has exactly the schema a deploy of this repository would create.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { fieldDef, systemField, type FieldDef, type FieldType, type ObjectDef, type PicklistValue } from './schema.ts';
import { auditFields, ownerField } from './standard-objects.ts';

export interface LoadedMetadata {
  objects: ObjectDef[];
  /** Custom fields found under standard objects' folders, by object name. */
  extensions: Map<string, FieldDef[]>;
  /** Objects with Change Data Capture on (PlatformEventChannelMember of ChangeEvents), e.g. ['Contact']. */
  changeEventEntities: string[];
}

type Xml = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (tag) => tag === 'value' || tag === 'referenceTo',
});

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : undefined);
const num = (v: unknown, fallback: number): number => {
  const n = Number(str(v));
  return Number.isFinite(n) && str(v) !== undefined ? n : fallback;
};
const bool = (v: unknown): boolean => str(v) === 'true';
const obj = (v: unknown): Xml => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Xml) : {});

function metadataDir(forceAppDir: string, kind: string): string | undefined {
  for (const candidate of [path.join(forceAppDir, 'main', 'default', kind), path.join(forceAppDir, kind)]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The file's root element; empty when the file is not there (yet). */
async function parseFile(file: string, root: string): Promise<Xml> {
  if (!existsSync(file)) return {};
  return obj(obj(parser.parse(await readFile(file, 'utf8')))[root]);
}

/** ContactChangeEvent → Contact, Foo__ChangeEvent → Foo__c. */
async function loadChangeEventEntities(forceAppDir: string): Promise<string[]> {
  const dir = metadataDir(forceAppDir, 'platformEventChannelMembers');
  if (!dir) return [];
  const out: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.platformEventChannelMember-meta.xml')).sort()) {
    const xml = await parseFile(path.join(dir, file), 'PlatformEventChannelMember');
    const entity = str(xml['selectedEntity']);
    if (str(xml['eventChannel']) !== 'ChangeEvents' || !entity) continue;
    out.push(entity.endsWith('__ChangeEvent') ? entity.replace(/__ChangeEvent$/, '__c') : entity.replace(/ChangeEvent$/, ''));
  }
  return out;
}

export async function loadForceApp(forceAppDir: string): Promise<LoadedMetadata> {
  const out: LoadedMetadata = { objects: [], extensions: new Map(), changeEventEntities: await loadChangeEventEntities(forceAppDir) };
  const dir = metadataDir(forceAppDir, 'objects');
  if (!dir) return out;
  // Sorted, so key prefixes (a00, a01, …) are stable across runs.
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  let customIndex = 0;
  let eventIndex = 0;
  for (const name of names) {
    const fields = await loadFields(path.join(dir, name, 'fields'));
    if (name.endsWith('__c')) {
      const meta = await parseFile(path.join(dir, name, `${name}.object-meta.xml`), 'CustomObject');
      out.objects.push(customObject(name, meta, fields, `a${(customIndex++).toString(36).padStart(2, '0')}`));
    } else if (name.endsWith('__e')) {
      const meta = await parseFile(path.join(dir, name, `${name}.object-meta.xml`), 'CustomObject');
      out.objects.push(platformEvent(name, meta, fields, `e${(eventIndex++).toString(36).padStart(2, '0')}`));
    } else if (!name.includes('__')) {
      if (fields.length) out.extensions.set(name, fields.map((f) => f.def));
    }
    // Custom metadata types (__mdt) and others are not records an API client writes; skipped.
  }
  return out;
}

async function loadFields(dir: string): Promise<LoadedField[]> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.field-meta.xml')).sort();
  const out: LoadedField[] = [];
  for (const file of files) {
    const xml = await parseFile(path.join(dir, file), 'CustomField');
    out.push(customField(str(xml['fullName']) ?? file.replace('.field-meta.xml', ''), xml));
  }
  return out;
}

function customObject(name: string, meta: Xml, fields: LoadedField[], keyPrefix: string): ObjectDef {
  const nameMeta = obj(meta['nameField']);
  const autoNumber = str(nameMeta['type']) === 'AutoNumber';
  const nameField = fieldDef('Name', 'string', {
    label: str(nameMeta['label']) ?? 'Name',
    length: 80,
    nillable: false,
    nameField: true,
    custom: false,
    // Through the API a text Name may be omitted; the record then carries its own id as Name.
    defaultedOnCreate: true,
    ...(autoNumber
      ? { autoNumber: true, createable: false, updateable: false, displayFormat: str(nameMeta['displayFormat']) ?? '{0}' }
      : {}),
  });
  const controlledByParent =
    str(meta['sharingModel']) === 'ControlledByParent' || fields.some((f) => f.masterDetail);
  const label = str(meta['label']) ?? name;
  return {
    name,
    label,
    labelPlural: str(meta['pluralLabel']) ?? label,
    keyPrefix,
    custom: true,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    isEvent: false,
    fields: [
      ...auditFields('Record ID'),
      ...(controlledByParent ? [] : [ownerField()]),
      nameField,
      ...fields.map((f) => f.def),
    ],
  };
}

function platformEvent(name: string, meta: Xml, fields: LoadedField[], keyPrefix: string): ObjectDef {
  const label = str(meta['label']) ?? name;
  return {
    name,
    label,
    labelPlural: str(meta['pluralLabel']) ?? label,
    keyPrefix,
    custom: true,
    createable: true,
    updateable: false,
    deletable: false,
    queryable: false,
    isEvent: true,
    fields: [
      systemField('ReplayId', 'string', { label: 'Replay ID' }),
      systemField('CreatedDate', 'datetime', { label: 'Created Date', nillable: false }),
      systemField('CreatedById', 'reference', { label: 'Created By ID', referenceTo: ['User'], relationshipName: 'CreatedBy' }),
      systemField('EventUuid', 'string', { label: 'Event UUID', length: 36 }),
      ...fields.map((f) => f.def),
    ],
  };
}

/** A loaded field plus what the object needs to know of it: a master-detail child has no owner. */
interface LoadedField {
  def: FieldDef;
  masterDetail: boolean;
}

const TYPE_MAP: Record<string, FieldType> = {
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Html: 'textarea',
  EncryptedText: 'string',
  Checkbox: 'boolean',
  Number: 'double',
  Percent: 'percent',
  Currency: 'currency',
  Date: 'date',
  DateTime: 'datetime',
  Picklist: 'picklist',
  MultiselectPicklist: 'multipicklist',
  Lookup: 'reference',
  MasterDetail: 'reference',
  Email: 'email',
  Phone: 'phone',
  Url: 'url',
  AutoNumber: 'string',
};

const DEFAULT_LENGTH: Partial<Record<string, number>> = {
  TextArea: 255,
  Email: 80,
  Phone: 40,
  Url: 255,
  AutoNumber: 30,
  Picklist: 255,
  MultiselectPicklist: 4099,
};

function customField(name: string, xml: Xml): LoadedField {
  const sfType = str(xml['type']) ?? 'Text';
  const type = TYPE_MAP[sfType] ?? 'string';
  const formula = str(xml['formula']) !== undefined;
  const masterDetail = sfType === 'MasterDetail';
  const required = bool(xml['required']) || masterDetail;
  const readOnly = formula || sfType === 'AutoNumber';
  const values = picklistValues(xml);
  const lengthDefault = DEFAULT_LENGTH[sfType] ?? (type === 'reference' ? 18 : type === 'string' || type === 'textarea' ? 255 : 0);
  const isText = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist'].includes(type);
  const referenceTo = (Array.isArray(xml['referenceTo']) ? xml['referenceTo'] : []).map((r) => String(r).trim());
  const rawDefault = str(xml['defaultValue']);
  const f = fieldDef(name, type, {
    label: str(xml['label']) ?? name,
    length: isText || type === 'reference' ? num(xml['length'], lengthDefault) : 0,
    precision: num(xml['precision'], type === 'double' || type === 'percent' || type === 'currency' ? 18 : 0),
    scale: num(xml['scale'], 0),
    nillable: type === 'boolean' ? false : !required,
    createable: !readOnly,
    // A detail record stays with its master unless the field says it may be reparented.
    updateable: !readOnly && !(masterDetail && !bool(xml['reparentableMasterDetail'])),
    defaultedOnCreate: type === 'boolean' || values.some((v) => v.defaultValue) || readOnly,
    referenceTo,
    relationshipName: type === 'reference' ? name.replace(/__c$/, '__r') : null,
    childRelationshipName: str(xml['relationshipName']) ? `${str(xml['relationshipName'])}__r` : null,
    picklistValues: values,
    restrictedPicklist: bool(obj(xml['valueSet'])['restricted']),
    custom: true,
    calculated: formula,
    externalId: bool(xml['externalId']),
    unique: bool(xml['unique']),
    autoNumber: sfType === 'AutoNumber',
    defaultValue:
      type === 'boolean' ? rawDefault === 'true' : type === 'picklist' ? (values.find((v) => v.defaultValue)?.value ?? null) : null,
    deleteConstraint: masterDetail ? 'Cascade' : ((str(xml['deleteConstraint']) as FieldDef['deleteConstraint'] | undefined) ?? 'SetNull'),
    ...(sfType === 'AutoNumber' ? { displayFormat: str(xml['displayFormat']) ?? '{0}' } : {}),
  });
  return { def: f, masterDetail };
}

function picklistValues(xml: Xml): PicklistValue[] {
  const def = obj(obj(xml['valueSet'])['valueSetDefinition']);
  const values = Array.isArray(def['value']) ? def['value'] : [];
  return values.map((v) => {
    const o = obj(v);
    const value = str(o['fullName']) ?? '';
    return { value, label: str(o['label']) ?? value, defaultValue: bool(o['default']), active: str(o['isActive']) !== 'false' };
  });
}
