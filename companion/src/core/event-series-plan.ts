/**
 * The sync decision for the instances of one linked series, slot by slot, as pair-plan.ts makes
 * it for whole events: a field-level 3-way merge against the hashes both sides last agreed on.
 *
 * Stored state is one hash set per slot, kept only while a slot is not plain pattern on both
 * sides. A slot without stored hashes (or a field missing from them) is judged against the
 * pattern: a side changed a field when its instance differs from what its own master implies,
 * so masters that are not yet in sync never make an unedited instance look edited.
 *
 * Per slot:
 *   - filled on both        → merge; start, end and isAllDay move as one unit, so a conflict
 *                             never pairs one side's start with the other side's end;
 *   - empty on one side     → cancel the other side's instance, unless it was edited since
 *                             (a conflict: it is kept, and cancelled occurrences cannot be restored),
 *                             or deletes are not propagated (nothing is written); a cancel not carried
 *                             over is final: the slot is stored as one-sided (ONE_SIDED);
 *   - empty on both         → forgotten;
 *   - held or unknown on a side (an unplaced row may belong there, or the side did not list it)
 *                           → nothing is planned and the stored hashes stay.
 * Hashes are computed by the injected `hash`, so this module needs no salt; the engine passes the
 * event model's (comparableEvent + hashEventFields), keeping Busy and Tentative alike.
 */
import type { EventField, EventFields } from './event.ts';
import { INSTANCE_FIELDS } from './event-series.ts';
import type { PlacedInstance } from './event-series-assign.ts';
import type { ConflictPolicy, FieldConflict, Side } from './pair-plan.ts';
import type { Direction } from './sync-types.ts';

export type SlotHashes = Record<string, Record<string, string>>;

/**
 * Stored for a slot whose cancel on one side was not carried to the other (refused because the
 * other side had edited it, deletes not propagated, or the direction does not carry it): the slot
 * is settled as one-sided, so a later edit of the surviving occurrence never turns into the cancel
 * that was decided against. Its value is the side the occurrence is gone from.
 */
export const ONE_SIDED = '~one-sided';

/**
 * Kept for a slot whose write failed in a way that may still have applied (a lost response): the
 * hashes that were sent, per receiving side, as `~sent:<side>:<field>`. The next pass takes a
 * sent value as agreed when the receiver holds it (settleSent), so a write that landed is never
 * mistaken for the rep's own edit on the receiver, and one that did not land is simply sent again.
 */
const SENT = '~sent:';

export function sentMarkers(side: Side, hashes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(hashes).map(([field, hash]) => [`${SENT}${side}:${field}`, hash]));
}

/** The hashes of a field that were sent to either side and may have landed. */
export function sentHashes(stored: Record<string, string>, field: string): string[] {
  return Object.entries(stored)
    .filter(([key]) => key.startsWith(SENT) && key.endsWith(`:${field}`))
    .map(([, hash]) => hash);
}

/** The stored hashes of a slot with its sent markers settled against what each side holds now. */
export function settleSent(stored: Record<string, string>, now: Partial<Record<Side, Record<string, string>>>): Record<string, string> {
  const out: Record<string, string> = {};
  const landed: Record<string, string> = {};
  for (const [key, hash] of Object.entries(stored)) {
    if (!key.startsWith(SENT)) {
      out[key] = hash;
      continue;
    }
    const [side, field] = key.slice(SENT.length).split(':') as [Side, string];
    if (field !== undefined && now[side]?.[field] === hash) landed[field] = hash;
  }
  return { ...out, ...landed };
}

/** A side's placement of the series (SlotAssignment); `held` defaults to none. */
export interface SeriesSideSlots {
  placed: PlacedInstance[];
  missing: string[];
  held?: string[];
}

export interface SeriesPlanInput {
  direction: Direction;
  conflictPolicy: ConflictPolicy;
  /** Off: a cancel is not carried over, and the other side keeps its instance. Default on. */
  propagateDeletes?: boolean;
  salesforce: SeriesSideSlots;
  mailbox: SeriesSideSlots;
  /** Per slot, the per-field hashes of the instance state both sides last agreed on. */
  agreed: SlotHashes;
  hash(fields: EventFields): Record<string, string>;
}

export type InstanceWrite =
  /** On success, merge `agreed` into the slot's stored hashes. */
  | { op: 'update'; id: string; set: Partial<EventFields>; agreed: Record<string, string> }
  /** On success, forget the slot: it is then empty on both sides. */
  | { op: 'cancel'; id: string };

export type SlotReason = 'changed' | 'cancelled_in_salesforce' | 'cancelled_in_mailbox' | 'cancel_refused' | 'held';

