/**
 * The per-occurrence step of an events pass: for each linked series whose instances may have
 * changed, read the instances of both sides, place them in their slots (core/event-series-assign),
 * plan slot by slot (core/event-series-plan), write single occurrences, and keep the per-slot
 * hashes. It runs after the pass has settled the masters, and leaves alone any series whose two
 * masters do not hold the same pattern and times yet: without a common pattern there are no
 * common slots, and a later pass, once the masters agree, picks the series up. A series the
 * mailbox schedules in another zone than the rep's (the only one Salesforce holds) is planned in
 * the mailbox's slots (core/event-series-zones).
 *
 * Nothing here is fatal to the pass: a series whose instances could not be read is simply visited
 * again next pass (the revisit cursor), and per-occurrence failures become item rows.
 */
import type { EventFields, MappedEvent, Recurrence } from '../core/event.ts';
import { slotKeyHash } from '../core/event-hash.ts';
import { eventModel, INVITED_KEY } from '../core/event-plan.ts';
import { assignSalesforceSlots, type SlotAssignment } from '../core/event-series-assign.ts';
import { intoMailboxSlots } from '../core/event-series-zones.ts';
import { planSeriesInstances, sentHashes, sentMarkers, settleSent, type InstanceWrite, type SlotHashes, type SlotPlan } from '../core/event-series-plan.ts';
import { MASS_DELETE_MIN, type ConflictPolicy, type FieldConflict } from '../core/pair-plan.ts';
import type { Direction, EventLink, SideItem } from '../core/sync-types.ts';
import type { WriteResult } from '../ports/items.ts';
import type { Log } from '../ports/log.ts';
import type { EventWindow, MailboxEventOptions, MailboxEventsPort, MailboxSeriesInstance } from '../ports/mailbox-events.ts';
import type { SalesforceEvent, SalesforceOccurrence, SalesforcePort } from '../ports/salesforce.ts';
import type { ItemErrorRow, SeriesSlotsRow, StateStore } from '../ports/state.ts';
import { runWriteBatch, type Target } from './pair-writes.ts';
import { readMailboxSlots } from './series-mailbox-read.ts';

export interface SeriesStepDeps {
  salesforce: Pick<SalesforcePort, 'getEvents' | 'seriesOccurrences' | 'updateEvents' | 'deleteEvents'>;
  mailbox: Pick<MailboxEventsPort, 'getEvents' | 'seriesInstances' | 'updateEvents' | 'deleteEvents'>;
  store: Pick<StateStore, 'seriesSlots' | 'saveSeriesSlots'>;
  log: Log;
  salt: string;
}

/** What the pass knows when the step runs. */
export interface SeriesStepInput {
  userId: string;
  email: string;
  zone: string;
  window: EventWindow;
  opts: MailboxEventOptions;
  direction: Direction;
  conflictPolicy: ConflictPolicy;
  propagateDeletes: boolean;
  /** Configuration's Max_Delete_Percent__c as a share: the most occurrences of one series a pass may delete on one side. */
  maxDeleteShare: number;
  /** The user's links as this pass saved them. */
  links: EventLink[];
  /** Every Salesforce series is visited (a full pass). */
  all: boolean;
  /** Series (by link sfId) to visit besides those a member change names: left over from earlier passes. */
  revisit: ReadonlySet<string>;
  /** Links whose masters this pass wrote, or tried to: visited next pass, once both masters are read again. */
  written: ReadonlySet<string>;
  /** Salesforce events and mailbox events this pass read (any kind). */
  salesforceSeen: readonly SalesforceEvent[];
  mailboxSeen: readonly SideItem<MappedEvent>[];
  /** A removal on either side this pass could not tie to a series (an occurrence id is not a link): visit every series. */
  unattributedRemoval: boolean;
  now: string;
}

export interface SeriesStepOutcome {
  errors: ItemErrorRow[];
  conflicts: ItemErrorRow[];
  writes: Record<Target, number>;
  /** Occurrence ids this step looked at, so their earlier item rows can be replaced. */
  seen: Set<string>;
  /** Series (link sfIds) to visit next pass. */
  revisit: string[];
  /** A read or write failed in a way the next pass may get past. */
  retrying: boolean;
}

/** Fields both masters must hold alike before their slots can be compared. */
const GRID_FIELDS = ['recurrence', 'start', 'end', 'isAllDay'] as const;

