/**
 * Which configuration applies to which user.
 *
 * Precedence, for each active user:
 *   1. If any active configuration is assigned to the user directly (Sync_Assignment__c.User__c),
 *      only those are candidates; otherwise the ones assigned to the user's profile
 *      (Profile_Id__c = User.ProfileId, 15- or 18-character form) are.
 *   2. Among the candidates the lowest Priority__c wins (1 beats 10; a blank priority loses to
 *      any number); remaining ties go to the configuration Name, then its Id, so the choice never
 *      depends on query order.
 * Picklists are stored as API names ('Both', 'OwnedByUser', 'SelectedEvents') and mapped through
 * the value maps in sf-schema.ts. A blank field means its package default (CONFIGURATION_DEFAULTS):
 * Salesforce back-fills only checkboxes when a field is added, so older configurations come back
 * blank. An unknown picklist value (a newer package than this companion) switches off what it
 * governs instead of guessing: contacts for a contacts picklist, events for an events picklist,
 * and both for the conflict policy, which decides conflicts for both. Numbers outside the
 * validation rules' ranges (records saved before the rules existed) are clamped, with a warning.
 * Inactive configurations and inactive users are ignored. A winning configuration with
 * Contacts_Enabled__c or Events_Enabled__c false is still returned (enabled false), so the
 * engine can tell "assigned but switched off" from "not assigned".
 *
 * The join is done here over three plain queries rather than one relationship query: the
 * assignment's profile is a text field, which SOQL cannot join to User.
 */
import type { Log } from '../../ports/log.ts';
import type { Direction, SyncConfiguration, SyncUser } from '../../ports/salesforce.ts';
import {
  CONFIGURATION_DEFAULTS,
  CONFIGURATION_LIMITS,
  CONFLICT_POLICY_VALUES,
  CONTACT_FILTER_VALUES,
  DIRECTION_VALUES,
  EVENT_SELECTION_VALUES,
  SF,
} from '../../core/sf-schema.ts';
import type { SalesforceApi } from './api.ts';
import { chunk, isSalesforceId, soqlIdList, to18 } from './soql.ts';

type Row = Record<string, unknown>;

const CFG = SF.configuration;
const ASG = SF.assignment;

/** Stored picklist API names → the port's values. */
const DIRECTIONS = new Map<string, Direction>(Object.entries(DIRECTION_VALUES));
const FILTERS = new Map<string, SyncConfiguration['contacts']['filter']>(Object.entries(CONTACT_FILTER_VALUES));
const SELECTIONS = new Map<string, SyncConfiguration['events']['selection']>(Object.entries(EVENT_SELECTION_VALUES));
const POLICIES = new Map<string, SyncConfiguration['conflictPolicy']>(Object.entries(CONFLICT_POLICY_VALUES));
const DEFAULTS = CONFIGURATION_DEFAULTS;
const F = CFG.fields;

/** Every configuration field the companion reads, in SOQL order. */
const CONFIG_FIELDS = [
  F.priority,
  F.contactsEnabled,
  F.contactsDirection,
  F.contactsFilter,
  F.eventsEnabled,
  F.eventsDirection,
  F.eventsSelection,
  F.eventsCategory,
  F.eventsSeries,
  F.eventsPrivate,
  F.eventsAutoRelate,
  F.eventsPropagateDeletes,
  F.eventsWindowDaysBack,
  F.eventsWindowDaysAhead,
  F.conflictPolicy,
  F.maxDeletePercent,
] as const;

