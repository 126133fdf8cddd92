/**
 * The standard objects the emulator knows, with the lengths, labels and relationship names of a
 * real org (the labels matter: validation messages quote them).
 */
import { event, eventRelation, lead } from './activity-objects.ts';
import { fieldDef, systemField, type FieldDef, type ObjectDef } from './schema.ts';

const USER = ['User'];

/** Fields every stored record has. */
export function auditFields(idLabel: string): FieldDef[] {
  return [
    systemField('Id', 'id', { label: idLabel, nillable: false }),
    systemField('IsDeleted', 'boolean', { label: 'Deleted', nillable: false }),
    systemField('CreatedDate', 'datetime', { label: 'Created Date', nillable: false }),
    systemField('CreatedById', 'reference', {
      label: 'Created By ID',
      nillable: false,
      referenceTo: USER,
      relationshipName: 'CreatedBy',
    }),
    systemField('LastModifiedDate', 'datetime', { label: 'Last Modified Date', nillable: false }),
    systemField('LastModifiedById', 'reference', {
      label: 'Last Modified By ID',
      nillable: false,
      referenceTo: USER,
      relationshipName: 'LastModifiedBy',
    }),
    systemField('SystemModstamp', 'datetime', { label: 'System Modstamp', nillable: false }),
  ];
}

export const ownerField = (childRelationshipName: string | null = null): FieldDef =>
  fieldDef('OwnerId', 'reference', {
    label: 'Owner ID',
    nillable: false,
    defaultedOnCreate: true,
    referenceTo: USER,
    relationshipName: 'Owner',
    childRelationshipName,
  });

const fullName = (values: Readonly<Record<string, unknown>>): string =>
  [values['FirstName'], values['LastName']].filter((v) => typeof v === 'string' && v !== '').join(' ');

const compoundName = (label: string): FieldDef =>
  systemField('Name', 'string', { label, length: 121, nameField: true, derive: fullName });

const text = (name: string, label: string, length: number, over: Partial<FieldDef> = {}): FieldDef =>
  fieldDef(name, 'string', { label, length, ...over });
const phone = (name: string, label: string): FieldDef => fieldDef(name, 'phone', { label, length: 40 });

function address(prefix: 'Mailing' | 'Other'): FieldDef[] {
  return [
    fieldDef(`${prefix}Street`, 'textarea', { label: `${prefix} Street`, length: 255 }),
    text(`${prefix}City`, `${prefix} City`, 40),
    text(`${prefix}State`, `${prefix} State/Province`, 80),
    text(`${prefix}PostalCode`, `${prefix} Zip/Postal Code`, 20),
    text(`${prefix}Country`, `${prefix} Country`, 80),
  ];
}

const object = (name: string, keyPrefix: string, label: string, labelPlural: string, fields: FieldDef[]): ObjectDef => ({
  name,
  label,
  labelPlural,
  keyPrefix,
  custom: false,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  isEvent: false,
  fields,
});

export const PROFILE_ADMIN = 'System Administrator';
export const PROFILE_STANDARD = 'Standard User';

export function standardObjects(): ObjectDef[] {
  const profile = object('Profile', '00e', 'Profile', 'Profiles', [
    ...auditFields('Profile ID'),
    text('Name', 'Name', 255, { nillable: false, nameField: true }),
  ]);
  Object.assign(profile, { createable: false, updateable: false, deletable: false });

  const user = object('User', '005', 'User', 'Users', [
    ...auditFields('User ID'),
    text('Username', 'Username', 80, { nillable: false, unique: true }),
    fieldDef('Email', 'email', { label: 'Email', length: 128, nillable: false }),
    text('FirstName', 'First Name', 40),
    text('LastName', 'Last Name', 80, { nillable: false }),
    compoundName('Full Name'),
    fieldDef('TimeZoneSidKey', 'picklist', {
      label: 'Time Zone',
      length: 40,
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: 'America/Los_Angeles',
    }),
    fieldDef('ProfileId', 'reference', {
      label: 'Profile ID',
      nillable: false,
      defaultedOnCreate: true,
      referenceTo: ['Profile'],
      relationshipName: 'Profile',
      childRelationshipName: 'Users',
    }),
    fieldDef('IsActive', 'boolean', { label: 'Active', defaultValue: true }),
  ]);
  // Users are deactivated, never deleted.
  user.deletable = false;

  const account = object('Account', '001', 'Account', 'Accounts', [
    ...auditFields('Account ID'),
    text('Name', 'Account Name', 255, { nillable: false, nameField: true }),
    ownerField(),
  ]);

  const contact = object('Contact', '003', 'Contact', 'Contacts', [
    ...auditFields('Contact ID'),
    ownerField(),
    text('FirstName', 'First Name', 40),
    text('LastName', 'Last Name', 80, { nillable: false }),
    compoundName('Full Name'),
    fieldDef('Email', 'email', { label: 'Email', length: 80 }),
    phone('Phone', 'Business Phone'),
    phone('MobilePhone', 'Mobile Phone'),
    phone('HomePhone', 'Home Phone'),
    phone('OtherPhone', 'Other Phone'),
    phone('Fax', 'Business Fax'),
    text('Title', 'Title', 128),
    text('Department', 'Department', 80),
    fieldDef('AccountId', 'reference', {
      label: 'Account ID',
      referenceTo: ['Account'],
      relationshipName: 'Account',
      childRelationshipName: 'Contacts',
      deleteConstraint: 'Cascade',
    }),
    ...address('Mailing'),
    ...address('Other'),
    fieldDef('Birthdate', 'date', { label: 'Birthdate' }),
    fieldDef('Description', 'textarea', { label: 'Contact Description', length: 32000 }),
  ]);

  const parts = { auditFields, ownerField, object };
  return [profile, user, account, contact, lead(parts), event(parts), eventRelation(parts)];
}