interface LinkedSeries {
  link: EventLink;
  sf: EventFields;
  mb: EventFields;
  recurrence: Recurrence;
}

interface PlannedWrite {
  series: LinkedSeries;
  slot: string;
  target: Target;
  write: InstanceWrite;
  result?: WriteResult;
}

export async function syncSeriesInstances(deps: SeriesStepDeps, input: SeriesStepInput): Promise<SeriesStepOutcome> {
  const out: SeriesStepOutcome = { errors: [], conflicts: [], writes: { mailbox: 0, salesforce: 0 }, seen: new Set(), revisit: [], retrying: false };
  const model = eventModel(deps.salt);
  const absentRecurrence = model.hash({}).recurrence;
  const seriesLinks = input.links.filter((l) => !l.parked && !l.unsettled && l.hashes.recurrence !== undefined && l.hashes.recurrence !== absentRecurrence);
  if (seriesLinks.length === 0) return out;

  // ── which series to visit ──
  const keyOf = new Map<string, string>();
  for (const e of input.salesforceSeen) if (e.data.kind === 'seriesMaster' && e.seriesKey) keyOf.set(e.id, e.seriesKey);
  const sfMemberKeys = new Set(input.salesforceSeen.filter((e) => isMember(e.data)).map((e) => e.data.seriesMasterId!));
  const mbMemberMasters = new Set(input.mailboxSeen.filter((e) => isMember(e.data)).map((e) => e.data.seriesMasterId!));
  const knownKeys = new Set(keyOf.values());
  // A changed Salesforce occurrence whose series record was not read this pass cannot be tied to a link.
  const everything = input.all || input.unattributedRemoval || [...sfMemberKeys].some((k) => !knownKeys.has(k));
  const chosen: EventLink[] = [];
  for (const link of seriesLinks) {
    const key = keyOf.get(link.sfId);
    const named = everything || input.revisit.has(link.sfId) || mbMemberMasters.has(link.mbId) || (key !== undefined && sfMemberKeys.has(key));
    if (!named) continue;
    if (input.written.has(link.sfId)) out.revisit.push(link.sfId);
    else chosen.push(link);
  }
  if (chosen.length === 0) return out;

  // ── both masters as they are now ──
  const sfMasters = new Map(input.salesforceSeen.filter((e) => e.data.kind === 'seriesMaster').map((e) => [e.id, e.data.fields] as const));
  const mbMasters = new Map(input.mailboxSeen.filter((e) => e.data.kind === 'seriesMaster').map((e) => [e.id, e.data.fields] as const));
  try {
    const sfMissing = chosen.filter((l) => !sfMasters.has(l.sfId)).map((l) => l.sfId);
    if (sfMissing.length > 0) {
      for (const e of await deps.salesforce.getEvents(sfMissing, input.zone)) {
        if (e.ownerId === input.userId && e.data.kind === 'seriesMaster') sfMasters.set(e.id, e.data.fields);
      }
    }
    const mbMissing = chosen.filter((l) => !mbMasters.has(l.mbId)).map((l) => l.mbId);
    if (mbMissing.length > 0) {
      for (const e of await deps.mailbox.getEvents(input.email, mbMissing, input.opts)) if (e.data.kind === 'seriesMaster') mbMasters.set(e.id, e.data.fields);
    }
  } catch (err) {
    return postpone(deps, input, out, chosen, 'reading the series masters', err);
  }
  const targets: LinkedSeries[] = [];
  for (const link of chosen) {
    const sf = sfMasters.get(link.sfId);
    const mb = mbMasters.get(link.mbId);
    // A master that is gone is the pass's business (a delete), not this step's.
    if (!sf || !mb || !sf.recurrence || !mb.recurrence) continue;
    const sfHash = model.hash(sf);
    const mbHash = model.hash(mb);
    if (GRID_FIELDS.some((f) => sfHash[f] !== mbHash[f])) continue;
    targets.push({ link, sf, mb, recurrence: mb.recurrence });
  }
  if (targets.length === 0) return out;

  // ── the instances of both sides ──
  let rows: Map<string, SalesforceOccurrence[]>;
  try {
    rows = await deps.salesforce.seriesOccurrences(targets.map((t) => t.link.sfId), input.zone);
  } catch (err) {
    return postpone(deps, input, out, targets.map((t) => t.link), 'reading the Salesforce occurrences', err);
  }
  const stored = new Map((await deps.store.seriesSlots(input.userId, targets.map((t) => t.link.sfId))).map((r) => [r.sfId, r] as const));
  const planned: Array<{ series: LinkedSeries; slots: SlotPlan[]; agreed: SlotHashes }> = [];
  for (const series of targets) {
    const sfRows = rows.get(series.link.sfId);
    if (sfRows === undefined) continue;
    const row = stored.get(series.link.sfId);
    const storedSlots = row && row.mbId === series.link.mbId ? row.slots : {};
    const sfMaster = { recurrence: series.sf.recurrence!, fields: series.sf };
    // Salesforce holds a series only in the rep's zone; one from another zone is planned in the
    // mailbox's slots, so the stored slots (kept by those) say nothing about Salesforce's own.
    const sameZone = sfMaster.recurrence.timeZone === series.recurrence.timeZone;
    const agreedStarts = {
      slotStarts: (slot: string) => {
        const hashes = storedSlots[slotKeyHash(slot, deps.salt)] ?? {};
        return [...(hashes.start === undefined ? [] : [hashes.start]), ...sentHashes(hashes, 'start')];
      },
      rowStart: (fields: EventFields) => model.hash(fields).start,
    };
    const ownSlots = assignSalesforceSlots(
      sfMaster,
      sfRows.map((r) => ({ id: r.id, fields: r.fields, isException: r.isException, ...(r.modifiedAt ? { modifiedAt: r.modifiedAt } : {}) })),
      input.window,
      sameZone ? agreedStarts : undefined,
    );
    const sfSlots = sameZone ? ownSlots : intoMailboxSlots(ownSlots, sfMaster, { recurrence: series.recurrence, fields: series.mb });
    let read: { instances: MailboxSeriesInstance[]; slots: SlotAssignment } | null;
    try {
      read = await readMailboxSlots(deps.mailbox, input, { mbId: series.link.mbId, recurrence: series.recurrence, fields: series.mb }, new Set(sfSlots.placed.map((p) => p.slot)));
    } catch (err) {
      postpone(deps, input, out, [series.link], 'reading the mailbox occurrences', err);
      continue;
    }
    if (read === null) continue;
    const mbSlots = read.slots;
    for (const r of sfRows) out.seen.add(r.id);
    for (const i of read.instances) out.seen.add(i.id);
    reportUnplaced(input, series.link, 'salesforce', sfSlots, out.errors);
    reportUnplaced(input, series.link, 'mailbox', mbSlots, out.errors);
    const agreed: SlotHashes = {};
    const holding = (side: SlotAssignment, slot: string) => {
      const item = side.placed.find((p) => p.slot === slot);
      return item === undefined ? undefined : model.hash(item.fields);
    };
    for (const slot of slotsOf(sfSlots, mbSlots)) {
      const hashes = storedSlots[slotKeyHash(slot, deps.salt)];
      if (!hashes) continue;
      const sfNow = holding(sfSlots, slot);
      const mbNow = holding(mbSlots, slot);
      agreed[slot] = settleSent(hashes, { ...(sfNow ? { salesforce: sfNow } : {}), ...(mbNow ? { mailbox: mbNow } : {}) });
    }
    const plan = planSeriesInstances({
      direction: seriesDirection(input.direction, series.link),
      conflictPolicy: input.conflictPolicy,
      propagateDeletes: input.propagateDeletes,
      salesforce: sfSlots,
      mailbox: mbSlots,
      agreed,
      hash: model.hash,
    });
    planned.push({ series, slots: withinValve(input, series.link, plan.slots, { salesforce: sfSlots.placed.length, mailbox: mbSlots.placed.length }, out.errors), agreed: plan.agreed });
  }

  // ── writes, then what both sides now agree on ──
  const writes: PlannedWrite[] = [];
  for (const p of planned) {
    for (const s of p.slots) {
      if (s.toSalesforce) writes.push({ series: p.series, slot: s.slot, target: 'salesforce', write: s.toSalesforce });
      if (s.toMailbox) writes.push({ series: p.series, slot: s.slot, target: 'mailbox', write: s.toMailbox });
      out.conflicts.push(...conflictRows(input, p.series.link, s, input.conflictPolicy));
    }
  }
  await executeInstanceWrites(deps, input, writes);
  const revisit = new Set(out.revisit);
  const saved: SeriesSlotsRow[] = [];
  for (const p of planned) {
    const agreed: SlotHashes = { ...p.agreed };
    for (const w of writes.filter((x) => x.series === p.series)) {
      const r = w.result!;
      if (!r.ok) {
        out.errors.push({
          userId: input.userId,
          side: w.target,
          itemId: w.write.id,
          code: r.error.code,
          message: `occurrence ${w.write.id} of series ${w.target === 'salesforce' ? p.series.link.sfId : p.series.link.mbId}: ${r.error.message}`,
          fields: r.error.fields ?? [],
          at: input.now,
        });
        if (r.error.retryable) {
          revisit.add(p.series.link.sfId);
          out.retrying = true;
          // The write may have landed with its answer lost: remember what was sent (settleSent).
          if (w.write.op === 'update') agreed[w.slot] = { ...(agreed[w.slot] ?? {}), ...sentMarkers(w.target, w.write.agreed) };
        }
        continue;
      }
      out.writes[w.target]++;
      if (w.write.op === 'cancel') delete agreed[w.slot];
      else agreed[w.slot] = { ...(agreed[w.slot] ?? {}), ...w.write.agreed };
    }
    const slots: SeriesSlotsRow['slots'] = {};
    for (const [slot, hashes] of Object.entries(agreed)) slots[slotKeyHash(slot, deps.salt)] = hashes;
    const before = stored.get(p.series.link.sfId);
    if (JSON.stringify(before?.slots ?? {}) !== JSON.stringify(slots) || (before !== undefined && before.mbId !== p.series.link.mbId)) {
      saved.push({ sfId: p.series.link.sfId, mbId: p.series.link.mbId, slots });
    }
  }
  await deps.store.saveSeriesSlots(input.userId, saved);
  out.revisit = [...revisit];
  return out;
}

