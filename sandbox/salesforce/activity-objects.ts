/**
 * Lead, Event and EventRelation as a real org describes them (labels, lengths, picklists and
 * which fields the API may write). Labels matter: validation messages quote them. Sources: the
 * Field Reference pages for Event (API 228.0) and EventRelation, and the Event object reference.
 */
import { fieldDef, systemField, type FieldDef, type ObjectDef, type PicklistValue } from './schema.ts';

interface Parts {
  auditFields(idLabel: string): FieldDef[];
  ownerField(childRelationshipName?: string | null): FieldDef;
  object(name: string, keyPrefix: string, label: string, labelPlural: string, fields: FieldDef[]): ObjectDef;
}

const pick = (values: Array<[string, string]>, defaultValue?: string): PicklistValue[] =>
  values.map(([value, label]) => ({ value, label, defaultValue: value === defaultValue, active: true }));

const fullName = (values: Readonly<Record<string, unknown>>): string =>
  [values['FirstName'], values['LastName']].filter((v) => typeof v === 'string' && v !== '').join(' ');

export const LEAD_STATUS_DEFAULT = 'Open - Not Contacted';

export function lead(p: Parts): ObjectDef {
  return p.object('Lead', '00Q', 'Lead', 'Leads', [
    ...p.auditFields('Lead ID'),
    p.ownerField(),
    fieldDef('FirstName', 'string', { label: 'First Name', length: 40 }),
    fieldDef('LastName', 'string', { label: 'Last Name', length: 80, nillable: false }),
    systemField('Name', 'string', { label: 'Full Name', length: 121, nameField: true, derive: fullName }),
    fieldDef('Company', 'string', { label: 'Company', length: 255, nillable: false }),
    fieldDef('Email', 'email', { label: 'Email', length: 80 }),
    fieldDef('Phone', 'phone', { label: 'Phone', length: 40 }),
    fieldDef('Title', 'string', { label: 'Title', length: 128 }),
    fieldDef('Status', 'picklist', {
      label: 'Status',
      length: 40,
      nillable: false,
      defaultedOnCreate: true,
      defaultValue: LEAD_STATUS_DEFAULT,
      picklistValues: pick(
        [
          [LEAD_STATUS_DEFAULT, LEAD_STATUS_DEFAULT],
          ['Working - Contacted', 'Working - Contacted'],
          ['Closed - Converted', 'Closed - Converted'],
          ['Closed - Not Converted', 'Closed - Not Converted'],
        ],
        LEAD_STATUS_DEFAULT,
      ),
    }),
    // Conversion goes through convertLead, never a field write.
    fieldDef('IsConverted', 'boolean', { label: 'Converted', updateable: false }),
  ]);
}

export const SHOW_AS = pick(
  [
    ['Busy', 'Busy'],
    ['OutOfOffice', 'Out of Office'],
    ['Free', 'Free'],
  ],
  'Busy',
);

/** '3' marks an event series record (object reference; the CDC guide's example); '0' ordinary events and occurrences. */
const GROUP_EVENT_TYPE = pick(
  [
    ['0', 'Non-group Event'],
    ['1', 'Group Event'],
    ['2', 'Proposed Event'],
    ['3', 'IsRecurrence2 Series Pattern'],
  ],
  '0',
);

const ref = (name: string, label: string, referenceTo: string[], relationshipName: string, over: Partial<FieldDef> = {}): FieldDef =>
  fieldDef(name, 'reference', { label, referenceTo, relationshipName, ...over });

