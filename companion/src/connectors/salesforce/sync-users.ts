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
 * Picklists are stored as API names ('Both', 'OwnedByUser') and mapped through DIRECTION_VALUES /
 * CONTACT_FILTER_VALUES; an unknown value switches contacts off for that configuration.
 * Inactive configurations and inactive users are ignored. A winning configuration with
 * Contacts_Enabled__c false is still returned (contacts.enabled false), so the engine can tell
 * "assigned but switched off" from "not assigned".
 *
 * The join is done here over three plain queries rather than one relationship query: the
 * assignment's profile is a text field, which SOQL cannot join to User.
 */
import type { Log } from '../../ports/log.ts';
import type { Direction, SyncConfiguration, SyncUser } from '../../ports/salesforce.ts';
import { CONTACT_FILTER_VALUES, DIRECTION_VALUES, SF } from '../../core/sf-schema.ts';
import type { SalesforceApi } from './api.ts';
import { chunk, isSalesforceId, soqlIdList, to18 } from './soql.ts';

type Row = Record<string, unknown>;

const CFG = SF.configuration;
const ASG = SF.assignment;

/**
 * Stored picklist API names → the port's values. A blank direction is the field's default
 * (Both); a blank filter is its default (OwnedByUser).
 */
const DIRECTIONS = new Map<string, Direction>(Object.entries(DIRECTION_VALUES));
const FILTERS = new Map<string, SyncConfiguration['contacts']['filter']>(Object.entries(CONTACT_FILTER_VALUES));
const DEFAULT_DIRECTION: keyof typeof DIRECTION_VALUES = 'Both';
const DEFAULT_FILTER: keyof typeof CONTACT_FILTER_VALUES = 'OwnedByUser';

interface Candidate {
  config: SyncConfiguration;
  priority: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function toConfiguration(row: Row, log: Log): Candidate | undefined {
  const id = str(row.Id);
  if (!id) return undefined;
  const storedDirection = str(row[CFG.fields.contactsDirection]) ?? DEFAULT_DIRECTION;
  const storedFilter = str(row[CFG.fields.contactsFilter]) ?? DEFAULT_FILTER;
  const direction = DIRECTIONS.get(storedDirection);
  const filter = FILTERS.get(storedFilter);
  let enabled = row[CFG.fields.contactsEnabled] === true;
  if (enabled && (!direction || !filter)) {
    // An unknown picklist value means a newer package than this companion: do nothing rather than guess.
    log('warn', 'salesforce configuration has an unknown contacts direction or filter; contacts disabled for it', { configurationId: id });
    enabled = false;
  }
  const rawPriority = row[CFG.fields.priority];
  const parsed = typeof rawPriority === 'number' ? rawPriority : typeof rawPriority === 'string' && rawPriority.trim() !== '' ? Number(rawPriority) : NaN;
  const priority = Number.isFinite(parsed) ? parsed : Number.POSITIVE_INFINITY;
  return {
    priority,
    config: {
      id,
      name: str(row.Name) ?? id,
      contacts: {
        enabled,
        direction: direction ?? DIRECTION_VALUES.Both,
        filter: filter ?? CONTACT_FILTER_VALUES.OwnedByUser,
      },
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
    `SELECT Id, Name, ${CFG.fields.priority}, ${CFG.fields.contactsEnabled}, ${CFG.fields.contactsDirection}, ${CFG.fields.contactsFilter} ` +
      `FROM ${CFG.object} WHERE ${CFG.fields.active} = true`,
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