/**
 * The safety valve for one series: a side that suddenly lists few of a series' occurrences must
 * not cancel the rest on the other side. Past the configured share (and MASS_DELETE_MIN), no
 * cancel of that series is written on that side and the rep's status says why; the slots stay as
 * they were, so the next pass decides again.
 */
function withinValve(input: SeriesStepInput, link: EventLink, slots: SlotPlan[], placed: Record<Target, number>, errors: ItemErrorRow[]): SlotPlan[] {
  let out = slots;
  for (const target of ['salesforce', 'mailbox'] as const) {
    const key = target === 'salesforce' ? 'toSalesforce' : 'toMailbox';
    const cancels = out.filter((s) => s[key]?.op === 'cancel').length;
    const limit = Math.max(MASS_DELETE_MIN, Math.floor(input.maxDeleteShare * placed[target]));
    if (cancels <= limit) continue;
    const where = target === 'salesforce' ? 'Salesforce' : 'the mailbox';
    const other = target === 'salesforce' ? 'the mailbox' : 'Salesforce';
    errors.push({
      userId: input.userId,
      side: target,
      itemId: target === 'salesforce' ? link.sfId : link.mbId,
      code: 'mass_delete_occurrences',
      message: `${cancels} of ${placed[target]} occurrences of series ${link.sfId} are gone in ${other}; deleting them in ${where} too is more than the configured ${Math.round(input.maxDeleteShare * 100)}%, so none were deleted. If intended, delete them in ${where} as well, or raise the limit.`,
      fields: ['cancelled'],
      at: input.now,
    });
    out = out.map((s) => (s[key]?.op === 'cancel' ? { ...s, [key]: undefined } : s));
  }
  return out;
}

