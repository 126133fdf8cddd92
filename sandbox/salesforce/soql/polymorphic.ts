/**
 * Polymorphic lookups (Event.WhoId, Event.WhatId, EventRelation.RelationId) point at several
 * objects, so SOQL resolves Who.x / What.x / Relation.x against Salesforce's "Name" pseudo-object:
 * a few common fields plus Type, the referenced record's object. Fields the record's object
 * lacks read as null.
 */
import { fieldDef, systemField, type FieldDef, type ObjectDef } from '../schema.ts';
import type { StoredRecord } from '../store.ts';

const TYPE_FIELD: FieldDef = systemField('Type', 'picklist', { label: 'Object Type', length: 40 });

export const NAME_OBJECT: ObjectDef = {
  name: 'Name',
  label: 'Name',
  labelPlural: 'Names',
  keyPrefix: '',
  custom: false,
  createable: false,
  updateable: false,
  deletable: false,
  queryable: false,
  isEvent: false,
  fields: [
    systemField('Id', 'id', { label: 'Name ID' }),
    TYPE_FIELD,
    systemField('Name', 'string', { label: 'Name', length: 255 }),
    systemField('FirstName', 'string', { label: 'First Name', length: 40 }),
    systemField('LastName', 'string', { label: 'Last Name', length: 80 }),
    fieldDef('Email', 'email', { label: 'Email', length: 128, createable: false, updateable: false }),
    fieldDef('Phone', 'phone', { label: 'Phone', length: 40, createable: false, updateable: false }),
    systemField('Title', 'string', { label: 'Title', length: 128 }),
    systemField('Username', 'string', { label: 'Username', length: 80 }),
  ],
};

export const fieldOfName = (name: string): FieldDef | undefined =>
  NAME_OBJECT.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());

/** A path's last value on the record it ends at (Type is that record's object). */
export const leafValue = (leaf: FieldDef, rec: StoredRecord): unknown => (leaf === TYPE_FIELD ? rec.type : (rec.values[leaf.name] ?? null));