export function event(p: Parts): ObjectDef {
  return p.object('Event', '00U', 'Event', 'Events', [
    ...p.auditFields('Activity ID'),
    { ...p.ownerField('Events'), label: 'Assigned To ID' },
    fieldDef('Subject', 'combobox', { label: 'Subject', length: 255 }),
    fieldDef('StartDateTime', 'datetime', { label: 'Start Date Time' }),
    fieldDef('EndDateTime', 'datetime', { label: 'End Date Time' }),
    fieldDef('ActivityDate', 'date', { label: 'Due Date Only' }),
    fieldDef('ActivityDateTime', 'datetime', { label: 'Due Date Time' }),
    systemField('EndDate', 'date', { label: 'End Date' }),
    fieldDef('DurationInMinutes', 'int', { label: 'Duration', precision: 8 }),
    fieldDef('IsAllDayEvent', 'boolean', { label: 'All-Day Event' }),
    fieldDef('Location', 'string', { label: 'Location', length: 255 }),
    fieldDef('Description', 'textarea', { label: 'Description', length: 32000 }),
    fieldDef('ShowAs', 'picklist', {
      label: 'Show Time As',
      length: 40,
      defaultedOnCreate: true,
      defaultValue: 'Busy',
      picklistValues: SHOW_AS,
      restrictedPicklist: true,
    }),
    fieldDef('IsPrivate', 'boolean', { label: 'Private' }),
    fieldDef('IsReminderSet', 'boolean', { label: 'Reminder Set' }),
    fieldDef('ReminderDateTime', 'datetime', { label: 'Reminder Date/Time' }),
    ref('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who'),
    ref('WhatId', 'Related To ID', ['Account'], 'What'),
    systemField('AccountId', 'reference', { label: 'Account ID', referenceTo: ['Account'], relationshipName: 'Account' }),
    fieldDef('IsRecurrence2', 'boolean', { label: 'Event Series', updateable: false }),
    fieldDef('Recurrence2PatternText', 'textarea', { label: 'Recurrence Pattern', length: 512 }),
    fieldDef('Recurrence2PatternTimeZone', 'string', { label: 'Recurrence Pattern Time Zone Reference', length: 255 }),
    systemField('Recurrence2PatternVersion', 'picklist', {
      label: 'Recurrence Pattern Version',
      length: 40,
      picklistValues: pick([['1', 'RFC 5545 v1 RRULE']]),
    }),
    systemField('Recurrence2PatternStartDate', 'datetime', { label: 'Recurrence Pattern Start Date' }),
    systemField('IsRecurrence2Exception', 'boolean', { label: 'Is Exception', nillable: false }),
    systemField('IsRecurrence2Exclusion', 'boolean', { label: 'Historical Event, Not Following Recurrence', nillable: false }),
    // Salesforce Classic recurring events: every real org has the field, and a client reading
    // events selects it to tell a Classic series from a single event. The emulator has no
    // Classic recurrence, so it is read-only here and always false (the label is the emulator's).
    systemField('IsRecurrence', 'boolean', { label: 'Recurring Event', nillable: false, derive: () => false }),
    // Salesforce Classic recurring events only ("the main record of the Salesforce Classic
    // recurring event"); the emulator has no Classic recurrence, so it is always null.
    systemField('RecurrenceActivityId', 'reference', {
      label: 'Recurrence Activity ID',
      referenceTo: ['Event'],
      relationshipName: 'RecurrenceActivity',
      childRelationshipName: 'RecurringEvents',
    }),
    // The series key shared by the series record and its occurrences (prefix 828, CDC guide's
    // "Recurring Activities" example). Its target object is hidden, so no relationship here; the
    // label is the emulator's.
    systemField('ActivityRecurrence2Id', 'reference', { label: 'Activity Recurrence 2 ID', referenceTo: [] }),
    systemField('IsChild', 'boolean', { label: 'Is Child', nillable: false }),
    systemField('IsGroupEvent', 'boolean', { label: 'Is Group Event', nillable: false }),
    systemField('GroupEventType', 'picklist', { label: 'Group Event Type', length: 40, picklistValues: GROUP_EVENT_TYPE }),
  ]);
}

export const RELATION_STATUS = pick(
  [
    ['New', 'New'],
    ['Declined', 'Declined'],
    ['Accepted', 'Accepted'],
    ['Uninvited', 'Uninvited'],
    ['Maybe', 'Maybe'],
  ],
  'New',
);

export function eventRelation(p: Parts): ObjectDef {
  return p.object('EventRelation', '0RE', 'Event Relation', 'Event Relations', [
    ...p.auditFields('Event Relation ID'),
    ref('EventId', 'Event ID', ['Event'], 'Event', {
      nillable: false,
      updateable: false,
      childRelationshipName: 'EventRelations',
      // Deleting an event deletes its relations (object reference, EventRelation usage notes).
      deleteConstraint: 'Cascade',
    }),
    ref('RelationId', 'Relation ID', ['Contact', 'Lead', 'User', 'Account'], 'Relation', {
      nillable: false,
      updateable: false,
      deleteConstraint: 'Cascade',
    }),
    fieldDef('Status', 'picklist', {
      label: 'Status',
      length: 40,
      defaultedOnCreate: true,
      defaultValue: 'New',
      picklistValues: RELATION_STATUS,
      restrictedPicklist: true,
    }),
    fieldDef('IsInvitee', 'boolean', { label: 'Is Invitee', defaultValue: true }),
    fieldDef('IsParent', 'boolean', { label: 'Is Parent' }),
    systemField('IsWhat', 'boolean', { label: 'Is What', nillable: false }),
    fieldDef('RespondedDate', 'datetime', { label: 'Response Date' }),
    fieldDef('Response', 'string', { label: 'Response', length: 255 }),
  ]);
}
