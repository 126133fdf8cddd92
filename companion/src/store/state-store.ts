/**
 * StateStore over a Db (PGlite or PostgreSQL). What each table holds, and what it never holds, is
 * documented in ./migrations.
 *
 * Cursor names: '<kind>:<what>' for org-wide cursors (e.g. 'cdc:/data/ContactChangeEvent'),
 * '<kind>:<what>:<userId>' for a rep's own (e.g. 'graph-delta:contacts:<userId>',
 * 'google-sync:contacts:<userId>'). resetUser() deletes exactly the cursors ending in ':<userId>', so
 * a per-user cursor must end with the user id and an org-wide one must not.
 *
 * Timestamps go in as ISO 8601 strings and come back as UTC ISO strings with milliseconds
 * ('2024-05-01T10:00:00.000Z'), whatever offset they went in with.
 */
import type { ItemLink, ParkedLink } from '../core/sync-types.ts';
import type { ItemErrorRow, SeriesSlotsRow, StateStore, UserStatusRow } from '../ports/state.ts';
import type { Db, Queryable } from './db.ts';
import { runMigrations } from './migrate.ts';

/** Rows per statement when writing batches; keeps parameter arrays and statements modest. */
const CHUNK = 500;

interface LinkRow {
  user_id: string;
  sf_id: string;
  mb_id: string;
  sf_version: string;
  mb_version: string;
  hashes: Record<string, string>;
  parked: ParkedLink | null;
  unsettled: ItemLink['unsettled'] | null;
}

interface ErrorRow {
  kind: 'contact' | 'event';
  user_id: string;
  side: ItemErrorRow['side'];
  item_id: string;
  code: string;
  message: string;
  fields: string[];
  at: unknown;
}

interface StatusRow {
  user_id: string;
  state: UserStatusRow['state'];
  last_sync_to_mailbox: unknown;
  last_sync_to_salesforce: unknown;
  contacts_linked: number;
  contacts_failed: number;
  events_linked: number | null;
  events_failed: number | null;
  last_error_code: string | null;
  last_error: string | null;
  updated_at: unknown;
}

