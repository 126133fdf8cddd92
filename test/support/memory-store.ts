/**
 * An in-memory StateStore for engine tests, with the semantics of the SQL store
 * (companion/src/store/state-store.ts) as far as a caller can observe them: link order by sfId,
 * removals before upserts in one all-or-nothing save, one mailbox item per user and kind of link,
 * pending ids ordered by when they were first added, item errors replaced per user and kind with
 * timestamps returned as UTC ISO strings, and resetUser forgetting exactly one user's rows and
 * cursors. test/unit/memory-store.test.ts holds it to the shared contract (state-store-contract.ts).
 * Everything handed in or out is copied, so a caller can never alias the stored state.
 */
import type { ItemLink } from '../../companion/src/core/sync-types.ts';
import type { ItemErrorRow, ItemKind, SeriesSlotsRow, StateStore, UserStatusRow } from '../../companion/src/ports/state.ts';

type LinkKind = 'contact' | 'event';

interface PendingRow {
  sfId: string;
  /** Order of the add call that first named this id (the SQL store's added_at). */
  seq: number;
}

const SIDES: ReadonlySet<string> = new Set(['salesforce', 'mailbox']);
const STATES: ReadonlySet<string> = new Set(['initial_sync', 'syncing', 'idle', 'error', 'stopped']);

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function copyLink(link: ItemLink): ItemLink {
  const out: ItemLink = { userId: link.userId, sfId: link.sfId, mbId: link.mbId, sfVersion: link.sfVersion, mbVersion: link.mbVersion, hashes: { ...link.hashes } };
  if (link.parked) out.parked = { ...link.parked };
  // The SQL store keeps no empty object: an unsettled map without entries reads back as none.
  if (link.unsettled && Object.keys(link.unsettled).length > 0) out.unsettled = structuredClone(link.unsettled);
  return out;
}

function isoInstant(value: string, what: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`memory store: ${what} is not a timestamp: ${value}`);
  return new Date(ms).toISOString();
}

export type MemoryStateStore = StateStore;