export interface SlotPlan {
  slot: string;
  sfId?: string;
  mbId?: string;
  toSalesforce?: InstanceWrite;
  toMailbox?: InstanceWrite;
  /** For cancel_refused: field 'cancelled', winner = the side whose edited instance is kept. */
  conflicts: FieldConflict[];
  reason: SlotReason;
}

export interface SeriesInstancePlan {
  /** Slots with a write, a conflict or something held back; quiet slots are left out. */
  slots: SlotPlan[];
  /** The per-slot hashes that hold without any write succeeding (see InstanceWrite for the rest). */
  agreed: SlotHashes;
}

type SlotState = { state: 'placed'; item: PlacedInstance } | { state: 'missing' } | { state: 'held' } | { state: 'unknown' };

const TIME_UNIT: readonly EventField[] = ['start', 'end', 'isAllDay'];
const UNITS: readonly (readonly EventField[])[] = [TIME_UNIT, ...INSTANCE_FIELDS.filter((f) => !TIME_UNIT.includes(f)).map((f) => [f])];

const other = (side: Side): Side => (side === 'salesforce' ? 'mailbox' : 'salesforce');
const flows = (direction: Direction, from: Side): boolean =>
  direction === 'both' || direction === (from === 'salesforce' ? 'salesforce_to_mailbox' : 'mailbox_to_salesforce');

/** Each slot's state on one side; a slot the side neither fills nor reports is unknown there. */
function statesOf(side: SeriesSideSlots): (slot: string) => SlotState {
  const states = new Map<string, SlotState>();
  for (const slot of side.missing) states.set(slot, { state: 'missing' });
  for (const slot of side.held ?? []) states.set(slot, { state: 'held' });
  for (const item of side.placed) states.set(item.slot, { state: 'placed', item });
  return (slot) => states.get(slot) ?? { state: 'unknown' };
}

/**
 * pair-plan's rule: one-way, the sender wins; newest wins compares the instances' last-modified
 * instants and falls back to Salesforce when either is unknown or they tie.
 */
function winner(input: SeriesPlanInput, sf: PlacedInstance, mb: PlacedInstance): Side {
  if (input.direction !== 'both') return input.direction === 'salesforce_to_mailbox' ? 'salesforce' : 'mailbox';
  if (input.conflictPolicy === 'newest_wins') {
    const sfAt = sf.modifiedAt ? Date.parse(sf.modifiedAt) : NaN;
    const mbAt = mb.modifiedAt ? Date.parse(mb.modifiedAt) : NaN;
    return Number.isFinite(sfAt) && Number.isFinite(mbAt) && mbAt > sfAt ? 'mailbox' : 'salesforce';
  }
  return input.conflictPolicy === 'mailbox_wins' ? 'mailbox' : 'salesforce';
}

/** Whether a field moved on a side since the agreement; without a stored hash, since the pattern. */
function changed(item: PlacedInstance, hashes: Record<string, string>, stored: Record<string, string> | undefined, field: EventField): boolean {
  const old = stored?.[field];
  return old === undefined ? item.offPattern.includes(field) : hashes[field] !== old;
}