/**
 * A series someone else organizes follows the organizer's copy, as whole events do (event-plan.ts,
 * INVITED_KEY): its occurrences flow to Salesforce only, never back into the organizer's meeting.
 */
function seriesDirection(direction: Direction, link: EventLink): Direction {
  const toSalesforce = direction === 'both' || direction === 'mailbox_to_salesforce';
  return link.hashes[INVITED_KEY] !== undefined && toSalesforce ? 'mailbox_to_salesforce' : direction;
}

function isMember(e: MappedEvent): boolean {
  return (e.kind === 'occurrence' || e.kind === 'exception') && e.seriesMasterId !== undefined;
}

function slotsOf(...sides: SlotAssignment[]): Set<string> {
  const all = new Set<string>();
  for (const side of sides) {
    for (const p of side.placed) all.add(p.slot);
    for (const slot of [...side.missing, ...side.held]) all.add(slot);
  }
  return all;
}

/** The series are visited again next pass; the reason is logged by its error's name only (a message may quote content). */
function postpone(deps: SeriesStepDeps, input: SeriesStepInput, out: SeriesStepOutcome, links: EventLink[], what: string, err: unknown): SeriesStepOutcome {
  const kind = err instanceof Error ? err.name : 'error';
  deps.log('warn', `event series occurrences not synced: ${what} failed; tried again next pass`, { userId: input.userId, series: links.length, error: kind });
  out.retrying = true;
  for (const link of links) {
    out.revisit.push(link.sfId);
    out.errors.push({
      userId: input.userId,
      side: what.includes('mailbox') ? 'mailbox' : 'salesforce',
      itemId: link.sfId,
      code: 'request_failed',
      message: `series ${link.sfId}: ${what} failed (${kind}); its occurrences are synced again next pass`,
      fields: [],
      at: input.now,
    });
  }
  return out;
}