export function createMemoryStore(): MemoryStateStore {
  const meta = new Map<string, string>();
  /** kind → userId → sfId → link */
  const links: Record<LinkKind, Map<string, Map<string, ItemLink>>> = { contact: new Map(), event: new Map() };
  const seriesSlots = new Map<string, Map<string, SeriesSlotsRow>>();
  const cursors = new Map<string, string>();
  const pending: Record<LinkKind, Map<string, Map<string, PendingRow>>> = { contact: new Map(), event: new Map() };
  let pendingSeq = 0;
  const errors = new Map<string, ItemErrorRow[]>();
  const status = new Map<string, UserStatusRow>();

  const linksOfUser = (kind: LinkKind, userId: string): ItemLink[] =>
    [...(links[kind].get(userId)?.values() ?? [])].sort((a, b) => byCodePoint(a.sfId, b.sfId)).map(copyLink);

  const linksBySfIds = (kind: LinkKind, sfIds: string[]): ItemLink[] => {
    const wanted = new Set(sfIds);
    const out: ItemLink[] = [];
    for (const [, userLinks] of links[kind]) for (const link of userLinks.values()) if (wanted.has(link.sfId)) out.push(copyLink(link));
    return out.sort((a, b) => byCodePoint(a.userId, b.userId) || byCodePoint(a.sfId, b.sfId));
  };

  const saveLinks = (kind: LinkKind, upserts: ItemLink[], removals: Array<{ userId: string; sfId: string }>): void => {
    if (upserts.length === 0 && removals.length === 0) return;
    // Work on a copy of the touched users and swap it in only if the result is valid: one transaction.
    const users = new Set([...upserts.map((l) => l.userId), ...removals.map((r) => r.userId)]);
    const next = new Map<string, Map<string, ItemLink>>();
    for (const userId of users) next.set(userId, new Map(links[kind].get(userId) ?? []));
    for (const r of removals) next.get(r.userId)!.delete(r.sfId);
    for (const link of upserts) {
      if (typeof link.sfId !== 'string' || typeof link.mbId !== 'string') throw new Error('memory store: a link needs an sfId and an mbId');
      next.get(link.userId)!.set(link.sfId, copyLink(link));
    }
    // The deferred UNIQUE (user_id, mb_id): checked once the whole save has been applied.
    for (const [userId, userLinks] of next) {
      const seen = new Set<string>();
      for (const link of userLinks.values()) {
        if (seen.has(link.mbId)) throw new Error(`memory store: two ${kind} links of user ${userId} claim mailbox item ${link.mbId}`);
        seen.add(link.mbId);
      }
    }
    for (const [userId, userLinks] of next) {
      if (userLinks.size === 0) links[kind].delete(userId);
      else links[kind].set(userId, userLinks);
    }
    // A series' slot state ends with its link (the SQL store deletes it in the same transaction).
    if (kind === 'event') for (const r of removals) seriesSlots.get(r.userId)?.delete(r.sfId);
  };

  const addPending = (kind: LinkKind, userId: string, ids: string[]): void => {
    if (ids.length === 0) return;
    const seq = ++pendingSeq;
    const rows = pending[kind].get(userId) ?? new Map<string, PendingRow>();
    // Like ON CONFLICT DO NOTHING: an id already waiting keeps its first position.
    for (const sfId of ids) if (!rows.has(sfId)) rows.set(sfId, { sfId, seq });
    pending[kind].set(userId, rows);
  };

  const pendingOfUser = (kind: LinkKind, userId: string): string[] =>
    [...(pending[kind].get(userId)?.values() ?? [])].sort((a, b) => a.seq - b.seq || byCodePoint(a.sfId, b.sfId)).map((r) => r.sfId);

  const clearPending = (kind: LinkKind, userId: string, ids: string[]): void => {
    const rows = pending[kind].get(userId);
    if (!rows) return;
    for (const id of ids) rows.delete(id);
  };

  const copyError = (e: ItemErrorRow, kind: ItemKind): ItemErrorRow => ({
    userId: e.userId,
    kind,
    side: e.side,
    itemId: e.itemId,
    code: e.code,
    message: e.message,
    fields: [...e.fields],
    at: e.at,
  });

  const copyStatus = (row: UserStatusRow): UserStatusRow => {
    const out: UserStatusRow = {
      userId: row.userId,
      state: row.state,
      contactsLinked: row.contactsLinked,
      contactsFailed: row.contactsFailed,
      updatedAt: isoInstant(row.updatedAt, 'updatedAt'),
    };
    if (row.eventsLinked !== undefined) out.eventsLinked = row.eventsLinked;
    if (row.eventsFailed !== undefined) out.eventsFailed = row.eventsFailed;
    if (row.lastSyncToMailbox !== undefined) out.lastSyncToMailbox = isoInstant(row.lastSyncToMailbox, 'lastSyncToMailbox');
    if (row.lastSyncToSalesforce !== undefined) out.lastSyncToSalesforce = isoInstant(row.lastSyncToSalesforce, 'lastSyncToSalesforce');
    if (row.lastErrorCode !== undefined) out.lastErrorCode = row.lastErrorCode;
    if (row.lastError !== undefined) out.lastError = row.lastError;
    return out;
  };

  return {
    async migrate() {},
    async close() {},
    async getMeta(key) {
      return meta.get(key);
    },
    async setMeta(key, value) {
      meta.set(key, value);
    },

    async contactLinks(userId) {
      return linksOfUser('contact', userId);
    },
    async contactLinksBySfIds(sfIds) {
      return linksBySfIds('contact', sfIds);
    },
    async saveContactLinks(upserts, removals) {
      saveLinks('contact', upserts, removals);
    },
    async eventLinks(userId) {
      return linksOfUser('event', userId);
    },
    async eventLinksBySfIds(sfIds) {
      return linksBySfIds('event', sfIds);
    },
    async saveEventLinks(upserts, removals) {
      saveLinks('event', upserts, removals);
    },
    async seriesSlots(userId, sfIds) {
      const mine = seriesSlots.get(userId);
      const wanted = new Set(sfIds);
      return [...(mine?.values() ?? [])].filter((r) => wanted.has(r.sfId)).sort((a, b) => byCodePoint(a.sfId, b.sfId)).map((r) => structuredClone(r));
    },
    async saveSeriesSlots(userId, rows) {
      const mine = seriesSlots.get(userId) ?? new Map<string, SeriesSlotsRow>();
      for (const row of rows) {
        if (Object.keys(row.slots).length === 0) mine.delete(row.sfId);
        else mine.set(row.sfId, structuredClone(row));
      }
      if (mine.size === 0) seriesSlots.delete(userId);
      else seriesSlots.set(userId, mine);
    },

    async getCursor(name) {
      return cursors.get(name);
    },
    async setCursor(name, value) {
      if (value === undefined) cursors.delete(name);
      else cursors.set(name, value);
    },

    async addPendingSalesforceIds(userId, ids) {
      addPending('contact', userId, ids);
    },
    async pendingSalesforceIds(userId) {
      return pendingOfUser('contact', userId);
    },
    async clearPendingSalesforceIds(userId, ids) {
      clearPending('contact', userId, ids);
    },
    async addPendingEventIds(userId, ids) {
      addPending('event', userId, ids);
    },
    async pendingEventIds(userId) {
      return pendingOfUser('event', userId);
    },
    async clearPendingEventIds(userId, ids) {
      clearPending('event', userId, ids);
    },

    async setItemErrors(userId, rows, kind = 'contact') {
      const stray = rows.find((e) => e.userId !== userId);
      if (stray) throw new Error(`setItemErrors(${userId}): an error row belongs to user ${stray.userId}`);
      const other = rows.find((e) => (e.kind ?? 'contact') !== kind);
      if (other) throw new Error(`setItemErrors(${userId}, ${kind}): an error row is of kind ${other.kind ?? 'contact'}`);
      const bad = rows.find((e) => !SIDES.has(e.side));
      if (bad) throw new Error(`setItemErrors(${userId}): side ${bad.side} is neither salesforce nor mailbox`);
      // Convert (and so validate) every row before replacing anything.
      const converted = rows.map((e) => ({ ...copyError(e, kind), at: isoInstant(e.at, 'at') }));
      const kept = (errors.get(userId) ?? []).filter((e) => e.kind !== kind);
      errors.set(userId, [...kept, ...converted]);
    },
    async itemErrors(userId, kind) {
      const rows: ItemErrorRow[] = [];
      for (const [owner, list] of errors) {
        if (userId !== undefined && owner !== userId) continue;
        for (const e of list) if (kind === undefined || e.kind === kind) rows.push(copyError(e, e.kind ?? 'contact'));
      }
      // ORDER BY user_id, at, side, item_id, code
      return rows.sort(
        (a, b) =>
          byCodePoint(a.userId, b.userId) || byCodePoint(a.at, b.at) || byCodePoint(a.side, b.side) || byCodePoint(a.itemId, b.itemId) || byCodePoint(a.code, b.code),
      );
    },

    async getUserStatus(userId) {
      const row = status.get(userId);
      return row && copyStatus(row);
    },
    async listUserStatus() {
      return [...status.values()].sort((a, b) => byCodePoint(a.userId, b.userId)).map(copyStatus);
    },
    async saveUserStatus(row) {
      if (!STATES.has(row.state)) throw new Error(`memory store: unknown state ${row.state}`);
      for (const n of [row.contactsLinked, row.contactsFailed, row.eventsLinked ?? 0, row.eventsFailed ?? 0]) {
        if (!(n >= 0)) throw new Error('memory store: counts are never negative');
      }
      status.set(row.userId, copyStatus(row));
    },

    async resetUser(userId) {
      for (const kind of ['contact', 'event'] as const) {
        links[kind].delete(userId);
        pending[kind].delete(userId);
      }
      seriesSlots.delete(userId);
      errors.delete(userId);
      status.delete(userId);
      const suffix = `:${userId}`;
      for (const name of [...cursors.keys()]) if (name.endsWith(suffix)) cursors.delete(name);
    },
  };
}
