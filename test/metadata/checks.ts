/**
 * Static checks for the Salesforce package in force-app/ (source format).
 *
 * Every check takes a directory (or a model loaded from one) and returns a list of problems
 * instead of throwing, so the tests can run them both on the real package and on broken
 * fixtures in a temporary directory. Nothing here talks to an org: these are the rules a
 * deploy would enforce (or that keep code and package from drifting), checked offline.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

export interface Problem {
  /** Path relative to the directory the check was given, with forward slashes. */
  file: string;
  message: string;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.file}: ${p.message}`).join('\n');
}

// ───────────────────────────── XML ─────────────────────────────

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated direct text content, trimmed. */
  text: string;
}

export type ParsedXml =
  | { ok: true; root: XmlElement; hasDeclaration: boolean }
  | { ok: false; message: string };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  commentPropName: '#comment',
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fast-xml-parser's preserveOrder output → a small typed element tree. */
function toElements(nodes: unknown): { elements: XmlElement[]; text: string; declaration: boolean } {
  const elements: XmlElement[] = [];
  let text = '';
  let declaration = false;
  if (!Array.isArray(nodes)) return { elements, text, declaration };
  for (const node of nodes as unknown[]) {
    if (!isRecord(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@' || key === '#comment') continue;
      if (key === '?xml') {
        declaration = true;
        continue;
      }
      if (key === '#text') {
        text += String(value);
        continue;
      }
      const inner = toElements(value);
      const attrs: Record<string, string> = {};
      const rawAttrs = node[':@'];
      if (isRecord(rawAttrs)) {
        for (const [a, v] of Object.entries(rawAttrs)) attrs[a] = String(v);
      }
      elements.push({ name: key, attributes: attrs, children: inner.elements, text: inner.text.trim() });
    }
  }
  return { elements, text, declaration };
}

export function parseMetadataXml(source: string): ParsedXml {
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    return { ok: false, message: `not well-formed XML (line ${valid.err.line}, col ${valid.err.col}): ${valid.err.msg}` };
  }
  const tree = toElements(parser.parse(source) as unknown);
  const roots = tree.elements;
  if (roots.length !== 1 || roots[0] === undefined) {
    return { ok: false, message: `expected exactly one root element, found ${roots.length}` };
  }
  return { ok: true, root: roots[0], hasDeclaration: tree.declaration };
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text;
}

// ───────────────────────────── files ─────────────────────────────

const SKIPPED_DIRS = new Set(['node_modules', '__tests__', '__mocks__']);

/** All files under dir (relative, forward slashes), skipping dot folders and test folders. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
        visit(childRel);
      } else if (entry.isFile()) {
        out.push(childRel);
      }
    }
  };
  if (existsSync(dir)) visit('');
  return out.sort();
}

/** All folders under dir (relative, forward slashes), with the same skipping rules as listFiles. */
export function listDirs(dir: string): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      out.push(childRel);
      visit(childRel);
    }
  };
  if (isDir(dir)) visit('');
  return out.sort();
}

function read(dir: string, rel: string): string {
  return readFileSync(path.join(dir, rel), 'utf8');
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

// ───────────────────────────── metadata kinds ─────────────────────────────

/**
 * How each source-format suffix is stored: root element and folder.
 * flat: <folder>/<Name>.<suffix>-meta.xml
 * object: objects/<Name>/<Name>.object-meta.xml
 * object-child: objects/<Object>/<folder>/<Name>.<suffix>-meta.xml
 * bundle: <folder>/<Name>/<Name>.<suffix>-meta.xml
 * A suffix missing here is reported, so a new metadata type gets a conscious entry.
 */
export interface MetadataKind {
  root: string;
  folder: string;
  layout: 'flat' | 'object' | 'object-child' | 'bundle';
}

export const METADATA_KINDS: Readonly<Record<string, MetadataKind>> = {
  object: { root: 'CustomObject', folder: 'objects', layout: 'object' },
  field: { root: 'CustomField', folder: 'fields', layout: 'object-child' },
  validationRule: { root: 'ValidationRule', folder: 'validationRules', layout: 'object-child' },
  listView: { root: 'ListView', folder: 'listViews', layout: 'object-child' },
  recordType: { root: 'RecordType', folder: 'recordTypes', layout: 'object-child' },
  compactLayout: { root: 'CompactLayout', folder: 'compactLayouts', layout: 'object-child' },
  webLink: { root: 'WebLink', folder: 'webLinks', layout: 'object-child' },
  fieldSet: { root: 'FieldSet', folder: 'fieldSets', layout: 'object-child' },
  sharingReason: { root: 'SharingReason', folder: 'sharingReasons', layout: 'object-child' },
  businessProcess: { root: 'BusinessProcess', folder: 'businessProcesses', layout: 'object-child' },
  cls: { root: 'ApexClass', folder: 'classes', layout: 'flat' },
  trigger: { root: 'ApexTrigger', folder: 'triggers', layout: 'flat' },
  page: { root: 'ApexPage', folder: 'pages', layout: 'flat' },
  component: { root: 'ApexComponent', folder: 'components', layout: 'flat' },
  js: { root: 'LightningComponentBundle', folder: 'lwc', layout: 'bundle' },
  cmp: { root: 'AuraDefinitionBundle', folder: 'aura', layout: 'bundle' },
  resource: { root: 'StaticResource', folder: 'staticresources', layout: 'flat' },
  permissionset: { root: 'PermissionSet', folder: 'permissionsets', layout: 'flat' },
  permissionsetgroup: { root: 'PermissionSetGroup', folder: 'permissionsetgroups', layout: 'flat' },
  customPermission: { root: 'CustomPermission', folder: 'customPermissions', layout: 'flat' },
  platformEventChannel: { root: 'PlatformEventChannel', folder: 'platformEventChannels', layout: 'flat' },
  platformEventChannelMember: {
    root: 'PlatformEventChannelMember',
    folder: 'platformEventChannelMembers',
    layout: 'flat',
  },
  tab: { root: 'CustomTab', folder: 'tabs', layout: 'flat' },
  app: { root: 'CustomApplication', folder: 'applications', layout: 'flat' },
  flexipage: { root: 'FlexiPage', folder: 'flexipages', layout: 'flat' },
  layout: { root: 'Layout', folder: 'layouts', layout: 'flat' },
  labels: { root: 'CustomLabels', folder: 'labels', layout: 'flat' },
  md: { root: 'CustomMetadata', folder: 'customMetadata', layout: 'flat' },
  messageChannel: { root: 'LightningMessageChannel', folder: 'messageChannels', layout: 'flat' },
  remoteSite: { root: 'RemoteSiteSetting', folder: 'remoteSiteSettings', layout: 'flat' },
  cspTrustedSite: { root: 'CspTrustedSite', folder: 'cspTrustedSites', layout: 'flat' },
  namedCredential: { root: 'NamedCredential', folder: 'namedCredentials', layout: 'flat' },
  externalCredential: { root: 'ExternalCredential', folder: 'externalCredentials', layout: 'flat' },
  connectedApp: { root: 'ConnectedApp', folder: 'connectedApps', layout: 'flat' },
  quickAction: { root: 'QuickAction', folder: 'quickActions', layout: 'flat' },
  flow: { root: 'Flow', folder: 'flows', layout: 'flat' },
  globalValueSet: { root: 'GlobalValueSet', folder: 'globalValueSets', layout: 'flat' },
  notiftype: { root: 'CustomNotificationType', folder: 'notificationtypes', layout: 'flat' },
};

const META_FILE = /^(?<name>.+)\.(?<kind>[A-Za-z]+)-meta\.xml$/;

/** Roots whose top-level children must be in retrieve order: fullName first, then by name. */
const CANONICAL_ORDER_ROOTS = new Set([
  'CustomObject',
  'CustomField',
  'ValidationRule',
  'PermissionSet',
  'PlatformEventChannelMember',
]);

function expectedLocation(kind: MetadataKind, name: string, segments: string[]): string | undefined {
  const n = segments.length;
  const parent = segments[n - 2];
  const grand = segments[n - 3];
  const great = segments[n - 4];
  switch (kind.layout) {
    case 'flat':
      return parent === kind.folder ? undefined : `${kind.folder}/${name}`;
    case 'object':
      return grand === 'objects' && parent === name ? undefined : `objects/${name}/${name}`;
    case 'object-child':
      return parent === kind.folder && great === 'objects' ? undefined : `objects/<Object>/${kind.folder}/${name}`;
    case 'bundle':
      return grand === kind.folder && parent === name ? undefined : `${kind.folder}/${name}/${name}`;
  }
}

function checkCanonicalOrder(file: string, root: XmlElement): Problem[] {
  const names = root.children.map((c) => c.name);
  const rest = names[0] === 'fullName' ? names.slice(1) : names;
  if (rest.includes('fullName')) return [{ file, message: '<fullName> must be the first element' }];
  for (let i = 1; i < rest.length; i++) {
    const prev = rest[i - 1] ?? '';
    const cur = rest[i] ?? '';
    if (cur < prev) {
      return [{ file, message: `elements out of retrieve order: <${cur}> after <${prev}> (keep them sorted by name)` }];
    }
  }
  return [];
}

/**
 * Every *-meta.xml under dir: well-formed, XML declaration, the root element its suffix calls
 * for, the Metadata API namespace, stored in the folder that suffix belongs to.
 */
export function checkMetadataXml(dir: string): Problem[] {
  const problems: Problem[] = [];
  for (const file of listFiles(dir)) {
    const segments = file.split('/');
    const base = segments[segments.length - 1] ?? '';
    if (!base.endsWith('-meta.xml')) continue;
    const match = META_FILE.exec(base);
    const name = match?.groups?.['name'] ?? '';
    const kindName = match?.groups?.['kind'] ?? '';
    const kind = METADATA_KINDS[kindName];
    if (!kind) {
      problems.push({ file, message: `unknown metadata suffix ".${kindName}-meta.xml" (add it to METADATA_KINDS in test/metadata/checks.ts)` });
      continue;
    }
    const parsed = parseMetadataXml(read(dir, file));
    if (!parsed.ok) {
      problems.push({ file, message: parsed.message });
      continue;
    }
    if (!parsed.hasDeclaration) problems.push({ file, message: 'missing <?xml version="1.0" encoding="UTF-8"?> declaration' });
    if (parsed.root.name !== kind.root) {
      problems.push({ file, message: `root element is <${parsed.root.name}>, expected <${kind.root}> for .${kindName}-meta.xml` });
    }
    const ns = parsed.root.attributes['xmlns'];
    if (ns !== METADATA_NS) {
      problems.push({ file, message: `root namespace is ${ns === undefined ? 'missing' : `"${ns}"`}, expected "${METADATA_NS}"` });
    }
    const wrongPlace = expectedLocation(kind, name, segments);
    if (wrongPlace !== undefined) {
      problems.push({ file, message: `a .${kindName}-meta.xml belongs at .../${wrongPlace}.${kindName}-meta.xml` });
    }
    if (CANONICAL_ORDER_ROOTS.has(parsed.root.name)) problems.push(...checkCanonicalOrder(file, parsed.root));
  }
  return problems;
}

// ───────────────────────────── Apex and LWC ─────────────────────────────

const API_VERSION = /^\d{2}\.0$/;

function checkApiVersion(dir: string, metaFile: string, maxVersion: string | undefined): Problem[] {
  const parsed = parseMetadataXml(read(dir, metaFile));
  if (!parsed.ok) return []; // reported by checkMetadataXml
  const version = childText(parsed.root, 'apiVersion');
  if (version === undefined || version === '') return [{ file: metaFile, message: 'missing <apiVersion>' }];
  if (!API_VERSION.test(version)) return [{ file: metaFile, message: `<apiVersion> "${version}" is not like "61.0"` }];
  if (maxVersion !== undefined && Number(version) > Number(maxVersion)) {
    return [{ file: metaFile, message: `<apiVersion> ${version} is newer than sourceApiVersion ${maxVersion}` }];
  }
  return [];
}

/** Every .cls/.trigger has its -meta.xml with an apiVersion, and every such -meta.xml has its source. */
export function checkApexPairs(dir: string, maxVersion?: string): Problem[] {
  const problems: Problem[] = [];
  const files = new Set(listFiles(dir));
  for (const file of files) {
    for (const ext of ['.cls', '.trigger']) {
      if (file.endsWith(ext)) {
        const meta = `${file}-meta.xml`;
        if (!files.has(meta)) problems.push({ file, message: `missing ${path.posix.basename(meta)}` });
        else problems.push(...checkApiVersion(dir, meta, maxVersion));
      }
      if (file.endsWith(`${ext}-meta.xml`)) {
        const source = file.slice(0, -'-meta.xml'.length);
        if (!files.has(source)) problems.push({ file, message: `missing ${path.posix.basename(source)} for this -meta.xml` });
      }
    }
  }
  return problems;
}

/** Every folder inside an lwc/ folder is a bundle: <name>.js-meta.xml with apiVersion, and <name>.js (or .ts). */
export function checkLwcBundles(dir: string, maxVersion?: string): Problem[] {
  const problems: Problem[] = [];
  for (const lwcRoot of listDirs(dir).filter((d) => path.posix.basename(d) === 'lwc')) {
    for (const entry of readdirSync(path.join(dir, lwcRoot), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const bundle = `${lwcRoot}/${entry.name}`;
      const meta = `${bundle}/${entry.name}.js-meta.xml`;
      if (!existsSync(path.join(dir, meta))) {
        problems.push({ file: bundle, message: `LWC bundle has no ${entry.name}.js-meta.xml` });
      } else {
        problems.push(...checkApiVersion(dir, meta, maxVersion));
      }
      const main = ['.js', '.ts'].map((ext) => path.join(dir, bundle, `${entry.name}${ext}`));
      if (!main.some((p) => existsSync(p))) {
        problems.push({ file: bundle, message: `LWC bundle has neither ${entry.name}.js nor ${entry.name}.ts` });
      }
    }
  }
  return problems;
}

// ───────────────────────────── objects and fields ─────────────────────────────

export interface FieldModel {
  file: string;
  /** File name without .field-meta.xml. */
  name: string;
  el: XmlElement;
  type: string;
}

export interface ObjectModel {
  name: string;
  /** undefined for a standard object that only carries custom fields. */
  file: string | undefined;
  el: XmlElement | undefined;
  fields: Map<string, FieldModel>;
  validationRules: Array<{ file: string; name: string; el: XmlElement }>;
}

export type ObjectMap = Map<string, ObjectModel>;

/** Loads objects/<Object>/ folders anywhere under dir. Unparseable files are skipped (checkMetadataXml reports them). */
export function loadObjects(dir: string): { objects: ObjectMap; problems: Problem[] } {
  const objects: ObjectMap = new Map();
  const problems: Problem[] = [];
  const ensure = (name: string): ObjectModel => {
    let model = objects.get(name);
    if (!model) {
      model = { name, file: undefined, el: undefined, fields: new Map(), validationRules: [] };
      objects.set(name, model);
    }
    return model;
  };
  for (const file of listFiles(dir)) {
    const segments = file.split('/');
    const at = segments.lastIndexOf('objects');
    if (at < 0 || segments.length - at < 3) continue;
    const objectName = segments[at + 1] ?? '';
    const rest = segments.slice(at + 2);
    const model = ensure(objectName);
    const parse = (): XmlElement | undefined => {
      const parsed = parseMetadataXml(read(dir, file));
      return parsed.ok ? parsed.root : undefined;
    };
    if (rest.length === 1 && rest[0] === `${objectName}.object-meta.xml`) {
      if (model.file !== undefined) problems.push({ file, message: `object ${objectName} is defined twice (also ${model.file})` });
      model.file = file;
      model.el = parse();
    } else if (rest.length === 2 && rest[0] === 'fields' && rest[1]?.endsWith('.field-meta.xml')) {
      const name = rest[1].slice(0, -'.field-meta.xml'.length);
      const el = parse();
      if (el) model.fields.set(name, { file, name, el, type: childText(el, 'type') ?? '' });
    } else if (rest.length === 2 && rest[0] === 'validationRules' && rest[1]?.endsWith('.validationRule-meta.xml')) {
      const name = rest[1].slice(0, -'.validationRule-meta.xml'.length);
      const el = parse();
      if (el) model.validationRules.push({ file, name, el });
    }
  }
  return { objects, problems };
}

/** Standard fields every object has; code may name them without a field file. */
export const STANDARD_FIELDS = new Set([
  'Id',
  'Name',
  'OwnerId',
  'CreatedById',
  'CreatedDate',
  'LastModifiedById',
  'LastModifiedDate',
  'SystemModstamp',
  'IsDeleted',
]);

/** Standard objects our lookups and permission sets may point at. Profile is deliberately absent: custom lookups cannot target it. */
export const KNOWN_STANDARD_OBJECTS = new Set(['User', 'Contact', 'Account', 'Lead', 'Event']);

/**
 * Standard objects whose change events a channel member may select. EventRelation has change
 * events (invitees of an event) but is no lookup target, so it is listed here only.
 */
export const KNOWN_CDC_STANDARD_OBJECTS = new Set([...KNOWN_STANDARD_OBJECTS, 'EventRelation']);

const FIELD_TYPES = new Set([
  'AutoNumber',
  'Checkbox',
  'Currency',
  'Date',
  'DateTime',
  'Email',
  'EncryptedText',
  'Html',
  'Lookup',
  'LongTextArea',
  'MasterDetail',
  'MultiselectPicklist',
  'Number',
  'Percent',
  'Phone',
  'Picklist',
  'Summary',
  'Text',
  'TextArea',
  'Time',
  'Url',
]);

/** Salesforce limits (Metadata API / Setup). */
export const LIMITS = {
  textLength: 255,
  longTextMin: 256,
  longTextMax: 131072,
  precisionMax: 18,
  labelMax: 40,
  descriptionMax: 1000,
  inlineHelpMax: 510,
  apiNameMax: 40,
  permissionSetLabelMax: 80,
  permissionSetDescriptionMax: 255,
  masterDetailPerObject: 2,
  /** Field history tracking: at most 20 fields per object, the name field included. */
  historyTrackedFieldsPerObject: 20,
} as const;

const API_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;
const RELATIONSHIP_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;
const DELETE_CONSTRAINTS = new Set(['SetNull', 'Restrict', 'Cascade']);

function checkApiName(file: string, fullName: string, suffixes: readonly string[]): Problem[] {
  const suffix = suffixes.find((s) => fullName.endsWith(s));
  if (suffix === undefined) return [{ file, message: `API name ${fullName} must end with ${suffixes.join(' or ')}` }];
  const stem = fullName.slice(0, -suffix.length);
  if (!API_NAME.test(stem) || stem.endsWith('_')) {
    return [{ file, message: `API name ${fullName}: letters, digits and single underscores only, starting with a letter` }];
  }
  if (stem.length > LIMITS.apiNameMax) return [{ file, message: `API name ${fullName} is longer than ${LIMITS.apiNameMax} characters` }];
  return [];
}

function intOf(el: XmlElement, name: string): number | undefined {
  const t = childText(el, name);
  if (t === undefined || !/^-?\d+$/.test(t)) return undefined;
  return Number(t);
}

export function isCustomName(name: string): boolean {
  return /__(c|e|mdt|b|x)$/.test(name);
}

export function isRequiredField(field: FieldModel): boolean {
  return field.type === 'MasterDetail' || childText(field.el, 'required') === 'true';
}

export function isReadOnlyField(field: FieldModel): boolean {
  return field.type === 'AutoNumber' || field.type === 'Summary' || child(field.el, 'formula') !== undefined;
}

export function picklistValues(field: FieldModel): string[] {
  const def = child(child(field.el, 'valueSet') ?? field.el, 'valueSetDefinition');
  if (!def) return [];
  return childrenNamed(def, 'value').map((v) => childText(v, 'fullName') ?? '');
}

function checkField(field: FieldModel, objects: ObjectMap): Problem[] {
  const problems: Problem[] = [];
  const { file, el, type } = field;
  const add = (message: string): void => {
    problems.push({ file, message });
  };
  const fullName = childText(el, 'fullName');
  if (fullName !== field.name) add(`<fullName> is "${fullName ?? ''}" but the file is named ${field.name}`);
  if (isCustomName(field.name)) problems.push(...checkApiName(file, field.name, ['__c']));
  if (!FIELD_TYPES.has(type)) add(`unknown or missing <type> "${type}"`);
  const label = childText(el, 'label') ?? '';
  if (label === '') add('missing <label>');
  if (label.length > LIMITS.labelMax) add(`<label> longer than ${LIMITS.labelMax} characters`);
  const description = childText(el, 'description') ?? '';
  const help = childText(el, 'inlineHelpText') ?? '';
  if (description === '') add('missing <description> (every Syncline field documents itself)');
  if (description.length > LIMITS.descriptionMax) add(`<description> longer than ${LIMITS.descriptionMax} characters`);
  if (help === '') add('missing <inlineHelpText> (every Syncline field explains itself to admins)');
  if (help.length > LIMITS.inlineHelpMax) add(`<inlineHelpText> longer than ${LIMITS.inlineHelpMax} characters`);

  const length = intOf(el, 'length');
  switch (type) {
    case 'Text':
    case 'EncryptedText':
      if (length === undefined || length < 1 || length > LIMITS.textLength) {
        add(`${type} <length> must be 1..${LIMITS.textLength}, is ${childText(el, 'length') ?? 'missing'}`);
      }
      break;
    case 'LongTextArea':
    case 'Html': {
      if (length === undefined || length < LIMITS.longTextMin || length > LIMITS.longTextMax) {
        add(`${type} <length> must be ${LIMITS.longTextMin}..${LIMITS.longTextMax}, is ${childText(el, 'length') ?? 'missing'}`);
      }
      const lines = intOf(el, 'visibleLines');
      if (lines === undefined || lines < 1 || lines > 50) add(`${type} needs <visibleLines> 1..50`);
      break;
    }
    case 'Number':
    case 'Currency':
    case 'Percent': {
      const precision = intOf(el, 'precision');
      const scale = intOf(el, 'scale');
      if (precision === undefined || precision < 1 || precision > LIMITS.precisionMax) {
        add(`${type} <precision> must be 1..${LIMITS.precisionMax}`);
      }
      if (scale === undefined || scale < 0 || (precision !== undefined && scale > precision)) {
        add(`${type} <scale> must be 0..precision`);
      }
      const dv = childText(el, 'defaultValue');
      if (dv !== undefined && !/^-?\d+(\.\d+)?$/.test(dv)) add(`${type} <defaultValue> "${dv}" is not a number`);
      // Default values are formulas, and formulas see a percentage as a decimal: "50" would be 5000%.
      else if (type === 'Percent' && dv !== undefined && Math.abs(Number(dv)) > 1) {
        add(`Percent <defaultValue> ${dv} means ${Number(dv) * 100}%: default values are formulas, write 50% as 0.5`);
      }
      break;
    }
    case 'Checkbox': {
      const dv = childText(el, 'defaultValue');
      if (dv !== 'true' && dv !== 'false') add('Checkbox needs <defaultValue> true or false');
      if (child(el, 'required') !== undefined) add('Checkbox fields cannot carry <required>');
      break;
    }
    case 'Picklist':
    case 'MultiselectPicklist': {
      const valueSet = child(el, 'valueSet');
      if (!valueSet) {
        add(`${type} has no <valueSet>`);
        break;
      }
      if (childText(valueSet, 'valueSetName') !== undefined) break; // global value set
      const def = child(valueSet, 'valueSetDefinition');
      const values = def ? childrenNamed(def, 'value') : [];
      if (values.length === 0) add(`${type} has no values`);
      const seen = new Set<string>();
      let defaults = 0;
      for (const v of values) {
        const name = childText(v, 'fullName') ?? '';
        if (name === '') add('picklist value without <fullName>');
        if (seen.has(name)) add(`duplicate picklist value ${name}`);
        seen.add(name);
        if ((childText(v, 'label') ?? '') === '') add(`picklist value ${name} has no <label>`);
        if (childText(v, 'default') === 'true') defaults++;
      }
      if (type === 'Picklist' && defaults > 1) add('more than one default picklist value');
      break;
    }
    case 'Lookup':
    case 'MasterDetail': {
      const target = childText(el, 'referenceTo') ?? '';
      const rel = childText(el, 'relationshipName') ?? '';
      if (target === '') add(`${type} needs <referenceTo>`);
      else if (!objects.has(target) && !KNOWN_STANDARD_OBJECTS.has(target)) {
        add(`${type} <referenceTo> ${target} is neither an object in the package nor a known lookup target`);
      }
      if (rel === '') add(`${type} needs <relationshipName>`);
      else if (!RELATIONSHIP_NAME.test(rel) || rel.endsWith('_')) add(`<relationshipName> ${rel} is not a valid name`);
      if (type === 'Lookup') {
        const dc = childText(el, 'deleteConstraint') ?? '';
        if (!DELETE_CONSTRAINTS.has(dc)) add('Lookup needs <deleteConstraint> SetNull, Restrict or Cascade');
        if (dc === 'SetNull' && childText(el, 'required') === 'true') add('a required Lookup cannot use deleteConstraint SetNull');
        if (target === 'User' && dc !== 'SetNull') add('Lookups to User support only deleteConstraint SetNull');
      } else {
        if (child(el, 'deleteConstraint') !== undefined) add('MasterDetail cannot carry <deleteConstraint> (deletes always cascade)');
        if (child(el, 'required') !== undefined) add('MasterDetail cannot carry <required> (it always is)');
        if (objects.get(target)?.el === undefined && !KNOWN_STANDARD_OBJECTS.has(target)) {
          add(`MasterDetail master ${target} is not in the package`);
        }
      }
      break;
    }
    default:
      break;
  }
  if (childText(el, 'externalId') === 'true' && !['Text', 'Number', 'Email', 'AutoNumber'].includes(type)) {
    add(`${type} fields cannot be external ids`);
  }
  if (childText(el, 'unique') === 'true' && !['Text', 'Number', 'Email'].includes(type)) add(`${type} fields cannot be unique`);
  return problems;
}

function checkObject(object: ObjectModel): Problem[] {
  const problems: Problem[] = [];
  const file = object.file ?? `objects/${object.name}`;
  const add = (message: string): void => {
    problems.push({ file, message });
  };
  if (!isCustomName(object.name)) {
    if (object.el !== undefined) add(`standard object ${object.name}: Syncline does not redefine standard objects`);
    return problems;
  }
  problems.push(...checkApiName(file, object.name, ['__c', '__e', '__mdt']));
  const el = object.el;
  if (el === undefined) {
    add(`custom object ${object.name} has fields but no ${object.name}.object-meta.xml`);
    return problems;
  }
  for (const tag of ['label', 'pluralLabel']) {
    const v = childText(el, tag) ?? '';
    if (v === '') add(`missing <${tag}>`);
    if (v.length > LIMITS.labelMax) add(`<${tag}> longer than ${LIMITS.labelMax} characters`);
  }
  const description = childText(el, 'description') ?? '';
  if (description === '') add('missing <description>');
  if (description.length > LIMITS.descriptionMax) add(`<description> longer than ${LIMITS.descriptionMax} characters`);
  if (!object.name.endsWith('__c')) return problems;
  if (childText(el, 'deploymentStatus') !== 'Deployed') add('<deploymentStatus> must be Deployed');
  const nameField = child(el, 'nameField');
  if (!nameField) add('missing <nameField>');
  else {
    const t = childText(nameField, 'type');
    if (t !== 'Text' && t !== 'AutoNumber') add('<nameField> type must be Text or AutoNumber');
    if ((childText(nameField, 'label') ?? '') === '') add('<nameField> needs a <label>');
    if (t === 'AutoNumber' && !/\{0+\}/.test(childText(nameField, 'displayFormat') ?? '')) {
      add('AutoNumber <nameField> needs a <displayFormat> with {0…}');
    }
  }
  const sharing = childText(el, 'sharingModel') ?? '';
  const masters = [...object.fields.values()].filter((f) => f.type === 'MasterDetail');
  if (sharing === '') add('missing <sharingModel>');
  if (masters.length > 0 && sharing !== 'ControlledByParent') add('an object with a MasterDetail field needs sharingModel ControlledByParent');
  if (masters.length === 0 && sharing === 'ControlledByParent') add('sharingModel ControlledByParent needs a MasterDetail field');
  if (masters.length > LIMITS.masterDetailPerObject) add(`more than ${LIMITS.masterDetailPerObject} MasterDetail fields`);
  const tracked = [...object.fields.values()].filter((f) => childText(f.el, 'trackHistory') === 'true').length +
    (nameField && childText(nameField, 'trackHistory') === 'true' ? 1 : 0);
  if (tracked > LIMITS.historyTrackedFieldsPerObject) {
    add(`${tracked} fields track history; Salesforce allows ${LIMITS.historyTrackedFieldsPerObject} per object`);
  }
  if (tracked > 0 && childText(el, 'enableHistory') !== 'true') add('fields track history but <enableHistory> is not true');
  return problems;
}

function checkValidationRules(object: ObjectModel): Problem[] {
  const problems: Problem[] = [];
  for (const rule of object.validationRules) {
    const add = (message: string): void => {
      problems.push({ file: rule.file, message });
    };
    const fullName = childText(rule.el, 'fullName');
    if (fullName !== rule.name) add(`<fullName> is "${fullName ?? ''}" but the file is named ${rule.name}`);
    const formula = childText(rule.el, 'errorConditionFormula') ?? '';
    if (formula === '') add('missing <errorConditionFormula>');
    if ((childText(rule.el, 'errorMessage') ?? '') === '') add('missing <errorMessage>');
    const active = childText(rule.el, 'active');
    if (active !== 'true' && active !== 'false') add('<active> must be true or false');
    for (const m of formula.matchAll(/(?<![.\w])([A-Za-z][A-Za-z0-9_]*__c)\b/g)) {
      const ref = m[1] ?? '';
      if (!object.fields.has(ref)) add(`formula references ${ref}, which is not a field of ${object.name}`);
    }
    const display = childText(rule.el, 'errorDisplayField');
    if (display !== undefined && !object.fields.has(display) && !STANDARD_FIELDS.has(display)) {
      add(`<errorDisplayField> ${display} is not a field of ${object.name}`);
    }
  }
  return problems;
}

/** Field and object rules a deploy would enforce, plus Syncline's own (descriptions and help everywhere). */
export function checkObjects(objects: ObjectMap): Problem[] {
  const problems: Problem[] = [];
  const relationshipOwners = new Map<string, string>();
  for (const object of objects.values()) {
    problems.push(...checkObject(object));
    problems.push(...checkValidationRules(object));
    for (const field of object.fields.values()) {
      problems.push(...checkField(field, objects));
      if (field.type === 'Lookup' || field.type === 'MasterDetail') {
        const key = `${childText(field.el, 'referenceTo') ?? ''}.${childText(field.el, 'relationshipName') ?? ''}`;
        const other = relationshipOwners.get(key);
        if (other !== undefined) {
          problems.push({ file: field.file, message: `relationship name ${key} is already used by ${other}` });
        }
        relationshipOwners.set(key, `${object.name}.${field.name}`);
      }
    }
  }
  return problems;
}

// ───────────────────────────── code ⇄ package binding ─────────────────────────────

export interface SchemaBinding {
  /** e.g. SF from companion/src/core/sf-schema.ts */
  objects: Readonly<Record<string, { readonly object: string; readonly fields: Readonly<Record<string, string>> }>>;
  /** Picklists whose API names the code enumerates; the sets must be equal. */
  picklists: ReadonlyArray<{ source: string; object: string; field: string; values: readonly string[] }>;
}

/** Every object and field the code names exists, and enumerated picklists match the package exactly. */
export function checkSchemaBinding(objects: ObjectMap, binding: SchemaBinding): Problem[] {
  const problems: Problem[] = [];
  const file = 'companion/src/core/sf-schema.ts';
  for (const [key, spec] of Object.entries(binding.objects)) {
    const object = objects.get(spec.object);
    if (!object || object.el === undefined) {
      problems.push({ file, message: `SF.${key}.object ${spec.object} has no objects/${spec.object}/${spec.object}.object-meta.xml` });
      continue;
    }
    for (const [fieldKey, fieldName] of Object.entries(spec.fields)) {
      if (!object.fields.has(fieldName) && !STANDARD_FIELDS.has(fieldName)) {
        problems.push({ file, message: `SF.${key}.fields.${fieldKey} ${spec.object}.${fieldName} has no field file` });
      }
    }
  }
  for (const p of binding.picklists) {
    const field = objects.get(p.object)?.fields.get(p.field);
    if (!field) {
      problems.push({ file, message: `${p.source}: picklist ${p.object}.${p.field} does not exist` });
      continue;
    }
    if (field.type !== 'Picklist' && field.type !== 'MultiselectPicklist') {
      problems.push({ file, message: `${p.source}: ${p.object}.${p.field} is a ${field.type}, not a picklist` });
      continue;
    }
    const inPackage = new Set(picklistValues(field));
    const inCode = new Set(p.values);
    for (const v of inCode) {
      if (!inPackage.has(v)) problems.push({ file, message: `${p.source} has ${v}, which ${p.object}.${p.field} lacks` });
    }
    for (const v of inPackage) {
      if (!inCode.has(v)) problems.push({ file: field.file, message: `picklist value ${v} is not in ${p.source}` });
    }
  }
  return problems;
}

// ───────────────────────────── permission sets ─────────────────────────────

export interface PermissionSetModel {
  file: string;
  name: string;
  el: XmlElement;
  objects: Map<string, Record<string, boolean>>;
  fields: Map<string, { readable: boolean; editable: boolean }>;
}

export function loadPermissionSets(dir: string): PermissionSetModel[] {
  const out: PermissionSetModel[] = [];
  for (const file of listFiles(dir)) {
    if (!file.endsWith('.permissionset-meta.xml')) continue;
    const parsed = parseMetadataXml(read(dir, file));
    if (!parsed.ok) continue;
    const el = parsed.root;
    const objects = new Map<string, Record<string, boolean>>();
    for (const op of childrenNamed(el, 'objectPermissions')) {
      const flags: Record<string, boolean> = {};
      for (const c of op.children) if (c.name !== 'object') flags[c.name] = c.text === 'true';
      objects.set(childText(op, 'object') ?? '', flags);
    }
    const fields = new Map<string, { readable: boolean; editable: boolean }>();
    for (const fp of childrenNamed(el, 'fieldPermissions')) {
      fields.set(childText(fp, 'field') ?? '', {
        readable: childText(fp, 'readable') === 'true',
        editable: childText(fp, 'editable') === 'true',
      });
    }
    const name = path.posix.basename(file).slice(0, -'.permissionset-meta.xml'.length);
    out.push({ file, name, el, objects, fields });
  }
  return out;
}

const OBJECT_PERMISSION_NEEDS: Readonly<Record<string, readonly string[]>> = {
  allowCreate: ['allowRead'],
  allowEdit: ['allowRead'],
  allowDelete: ['allowRead', 'allowEdit'],
  viewAllRecords: ['allowRead'],
  modifyAllRecords: ['allowRead', 'allowEdit', 'allowDelete', 'viewAllRecords'],
};

function sortedBy(list: XmlElement[], key: string): string | undefined {
  const keys = list.map((e) => childText(e, key) ?? '');
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i] ?? '') < (keys[i - 1] ?? '')) return `${keys[i] ?? ''} after ${keys[i - 1] ?? ''}`;
  }
  return undefined;
}

/**
 * Permission sets grant only what exists and what Salesforce accepts:
 * - objects are in the package or in standardFls (standard objects with their FLS-controllable fields);
 * - object permission dependencies hold (edit needs read, modify all needs everything…);
 *   reading a detail object needs reading its master;
 * - field permissions name existing fields, never required or master-detail fields (Salesforce
 *   rejects those), editable only where readable and writable, and only on readable objects;
 * - every non-required custom field of every object the set can read has an explicit entry,
 *   so adding a field forces a decision about who sees it.
 */
export function checkPermissionSets(
  dir: string,
  objects: ObjectMap,
  standardFls: Readonly<Record<string, readonly string[]>>,
): Problem[] {
  const problems: Problem[] = [];
  for (const ps of loadPermissionSets(dir)) {
    const add = (message: string): void => {
      problems.push({ file: ps.file, message });
    };
    const label = childText(ps.el, 'label') ?? '';
    if (label === '') add('missing <label>');
    if (label.length > LIMITS.permissionSetLabelMax) add(`<label> longer than ${LIMITS.permissionSetLabelMax}`);
    const description = childText(ps.el, 'description') ?? '';
    if (description === '') add('missing <description>');
    if (description.length > LIMITS.permissionSetDescriptionMax) {
      add(`<description> longer than ${LIMITS.permissionSetDescriptionMax} characters (${description.length})`);
    }
    for (const [list, key] of [
      ['fieldPermissions', 'field'],
      ['objectPermissions', 'object'],
      ['userPermissions', 'name'],
    ] as const) {
      const entries = childrenNamed(ps.el, list);
      const bad = sortedBy(entries, key);
      if (bad !== undefined) add(`<${list}> not sorted by ${key}: ${bad}`);
      const keys = entries.map((e) => childText(e, key) ?? '');
      const dup = keys.find((k, i) => keys.indexOf(k) !== i);
      if (dup !== undefined) add(`<${list}> lists ${dup} twice`);
    }

    for (const [objectName, flags] of ps.objects) {
      const ours = objects.get(objectName);
      if (!(ours?.el !== undefined) && !(objectName in standardFls)) {
        add(`objectPermissions for ${objectName}, which is neither in the package nor a known standard object`);
        continue;
      }
      for (const [perm, needs] of Object.entries(OBJECT_PERMISSION_NEEDS)) {
        if (flags[perm] !== true) continue;
        for (const need of needs) if (flags[need] !== true) add(`${objectName}: ${perm} needs ${need}`);
      }
      if (ours && flags['allowRead'] === true) {
        for (const f of ours.fields.values()) {
          if (f.type !== 'MasterDetail') continue;
          const master = childText(f.el, 'referenceTo') ?? '';
          if (ps.objects.get(master)?.['allowRead'] !== true) add(`${objectName} is a detail of ${master}: reading it needs read on ${master}`);
        }
      }
    }

    for (const [ref, perm] of ps.fields) {
      const dot = ref.indexOf('.');
      const objectName = ref.slice(0, dot);
      const fieldName = ref.slice(dot + 1);
      if (dot < 1 || fieldName === '') {
        add(`fieldPermissions field "${ref}" is not Object.Field`);
        continue;
      }
      if (perm.editable && !perm.readable) add(`${ref}: editable needs readable`);
      if (perm.readable && ps.objects.get(objectName)?.['allowRead'] !== true) {
        add(`${ref}: field access without read access to ${objectName}`);
      }
      const ours = objects.get(objectName);
      if (ours?.el !== undefined || (ours && isCustomName(fieldName))) {
        const field = ours.fields.get(fieldName);
        if (!field) {
          add(`fieldPermissions for ${ref}, which does not exist in the package`);
          continue;
        }
        if (isRequiredField(field)) add(`${ref} is required or master-detail: Salesforce rejects field permissions on it`);
        if (perm.editable && isReadOnlyField(field)) add(`${ref} is read-only (formula, roll-up or auto-number) and cannot be editable`);
      } else if (!(standardFls[objectName] ?? []).includes(fieldName)) {
        add(`fieldPermissions for ${ref}, which is not a known field-level-security field of ${objectName}`);
      }
    }

    for (const [objectName, flags] of ps.objects) {
      const ours = objects.get(objectName);
      if (!ours || flags['allowRead'] !== true) continue;
      for (const f of ours.fields.values()) {
        if (isRequiredField(f) || !isCustomName(f.name)) continue;
        if (!ps.fields.has(`${objectName}.${f.name}`)) {
          add(`can read ${objectName} but has no fieldPermissions entry for ${objectName}.${f.name} (grant it or list it with readable false)`);
        }
      }
    }
  }
  return problems;
}

// ───────────────────────────── CDC channel members ─────────────────────────────

/** fullName = <channel>_<entity>, the entity is a change event of an object that exists. */
export function checkChannelMembers(dir: string, objects: ObjectMap): Problem[] {
  const problems: Problem[] = [];
  for (const file of listFiles(dir)) {
    if (!file.endsWith('.platformEventChannelMember-meta.xml')) continue;
    const parsed = parseMetadataXml(read(dir, file));
    if (!parsed.ok) continue;
    const channel = childText(parsed.root, 'eventChannel') ?? '';
    const entity = childText(parsed.root, 'selectedEntity') ?? '';
    const name = path.posix.basename(file).slice(0, -'.platformEventChannelMember-meta.xml'.length);
    if (channel === '' || entity === '') {
      problems.push({ file, message: 'needs <eventChannel> and <selectedEntity>' });
      continue;
    }
    const expected = `${channel.replace(/__chn$/, '_chn')}_${entity}`;
    if (name !== expected) problems.push({ file, message: `file should be named ${expected}.platformEventChannelMember-meta.xml` });
    if (channel !== 'ChangeEvents' && !channel.endsWith('__chn')) {
      problems.push({ file, message: `<eventChannel> ${channel} is neither ChangeEvents nor a custom __chn channel` });
    }
    const custom = /^(.+)__ChangeEvent$/.exec(entity);
    const standard = /^(.+)ChangeEvent$/.exec(entity);
    if (custom) {
      if (objects.get(`${custom[1] ?? ''}__c`)?.el === undefined) {
        problems.push({ file, message: `${entity}: object ${custom[1] ?? ''}__c is not in the package` });
      }
    } else if (!standard || !KNOWN_CDC_STANDARD_OBJECTS.has(standard[1] ?? '')) {
      problems.push({ file, message: `<selectedEntity> ${entity} is not a change event of a known object` });
    }
  }
  return problems;
}

// ───────────────────────────── sfdx-project.json ─────────────────────────────

export interface ProjectInfo {
  problems: Problem[];
  sourceApiVersion: string | undefined;
  defaultPackageDir: string | undefined;
}

export function checkSfdxProject(projectDir: string): ProjectInfo {
  const file = 'sfdx-project.json';
  const problems: Problem[] = [];
  const info: ProjectInfo = { problems, sourceApiVersion: undefined, defaultPackageDir: undefined };
  let json: unknown;
  try {
    json = JSON.parse(read(projectDir, file)) as unknown;
  } catch (error) {
    problems.push({ file, message: `cannot read as JSON: ${(error as Error).message}` });
    return info;
  }
  if (!isRecord(json)) {
    problems.push({ file, message: 'must be a JSON object' });
    return info;
  }
  const dirs = json['packageDirectories'];
  if (!Array.isArray(dirs) || dirs.length === 0) {
    problems.push({ file, message: 'packageDirectories must be a non-empty array' });
  } else {
    const entries = (dirs as unknown[]).filter(isRecord);
    const defaults = entries.filter((d) => d['default'] === true || entries.length === 1);
    if (defaults.length !== 1) problems.push({ file, message: 'exactly one package directory must be "default": true' });
    for (const d of entries) {
      const p = d['path'];
      if (typeof p !== 'string' || p === '' || path.isAbsolute(p)) {
        problems.push({ file, message: 'each package directory needs a relative "path"' });
      } else if (!isDir(path.join(projectDir, p))) {
        problems.push({ file, message: `package directory ${p} does not exist` });
      }
    }
    const def = defaults[0]?.['path'];
    if (typeof def === 'string') info.defaultPackageDir = path.posix.normalize(def.replace(/\\/g, '/'));
  }
  const version = json['sourceApiVersion'];
  if (typeof version !== 'string' || !API_VERSION.test(version)) {
    problems.push({ file, message: 'sourceApiVersion must be a string like "61.0"' });
  } else {
    info.sourceApiVersion = version;
  }
  return info;
}

// ───────────────────────────── all together ─────────────────────────────

export interface CheckOptions {
  binding?: SchemaBinding;
  /** Standard objects permission sets may name, with their FLS-controllable fields. */
  standardFls?: Readonly<Record<string, readonly string[]>>;
}

/** Runs every check on a project (sfdx-project.json + its default package directory). */
export function checkProject(projectDir: string, options: CheckOptions = {}): Problem[] {
  const project = checkSfdxProject(projectDir);
  const problems = [...project.problems];
  const pkg = project.defaultPackageDir;
  if (pkg === undefined || !isDir(path.join(projectDir, pkg))) return problems;
  const dir = path.join(projectDir, pkg);
  const prefix = (list: Problem[]): Problem[] => list.map((p) => ({ ...p, file: `${pkg}/${p.file}` }));
  const { objects, problems: loadProblems } = loadObjects(dir);
  problems.push(...prefix(checkMetadataXml(dir)));
  problems.push(...prefix(loadProblems));
  problems.push(...prefix(checkApexPairs(dir, project.sourceApiVersion)));
  problems.push(...prefix(checkLwcBundles(dir, project.sourceApiVersion)));
  problems.push(...prefix(checkObjects(objects)));
  problems.push(...prefix(checkChannelMembers(dir, objects)));
  problems.push(...prefix(checkPermissionSets(dir, objects, options.standardFls ?? {})));
  if (options.binding) problems.push(...checkSchemaBinding(objects, options.binding).map((p) => (
    p.file.startsWith('companion/') ? p : { ...p, file: `${pkg}/${p.file}` }
  )));
  return problems;
}