interface Candidate {
  config: SyncConfiguration;
  priority: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A number field as REST returns it (number), or as a string from other paths; NaN when it is neither. */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

const isBlank = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** Checkboxes are never blank in Salesforce; anything but a boolean is treated as the field's default. */
const flag = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

function toConfiguration(row: Row, log: Log): Candidate | undefined {
  const id = str(row.Id);
  if (!id) return undefined;
  const warn = (msg: string, data: Record<string, unknown> = {}): void => {
    log('warn', msg, { configurationId: id, ...data });
  };

  const direction = DIRECTIONS.get(str(row[F.contactsDirection]) ?? DEFAULTS.contactsDirection);
  const filter = FILTERS.get(str(row[F.contactsFilter]) ?? DEFAULTS.contactsFilter);
  const eventsDirection = DIRECTIONS.get(str(row[F.eventsDirection]) ?? DEFAULTS.eventsDirection);
  const selection = SELECTIONS.get(str(row[F.eventsSelection]) ?? DEFAULTS.eventsSelection);
  const policy = POLICIES.get(str(row[F.conflictPolicy]) ?? DEFAULTS.conflictPolicy);

  let contactsEnabled = row[F.contactsEnabled] === true;
  let eventsEnabled = flag(row[F.eventsEnabled], DEFAULTS.eventsEnabled);
  // An unknown picklist value means a newer package than this companion: do nothing rather than guess.
  if (!policy && (contactsEnabled || eventsEnabled)) {
    warn('salesforce configuration has an unknown conflict policy; contacts and events disabled for it');
    contactsEnabled = false;
    eventsEnabled = false;
  }
  if (contactsEnabled && (!direction || !filter)) {
    warn('salesforce configuration has an unknown contacts direction or filter; contacts disabled for it');
    contactsEnabled = false;
  }
  if (eventsEnabled && (!eventsDirection || !selection)) {
    warn('salesforce configuration has an unknown events direction or selection; events disabled for it');
    eventsEnabled = false;
  }

  /** A blank number is its default; one outside the validation rule's range is clamped, so a bad record cannot widen what syncs. */
  const bounded = (field: string, fallback: number, min: number, max: number): number => {
    const raw = row[field];
    if (isBlank(raw)) return fallback;
    const n = numeric(raw);
    if (!Number.isFinite(n)) {
      warn('salesforce configuration has a non-numeric value; the default is used', { field });
      return fallback;
    }
    const whole = Math.round(n);
    if (whole < min || whole > max) {
      warn('salesforce configuration value is out of range; clamped', { field, min, max });
      return Math.min(max, Math.max(min, whole));
    }
    return whole;
  };
  const days = CONFIGURATION_LIMITS.eventsWindowDays;
  const pct = CONFIGURATION_LIMITS.maxDeletePercent;

  const parsedPriority = numeric(row[F.priority]);
  const priority = Number.isFinite(parsedPriority) ? parsedPriority : Number.POSITIVE_INFINITY;
  return {
    priority,
    config: {
      id,
      name: str(row.Name) ?? id,
      contacts: {
        enabled: contactsEnabled,
        direction: direction ?? DIRECTION_VALUES.Both,
        filter: filter ?? CONTACT_FILTER_VALUES.OwnedByUser,
      },
      events: {
        enabled: eventsEnabled,
        direction: eventsDirection ?? DIRECTION_VALUES.Both,
        selection: selection ?? EVENT_SELECTION_VALUES.AllEvents,
        category: str(row[F.eventsCategory])?.trim() || DEFAULTS.eventsCategory,
        series: flag(row[F.eventsSeries], DEFAULTS.eventsSeries),
        privateEvents: flag(row[F.eventsPrivate], DEFAULTS.eventsPrivate),
        autoRelate: flag(row[F.eventsAutoRelate], DEFAULTS.eventsAutoRelate),
        propagateDeletes: flag(row[F.eventsPropagateDeletes], DEFAULTS.eventsPropagateDeletes),
        windowDaysBack: bounded(F.eventsWindowDaysBack, DEFAULTS.eventsWindowDaysBack, days.min, days.max),
        windowDaysAhead: bounded(F.eventsWindowDaysAhead, DEFAULTS.eventsWindowDaysAhead, days.min, days.max),
      },
      conflictPolicy: policy ?? CONFLICT_POLICY_VALUES.SalesforceWins,
      maxDeleteShare: bounded(F.maxDeletePercent, DEFAULTS.maxDeletePercent, pct.min, pct.max) / 100,
    },
  };
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.config.name !== b.config.name) return a.config.name < b.config.name;
  return a.config.id < b.config.id;
}