export function createStateStore(db: Db): StateStore {
  return {
    async migrate() {
      await runMigrations(db);
    },

    close() {
      return db.close();
    },

    async getMeta(key) {
      const { rows } = await db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
      return rows[0]?.value;
    },

    async setMeta(key, value) {
      await db.query(
        'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
        [key, value],
      );
    },

    contactLinks: (userId) => linksOfUser(db, 'contact_links', userId),
    contactLinksBySfIds: (sfIds) => linksBySfIds(db, 'contact_links', sfIds),
    saveContactLinks: (upserts, removals) => saveLinks(db, 'contact_links', upserts, removals),

    eventLinks: (userId) => linksOfUser(db, 'event_links', userId),
    eventLinksBySfIds: (sfIds) => linksBySfIds(db, 'event_links', sfIds),
    saveEventLinks: (upserts, removals) => saveLinks(db, 'event_links', upserts, removals),
    seriesSlots: (userId, sfIds) => seriesSlotsOf(db, userId, sfIds),
    saveSeriesSlots: (userId, rows) => saveSeriesSlots(db, userId, rows),

    async getCursor(name) {
      const { rows } = await db.query<{ value: string }>('SELECT value FROM cursors WHERE name = $1', [name]);
      return rows[0]?.value;
    },

    async setCursor(name, value) {
      if (value === undefined) {
        await db.query('DELETE FROM cursors WHERE name = $1', [name]);
        return;
      }
      await db.query(
        `INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [name, value],
      );
    },

    addPendingSalesforceIds: (userId, ids) => addPending(db, 'pending_sf_ids', userId, ids),
    pendingSalesforceIds: (userId) => pendingOfUser(db, 'pending_sf_ids', userId),
    clearPendingSalesforceIds: (userId, ids) => clearPending(db, 'pending_sf_ids', userId, ids),

    addPendingEventIds: (userId, ids) => addPending(db, 'pending_event_ids', userId, ids),
    pendingEventIds: (userId) => pendingOfUser(db, 'pending_event_ids', userId),
    clearPendingEventIds: (userId, ids) => clearPending(db, 'pending_event_ids', userId, ids),

    async setItemErrors(userId, errors, kind = 'contact') {
      const stray = errors.find((e) => e.userId !== userId);
      if (stray) throw new Error(`setItemErrors(${userId}): an error row belongs to user ${stray.userId}`);
      const other = errors.find((e) => (e.kind ?? 'contact') !== kind);
      if (other) throw new Error(`setItemErrors(${userId}, ${kind}): an error row is of kind ${other.kind ?? 'contact'}`);
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM item_errors WHERE user_id = $1 AND kind = $2', [userId, kind]);
        for (const part of chunks(errors)) {
          await tx.query(
            `INSERT INTO item_errors (user_id, kind, side, item_id, code, message, fields, at)
             SELECT $1, $8, sd, i, c, m, f::jsonb, a::timestamptz
               FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                 AS t(sd, i, c, m, f, a)`,
            [
              userId,
              part.map((e) => e.side),
              part.map((e) => e.itemId),
              part.map((e) => e.code),
              part.map((e) => e.message),
              part.map((e) => JSON.stringify(e.fields)),
              part.map((e) => e.at),
              kind,
            ],
          );
        }
      });
    },

    async itemErrors(userId, kind) {
      const select = 'SELECT user_id, kind, side, item_id, code, message, fields, at FROM item_errors';
      const order = 'ORDER BY user_id, at, side, item_id, code';
      // $n placeholders are numbered by which filters are present; values never enter the SQL text.
      const where: string[] = [];
      const params: string[] = [];
      if (userId !== undefined) where.push(`user_id = $${params.push(userId)}`);
      if (kind !== undefined) where.push(`kind = $${params.push(kind)}`);
      const { rows } = await db.query<ErrorRow>(`${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ${order}`, params);
      return rows.map((r) => ({
        userId: r.user_id,
        kind: r.kind,
        side: r.side,
        itemId: r.item_id,
        code: r.code,
        message: r.message,
        fields: r.fields,
        at: iso(r.at),
      }));
    },

    async getUserStatus(userId) {
      const { rows } = await db.query<StatusRow>('SELECT * FROM user_status WHERE user_id = $1', [userId]);
      return rows[0] && toStatus(rows[0]);
    },

    async listUserStatus() {
      const { rows } = await db.query<StatusRow>('SELECT * FROM user_status ORDER BY user_id');
      return rows.map(toStatus);
    },

    async saveUserStatus(row) {
      await db.query(
        `INSERT INTO user_status (user_id, state, last_sync_to_mailbox, last_sync_to_salesforce,
                                  contacts_linked, contacts_failed, last_error_code, last_error, updated_at,
                                  events_linked, events_failed)
         VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5, $6, $7, $8, $9::timestamptz, $10, $11)
         ON CONFLICT (user_id) DO UPDATE SET
           state = EXCLUDED.state,
           last_sync_to_mailbox = EXCLUDED.last_sync_to_mailbox,
           last_sync_to_salesforce = EXCLUDED.last_sync_to_salesforce,
           contacts_linked = EXCLUDED.contacts_linked,
           contacts_failed = EXCLUDED.contacts_failed,
           events_linked = EXCLUDED.events_linked,
           events_failed = EXCLUDED.events_failed,
           last_error_code = EXCLUDED.last_error_code,
           last_error = EXCLUDED.last_error,
           updated_at = EXCLUDED.updated_at`,
        [
          row.userId,
          row.state,
          row.lastSyncToMailbox ?? null,
          row.lastSyncToSalesforce ?? null,
          row.contactsLinked,
          row.contactsFailed,
          row.lastErrorCode ?? null,
          row.lastError ?? null,
          row.updatedAt,
          row.eventsLinked ?? null,
          row.eventsFailed ?? null,
        ],
      );
    },

    async resetUser(userId) {
      await db.transaction(async (tx) => {
        await deleteUserRows(tx, userId);
      });
    },
  };
}

/**
 * The link and pending-id tables come in a contact and an event flavour with identical columns. The
 * SQL is shared and the table name spliced in, so it may only ever be one of these literals — never
 * a value from outside this file.
 */
const LINK_TABLES = ['contact_links', 'event_links'] as const;
const PENDING_TABLES = ['pending_sf_ids', 'pending_event_ids'] as const;
type LinkTable = (typeof LINK_TABLES)[number];
type PendingTable = (typeof PENDING_TABLES)[number];

/** The type already restricts callers; this also holds if a caller ever casts its way past it. */
function whitelisted<T extends string>(allowed: readonly T[], table: T): T {
  if (!allowed.includes(table)) throw new Error(`state store: ${String(table)} is not a known table`);
  return table;
}

const LINK_COLUMNS = 'user_id, sf_id, mb_id, sf_version, mb_version, hashes, parked, unsettled';

async function linksOfUser(db: Queryable, linkTable: LinkTable, userId: string): Promise<ItemLink[]> {
  const table = whitelisted(LINK_TABLES, linkTable);
  const { rows } = await db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM ${table} WHERE user_id = $1 ORDER BY sf_id`, [userId]);
  return rows.map(toLink);
}

async function linksBySfIds(db: Queryable, linkTable: LinkTable, sfIds: string[]): Promise<ItemLink[]> {
  const table = whitelisted(LINK_TABLES, linkTable);
  if (sfIds.length === 0) return [];
  const { rows } = await db.query<LinkRow>(
    `SELECT ${LINK_COLUMNS} FROM ${table} WHERE sf_id = ANY($1::text[]) ORDER BY user_id, sf_id`,
    [unique(sfIds)],
  );
  return rows.map(toLink);
}

async function saveLinks(
  db: Db,
  linkTable: LinkTable,
  upserts: ItemLink[],
  removals: Array<{ userId: string; sfId: string }>,
): Promise<void> {
  const table = whitelisted(LINK_TABLES, linkTable);
  if (upserts.length === 0 && removals.length === 0) return;
  // One statement cannot upsert the same key twice, so the last write for a key wins, as it
  // would if the upserts ran one after another.
  const byKey = new Map<string, ItemLink>();
  for (const link of upserts) byKey.set(key(link.userId, link.sfId), link);
  const links = [...byKey.values()];
  await db.transaction(async (tx) => {
    // Removals first: a re-created item's new link reuses the sfId (or mbId) of the link it replaces.
    for (const part of chunks(removals)) {
      // A series' slot state belongs to its link: it ends with it.
      if (table === 'event_links') {
        await tx.query(
          `DELETE FROM event_series_slots l USING unnest($1::text[], $2::text[]) AS r(u, s) WHERE l.user_id = r.u AND l.sf_id = r.s`,
          [part.map((r) => r.userId), part.map((r) => r.sfId)],
        );
      }
      await tx.query(
        `DELETE FROM ${table} l
           USING unnest($1::text[], $2::text[]) AS r(u, s)
          WHERE l.user_id = r.u AND l.sf_id = r.s`,
        [part.map((r) => r.userId), part.map((r) => r.sfId)],
      );
    }
    for (const part of chunks(links)) {
      await tx.query(
        `INSERT INTO ${table} (user_id, sf_id, mb_id, sf_version, mb_version, hashes, parked, unsettled, updated_at)
         SELECT u, s, m, sv, mv, h::jsonb, p::jsonb, w::jsonb, now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
             AS t(u, s, m, sv, mv, h, p, w)
         ON CONFLICT (user_id, sf_id) DO UPDATE SET
           mb_id = EXCLUDED.mb_id, sf_version = EXCLUDED.sf_version, mb_version = EXCLUDED.mb_version,
           hashes = EXCLUDED.hashes, parked = EXCLUDED.parked, unsettled = EXCLUDED.unsettled,
           updated_at = EXCLUDED.updated_at`,
        [
          part.map((l) => l.userId),
          part.map((l) => l.sfId),
          part.map((l) => l.mbId),
          part.map((l) => l.sfVersion),
          part.map((l) => l.mbVersion),
          part.map((l) => JSON.stringify(l.hashes)),
          part.map((l) => (l.parked ? JSON.stringify(l.parked) : null)),
          part.map((l) => (l.unsettled && Object.keys(l.unsettled).length > 0 ? JSON.stringify(l.unsettled) : null)),
        ],
      );
    }
  });
}

async function seriesSlotsOf(db: Queryable, userId: string, sfIds: string[]): Promise<SeriesSlotsRow[]> {
  if (sfIds.length === 0) return [];
  const { rows } = await db.query<{ sf_id: string; mb_id: string; slots: SeriesSlotsRow['slots'] }>(
    'SELECT sf_id, mb_id, slots FROM event_series_slots WHERE user_id = $1 AND sf_id = ANY($2::text[]) ORDER BY sf_id',
    [userId, unique(sfIds)],
  );
  return rows.map((r) => ({ sfId: r.sf_id, mbId: r.mb_id, slots: r.slots }));
}

async function saveSeriesSlots(db: Db, userId: string, rows: SeriesSlotsRow[]): Promise<void> {
  if (rows.length === 0) return;
  const bySeries = new Map<string, SeriesSlotsRow>();
  for (const row of rows) bySeries.set(row.sfId, row);
  const kept = [...bySeries.values()].filter((r) => Object.keys(r.slots).length > 0);
  const dropped = [...bySeries.values()].filter((r) => Object.keys(r.slots).length === 0).map((r) => r.sfId);
  await db.transaction(async (tx) => {
    if (dropped.length > 0) await tx.query('DELETE FROM event_series_slots WHERE user_id = $1 AND sf_id = ANY($2::text[])', [userId, dropped]);
    for (const part of chunks(kept)) {
      await tx.query(
        `INSERT INTO event_series_slots (user_id, sf_id, mb_id, slots, updated_at)
         SELECT $1, s, m, j::jsonb, now() FROM unnest($2::text[], $3::text[], $4::text[]) AS t(s, m, j)
         ON CONFLICT (user_id, sf_id) DO UPDATE SET mb_id = EXCLUDED.mb_id, slots = EXCLUDED.slots, updated_at = EXCLUDED.updated_at`,
        [userId, part.map((r) => r.sfId), part.map((r) => r.mbId), part.map((r) => JSON.stringify(r.slots))],
      );
    }
  });
}

async function addPending(db: Queryable, pendingTable: PendingTable, userId: string, ids: string[]): Promise<void> {
  const table = whitelisted(PENDING_TABLES, pendingTable);
  if (ids.length === 0) return;
  // DO NOTHING keeps the first added_at, so the oldest waiting change stays visible as such.
  await db.query(
    `INSERT INTO ${table} (user_id, sf_id, added_at)
     SELECT $1, s, now() FROM unnest($2::text[]) AS t(s)
     ON CONFLICT (user_id, sf_id) DO NOTHING`,
    [userId, unique(ids)],
  );
}

async function pendingOfUser(db: Queryable, pendingTable: PendingTable, userId: string): Promise<string[]> {
  const table = whitelisted(PENDING_TABLES, pendingTable);
  const { rows } = await db.query<{ sf_id: string }>(`SELECT sf_id FROM ${table} WHERE user_id = $1 ORDER BY added_at, sf_id`, [
    userId,
  ]);
  return rows.map((r) => r.sf_id);
}

async function clearPending(db: Queryable, pendingTable: PendingTable, userId: string, ids: string[]): Promise<void> {
  const table = whitelisted(PENDING_TABLES, pendingTable);
  if (ids.length === 0) return;
  await db.query(`DELETE FROM ${table} WHERE user_id = $1 AND sf_id = ANY($2::text[])`, [userId, unique(ids)]);
}

/** Every table with a user_id column: resetUser() empties each of them for the user. */
const USER_TABLES = [...LINK_TABLES, ...PENDING_TABLES, 'event_series_slots', 'item_errors', 'user_status'] as const;

async function deleteUserRows(tx: Queryable, userId: string): Promise<void> {
  for (const table of USER_TABLES) {
    await tx.query(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
  }
  // A suffix compare rather than LIKE, so an id containing '%' or '_' cannot widen the match.
  const suffix = `:${userId}`;
  await tx.query('DELETE FROM cursors WHERE right(name, char_length($1)) = $1', [suffix]);
}

function toLink(r: LinkRow): ItemLink {
  return {
    userId: r.user_id,
    sfId: r.sf_id,
    mbId: r.mb_id,
    sfVersion: r.sf_version,
    mbVersion: r.mb_version,
    hashes: r.hashes,
    ...(r.parked ? { parked: r.parked } : {}),
    ...(r.unsettled ? { unsettled: r.unsettled } : {}),
  };
}

function toStatus(r: StatusRow): UserStatusRow {
  const row: UserStatusRow = {
    userId: r.user_id,
    state: r.state,
    contactsLinked: Number(r.contacts_linked),
    contactsFailed: Number(r.contacts_failed),
    updatedAt: iso(r.updated_at),
  };
  if (r.events_linked != null) row.eventsLinked = Number(r.events_linked);
  if (r.events_failed != null) row.eventsFailed = Number(r.events_failed);
  if (r.last_sync_to_mailbox != null) row.lastSyncToMailbox = iso(r.last_sync_to_mailbox);
  if (r.last_sync_to_salesforce != null) row.lastSyncToSalesforce = iso(r.last_sync_to_salesforce);
  if (r.last_error_code != null) row.lastErrorCode = r.last_error_code;
  if (r.last_error != null) row.lastError = r.last_error;
  return row;
}

/** Both drivers hand timestamptz back as Date; a string appears only if a type parser was changed. */
function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return new Date(String(v)).toISOString();
}

function key(userId: string, sfId: string): string {
  return `${userId}\u0000${sfId}`;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
