/**
 * One sync pass for one user's events: read both sides within the sync window, account for every
 * linked event (a linked event missing from a listing is looked up by id before anything is
 * deleted), plan, write, then record links and cursors. Like contacts, per-item failures never
 * stop the pass and cursors only move past what was applied.
 */
import type { MappingWarning } from '../core/contact.ts';
import type { EventFields, MappedEvent } from '../core/event.ts';
import { eventModel, INVITED_KEY, planEvents, scopeExclusion, twinWindow, type EventSideInput, type ExclusionReason, type HeldEvent } from '../core/event-plan.ts';
import type { UnsettledCreate } from '../core/pair-plan.ts';
import type { Direction, EventLink, SideItem } from '../core/sync-types.ts';
import { CursorExpiredError } from '../ports/mailbox.ts';
import type { EventWindow, MailboxEventOptions, MailboxEventsPort } from '../ports/mailbox-events.ts';
import type { SalesforceEvent, SalesforcePort, SyncUser } from '../ports/salesforce.ts';
import type { ItemErrorRow, StateStore } from '../ports/state.ts';
import type { Clock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import type { KeySource } from '../ports/keys.ts';
import type { EventRelationsPort } from '../ports/event-relations.ts';
import { relationTargets, settleRelations } from './event-relations-sync.ts';
import { syncSeriesInstances } from './event-series-sync.ts';
import { cursorNames } from './cursors.ts';
import { collectWrites, dropDoubleClaims, executeWrites, settle, type SideWriter, type Target } from './pair-writes.ts';
import { conflictRows, conflictsOnRecord, isFailureRow, warningRows } from './item-rows.ts';

export interface EventSyncDeps {
  salesforce: SalesforcePort;
  mailbox: MailboxEventsPort;
  store: StateStore;
  clock: Clock;
  log: Log;
  salt: string;
  keys: KeySource;
  /** Attendees → EventRelation / WhoId; without it attendees are not related (engine tests). */
  relations?: EventRelationsPort;
}

export interface EventSyncOutcome {
  userId: string;
  skipped?: 'events_disabled';
  halted?: { reason: string; message: string };
  full: boolean;
  writes: { mailbox: number; salesforce: number };
  failures: number;
  conflicts: number;
  linked: number;
  /** Item problems standing after this pass (failures and mapping warnings; conflicts excluded). */
  standing: ItemErrorRow[];
  /** Unlinked events left alone, by side and reason. */
  excluded: Record<'salesforce' | 'mailbox', Partial<Record<ExclusionReason, number>>>;
  /** A retryable failure will be retried next pass. */
  retrying: boolean;
  direction: Direction;
}

const DAY_MS = 86_400_000;

/** The window in whole UTC days, so it only moves once a day (and a move means one full listing). */
export function eventWindow(now: Date, daysBack: number, daysAhead: number): EventWindow {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return {
    start: new Date(today - daysBack * DAY_MS).toISOString().replace('.000Z', 'Z'),
    end: new Date(today + (daysAhead + 1) * DAY_MS).toISOString().replace('.000Z', 'Z'),
  };
}

/** The rep's IANA zone; Salesforce's TimeZoneSidKey values are IANA names (plus 'GMT'). */
export function userZone(user: SyncUser): string {
  const key = user.timeZoneSidKey;
  return !key || key === 'GMT' ? 'UTC' : key;
}

interface MailboxCursor {
  scope: string;
  cursor: string;
}

export async function syncUserEvents(deps: EventSyncDeps, user: SyncUser): Promise<EventSyncOutcome> {
  const { store, clock } = deps;
  const userId = user.userId;
  const cfg = user.configuration.events;
  const outcome: EventSyncOutcome = {
    userId,
    full: false,
    writes: { mailbox: 0, salesforce: 0 },
    failures: 0,
    conflicts: 0,
    linked: 0,
    standing: [],
    excluded: { salesforce: {}, mailbox: {} },
    retrying: false,
    direction: cfg.direction,
  };
  if (!cfg.enabled) {
    outcome.skipped = 'events_disabled';
    return outcome;
  }
  const zone = userZone(user);
  const window = eventWindow(clock.now(), cfg.windowDaysBack, cfg.windowDaysAhead);
  const opts: MailboxEventOptions = { category: cfg.category, selection: cfg.selection, defaultTimeZone: zone };
  // Anything that changes which events are in scope forces a full listing of both sides.
  const scopeKey = JSON.stringify([window.start, window.end, cfg.selection, cfg.category.toLowerCase(), cfg.privateEvents, cfg.series, cfg.direction, zone]);
  const links = await store.eventLinks(userId);
  const linkedSf = new Set(links.map((l) => l.sfId));
  const linkedMb = new Set(links.map((l) => l.mbId));

  // ── mailbox side ──
  const deltaName = cursorNames.mailboxEventsDelta(userId);
  const stored = parseMailboxCursor(await store.getCursor(deltaName));
  let cursor = stored?.scope === scopeKey ? stored.cursor : null;
  let delta;
  try {
    delta = await deps.mailbox.eventChanges(user.email, window, cursor, opts);
  } catch (err) {
    if (!(err instanceof CursorExpiredError)) throw err;
    deps.log('warn', 'mailbox events delta cursor expired; listing the whole window', { userId });
    cursor = null;
    delta = await deps.mailbox.eventChanges(user.email, window, null, opts);
  }
  const mailboxFull = cursor === null;
  const mbListed: SideItem<MappedEvent>[] = [];
  const mbRemoved = new Set<string>();
  for (const change of delta.changes) {
    if (change.kind === 'upsert') mbListed.push(change.item);
    else mbRemoved.add(change.id);
  }
  const mbIds = new Set(mbListed.map((i) => i.id));
  const mbToConfirm = [...linkedMb].filter((id) => !mbIds.has(id) && (mailboxFull || mbRemoved.has(id)));
  const mbFound = mbToConfirm.length > 0 ? await deps.mailbox.getEvents(user.email, mbToConfirm, opts) : [];
  const mbFoundIds = new Set(mbFound.map((i) => i.id));
  const mailbox: EventSideInput = {
    full: mailboxFull,
    items: mbListed,
    found: mbFound,
    deleted: mbToConfirm.filter((id) => !mbFoundIds.has(id)),
  };

  // ── Salesforce side ──
  const listedName = cursorNames.salesforceEventsListed(userId);
  const salesforceFull = mailboxFull || (await store.getCursor(listedName)) !== scopeKey;
  outcome.full = mailboxFull || salesforceFull;
  const pendingIds = salesforceFull ? [] : await store.pendingEventIds(userId);
  const sfWarnings: Array<{ id: string; warnings: MappingWarning[] }> = [];
  const owned = (e: SalesforceEvent) => e.ownerId === userId && !e.isChild;
  // Of every Salesforce event read in this pass: its mapping warnings, and its WhoId for the attendee relations.
  const whoIds = new Map<string, string | null>();
  const sfRead: SalesforceEvent[] = [];
  const noteRead = (events: SalesforceEvent[]) => {
    sfRead.push(...events);
    for (const e of events) {
      if (e.whoId !== undefined) whoIds.set(e.id, e.whoId);
      if (e.warnings.length > 0) sfWarnings.push({ id: e.id, warnings: e.warnings });
    }
  };
  let sfListed: SalesforceEvent[];
  let sfToConfirm: string[];
  if (salesforceFull) {
    sfListed = (await deps.salesforce.listOwnedEvents(userId, window, zone)).filter(owned);
    const listedIds = new Set(sfListed.map((e) => e.id));
    sfToConfirm = [...linkedSf].filter((id) => !listedIds.has(id));
  } else {
    sfListed = [];
    sfToConfirm = pendingIds;
  }
  const sfGot = sfToConfirm.length > 0 ? await deps.salesforce.getEvents(sfToConfirm, zone) : [];
  // An event now owned by someone else has left this rep's calendar: for this rep it is gone.
  const sfGotOwned = sfGot.filter(owned);
  noteRead([...sfListed, ...sfGotOwned]);
  const sfGotIds = new Set(sfGotOwned.map((e) => e.id));
  const salesforce: EventSideInput = {
    full: salesforceFull,
    items: salesforceFull ? sfListed.map(sideItem) : sfGotOwned.map(sideItem),
    found: salesforceFull ? sfGotOwned.map(sideItem) : [],
    deleted: sfToConfirm.filter((id) => !sfGotIds.has(id) && linkedSf.has(id)),
  };

  const createsName = cursorNames.unsettledEventCreates(userId);
  const unsettledCreates = parseUnsettledCreates(await store.getCursor(createsName));

  // ── the other copy of every pair this pass saw one copy of ──
  // A decision on a pair (a delete, a merge, an unsettled write) needs both copies as they are now;
  // a copy that did not change since the last pass is not in a delta read, so it is read by id.
  const sfSeen = new Set([...sfListed.map((e) => e.id), ...sfToConfirm]);
  const mbSeen = new Set([...mbListed.map((i) => i.id), ...mbToConfirm]);
  const needs = (l: EventLink, side: 'salesforce' | 'mailbox') => !(l.parked?.gone && l.parked.side === side);
  const sfMore = links.filter((l) => !sfSeen.has(l.sfId) && (mbSeen.has(l.mbId) || l.unsettled) && needs(l, 'salesforce')).map((l) => l.sfId);
  const mbMore = links.filter((l) => !mbSeen.has(l.mbId) && (sfSeen.has(l.sfId) || l.unsettled) && needs(l, 'mailbox')).map((l) => l.mbId);
  // The source of a create whose outcome is unknown, too: its result is adopted against it as it is now.
  for (const uc of unsettledCreates) {
    if (uc.from === 'salesforce' && !sfSeen.has(uc.sourceId) && !salesforceFull) sfMore.push(uc.sourceId);
    if (uc.from === 'mailbox' && !mbSeen.has(uc.sourceId) && !mailboxFull) mbMore.push(uc.sourceId);
  }
  if (sfMore.length > 0) {
    const got = (await deps.salesforce.getEvents(sfMore, zone)).filter(owned);
    noteRead(got);
    const ids = new Set(got.map((e) => e.id));
    salesforce.found.push(...got.map(sideItem));
    salesforce.deleted.push(...sfMore.filter((id) => !ids.has(id)));
  }
  if (mbMore.length > 0) {
    const got = await deps.mailbox.getEvents(user.email, mbMore, opts);
    const ids = new Set(got.map((i) => i.id));
    mailbox.found.push(...got);
    mailbox.deleted.push(...mbMore.filter((id) => !ids.has(id)));
  }

  const heldName = cursorNames.heldEvents(userId);
  const heldBefore = parseHeld(await store.getCursor(heldName));

  // "Selected events", mailbox read as changes only: an untagged twin of a new Salesforce event may not be among them.
  const mailboxAround: SideItem<MappedEvent>[] = [];
  if (cfg.selection === 'selected' && !mailboxFull && cfg.direction !== 'mailbox_to_salesforce') {
    const wasHeld = new Set(heldBefore.map((h) => h.sfId));
    const scope = { selection: cfg.selection, privateEvents: cfg.privateEvents, series: cfg.series };
    const fresh = [...salesforce.items, ...salesforce.found]
      .filter((i) => !linkedSf.has(i.id) && !wasHeld.has(i.id) && scopeExclusion('salesforce', i.data, scope) === undefined)
      .map((i) => i.data.fields);
    const around = twinWindow(fresh, window);
    if (around) {
      // A full listing of that span (cursor null); its cursor is not kept: the rep's delta cursor stays as it is.
      const listed = await deps.mailbox.eventChanges(user.email, around, null, opts);
      for (const c of listed.changes) if (c.kind === 'upsert') mailboxAround.push(c.item);
    }
  }
  const { plan, excluded, held, invited } = planEvents({
    userId,
    direction: cfg.direction,
    conflictPolicy: user.configuration.conflictPolicy,
    propagateDeletes: cfg.propagateDeletes,
    maxDeleteShare: user.configuration.maxDeleteShare,
    selection: cfg.selection,
    privateEvents: cfg.privateEvents,
    series: cfg.series,
    repEmail: user.email,
    salt: deps.salt,
    window,
    links,
    salesforce,
    mailbox,
    heldBefore,
    mailboxAround,
    unsettledCreates,
  });
  outcome.excluded = excluded;
  const now = clock.now().toISOString();
  if (plan.halted) {
    outcome.halted = { reason: plan.reason, message: plan.message };
    deps.log('error', 'event sync stopped by safety valve', { userId, reason: plan.reason });
    return outcome;
  }

  const writes = collectWrites(plan.pairs);
  // Graph drops a second create with the same transactionId (and answers with the first event), so a
  // resend within this pass is safe; a new key per write keeps a later re-create from being answered
  // with an old copy. A create whose response was lost is found again by its key (UnsettledCreate).
  for (const w of writes) if (w.target === 'mailbox' && w.op.op === 'create') w.key = `syncline-${deps.keys.newKey()}`;
  await executeWrites(eventWriters(deps, user, zone, opts), writes, deps.log, userId);

  const errors: ItemErrorRow[] = [];
  const settled = settle(userId, plan.pairs, writes, errors, now, eventModel(deps.salt).hash({}));
  dropDoubleClaims(settled, links, errors, now);
  for (const link of settled.upserts) if (invited.has(link.mbId)) link.hashes[INVITED_KEY] = '1';
  const errorsBefore = await store.itemErrors(userId, 'event');
  // Events whose people were settled (or tried) in this pass: their earlier attendee problems are replaced.
  const relationsPlanned = new Set<string>();
  if (deps.relations && cfg.direction !== 'salesforce_to_mailbox') {
    const mailboxSeen = new Map([...mailbox.items, ...mailbox.found].map((i) => [i.id, i.data.fields] as const));
    const created = new Set(writes.filter((w) => w.target === 'salesforce' && w.op.op === 'create' && w.result?.ok).map((w) => (w.result as { id: string }).id));
    const recheck = new Set(errorsBefore.filter(isAttendeeProblem).map((e) => e.itemId));
    const targets = relationTargets(settled.upserts, mailboxSeen, whoIds, created, cfg.autoRelate, deps.salt, user.email, (f) => f.recurrence !== undefined, recheck);
    // settleRelations leaves an event whose WhoId this pass did not read for a pass that does.
    for (const t of targets) if (t.whoId !== undefined) relationsPlanned.add(t.link.sfId);
    try {
      errors.push(...(await settleRelations(deps.relations, user, deps.salt, targets, now)));
    } catch (err) {
      // The events' own writes are done and must be recorded: a failed lookup only postpones the relations
      // (their markers are unchanged, so the next pass that reads these events tries again).
      // Only the error's name: a failed query's message can quote the addresses it looked up, which is content.
      const kind = err instanceof Error ? err.name : 'error';
      deps.log('warn', 'attendee relations not settled; retried when the events are read again', { userId, count: targets.length, error: kind });
      for (const t of targets) {
        errors.push({ userId, side: 'salesforce', itemId: t.link.sfId, code: 'request_failed', message: `event ${t.link.sfId}: looking up or listing its attendees' records failed (${kind}); tried again when the event is read again`, fields: ['attendees'], at: now });
      }
    }
  }
  for (const w of writes) if (w.result?.ok) outcome.writes[w.target]++;
  const conflicts = conflictRows(userId, plan.pairs, user.configuration.conflictPolicy, now);
  await store.setCursor(heldName, held.length > 0 ? JSON.stringify(held) : undefined);
  for (const { sfId: id } of held) {
    errors.push({
      userId,
      side: 'salesforce',
      itemId: id,
      code: 'unresolved',
      message: `event ${id} not copied: the mailbox has the same meeting (subject, start, end) without the category "${cfg.category}"; add the category to that meeting to sync the two`,
      fields: ['subject', 'start', 'end'],
      at: now,
    });
  }
  for (const { id, warnings } of sfWarnings) errors.push(...warningRows(userId, 'salesforce', id, warnings, now));
  for (const [id, warnings] of Object.entries(delta.warnings)) errors.push(...warningRows(userId, 'mailbox', id, warnings, now));

  await store.saveEventLinks(settled.upserts, settled.removals);
  const linksNow = await store.eventLinks(userId);

  // ── single occurrences of linked series (edited and cancelled ones) ──
  const revisitName = cursorNames.seriesRevisit(userId);
  const revisitBefore = parseIds(await store.getCursor(revisitName));
  const touched = new Set<string>([...salesforce.items, ...salesforce.found, ...mailbox.items, ...mailbox.found].map((i) => i.id));
  if (cfg.series === true) {
    const written = new Set(writes.map((w) => w.pair.sfId ?? w.pair.base?.sfId).filter((id): id is string => id !== undefined));
    const series = await syncSeriesInstances(deps, {
      userId,
      email: user.email,
      zone,
      window,
      opts,
      direction: cfg.direction,
      conflictPolicy: user.configuration.conflictPolicy,
      propagateDeletes: cfg.propagateDeletes,
      maxDeleteShare: user.configuration.maxDeleteShare,
      links: linksNow,
      all: outcome.full,
      revisit: new Set(revisitBefore),
      written,
      salesforceSeen: sfRead,
      mailboxSeen: [...mailbox.items, ...mailbox.found],
      // An occurrence's id is never a link: a removal of one cannot be tied to its series.
      unattributedRemoval: [...mbRemoved].some((id) => !linkedMb.has(id)) || sfToConfirm.some((id) => !sfGotIds.has(id) && !linkedSf.has(id)),
      now,
    });
    errors.push(...series.errors);
    conflicts.push(...series.conflicts);
    for (const id of series.seen) touched.add(id);
    outcome.writes.mailbox += series.writes.mailbox;
    outcome.writes.salesforce += series.writes.salesforce;
    if (series.retrying) outcome.retrying = true;
    await store.setCursor(revisitName, series.revisit.length > 0 ? JSON.stringify(series.revisit) : undefined);
  } else if (revisitBefore.length > 0) {
    await store.setCursor(revisitName, undefined);
  }
  const creates = [...plan.unsettledCreates, ...settled.unsettledCreates];
  await store.setCursor(createsName, creates.length > 0 ? JSON.stringify(creates) : undefined);
  if (settled.relist.has('mailbox')) await store.setCursor(deltaName, undefined);
  else if (!settled.retryMailbox) await store.setCursor(deltaName, JSON.stringify({ scope: scopeKey, cursor: delta.cursor } satisfies MailboxCursor));
  if (settled.relist.has('salesforce')) await store.setCursor(listedName, undefined);
  // While an event is held, Salesforce is listed in full each pass, so it pairs as soon as the rep tags their copy.
  else if (salesforceFull && settled.retrySalesforceIds.size === 0 && held.length === 0) await store.setCursor(listedName, scopeKey);
  const processed = pendingIds.filter((id) => !settled.retrySalesforceIds.has(id));
  if (processed.length > 0) await store.clearPendingEventIds(userId, processed);
  if (settled.retrySalesforceIds.size > 0) await store.addPendingEventIds(userId, [...settled.retrySalesforceIds]);

  outcome.retrying ||= settled.retryMailbox || settled.retrySalesforceIds.size > 0;
  outcome.failures = errors.filter(isFailureRow).length;
  outcome.conflicts = conflicts.length;
  for (const c of conflicts) deps.log('info', 'event field conflict resolved by policy', { userId, itemId: c.itemId, field: c.fields[0] });

  // Problems of events this pass did not look at still stand; a full pass saw everything.
  for (const id of [...salesforce.deleted, ...mailbox.deleted]) touched.add(id);
  const onRecord = conflictsOnRecord(errorsBefore, conflicts, clock.now().getTime());
  // An attendee problem stands until the event's people are settled again (reading the event is not enough).
  const linkedNow = new Set(linksNow.map((l) => l.sfId));
  const kept = errorsBefore.filter((e) =>
    e.code === 'policy_conflict'
      ? onRecord.has(e)
      : isAttendeeProblem(e)
        ? linkedNow.has(e.itemId) && !relationsPlanned.has(e.itemId)
        : !outcome.full && !touched.has(e.itemId),
  );
  const all = [...kept, ...errors, ...conflicts].map((e) => ({ ...e, kind: 'event' as const }));
  await store.setItemErrors(userId, all, 'event');
  outcome.standing = all.filter(isFailureRow);
  // A parked pair is not in sync: one of its copies is out of the sync (see pair-plan.ts).
  outcome.linked = linksNow.filter((l) => !l.parked).length;
  return outcome;
}

/** A problem the attendee step reported about an event's people (see event-relations-sync.ts). */
const isAttendeeProblem = (e: ItemErrorRow): boolean => e.side === 'salesforce' && e.fields.length === 1 && e.fields[0] === 'attendees';

/**
 * A cursor holding a JSON array: the entries `keep` accepts; an unreadable value is simply none.
 * `any`: the entries are unknown JSON, and `keep` is the check that types them.
 */
function parseList<T>(value: string | undefined, keep: (entry: any) => entry is T): T[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter(keep) : [];
  } catch {
    return [];
  }
}