function pick(cands: Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of cands) if (!best || better(c, best)) best = c;
  return best;
}

export async function loadSyncUsers(api: SalesforceApi, log: Log): Promise<SyncUser[]> {
  const who = api.integration;
  const configRows = await api.query<Row>(
    who,
    'configuration query',
    `SELECT Id, Name, ${CONFIG_FIELDS.join(', ')} FROM ${CFG.object} WHERE ${F.active} = true`,
  );
  const configs = new Map<string, Candidate>();
  for (const row of configRows) {
    const c = toConfiguration(row, log);
    if (c) configs.set(to18(c.config.id), c);
  }
  if (configs.size === 0) return [];

  const byUser = new Map<string, Candidate[]>();
  const byProfile = new Map<string, Candidate[]>();
  for (const ids of chunk([...configs.keys()], 200)) {
    const rows = await api.query<Row>(
      who,
      'assignment query',
      `SELECT Id, ${ASG.fields.configuration}, ${ASG.fields.user}, ${ASG.fields.profileId} FROM ${ASG.object} ` +
        `WHERE ${ASG.fields.configuration} IN ${soqlIdList(ids)}`,
    );
    for (const row of rows) {
      const configId = str(row[ASG.fields.configuration]);
      const cand = configId && isSalesforceId(configId) ? configs.get(to18(configId)) : undefined;
      if (!cand) continue;
      const user = str(row[ASG.fields.user]);
      const profile = str(row[ASG.fields.profileId])?.trim();
      if (user && isSalesforceId(user)) push(byUser, to18(user), cand);
      else if (profile && isSalesforceId(profile)) push(byProfile, to18(profile), cand);
      else if (profile) log('warn', 'salesforce assignment has a malformed profile id; ignored', { assignmentId: str(row.Id) });
    }
  }

  const userFields = 'Id, Username, Email, TimeZoneSidKey, ProfileId';
  const users = new Map<string, Row>();
  for (const ids of chunk([...byUser.keys()], 200)) {
    const rows = await api.query<Row>(who, 'user query', `SELECT ${userFields} FROM User WHERE IsActive = true AND Id IN ${soqlIdList(ids)}`);
    for (const r of rows) if (isSalesforceId(r.Id)) users.set(to18(r.Id), r);
  }
  for (const ids of chunk([...byProfile.keys()], 200)) {
    const rows = await api.query<Row>(who, 'user query', `SELECT ${userFields} FROM User WHERE IsActive = true AND ProfileId IN ${soqlIdList(ids)}`);
    for (const r of rows) if (isSalesforceId(r.Id)) users.set(to18(r.Id), r);
  }

  const out: SyncUser[] = [];
  for (const [userId, row] of users) {
    const own = byUser.get(userId);
    const profileId = str(row.ProfileId);
    const viaProfile = profileId && isSalesforceId(profileId) ? byProfile.get(to18(profileId)) : undefined;
    const winner = pick(own && own.length > 0 ? own : viaProfile ?? []);
    const username = str(row.Username);
    if (!winner || !username) continue;
    api.rememberUsername(userId, username);
    const tz = str(row.TimeZoneSidKey);
    out.push({
      userId,
      username,
      email: str(row.Email) ?? '',
      ...(tz ? { timeZoneSidKey: tz } : {}),
      configuration: winner.config,
    });
  }
  out.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  log('debug', 'salesforce sync users loaded', { users: out.length, configurations: configs.size });
  return out;
}

function push(map: Map<string, Candidate[]>, key: string, c: Candidate): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}
