/**
 * The Salesforce package in force-app/ is checked offline: well-formed metadata in the right
 * places, fields that a deploy would accept, permission sets that grant only what exists, and
 * the object / field / picklist names in companion/src/core/sf-schema.ts present in the XML so
 * the companion and the package cannot drift. The second half proves the checks bite by
 * running them on broken copies of a small fixture project.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CONFIGURATION_DEFAULTS,
  CONFIGURATION_LIMITS,
  CONFLICT_POLICY_VALUES,
  CONTACT_FILTER_VALUES,
  CONTACT_SOQL_FIELDS,
  DIRECTION_VALUES,
  EVENT_SELECTION_VALUES,
  SF,
  USER_STATES,
} from '../../companion/src/core/sf-schema.ts';
import {
  checkApexPairs,
  checkChannelMembers,
  checkLwcBundles,
  checkMetadataXml,
  checkObjects,
  checkPermissionSets,
  checkProject,
  checkSchemaBinding,
  checkSfdxProject,
  childText,
  formatProblems,
  isReadOnlyField,
  isRequiredField,
  listFiles,
  loadObjects,
  loadPermissionSets,
  parseMetadataXml,
  picklistValues,
  type Problem,
  type SchemaBinding,
} from './checks.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FORCE_APP = path.join(ROOT, 'force-app');

/**
 * Field-level security entry for each Contact field the companion selects (CONTACT_SOQL_FIELDS).
 * null: not under field-level security (Id, system fields, the name parts, the owner) or reached
 * through another object (Account.Name is always readable with read on Account).
 * Address parts are secured as one compound field. A new SOQL field without an entry here fails
 * the test below, so the integration permission set is revisited whenever the code reads more.
 */
const CONTACT_FLS_BY_SOQL_FIELD: Readonly<Record<string, string | null>> = {
  Id: null,
  OwnerId: null,
  SystemModstamp: null,
  FirstName: null,
  LastName: null,
  'Account.Name': null,
  AccountId: 'AccountId',
  Email: 'Email',
  Phone: 'Phone',
  MobilePhone: 'MobilePhone',
  HomePhone: 'HomePhone',
  OtherPhone: 'OtherPhone',
  Fax: 'Fax',
  Title: 'Title',
  Department: 'Department',
  MailingStreet: 'MailingAddress',
  MailingCity: 'MailingAddress',
  MailingState: 'MailingAddress',
  MailingPostalCode: 'MailingAddress',
  MailingCountry: 'MailingAddress',
  OtherStreet: 'OtherAddress',
  OtherCity: 'OtherAddress',
  OtherState: 'OtherAddress',
  OtherPostalCode: 'OtherAddress',
  OtherCountry: 'OtherAddress',
  Birthdate: 'Birthdate',
  Description: 'Description',
};

function contactFlsFields(): string[] {
  const out = new Set<string>();
  for (const f of CONTACT_SOQL_FIELDS) {
    const fls = CONTACT_FLS_BY_SOQL_FIELD[f];
    if (fls) out.add(fls);
  }
  return [...out].sort();
}

/**
 * Field-level security of the Event fields the companion reads or writes (core/salesforce-event.ts,
 * connectors/salesforce/event-relations.ts). The times, duration, all-day flag, owner and subject
 * are not under field-level security; WhatId is only read (a private event may not have one).
 */
const EVENT_FLS: Readonly<Record<string, 'read' | 'edit'>> = {
  Description: 'edit',
  IsPrivate: 'edit',
  Location: 'edit',
  ShowAs: 'edit',
  WhatId: 'read',
  WhoId: 'edit',
};

/** Lead.Email is matched against attendees; the name fields and IsConverted are not under field-level security. */
const LEAD_FLS: readonly string[] = ['Email'];

/**
 * Standard objects the permission sets may name, with the FLS fields they may name. EventRelation
 * is absent on purpose: it has no object or field permissions of its own, access to a row follows
 * access to its event.
 */
const STANDARD_FLS: Readonly<Record<string, readonly string[]>> = {
  Contact: contactFlsFields(),
  Account: [],
  Event: Object.keys(EVENT_FLS).sort(),
  Lead: LEAD_FLS,
};

const BINDING: SchemaBinding = {
  objects: SF,
  picklists: [
    {
      source: 'DIRECTION_VALUES',
      object: SF.configuration.object,
      field: SF.configuration.fields.contactsDirection,
      values: Object.keys(DIRECTION_VALUES),
    },
    {
      source: 'CONTACT_FILTER_VALUES',
      object: SF.configuration.object,
      field: SF.configuration.fields.contactsFilter,
      values: Object.keys(CONTACT_FILTER_VALUES),
    },
    {
      source: 'DIRECTION_VALUES',
      object: SF.configuration.object,
      field: SF.configuration.fields.eventsDirection,
      values: Object.keys(DIRECTION_VALUES),
    },
    {
      source: 'EVENT_SELECTION_VALUES',
      object: SF.configuration.object,
      field: SF.configuration.fields.eventsSelection,
      values: Object.keys(EVENT_SELECTION_VALUES),
    },
    {
      source: 'CONFLICT_POLICY_VALUES',
      object: SF.configuration.object,
      field: SF.configuration.fields.conflictPolicy,
      values: Object.keys(CONFLICT_POLICY_VALUES),
    },
    { source: 'USER_STATES', object: SF.userStatus.object, field: SF.userStatus.fields.state, values: USER_STATES },
  ],
};