const parseIds = (value: string | undefined): string[] => parseList(value, (id): id is string => typeof id === 'string');
const parseHeld = (value: string | undefined): HeldEvent[] =>
  parseList(value, (h): h is HeldEvent => typeof h?.sfId === 'string' && typeof h?.keyHash === 'string');
const parseUnsettledCreates = (value: string | undefined): UnsettledCreate[] =>
  parseList(
    value,
    (c): c is UnsettledCreate =>
      (c?.from === 'salesforce' || c?.from === 'mailbox') && typeof c?.sourceId === 'string' && typeof c?.hashes === 'object' && c.hashes !== null,
  );

function parseMailboxCursor(value: string | undefined): MailboxCursor | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && typeof (parsed as MailboxCursor).scope === 'string' && typeof (parsed as MailboxCursor).cursor === 'string') {
      return parsed as MailboxCursor;
    }
  } catch {
    // An unreadable cursor is simply not a cursor: list in full.
  }
  return undefined;
}

function sideItem(e: SalesforceEvent): SideItem<MappedEvent> {
  return { id: e.id, version: e.version, ...(e.modifiedAt ? { modifiedAt: e.modifiedAt } : {}), data: e.data };
}

function eventWriters(deps: EventSyncDeps, user: SyncUser, zone: string, opts: MailboxEventOptions): Record<Target, SideWriter<EventFields>> {
  return {
    mailbox: {
      delete: (ws) => deps.mailbox.deleteEvents(user.email, ws.map((w) => w.pair.mbId!)),
      update: (ws) => deps.mailbox.updateEvents(user.email, ws.map((w) => ({ id: w.pair.mbId!, version: w.op.version || undefined, set: w.op.set })), opts),
      create: (ws) =>
        deps.mailbox.createEvents(
          user.email,
          ws.map((w) => ({
            // Events from Salesforce are scheduled in the rep's zone; Graph needs one to show the times.
            fields: { timeZone: zone, ...w.op.data },
            transactionId: w.key ?? '',
          })),
          opts,
        ),
    },
    salesforce: {
      delete: (ws) => deps.salesforce.deleteEvents(user.userId, ws.map((w) => w.pair.sfId!)),
      update: (ws) => deps.salesforce.updateEvents(user.userId, ws.map((w) => ({ id: w.pair.sfId!, set: w.op.set })), zone),
      create: (ws) => deps.salesforce.createEvents(user.userId, ws.map((w) => ({ ownerId: user.userId, data: w.op.data })), zone),
    },
  };
}

export type { EventLink };