function reportUnplaced(input: SeriesStepInput, link: EventLink, side: Target, slots: SlotAssignment, errors: ItemErrorRow[]): void {
  for (const u of slots.unplaced) {
    const where = side === 'salesforce' ? 'Salesforce' : 'the mailbox';
    errors.push({
      userId: input.userId,
      side,
      itemId: u.id,
      code: 'unresolved',
      // The reason itself can name start times, which are content: only ids here.
      message: `occurrence ${u.id} of series ${side === 'salesforce' ? link.sfId : link.mbId} in ${where} is not synced on its own: which occurrence of the pattern it stands for cannot be told for sure, so the occurrences it may stand for are left alone on both sides`,
      fields: ['start'],
      at: input.now,
    });
  }
}

function conflictRows(input: SeriesStepInput, link: EventLink, slot: SlotPlan, policy: ConflictPolicy): ItemErrorRow[] {
  return slot.conflicts.map((c: FieldConflict) => {
    const loser: Target = c.winner === 'salesforce' ? 'mailbox' : 'salesforce';
    const kept = c.winner === 'salesforce' ? 'Salesforce' : 'the mailbox';
    const idOn = (side: Target) => (side === 'salesforce' ? slot.sfId : slot.mbId);
    const itemId = idOn(loser) ?? idOn(c.winner) ?? (loser === 'salesforce' ? link.sfId : link.mbId);
    const message =
      c.field === 'cancelled'
        ? `an occurrence of series ${link.sfId} was deleted in ${loser === 'salesforce' ? 'Salesforce' : 'the mailbox'} but edited in ${kept} since the last sync; the edited occurrence was kept`
        : `${c.field} of an occurrence of series ${link.sfId} was changed on both sides since the last sync; the value from ${kept} was kept (policy ${policy})`;
    return { userId: input.userId, side: loser, itemId, code: 'policy_conflict', message, fields: [c.field], at: input.now };
  });
}

/** Mailbox first, then Salesforce; on each side cancels, then updates. A failed call fails its items (retryable). */
async function executeInstanceWrites(deps: SeriesStepDeps, input: SeriesStepInput, writes: PlannedWrite[]): Promise<void> {
  type Update = PlannedWrite & { write: Extract<InstanceWrite, { op: 'update' }> };
  const onThrow = (count: number) => (err: unknown) =>
    deps.log('warn', 'occurrence write failed; retried next pass', { userId: input.userId, count, error: err instanceof Error ? err.name : 'error' });
  for (const target of ['mailbox', 'salesforce'] as const) {
    const cancels = writes.filter((w) => w.target === target && w.write.op === 'cancel');
    const updates = writes.filter((w): w is Update => w.target === target && w.write.op === 'update');
    const ids = cancels.map((w) => w.write.id);
    const sets = updates.map((w) => ({ id: w.write.id, set: w.write.set }));
    if (target === 'mailbox') {
      await runWriteBatch(cancels, () => deps.mailbox.deleteEvents(input.email, ids), onThrow(cancels.length));
      await runWriteBatch(updates, () => deps.mailbox.updateEvents(input.email, sets, input.opts), onThrow(updates.length));
    } else {
      await runWriteBatch(cancels, () => deps.salesforce.deleteEvents(input.userId, ids), onThrow(cancels.length));
      await runWriteBatch(updates, () => deps.salesforce.updateEvents(input.userId, sets, input.zone), onThrow(updates.length));
    }
  }
}