function assertNoProblems(problems: Problem[]): void {
  assert.deepEqual(problems, [], `\n${formatProblems(problems)}`);
}

const { objects, problems: loadProblems } = loadObjects(FORCE_APP);
const permissionSets = new Map(loadPermissionSets(FORCE_APP).map((p) => [p.name, p]));

function field(o: string, f: string) {
  const model = objects.get(o)?.fields.get(f);
  assert.ok(model, `${o}.${f} exists`);
  return model;
}

function picklistDefault(o: string, f: string): string | undefined {
  const def = field(o, f).el.children.find((c) => c.name === 'valueSet')?.children.find((c) => c.name === 'valueSetDefinition');
  const values = def?.children.filter((c) => c.name === 'value') ?? [];
  return values.find((v) => childText(v, 'default') === 'true')?.children.find((c) => c.name === 'fullName')?.text;
}

function permissionSet(name: string): NonNullable<ReturnType<typeof permissionSets.get>> {
  const ps = permissionSets.get(name);
  assert.ok(ps, `permission set ${name} exists`);
  return ps;
}

describe('force-app package', () => {
  test('sfdx-project.json is valid and its default package directory is force-app', () => {
    const info = checkSfdxProject(ROOT);
    assertNoProblems(info.problems);
    assert.equal(info.defaultPackageDir, 'force-app');
    assert.equal(info.sourceApiVersion, '61.0');
    const json = JSON.parse(readFileSync(path.join(ROOT, 'sfdx-project.json'), 'utf8')) as { name?: unknown };
    assert.equal(json.name, 'syncline');
  });

  test('every *-meta.xml is well-formed, in the metadata namespace, with the right root and folder', () => {
    assert.ok(listFiles(FORCE_APP).some((f) => f.endsWith('-meta.xml')), 'force-app holds metadata');
    assertNoProblems(checkMetadataXml(FORCE_APP));
    assertNoProblems(loadProblems);
  });

  test('every .cls/.trigger has its -meta.xml with apiVersion, and every LWC bundle its .js-meta.xml', () => {
    assertNoProblems(checkApexPairs(FORCE_APP, '61.0'));
    assertNoProblems(checkLwcBundles(FORCE_APP, '61.0'));
  });

  test('objects and fields are deployable: names, types, lengths, picklists, relationships', () => {
    assertNoProblems(checkObjects(objects));
  });

  test('every object and field named in sf-schema.ts exists; enumerated picklists match exactly', () => {
    assertNoProblems(checkSchemaBinding(objects, BINDING));
  });

  test('picklist and checkbox defaults are the documented ones', () => {
    const cfg = SF.configuration;
    assert.equal(picklistDefault(cfg.object, cfg.fields.contactsDirection), 'Both');
    assert.equal(picklistDefault(cfg.object, cfg.fields.contactsFilter), 'OwnedByUser');
    assert.equal(childText(field(cfg.object, cfg.fields.active).el, 'defaultValue'), 'false');
    for (const [o, f] of [
      [cfg.object, cfg.fields.contactsDirection],
      [cfg.object, cfg.fields.contactsFilter],
      [cfg.object, cfg.fields.eventsDirection],
      [cfg.object, cfg.fields.eventsSelection],
      [cfg.object, cfg.fields.conflictPolicy],
      [SF.userStatus.object, SF.userStatus.fields.state],
    ] as const) {
      const vs = field(o, f).el.children.find((c) => c.name === 'valueSet');
      assert.equal(vs ? childText(vs, 'restricted') : undefined, 'true', `${o}.${f} is a restricted picklist`);
    }
  });

  test('the defaults the companion applies to blank configuration fields are the package defaults', () => {
    const cfg = SF.configuration;
    const checked = new Set<string>();
    for (const [key, expected] of Object.entries(CONFIGURATION_DEFAULTS)) {
      const name = cfg.fields[key as keyof typeof CONFIGURATION_DEFAULTS];
      const model = field(cfg.object, name);
      checked.add(name);
      switch (model.type) {
        case 'Picklist':
          assert.equal(picklistDefault(cfg.object, name), expected, `${name} default`);
          break;
        case 'Checkbox':
          assert.equal(childText(model.el, 'defaultValue'), String(expected), `${name} default`);
          break;
        case 'Number':
          assert.equal(Number(childText(model.el, 'defaultValue')), expected, `${name} default`);
          break;
        case 'Percent':
          // The XML default is a formula (a decimal); the API and CONFIGURATION_DEFAULTS carry whole percent.
          assert.equal(Number(childText(model.el, 'defaultValue')) * 100, expected, `${name} default`);
          break;
        case 'Text':
          assert.equal(childText(model.el, 'defaultValue')?.replace(/^(['"])(.*)\1$/, '$2'), expected, `${name} default`);
          break;
        default:
          assert.fail(`${name}: no rule for comparing a ${model.type} default`);
      }
    }
    // Every event, conflict and safety-valve setting has a documented default, so a blank is never ambiguous.
    for (const [key, name] of Object.entries(cfg.fields)) {
      if (/^(events|conflict|maxDelete)/.test(key)) assert.ok(checked.has(name), `${name} is in CONFIGURATION_DEFAULTS`);
    }
  });

  test('picklist value maps are one-to-one, so the port value leads back to exactly one API name', () => {
    for (const [source, map] of Object.entries({ DIRECTION_VALUES, CONTACT_FILTER_VALUES, EVENT_SELECTION_VALUES, CONFLICT_POLICY_VALUES })) {
      const values: string[] = Object.values(map);
      assert.equal(new Set(values).size, values.length, `${source} maps two API names to one value`);
    }
    // The two direction picklists share one map, so they must carry the same values in the same order.
    const cfg = SF.configuration;
    assert.deepEqual(
      picklistValues(field(cfg.object, cfg.fields.eventsDirection)),
      picklistValues(field(cfg.object, cfg.fields.contactsDirection)),
    );
  });

  test('range validation rules on the configuration match the limits the companion clamps to', () => {
    const cfg = SF.configuration;
    const rules = objects.get(cfg.object)?.validationRules ?? [];
    const rule = (fieldName: string) => {
      const found = rules.filter((r) => childText(r.el, 'errorDisplayField') === fieldName);
      assert.equal(found.length, 1, `one validation rule shows its error on ${fieldName}`);
      const r = found[0]!;
      assert.equal(childText(r.el, 'active'), 'true', `${r.name} is active`);
      const formula = (childText(r.el, 'errorConditionFormula') ?? '').replace(/\s+/g, ' ');
      // Blank stays allowed: it means the default.
      assert.match(formula, new RegExp(`NOT\\(ISBLANK\\(${fieldName}\\)\\)`), `${r.name} lets a blank through`);
      return formula;
    };
    const { min, max } = CONFIGURATION_LIMITS.eventsWindowDays;
    for (const f of [cfg.fields.eventsWindowDaysBack, cfg.fields.eventsWindowDaysAhead]) {
      const formula = rule(f);
      assert.ok(formula.includes(`${f} < ${min}`) && formula.includes(`${f} > ${max}`), `${f}: ${formula}`);
      const model = field(cfg.object, f);
      assert.equal(childText(model.el, 'scale'), '0', `${f} holds whole days`);
      assert.ok(10 ** Number(childText(model.el, 'precision')) > max, `${f} has room for ${max}`);
    }
    const pct = CONFIGURATION_LIMITS.maxDeletePercent;
    const f = cfg.fields.maxDeletePercent;
    const formula = rule(f);
    // Formulas see percentages as decimals.
    assert.ok(formula.includes(`${f} < ${pct.min / 100}`) && formula.includes(`${f} > ${pct.max / 100}`), `${f}: ${formula}`);
    assert.equal(field(cfg.object, f).type, 'Percent');
    for (const key of Object.keys(CONFIGURATION_DEFAULTS)) {
      const d = CONFIGURATION_DEFAULTS[key as keyof typeof CONFIGURATION_DEFAULTS];
      if (key.startsWith('eventsWindow')) assert.ok(typeof d === 'number' && d >= min && d <= max, `${key} default in range`);
    }
    assert.ok(CONFIGURATION_DEFAULTS.maxDeletePercent >= pct.min && CONFIGURATION_DEFAULTS.maxDeletePercent <= pct.max);
  });

  test('every configuration setting is history-tracked, so changes to sync policy are auditable', () => {
    const cfg = SF.configuration;
    for (const name of Object.values(cfg.fields)) {
      assert.equal(childText(field(cfg.object, name).el, 'trackHistory'), 'true', `${name} tracks history`);
    }
  });

  test('one status record per user is enforced by a unique external id, not by code', () => {
    const key = objects.get(SF.userStatus.object)?.fields.get('User_Key__c');
    assert.ok(key, 'User_Key__c exists');
    assert.equal(childText(key.el, 'externalId'), 'true');
    assert.equal(childText(key.el, 'unique'), 'true');
    assert.equal(childText(key.el, 'length'), '18');
  });

  test('status counts: a synced/failed pair per kind, the event pair shaped and secured like the contact pair', () => {
    const st = SF.userStatus;
    const pairs = [
      [st.fields.contactsSynced, st.fields.eventsSynced],
      [st.fields.contactsFailed, st.fields.eventsFailed],
    ] as const;
    for (const [contacts, events] of pairs) {
      for (const f of [contacts, events]) {
        const model = field(st.object, f);
        assert.equal(model.type, 'Number', `${f} type`);
        assert.equal(childText(model.el, 'precision'), '9', `${f} precision`);
        assert.equal(childText(model.el, 'scale'), '0', `${f} holds whole counts`);
        assert.equal(childText(model.el, 'required'), 'false', `${f} not required`);
        assert.equal(childText(model.el, 'externalId'), 'false', `${f} not an external id`);
      }
      // Contacts are counted on every pass; events only once a user has had an events pass, so
      // the event counts carry no default: blank means "not measured", never a made-up zero.
      assert.equal(childText(field(st.object, contacts).el, 'defaultValue'), '0', `${contacts} default`);
      assert.equal(childText(field(st.object, events).el, 'defaultValue'), undefined, `${events} has no default`);
      // Whoever sees (or writes) the contact count sees (or writes) the event count, in every permission set.
      for (const ps of permissionSets.values()) {
        const forContacts = ps.fields.get(`${st.object}.${contacts}`);
        if (forContacts === undefined) continue;
        assert.deepEqual(ps.fields.get(`${st.object}.${events}`), forContacts, `${ps.name}: ${events} like ${contacts}`);
      }
    }
    for (const name of ['Syncline_Admin', 'Syncline_Integration', 'Syncline_User']) {
      assert.ok(permissionSet(name).fields.has(`${st.object}.${st.fields.contactsSynced}`), `${name} has the contact counts`);
    }
  });

  test('Sync_Connection__c holds no secret', () => {
    const connection = objects.get('Sync_Connection__c');
    assert.ok(connection?.el, 'Sync_Connection__c exists');
    for (const name of connection.fields.keys()) {
      assert.doesNotMatch(name, /secret|password|passwd|token|credential|private|cert|key/i, `${name} looks like a secret`);
    }
  });

  test('Change Data Capture is switched on for Contact by the deploy', () => {
    assertNoProblems(checkChannelMembers(FORCE_APP, objects));
    const file = 'main/default/platformEventChannelMembers/ChangeEvents_ContactChangeEvent.platformEventChannelMember-meta.xml';
    const parsed = parseMetadataXml(readFileSync(path.join(FORCE_APP, file), 'utf8'));
    assert.ok(parsed.ok);
    assert.equal(childText(parsed.root, 'eventChannel'), 'ChangeEvents');
    assert.equal(childText(parsed.root, 'selectedEntity'), 'ContactChangeEvent');
  });

  test('permission sets reference only existing fields and respect Salesforce rules', () => {
    assert.deepEqual([...permissionSets.keys()].sort(), ['Syncline_Admin', 'Syncline_Integration', 'Syncline_User']);
    assertNoProblems(checkPermissionSets(FORCE_APP, objects, STANDARD_FLS));
  });

  test('every Contact field the companion reads has a known field-level-security mapping', () => {
    const unmapped = CONTACT_SOQL_FIELDS.filter((f) => !(f in CONTACT_FLS_BY_SOQL_FIELD));
    assert.deepEqual(unmapped, [], 'add these to CONTACT_FLS_BY_SOQL_FIELD and to Syncline_Integration');
  });

  test('Syncline_Admin: full access to every Syncline object and field', () => {
    const ps = permissionSet('Syncline_Admin');
    for (const object of objects.values()) {
      if (object.el === undefined) continue;
      const flags = ps.objects.get(object.name);
      for (const perm of ['allowCreate', 'allowRead', 'allowEdit', 'allowDelete', 'viewAllRecords', 'modifyAllRecords']) {
        assert.equal(flags?.[perm], true, `${object.name}: ${perm}`);
      }
      for (const field of object.fields.values()) {
        if (isRequiredField(field)) continue;
        const fls = ps.fields.get(`${object.name}.${field.name}`);
        assert.equal(fls?.readable, true, `${object.name}.${field.name} readable`);
        assert.equal(fls?.editable, !isReadOnlyField(field), `${object.name}.${field.name} editable`);
      }
    }
  });

  test('Syncline_User: reads status only, edits nothing', () => {
    const ps = permissionSet('Syncline_User');
    assert.deepEqual([...ps.objects.keys()], [SF.userStatus.object]);
    const flags = ps.objects.get(SF.userStatus.object);
    assert.equal(flags?.['allowRead'], true);
    for (const perm of ['allowCreate', 'allowEdit', 'allowDelete', 'viewAllRecords', 'modifyAllRecords']) {
      assert.notEqual(flags?.[perm], true, perm);
    }
    for (const [ref, fls] of ps.fields) assert.equal(fls.editable, false, `${ref} not editable`);
    for (const f of Object.values(SF.userStatus.fields)) {
      assert.equal(ps.fields.get(`${SF.userStatus.object}.${f}`)?.readable, true, `${f} readable`);
    }
  });

  test('Syncline_Integration: exactly what the companion needs', () => {
    const ps = permissionSet('Syncline_Integration');
    const flag = (o: string, p: string): boolean => ps.objects.get(o)?.[p] === true;
    // Reads configuration, assignments and the connection; never changes them.
    for (const spec of [SF.configuration, SF.assignment]) {
      assert.ok(flag(spec.object, 'allowRead') && flag(spec.object, 'viewAllRecords'), `${spec.object} read + view all`);
      for (const p of ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords']) assert.ok(!flag(spec.object, p), `${spec.object} ${p}`);
    }
    // Creates and updates status rows (which it owns), never deletes them.
    assert.ok(flag(SF.userStatus.object, 'allowCreate') && flag(SF.userStatus.object, 'allowEdit'));
    assert.ok(!flag(SF.userStatus.object, 'allowDelete'));
    // Every Syncline field the code names is readable; every status field editable.
    for (const spec of Object.values(SF)) {
      for (const f of Object.values(spec.fields)) {
        const field = objects.get(spec.object)?.fields.get(f);
        if (!field || isRequiredField(field)) continue;
        const fls = ps.fields.get(`${spec.object}.${f}`);
        assert.equal(fls?.readable, true, `${spec.object}.${f} readable`);
        if (spec.object === SF.userStatus.object) assert.equal(fls?.editable, true, `${spec.object}.${f} editable`);
      }
    }
    // Contacts: read, edit, View All (CometD change events for Contact need it); Account for Account.Name.
    for (const p of ['allowRead', 'allowEdit', 'viewAllRecords']) assert.ok(flag('Contact', p), `Contact ${p}`);
    for (const p of ['allowCreate', 'allowDelete', 'modifyAllRecords']) assert.ok(!flag('Contact', p), `Contact ${p}`);
    assert.ok(flag('Account', 'allowRead'));
    for (const f of contactFlsFields()) assert.equal(ps.fields.get(`Contact.${f}`)?.readable, true, `Contact.${f} readable`);
    // Events: read every rep's events (View All, as for Contact change events) and write them with their relations.
    for (const p of ['allowRead', 'allowCreate', 'allowEdit', 'allowDelete', 'viewAllRecords']) assert.ok(flag('Event', p), `Event ${p}`);
    assert.ok(!flag('Event', 'modifyAllRecords'), 'Event modifyAllRecords');
    for (const [f, access] of Object.entries(EVENT_FLS)) {
      assert.equal(ps.fields.get(`Event.${f}`)?.readable, true, `Event.${f} readable`);
      assert.equal(ps.fields.get(`Event.${f}`)?.editable, access === 'edit', `Event.${f} ${access === 'edit' ? '' : 'not '}editable`);
    }
    // Leads: read only, for matching attendees and naming related leads.
    for (const p of ['allowRead', 'viewAllRecords']) assert.ok(flag('Lead', p), `Lead ${p}`);
    for (const p of ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords']) assert.ok(!flag('Lead', p), `Lead ${p}`);
    for (const f of LEAD_FLS) assert.deepEqual([ps.fields.get(`Lead.${f}`)?.readable, ps.fields.get(`Lead.${f}`)?.editable], [true, false], `Lead.${f} read only`);
    assert.equal(ps.objects.has('EventRelation'), false, 'EventRelation follows its event');
    assert.ok(ps.el.children.some((c) => c.name === 'userPermissions' && childText(c, 'name') === 'ApiEnabled'), 'API Enabled');
  });

  test('the whole project passes checkProject', () => {
    assertNoProblems(checkProject(ROOT, { binding: BINDING, standardFls: STANDARD_FLS }));
  });
});

// ───────────────────────────── negative tests ─────────────────────────────

const NS = 'http://soap.sforce.com/2006/04/metadata';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const OBJ = 'force-app/main/default/objects/Thing__c';

function fieldXml(name: string, body: string): string {
  return `${DECL}\n<CustomField xmlns="${NS}">\n    <fullName>${name}</fullName>\n${body}</CustomField>\n`;
}

const DOC = '    <description>Fixture field.</description>\n';
const HELP = '    <inlineHelpText>Fixture help.</inlineHelpText>\n';

function baseFixture(): Map<string, string> {
  return new Map<string, string>([
    ['sfdx-project.json', JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '61.0' })],
    [
      `${OBJ}/Thing__c.object-meta.xml`,
      `${DECL}\n<CustomObject xmlns="${NS}">\n    <deploymentStatus>Deployed</deploymentStatus>\n    <description>Fixture.</description>\n    <label>Thing</label>\n    <nameField>\n        <label>Thing Name</label>\n        <type>Text</type>\n    </nameField>\n    <pluralLabel>Things</pluralLabel>\n    <sharingModel>Private</sharingModel>\n</CustomObject>\n`,
    ],
    [
      `${OBJ}/fields/Kind__c.field-meta.xml`,
      fieldXml(
        'Kind__c',
        `${DOC}${HELP}    <label>Kind</label>\n    <type>Picklist</type>\n    <valueSet>\n        <restricted>true</restricted>\n        <valueSetDefinition>\n            <sorted>false</sorted>\n            <value>\n                <fullName>a</fullName>\n                <default>true</default>\n                <label>A</label>\n            </value>\n            <value>\n                <fullName>b</fullName>\n                <default>false</default>\n                <label>B</label>\n            </value>\n        </valueSetDefinition>\n    </valueSet>\n`,
      ),
    ],
    [
      `${OBJ}/fields/Person__c.field-meta.xml`,
      fieldXml(
        'Person__c',
        `    <deleteConstraint>SetNull</deleteConstraint>\n${DOC}${HELP}    <label>Person</label>\n    <referenceTo>User</referenceTo>\n    <relationshipName>Things</relationshipName>\n    <required>false</required>\n    <type>Lookup</type>\n`,
      ),
    ],
    [
      `${OBJ}/fields/Note__c.field-meta.xml`,
      fieldXml('Note__c', `${DOC}${HELP}    <label>Note</label>\n    <length>80</length>\n    <type>Text</type>\n`),
    ],
    ['force-app/main/default/classes/ThingController.cls', 'public with sharing class ThingController {}\n'],
    [
      'force-app/main/default/classes/ThingController.cls-meta.xml',
      `${DECL}\n<ApexClass xmlns="${NS}">\n    <apiVersion>61.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n`,
    ],
    ['force-app/main/default/lwc/thingCard/thingCard.js', 'export default class ThingCard {}\n'],
    [
      'force-app/main/default/lwc/thingCard/thingCard.js-meta.xml',
      `${DECL}\n<LightningComponentBundle xmlns="${NS}">\n    <apiVersion>61.0</apiVersion>\n    <isExposed>false</isExposed>\n</LightningComponentBundle>\n`,
    ],
    [
      'force-app/main/default/permissionsets/Thing_Reader.permissionset-meta.xml',
      `${DECL}\n<PermissionSet xmlns="${NS}">\n    <description>Fixture.</description>\n` +
        ['Kind__c', 'Note__c', 'Person__c']
          .map((f) => `    <fieldPermissions>\n        <editable>false</editable>\n        <field>Thing__c.${f}</field>\n        <readable>true</readable>\n    </fieldPermissions>\n`)
          .join('') +
        `    <label>Thing Reader</label>\n    <objectPermissions>\n        <allowCreate>false</allowCreate>\n        <allowDelete>false</allowDelete>\n        <allowEdit>false</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Thing__c</object>\n        <viewAllRecords>false</viewAllRecords>\n    </objectPermissions>\n</PermissionSet>\n`,
    ],
  ]);
}

const FIXTURE_BINDING: SchemaBinding = {
  objects: { thing: { object: 'Thing__c', fields: { kind: 'Kind__c', note: 'Note__c' } } },
  picklists: [{ source: 'THING_KINDS', object: 'Thing__c', field: 'Kind__c', values: ['a', 'b'] }],
};

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function writeFixture(files: Map<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-metadata-'));
  tempDirs.push(dir);
  for (const [rel, content] of files) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

function edit(files: Map<string, string>, rel: string, change: (s: string) => string): Map<string, string> {
  const before = files.get(rel);
  assert.ok(before !== undefined, `fixture has ${rel}`);
  const after = change(before);
  assert.notEqual(after, before, `the mutation of ${rel} changed something`);
  files.set(rel, after);
  return files;
}

function problemsOf(files: Map<string, string>): Problem[] {
  return checkProject(writeFixture(files), { binding: FIXTURE_BINDING, standardFls: {} });
}

function assertReported(problems: Problem[], file: string | RegExp, message: RegExp): void {
  const hit = problems.some((p) => (typeof file === 'string' ? p.file === file : file.test(p.file)) && message.test(p.message));
  assert.ok(hit, `expected a problem in ${String(file)} matching ${String(message)}; got:\n${formatProblems(problems) || '(none)'}`);
}

describe('the checks catch broken metadata (fixture project in a temp dir)', () => {
  test('the untouched fixture is clean, so every failure below comes from its mutation', () => {
    assertNoProblems(problemsOf(baseFixture()));
  });

  test('malformed XML', () => {
    const rel = `${OBJ}/fields/Note__c.field-meta.xml`;
    const problems = problemsOf(edit(baseFixture(), rel, (s) => s.replace('</label>', '</lable>')));
    assertReported(problems, rel, /not well-formed/);
  });

  test('wrong root element for the suffix, and a missing namespace', () => {
    const rel = `${OBJ}/fields/Note__c.field-meta.xml`;
    const wrongRoot = problemsOf(edit(baseFixture(), rel, (s) => s.replaceAll('CustomField', 'CustomObject')));
    assertReported(wrongRoot, rel, /expected <CustomField>/);
    const noNs = problemsOf(edit(baseFixture(), rel, (s) => s.replace(` xmlns="${NS}"`, '')));
    assertReported(noNs, rel, /namespace is missing/);
  });

  test('metadata in the wrong folder and an unknown suffix', () => {
    const files = baseFixture();
    files.set('force-app/main/default/classes/Other.permissionset-meta.xml', files.get('force-app/main/default/permissionsets/Thing_Reader.permissionset-meta.xml') ?? '');
    files.set('force-app/main/default/widgets/W.widget-meta.xml', `${DECL}\n<Widget xmlns="${NS}"/>\n`);
    const problems = problemsOf(files);
    assertReported(problems, 'force-app/main/default/classes/Other.permissionset-meta.xml', /belongs at .*permissionsets\//);
    assertReported(problems, 'force-app/main/default/widgets/W.widget-meta.xml', /unknown metadata suffix/);
  });

  test('an Apex class without its -meta.xml, and a -meta.xml without its class', () => {
    const files = baseFixture();
    files.delete('force-app/main/default/classes/ThingController.cls-meta.xml');
    files.set('force-app/main/default/classes/Orphan.cls-meta.xml', `${DECL}\n<ApexClass xmlns="${NS}">\n    <apiVersion>61.0</apiVersion>\n</ApexClass>\n`);
    files.set('force-app/main/default/triggers/ThingTrigger.trigger', 'trigger ThingTrigger on Thing__c (before insert) {}\n');
    files.set('force-app/main/default/triggers/ThingTrigger.trigger-meta.xml', `${DECL}\n<ApexTrigger xmlns="${NS}">\n    <status>Active</status>\n</ApexTrigger>\n`);
    const dir = path.join(writeFixture(files), 'force-app');
    const problems = checkApexPairs(dir, '61.0');
    assertReported(problems, 'main/default/classes/ThingController.cls', /missing ThingController\.cls-meta\.xml/);
    assertReported(problems, 'main/default/classes/Orphan.cls-meta.xml', /missing Orphan\.cls for this -meta\.xml/);
    assertReported(problems, 'main/default/triggers/ThingTrigger.trigger-meta.xml', /missing <apiVersion>/);
  });

  test('an apiVersion newer than the project', () => {
    const rel = 'force-app/main/default/classes/ThingController.cls-meta.xml';
    const problems = problemsOf(edit(baseFixture(), rel, (s) => s.replace('61.0', '62.0')));
    assertReported(problems, rel, /newer than sourceApiVersion 61\.0/);
  });

  test('an LWC bundle without .js-meta.xml', () => {
    const files = baseFixture();
    files.delete('force-app/main/default/lwc/thingCard/thingCard.js-meta.xml');
    files.set('force-app/main/default/lwc/emptyCard/emptyCard.html', '<template></template>\n');
    const dir = path.join(writeFixture(files), 'force-app');
    const problems = checkLwcBundles(dir, '61.0');
    assertReported(problems, 'main/default/lwc/thingCard', /no thingCard\.js-meta\.xml/);
    assertReported(problems, 'main/default/lwc/emptyCard', /no emptyCard\.js-meta\.xml/);
    assertReported(problems, 'main/default/lwc/emptyCard', /neither emptyCard\.js nor emptyCard\.ts/);
  });

  test('a field whose <fullName> differs from its file name', () => {
    const rel = `${OBJ}/fields/Note__c.field-meta.xml`;
    const problems = problemsOf(edit(baseFixture(), rel, (s) => s.replace('<fullName>Note__c', '<fullName>Notes__c')));
    assertReported(problems, rel, /<fullName> is "Notes__c" but the file is named Note__c/);
  });

  test('a picklist without values', () => {
    const rel = `${OBJ}/fields/Kind__c.field-meta.xml`;
    const problems = problemsOf(edit(baseFixture(), rel, (s) => s.replace(/\s*<value>[\s\S]*<\/value>/, '')));
    assertReported(problems, rel, /Picklist has no values/);
  });

  test('a lookup without relationshipName, and one to Profile', () => {
    const rel = `${OBJ}/fields/Person__c.field-meta.xml`;
    const noRel = problemsOf(edit(baseFixture(), rel, (s) => s.replace('    <relationshipName>Things</relationshipName>\n', '')));
    assertReported(noRel, rel, /Lookup needs <relationshipName>/);
    const toProfile = problemsOf(edit(baseFixture(), rel, (s) => s.replace('<referenceTo>User', '<referenceTo>Profile')));
    assertReported(toProfile, rel, /referenceTo> Profile is neither/);
  });

  test('text lengths over the Salesforce maxima', () => {
    const rel = `${OBJ}/fields/Note__c.field-meta.xml`;
    const tooLong = problemsOf(edit(baseFixture(), rel, (s) => s.replace('<length>80', '<length>256')));
    assertReported(tooLong, rel, /Text <length> must be 1\.\.255, is 256/);
    const files = baseFixture();
    files.set(
      `${OBJ}/fields/Body__c.field-meta.xml`,
      fieldXml('Body__c', `${DOC}${HELP}    <label>Body</label>\n    <length>200000</length>\n    <type>LongTextArea</type>\n    <visibleLines>3</visibleLines>\n`),
    );
    assertReported(problemsOf(files), `${OBJ}/fields/Body__c.field-meta.xml`, /LongTextArea <length> must be 256\.\.131072/);
  });

  test('a field without description or help text', () => {
    const rel = `${OBJ}/fields/Note__c.field-meta.xml`;
    const problems = problemsOf(edit(baseFixture(), rel, (s) => s.replace(DOC, '').replace(HELP, '')));
    assertReported(problems, rel, /missing <description>/);
    assertReported(problems, rel, /missing <inlineHelpText>/);
  });

  test('code naming a field the package lacks, and picklist values drifting either way', () => {
    const files = baseFixture();
    files.delete(`${OBJ}/fields/Note__c.field-meta.xml`);
    edit(files, 'force-app/main/default/permissionsets/Thing_Reader.permissionset-meta.xml', (s) =>
      s.replace(/ {4}<fieldPermissions>\n {8}<editable>false<\/editable>\n {8}<field>Thing__c\.Note__c<\/field>\n {8}<readable>true<\/readable>\n {4}<\/fieldPermissions>\n/, ''),
    );
    edit(files, `${OBJ}/fields/Kind__c.field-meta.xml`, (s) => s.replace('<fullName>b</fullName>', '<fullName>c</fullName>'));
    const problems = problemsOf(files);
    assertReported(problems, 'companion/src/core/sf-schema.ts', /SF\.thing\.fields\.note Thing__c\.Note__c has no field file/);
    assertReported(problems, 'companion/src/core/sf-schema.ts', /THING_KINDS has b, which Thing__c\.Kind__c lacks/);
    assertReported(problems, `${OBJ}/fields/Kind__c.field-meta.xml`, /picklist value c is not in THING_KINDS/);
  });

  test('permission sets naming missing fields, required fields, or leaving fields undecided', () => {
    const rel = 'force-app/main/default/permissionsets/Thing_Reader.permissionset-meta.xml';
    const missing = problemsOf(edit(baseFixture(), rel, (s) => s.replace('Thing__c.Note__c', 'Thing__c.Nope__c')));
    assertReported(missing, rel, /Thing__c\.Nope__c, which does not exist/);
    assertReported(missing, rel, /no fieldPermissions entry for Thing__c\.Note__c/);

    const files = baseFixture();
    edit(files, `${OBJ}/fields/Note__c.field-meta.xml`, (s) => s.replace('    <type>', '    <required>true</required>\n    <type>'));
    assertReported(problemsOf(files), rel, /Thing__c\.Note__c is required or master-detail/);

    const unsorted = problemsOf(edit(baseFixture(), rel, (s) => s.replace('Thing__c.Kind__c', 'Thing__c.Zzz__c')));
    assertReported(unsorted, rel, /not sorted by field/);
  });

  test('sfdx-project.json pointing at a package directory that does not exist', () => {
    const files = baseFixture();
    files.set('sfdx-project.json', JSON.stringify({ packageDirectories: [{ path: 'src', default: true }], sourceApiVersion: '61' }));
    const problems = problemsOf(files);
    assertReported(problems, 'sfdx-project.json', /package directory src does not exist/);
    assertReported(problems, 'sfdx-project.json', /sourceApiVersion must be a string like "61\.0"/);
  });

  test('a master-detail child without ControlledByParent sharing', () => {
    const files = baseFixture();
    files.set(
      `${OBJ}/fields/Parent__c.field-meta.xml`,
      fieldXml(
        'Parent__c',
        `${DOC}${HELP}    <label>Parent</label>\n    <referenceTo>Thing__c</referenceTo>\n    <relationshipLabel>Children</relationshipLabel>\n    <relationshipName>Children</relationshipName>\n    <relationshipOrder>0</relationshipOrder>\n    <type>MasterDetail</type>\n`,
      ),
    );
    assertReported(problemsOf(files), `${OBJ}/Thing__c.object-meta.xml`, /needs sharingModel ControlledByParent/);
  });

  test('a Percent default written as a whole percentage (formulas want 0.5 for 50%)', () => {
    const files = baseFixture();
    const rel = `${OBJ}/fields/Rate__c.field-meta.xml`;
    const percent = (dv: string) =>
      fieldXml('Rate__c', `    <defaultValue>${dv}</defaultValue>\n${DOC}${HELP}    <label>Rate</label>\n    <precision>3</precision>\n    <scale>0</scale>\n    <type>Percent</type>\n`);
    files.set(rel, percent('50'));
    assertReported(problemsOf(files), rel, /means 5000%: default values are formulas/);
    files.set(rel, percent('0.5'));
    assert.ok(!problemsOf(files).some((p) => p.file === rel), 'a decimal default is fine');
  });

  test('more history-tracked fields than Salesforce allows, and tracking without enableHistory', () => {
    const files = baseFixture();
    for (let i = 0; i < 21; i++) {
      const name = `Tracked${i}__c`;
      files.set(
        `${OBJ}/fields/${name}.field-meta.xml`,
        fieldXml(name, `${DOC}${HELP}    <label>Tracked ${i}</label>\n    <length>10</length>\n    <trackHistory>true</trackHistory>\n    <type>Text</type>\n`),
      );
    }
    const problems = problemsOf(files);
    assertReported(problems, `${OBJ}/Thing__c.object-meta.xml`, /21 fields track history; Salesforce allows 20/);
    assertReported(problems, `${OBJ}/Thing__c.object-meta.xml`, /<enableHistory> is not true/);
  });

  test('a validation rule without <active>, and one naming a field the object lacks', () => {
    const files = baseFixture();
    const rel = `${OBJ}/validationRules/Note_Short.validationRule-meta.xml`;
    files.set(
      rel,
      `${DECL}\n<ValidationRule xmlns="${NS}">\n    <fullName>Note_Short</fullName>\n    <errorConditionFormula>LEN(Nope__c) &gt; 5</errorConditionFormula>\n    <errorMessage>Too long.</errorMessage>\n</ValidationRule>\n`,
    );
    const problems = problemsOf(files);
    assertReported(problems, rel, /<active> must be true or false/);
    assertReported(problems, rel, /formula references Nope__c/);
  });

  test('channel members: EventRelation and Lead change events are known, an unknown object is not', () => {
    const files = baseFixture();
    const member = (entity: string) =>
      `${DECL}\n<PlatformEventChannelMember xmlns="${NS}">\n    <eventChannel>ChangeEvents</eventChannel>\n    <selectedEntity>${entity}</selectedEntity>\n</PlatformEventChannelMember>\n`;
    const dir = 'force-app/main/default/platformEventChannelMembers';
    for (const entity of ['EventRelationChangeEvent', 'LeadChangeEvent', 'EventChangeEvent', 'WidgetChangeEvent']) {
      files.set(`${dir}/ChangeEvents_${entity}.platformEventChannelMember-meta.xml`, member(entity));
    }
    const problems = problemsOf(files).filter((p) => p.file.startsWith(dir));
    assert.deepEqual(
      problems.map((p) => p.file),
      [`${dir}/ChangeEvents_WidgetChangeEvent.platformEventChannelMember-meta.xml`],
      formatProblems(problems),
    );
  });

  test('the helpers themselves: picklistValues reads the value set', () => {
    const dir = writeFixture(baseFixture());
    const { objects: fixtureObjects } = loadObjects(path.join(dir, 'force-app'));
    const kind = fixtureObjects.get('Thing__c')?.fields.get('Kind__c');
    assert.ok(kind);
    assert.deepEqual(picklistValues(kind), ['a', 'b']);
    // deleting a file the checks need is also reported, not thrown
    unlinkSync(path.join(dir, 'sfdx-project.json'));
    assertReported(checkProject(dir), 'sfdx-project.json', /cannot read as JSON/);
  });
});