export function planSeriesInstances(input: SeriesPlanInput): SeriesInstancePlan {
  const all = new Set<string>(Object.keys(input.agreed));
  for (const side of [input.salesforce, input.mailbox]) {
    for (const p of side.placed) all.add(p.slot);
    for (const slot of [...side.missing, ...(side.held ?? [])]) all.add(slot);
  }
  const sfState = statesOf(input.salesforce);
  const mbState = statesOf(input.mailbox);
  const out: SeriesInstancePlan = { slots: [], agreed: {} };
  for (const slot of [...all].sort()) {
    const stored = input.agreed[slot];
    const keep = (): void => {
      if (stored !== undefined) out.agreed[slot] = stored;
    };
    const sf = sfState(slot);
    const mb = mbState(slot);
    const ids = { ...(sf.state === 'placed' ? { sfId: sf.item.id } : {}), ...(mb.state === 'placed' ? { mbId: mb.item.id } : {}) };
    if (sf.state === 'held' || mb.state === 'held') {
      keep();
      out.slots.push({ slot, ...ids, conflicts: [], reason: 'held' });
      continue;
    }
    if (sf.state === 'unknown' || mb.state === 'unknown') {
      keep();
      continue;
    }
    if (sf.state === 'missing' && mb.state === 'missing') continue;
    if (sf.state === 'placed' && mb.state === 'placed') {
      const plan = mergeSlot(input, slot, sf.item, mb.item, stored, out.agreed);
      if (plan !== undefined) out.slots.push(plan);
      continue;
    }
    const gone: Side = sf.state === 'missing' ? 'salesforce' : 'mailbox';
    const survivor = sf.state === 'placed' ? sf.item : mb.state === 'placed' ? mb.item : undefined;
    if (survivor === undefined) {
      keep();
      continue;
    }
    if (stored?.[ONE_SIDED] === gone) {
      keep();
      continue;
    }
    const oneSided = (): void => {
      out.agreed[slot] = { [ONE_SIDED]: gone };
    };
    const hashes = input.hash(survivor.fields);
    const edited = stored === undefined ? survivor.modified : INSTANCE_FIELDS.some((f) => changed(survivor, hashes, stored, f));
    const reason: SlotReason = gone === 'salesforce' ? 'cancelled_in_salesforce' : 'cancelled_in_mailbox';
    if (!flows(input.direction, gone) || input.propagateDeletes === false) {
      // The receiver's own cancel in a one-way sync, or deletes not carried over: the other side is not touched.
      out.slots.push({ slot, ...ids, conflicts: [], reason });
      oneSided();
    } else if (edited) {
      out.slots.push({ slot, ...ids, conflicts: [{ field: 'cancelled', winner: other(gone) }], reason: 'cancel_refused' });
      oneSided();
    } else {
      keep();
      const write: InstanceWrite = { op: 'cancel', id: survivor.id };
      out.slots.push({ slot, ...ids, ...(gone === 'salesforce' ? { toMailbox: write } : { toSalesforce: write }), conflicts: [], reason });
    }
  }
  return out;
}

/** The 3-way merge of one slot filled on both sides; records the slot's hashes in `agreedOut`. */
function mergeSlot(
  input: SeriesPlanInput,
  slot: string,
  sf: PlacedInstance,
  mb: PlacedInstance,
  stored: Record<string, string> | undefined,
  agreedOut: SlotHashes,
): SlotPlan | undefined {
  const hashes = { salesforce: input.hash(sf.fields), mailbox: input.hash(mb.fields) };
  const items = { salesforce: sf, mailbox: mb };
  const agreed: Record<string, string> = {};
  const sets = { salesforce: {} as Partial<EventFields>, mailbox: {} as Partial<EventFields> };
  const sent = { salesforce: {} as Record<string, string>, mailbox: {} as Record<string, string> };
  const conflicts: FieldConflict[] = [];
  let touched = false;
  for (const unit of UNITS) {
    const sfChanged = unit.some((f) => changed(sf, hashes.salesforce, stored, f));
    const mbChanged = unit.some((f) => changed(mb, hashes.mailbox, stored, f));
    const same = (f: EventField): boolean => hashes.salesforce[f] === hashes.mailbox[f];
    if (sfChanged || mbChanged) touched = true;
    if ((!sfChanged && !mbChanged) || unit.every(same)) {
      for (const f of unit) {
        const value = same(f) ? hashes.salesforce[f] : stored?.[f];
        if (value !== undefined) agreed[f] = value;
      }
      continue;
    }
    const from: Side = sfChanged && mbChanged ? winner(input, sf, mb) : sfChanged ? 'salesforce' : 'mailbox';
    if (sfChanged && mbChanged) for (const f of unit) if (!same(f)) conflicts.push({ field: f, winner: from });
    const to = other(from);
    for (const f of unit) {
      const value = hashes[from][f];
      if (same(f) && value !== undefined) agreed[f] = value;
      else if (flows(input.direction, from) && value !== undefined) {
        (sets[to] as Record<string, unknown>)[f] = items[from].fields[f];
        sent[to][f] = value;
        if (stored?.[f] !== undefined) agreed[f] = stored[f];
      } else if (stored?.[f] !== undefined) agreed[f] = stored[f];
    }
  }
  const write = (to: Side): InstanceWrite | undefined =>
    Object.keys(sets[to]).length === 0 ? undefined : { op: 'update', id: items[to].id, set: sets[to], agreed: sent[to] };
  const toSalesforce = write('salesforce');
  const toMailbox = write('mailbox');
  const backToPattern = !toSalesforce && !toMailbox && !sf.modified && !mb.modified;
  if (!backToPattern && (stored !== undefined || touched) && Object.keys(agreed).length > 0) agreedOut[slot] = agreed;
  if (!toSalesforce && !toMailbox && conflicts.length === 0) return undefined;
  return { slot, sfId: sf.id, mbId: mb.id, ...(toSalesforce ? { toSalesforce } : {}), ...(toMailbox ? { toMailbox } : {}), conflicts, reason: 'changed' };
}
