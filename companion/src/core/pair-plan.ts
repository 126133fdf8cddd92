/**
 * The sync decision for any kind of item (contacts, events), as a pure function.
 *
 * Each link stores one hash per field: the value both sides last agreed on. A side "changed" a
 * field when its current value hashes differently from that agreed hash. So:
 *   - changed on one side only      → copy that field to the other side (if the direction allows);
 *   - changed on both, same value   → nothing to write, the agreement moves;
 *   - changed on both, different    → a conflict, decided by the policy and reported;
 *   - gone on one side              → delete on the other, unless the other side changed since
 *                                     (then the change wins and is re-created: nothing is lost),
 *                                     or deletes do not propagate (then the pair is only unlinked);
 *   - left the sync scope           → like a delete, but never re-created: the item still exists
 *                                     where it left the scope, and the rep took it out on purpose;
 *   - new on one side               → paired with an unlinked item on the other side by the
 *                                     kind's matching rule before anything is created.
 * Agreed hashes only move for writes that succeed (the engine merges WriteOp.agreed on success),
 * so a failed write is retried on the next pass instead of being forgotten.
 */
import type { Direction, ItemLink, ParkedLink, SideItem, UnsettledWrite } from './sync-types.ts';

export type ConflictPolicy = 'salesforce_wins' | 'mailbox_wins' | 'newest_wins';
export type Side = 'salesforce' | 'mailbox';

/** What one side shows in this pass: every item (full) or only what changed since the cursor. */
export interface SideSnapshot<F> {
  full: boolean;
  items: SideItem<F>[];
  /** Ids known to be gone on this side. */
  deleted: string[];
  /** Ids of linked items that still exist but left the sync scope (became private, lost the category, …). */
  leftScope?: string[];
  /**
   * Every unlinked item of the side that could pair is in `items` (a full listing), even where
   * `full` is false because linked items are accounted for apart. Defaults to `full`.
   */
  complete?: boolean;
}

/** What the planner needs to know about a kind of item. */
export interface ItemModel<F> {
  /** Plural noun for messages: 'contacts', 'events'. */
  noun: string;
  /** The sync units: hashed, compared and merged one by one. */
  fields: readonly (keyof F & string)[];
  /** The units the mailbox holds; the others are Salesforce-only and never compared there. */
  mailboxFields: readonly (keyof F & string)[];
  /** Per-field hashes of the normalised values (absent values hash too). */
  hash(data: F): Record<string, string>;
  /** Whether a field has a value once normalised (used to fill gaps when two items are first paired). */
  has(data: F, field: keyof F & string): boolean;
  /**
   * Fields Salesforce takes on create only (an event series' pattern). A change of one toward
   * Salesforce replaces the item there: the old one is deleted, then the new one created — as
   * Salesforce itself does when a series' pattern changes.
   */
  salesforceCreateOnly?: readonly (keyof F & string)[];
  /** Unlinked Salesforce id → the unlinked mailbox item that is the same thing; ambiguity never pairs. */
  match(sfItems: SideItem<F>[], mbItems: SideItem<F>[]): Map<string, SideItem<F>>;
}

export interface PairPlanInput<F> {
  userId: string;
  direction: Direction;
  conflictPolicy: ConflictPolicy;
  links: ItemLink[];
  salesforce: SideSnapshot<F>;
  mailbox: SideSnapshot<F>;
  /** With false, a delete (or a scope exit) on one side only unlinks; the other side is left alone. */
  propagateDeletes: boolean;
  /**
   * Safety valve: a pass that would delete more than this share (0..1) of the user's linked
   * items on one side stops instead. Small numbers never trip it (see MASS_DELETE_MIN).
   */
  maxDeleteShare: number;
  /**
   * Keep a pair on record when one copy leaves the sync without the other being deleted (a scope
   * exit, or a delete that does not propagate): the survivor is then never copied again as new,
   * and the pair resumes if the copy comes back into scope. Without it such a pair is forgotten.
   */
  park?: boolean;
  /**
   * The engine reads the other copy of every pair it saw a copy of. A survivor that is still
   * unread is then not judged "unedited" on a guess: the delete waits until it has been read.
   * Without it, an unread survivor counts as unedited since the last sync.
   */
  survivorsRead?: boolean;
  /**
   * Creates of earlier passes whose outcome is unknown. An unlinked item on the target side that
   * holds exactly what was sent is that create's result and is adopted, whatever the source has
   * become since; the source is created only once a full listing of the target shows no such item.
   */
  unsettledCreates?: UnsettledCreate[];
  /**
   * Mailbox ids whose pairs follow the mailbox copy whatever the direction: meetings someone else
   * organizes, which the organizer's updates overwrite. They flow mailbox → Salesforce only (if the
   * direction carries that way at all); Salesforce edits and deletes are never written back.
   */
  followMailbox?: ReadonlySet<string>;
}

export interface UnsettledCreate {
  /** The side the item was copied from. */
  from: Side;
  sourceId: string;
  /** Per-field hashes of what was sent. */
  hashes: Record<string, string>;
  /** The idempotency key the create carried, where the target keeps it (SideItem.createdAs). */
  key?: string;
}

/** Deleting this many or fewer is never treated as a mass delete, whatever the share. */
export const MASS_DELETE_MIN = 5;

export type WriteOp<F> =
  | { op: 'create'; data: F; agreed: Record<string, string> }
  | { op: 'update'; set: Partial<F>; version?: string; agreed: Record<string, string> }
  | { op: 'delete' };

export interface FieldConflict {
  field: string;
  winner: Side;
}

export type PairReason =
  | 'changed'
  | 'paired'
  | 'new_in_salesforce'
  | 'new_in_mailbox'
  | 'deleted_in_salesforce'
  | 'deleted_in_mailbox'
  | 'deleted_both'
  | 'left_scope_in_salesforce'
  | 'left_scope_in_mailbox'
  | 'recreated'
  | 'parked'
  | 'adopted'
  | 'replaced';

export interface PairPlan<F> {
  sfId?: string;
  mbId?: string;
  /** The stored link this pair starts from (absent for a new pair). */
  base?: ItemLink;
  /** Versions observed in this pass. */
  sfVersion?: string;
  mbVersion?: string;
  /** Agreed hashes that hold without any write (values already equal). */
  agreed: Record<string, string>;
  toMailbox?: WriteOp<F>;
  toSalesforce?: WriteOp<F>;
  /** Forget the link (both gone, or one side deleted and the other deleted to match). */
  unlink: boolean;
  /** Keep the link, parked: one copy is out of the sync (see PairPlanInput.park). */
  parked?: ParkedLink;
  /** Unsettled writes of an earlier pass this pass could not resolve (their target was not read): kept. */
  unsettled?: ItemLink['unsettled'];
  /**
   * The Salesforce item `toSalesforce` (a create) replaces: deleted first, and the create only goes
   * ahead once that delete succeeded (ItemModel.salesforceCreateOnly). `sfId` still names it.
   */
  replaces?: string;
  conflicts: FieldConflict[];
  /** How the pair came to be, for progress and tests. */
  reason: PairReason;
}

export type HaltReason = 'salesforce_empty' | 'mailbox_empty' | 'mass_delete_salesforce' | 'mass_delete_mailbox';

export type Plan<F> =
  | { halted: false; pairs: PairPlan<F>[]; /** Still unknown after this pass: keep them. */ unsettledCreates: UnsettledCreate[] }
  | { halted: true; reason: HaltReason; message: string };

const SIDES: readonly Side[] = ['salesforce', 'mailbox'];
const otherSide = (s: Side): Side => (s === 'salesforce' ? 'mailbox' : 'salesforce');
const flowsToMailbox = (d: Direction) => d === 'both' || d === 'salesforce_to_mailbox';
const flowsToSalesforce = (d: Direction) => d === 'both' || d === 'mailbox_to_salesforce';

export function planPairs<F>(model: ItemModel<F>, input: PairPlanInput<F>): Plan<F> {
  const { links, salesforce: sf, mailbox: mb } = input;
  const noun = model.noun;
  // Parked pairs are not in sync: they neither hold off an empty listing nor count towards a mass delete.
  const active = links.filter((l) => !l.parked).length;
  if (active > 0 && sf.full && sf.items.length === 0 && (sf.leftScope ?? []).length === 0) {
    return { halted: true, reason: 'salesforce_empty', message: `Salesforce listed no ${noun} for user ${input.userId} while ${active} are linked; sync stopped instead of deleting them from the mailbox.` };
  }
  if (active > 0 && mb.full && mb.items.length === 0 && (mb.leftScope ?? []).length === 0) {
    return { halted: true, reason: 'mailbox_empty', message: `The mailbox listed no ${noun} for user ${input.userId} while ${active} are linked; sync stopped instead of deleting them from Salesforce.` };
  }

  const ctx = new PlanContext(model, input);
  const sfItems = byId(sf.items);
  const mbItems = byId(mb.items);
  const sfDeleted = new Set(sf.deleted);
  const mbDeleted = new Set(mb.deleted);
  const sfLeft = new Set(sf.leftScope ?? []);
  const mbLeft = new Set(mb.leftScope ?? []);
  const linkedSf = new Set<string>();
  const linkedMb = new Set<string>();
  const pairs: PairPlan<F>[] = [];

  for (const link of links) {
    linkedSf.add(link.sfId);
    linkedMb.add(link.mbId);
    const sfState = sideState(link.sfId, sfItems, sfDeleted, sfLeft, sf.full);
    const mbState = sideState(link.mbId, mbItems, mbDeleted, mbLeft, mb.full);
    const pair = ctx.forMailboxItem(link.mbId).planLinked(link, sfState, mbState);
    if (pair) pairs.push(pair);
  }

  let newSf = sf.items.filter((i) => !linkedSf.has(i.id));
  let newMb = mb.items.filter((i) => !linkedMb.has(i.id));
  const adoption = ctx.adoptOrphans(newSf, newMb);
  pairs.push(...adoption.pairs);
  newSf = newSf.filter((i) => !adoption.taken.has(i.id));
  newMb = newMb.filter((i) => !adoption.taken.has(i.id));
  pairs.push(...ctx.planNew(newSf, newMb));

  for (const side of ['salesforce', 'mailbox'] as const) {
    const deletes = pairs.filter((p) => (side === 'salesforce' ? p.toSalesforce : p.toMailbox)?.op === 'delete').length;
    const limit = Math.max(MASS_DELETE_MIN, Math.floor(input.maxDeleteShare * active));
    if (deletes > limit) {
      const other = side === 'salesforce' ? 'the mailbox' : 'Salesforce';
      const where = side === 'salesforce' ? 'Salesforce' : 'the mailbox';
      return {
        halted: true,
        reason: side === 'salesforce' ? 'mass_delete_salesforce' : 'mass_delete_mailbox',
        message: `${deletes} of ${active} linked ${noun} of user ${input.userId} were deleted in ${other}; deleting them in ${where} too is more than the configured ${Math.round(input.maxDeleteShare * 100)}%, so the sync stopped. If intended, raise the limit or reset the user (a reset restores them from ${where}).`,
      };
    }
  }
  return { halted: false, pairs, unsettledCreates: adoption.kept };
}

type SideState<F> = { state: 'present'; item: SideItem<F> } | { state: 'unseen' } | { state: 'gone' } | { state: 'left_scope' };

function sideState<F>(id: string, items: Map<string, SideItem<F>>, deleted: Set<string>, left: Set<string>, full: boolean): SideState<F> {
  if (left.has(id)) return { state: 'left_scope' };
  if (deleted.has(id)) return { state: 'gone' };
  const item = items.get(id);
  if (item) return { state: 'present', item };
  return full ? { state: 'gone' } : { state: 'unseen' };
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

class PlanContext<F> {
  private readonly toMb: boolean;
  private readonly toSf: boolean;
  private following?: PlanContext<F>;

  constructor(
    private readonly model: ItemModel<F>,
    private readonly input: PairPlanInput<F>,
    followsMailbox = false,
  ) {
    this.toMb = !followsMailbox && flowsToMailbox(input.direction);
    this.toSf = flowsToSalesforce(input.direction);
  }

  /** The context for a pair: one that never writes to the mailbox for a meeting someone else organizes. */
  forMailboxItem(mbId: string | undefined): PlanContext<F> {
    if (mbId === undefined || !this.input.followMailbox?.has(mbId) || !this.toMb) return this;
    this.following ??= new PlanContext(this.model, this.input, true);
    return this.following;
  }

  private holdsInMailbox(f: keyof F & string): boolean {
    return this.model.mailboxFields.includes(f);
  }

  /**
   * Who wins a field both sides changed to different values. One-way sync: the sender always wins.
   * Newest wins compares each side's last-modified instant; when either is unknown, or they tie,
   * Salesforce wins — a documented rule rather than a coin toss.
   */
  private winner(sfItem?: SideItem<F>, mbItem?: SideItem<F>): Side {
    if (!this.toSf) return 'salesforce';
    if (!this.toMb) return 'mailbox';
    if (this.input.conflictPolicy === 'newest_wins') {
      const sfAt = sfItem?.modifiedAt ? Date.parse(sfItem.modifiedAt) : NaN;
      const mbAt = mbItem?.modifiedAt ? Date.parse(mbItem.modifiedAt) : NaN;
      return Number.isFinite(sfAt) && Number.isFinite(mbAt) && mbAt > sfAt ? 'mailbox' : 'salesforce';
    }
    return this.input.conflictPolicy === 'mailbox_wins' ? 'mailbox' : 'salesforce';
  }

  planLinked(stored: ItemLink, sf: SideState<F>, mb: SideState<F>): PairPlan<F> | undefined {
    const states = { salesforce: sf, mailbox: mb };
    for (const side of SIDES) {
      const u = stored.unsettled?.[side];
      if (!u || !('delete' in u)) continue;
      if (states[side].state === 'gone') return this.afterOwnDelete(stored, side, states[otherSide(side)]);
      // Still there (the delete did not land) or not read in this pass (an engine that does not read
      // both copies): the pair is planned afresh, and a delete planned again finds the item gone or deletes it.
    }
    const { link, carried } = this.resolveUnsettled(stored, states);
    const base = { sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [] as FieldConflict[], unlink: false, ...(carried ? { unsettled: carried } : {}) };
    if (link.parked) {
      const p = link.parked.side;
      const o = otherSide(p);
      if (states[o].state === 'gone') return { ...base, unlink: true, reason: 'deleted_both' };
      if (states[p].state === 'gone' && !link.parked.gone) return { ...base, parked: { side: p, gone: true }, reason: 'parked' };
      if (states[p].state !== 'present' || link.parked.gone) return undefined;
      // Back in scope; if the other copy has left the scope meanwhile, it is now the one parked.
      if (states[o].state === 'left_scope') return { ...base, parked: { side: o, gone: false }, reason: 'parked' };
      delete link.parked;
    }
    const sfOut = sf.state === 'gone' || sf.state === 'left_scope';
    const mbOut = mb.state === 'gone' || mb.state === 'left_scope';
    if (sfOut && mbOut) return { ...base, unlink: true, reason: 'deleted_both' };
    if (sfOut) return this.planOneGone(link, 'salesforce', sf.state === 'left_scope', mb);
    if (mbOut) return this.planOneGone(link, 'mailbox', mb.state === 'left_scope', sf);
    const sfItem = sf.state === 'present' ? sf.item : undefined;
    const mbItem = mb.state === 'present' ? mb.item : undefined;
    if (!sfItem && !mbItem) return undefined;

    const sfHash = sfItem ? this.model.hash(sfItem.data) : undefined;
    const mbHash = mbItem ? this.model.hash(mbItem.data) : undefined;
    const merge = new FieldMerge<F>(this.toMb, this.toSf);

    for (const f of this.model.fields) {
      const inMb = this.holdsInMailbox(f);
      const old = link.hashes[f];
      const sfChanged = sfHash !== undefined && sfHash[f] !== old;
      const mbChanged = inMb && mbHash !== undefined && mbHash[f] !== old;
      if (!sfChanged && !mbChanged) continue;
      // Both moved to the same value, or a Salesforce-only field changed: nothing to send.
      if (!inMb || (sfChanged && mbChanged && sfHash![f] === mbHash![f])) {
        merge.agreed[f] = sfChanged ? sfHash![f]! : mbHash![f]!;
        continue;
      }
      const from = sfChanged && mbChanged ? merge.conflict(f, this.winner(sfItem, mbItem)) : sfChanged ? 'salesforce' : 'mailbox';
      if (from === 'salesforce') merge.copy('salesforce', f, sfItem!.data[f], sfHash![f]!);
      else merge.copy('mailbox', f, mbItem!.data[f], mbHash![f]!);
    }

    return this.replaceIfCreateOnly(merge.into({ ...base, sfVersion: sfItem?.version, mbVersion: mbItem?.version, reason: 'changed' }, mbItem?.version ?? link.mbVersion), sfItem);
  }

  /** An update Salesforce cannot take (ItemModel.salesforceCreateOnly) becomes a replacement, when the Salesforce item was read. */
  private replaceIfCreateOnly(pair: PairPlan<F>, sfItem: SideItem<F> | undefined): PairPlan<F> {
    const op = pair.toSalesforce;
    const only = this.model.salesforceCreateOnly ?? [];
    if (op?.op !== 'update' || !sfItem || !pair.sfId || !only.some((f) => f in op.set)) return pair;
    const data = { ...sfItem.data, ...op.set } as F;
    // The new record carries the old one's values where nothing was sent, but only what was sent
    // becomes agreed: a value the rep gave the receiving copy stays their edit (left alone until
    // the sender changes that field), as it was before the replacement.
    const hashes = this.model.hash(data);
    const agreed: Record<string, string> = {};
    for (const [f, h] of Object.entries(hashes)) agreed[f] = f in op.set ? h : (pair.agreed[f] ?? pair.base?.hashes[f] ?? h);
    return { ...pair, toSalesforce: { op: 'create', data, agreed }, replaces: pair.sfId, reason: 'replaced' };
  }

  /**
   * Writes of the last pass whose outcome was unknown: a field the target now holds exactly as
   * sent did land, so it counts as agreed — its echo is not an edit there, and a later edit of the
   * source is still seen as one. A target not read in this pass keeps its unsettled write.
   */
  private resolveUnsettled(stored: ItemLink, states: Record<Side, SideState<F>>): { link: ItemLink; carried?: ItemLink['unsettled'] } {
    const link: ItemLink = { ...stored, hashes: { ...stored.hashes } };
    delete link.unsettled;
    let carried: ItemLink['unsettled'];
    for (const side of SIDES) {
      const u: UnsettledWrite | undefined = stored.unsettled?.[side];
      if (!u || 'delete' in u) continue;
      const state = states[side];
      if (state.state === 'unseen') carried = { ...carried, [side]: u };
      if (state.state !== 'present') continue;
      const now = this.model.hash(state.item.data);
      for (const [f, h] of Object.entries(u.hashes)) if (now[f] === h) link.hashes[f] = h;
    }
    return carried ? { link, carried } : { link };
  }

  /** A delete of an earlier pass whose outcome was unknown did land: the pair ends, and a copy back in scope is new again. */
  private afterOwnDelete(link: ItemLink, deleted: Side, survivor: SideState<F>): PairPlan<F> {
    const base = { sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [] as FieldConflict[], unlink: true };
    const reason: PairReason = deleted === 'salesforce' ? 'deleted_in_salesforce' : 'deleted_in_mailbox';
    if (survivor.state !== 'present' || !(deleted === 'salesforce' ? this.toSf : this.toMb)) return { ...base, reason };
    return this.recreate(base, deleted, survivor.item);
  }

  /** The pair ends on the side where its copy is gone, and the survivor is created there afresh. */
  private recreate(base: Omit<PairPlan<F>, 'reason'>, gone: Side, survivor: SideItem<F>): PairPlan<F> {
    const data = gone === 'salesforce' ? survivor.data : this.mailboxView(survivor.data);
    const op: WriteOp<F> = { op: 'create', data, agreed: this.model.hash(survivor.data) };
    return gone === 'salesforce'
      ? { ...base, sfId: undefined, mbVersion: survivor.version, toSalesforce: op, reason: 'recreated' }
      : { ...base, mbId: undefined, sfVersion: survivor.version, toMailbox: op, reason: 'recreated' };
  }

  /**
   * Unlinked target items that hold exactly what an unsettled create sent are that create's result:
   * linked to their source (and brought up to date with it), never created a second time.
   */
  adoptOrphans(newSf: SideItem<F>[], newMb: SideItem<F>[]): { pairs: PairPlan<F>[]; taken: Set<string>; kept: UnsettledCreate[] } {
    const out = { pairs: [] as PairPlan<F>[], taken: new Set<string>(), kept: [] as UnsettledCreate[] };
    for (const uc of this.input.unsettledCreates ?? []) {
      const target: Side = otherSide(uc.from);
      const fields = target === 'mailbox' ? this.model.mailboxFields : this.model.fields;
      const pool = (target === 'salesforce' ? newSf : newMb).filter((i) => !out.taken.has(i.id));
      // The key the target kept identifies the result even if the rep has edited it since; without one, the content must be as sent.
      const byKey = uc.key === undefined ? [] : pool.filter((i) => i.createdAs === uc.key);
      const candidates =
        byKey.length > 0
          ? byKey
          : pool.filter((i) => {
              const h = this.model.hash(i.data);
              return fields.every((f) => uc.hashes[f] === undefined || uc.hashes[f] === h[f]);
            });
      const source = (uc.from === 'salesforce' ? newSf : newMb).find((i) => i.id === uc.sourceId);
      if (candidates.length !== 1) {
        // Not there after a full listing (or there twice, which no create of ours makes): the create did not land.
        if (!(this.input[target].complete ?? this.input[target].full) && candidates.length === 0) {
          out.kept.push(uc);
          if (source) out.taken.add(source.id); // not created again until the target has been listed in full
        }
        continue;
      }
      const orphan = candidates[0]!;
      const sfItem = uc.from === 'salesforce' ? source : orphan;
      const mbItem = uc.from === 'salesforce' ? orphan : source;
      const link: ItemLink = {
        userId: this.input.userId,
        sfId: uc.from === 'salesforce' ? uc.sourceId : orphan.id,
        mbId: uc.from === 'salesforce' ? orphan.id : uc.sourceId,
        sfVersion: sfItem?.version ?? '',
        mbVersion: mbItem?.version ?? '',
        hashes: { ...uc.hashes },
      };
      out.taken.add(orphan.id);
      if (source) out.taken.add(source.id);
      // A source not in view is gone if its side was listed in full or it was looked up and not found.
      const src = this.input[uc.from];
      const sourceOut: SideState<F> = (src.leftScope ?? []).includes(uc.sourceId)
        ? { state: 'left_scope' }
        : src.deleted.includes(uc.sourceId) || (src.complete ?? src.full)
          ? { state: 'gone' }
          : { state: 'unseen' };
      const state = (i: SideItem<F> | undefined): SideState<F> => (i ? { state: 'present', item: i } : sourceOut);
      const pair = this.forMailboxItem(link.mbId).planLinked(link, state(sfItem), state(mbItem));
      // A source deleted or out of scope meanwhile keeps the reason that decides its settlement (re-created, parked, …).
      if (!pair) out.pairs.push({ sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [], unlink: false, reason: 'adopted' });
      else out.pairs.push(pair.reason === 'changed' ? { ...pair, reason: 'adopted' } : pair);
    }
    return out;
  }

  /** One side deleted the item (or it left the scope there); the other may have changed it since the last sync. */
  private planOneGone(link: ItemLink, gone: Side, leftScope: boolean, other: SideState<F>): PairPlan<F> | undefined {
    const base = { sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [] as FieldConflict[], unlink: true };
    const reason: PairReason = leftScope
      ? gone === 'salesforce' ? 'left_scope_in_salesforce' : 'left_scope_in_mailbox'
      : gone === 'salesforce' ? 'deleted_in_salesforce' : 'deleted_in_mailbox';
    // The survivor stays: remember the pair (when parking) so it is not taken for a new item.
    const keep = (): PairPlan<F> =>
      this.input.park ? { ...base, unlink: false, parked: { side: gone, gone: !leftScope }, reason } : { ...base, reason };
    if (!this.input.propagateDeletes) return keep();
    // Whether the survivor was edited since decides its fate; never guessed from a copy not read in this pass.
    if (other.state === 'unseen' && this.input.survivorsRead) return undefined;
    const survivor = other.state === 'present' ? other.item : undefined;
    const deleteFlows = gone === 'salesforce' ? this.toMb : this.toSf;
    const survivorChanged =
      survivor !== undefined &&
      (() => {
        const h = this.model.hash(survivor.data);
        return this.model.fields.some((f) => (gone === 'salesforce' ? this.holdsInMailbox(f) : true) && h[f] !== link.hashes[f]);
      })();
    if (survivorChanged) {
      // An item that left the scope still exists there: the edit on the survivor is kept where it is.
      if (leftScope) return keep();
      const recreateFlows = gone === 'salesforce' ? this.toSf : this.toMb;
      if (recreateFlows) {
        // The surviving side was edited after the last sync: keep the edit by re-creating the item on the side that deleted it.
        return this.recreate(base, gone, survivor);
      }
    }
    if (!deleteFlows) return keep();
    return gone === 'salesforce' ? { ...base, toMailbox: { op: 'delete' }, reason } : { ...base, toSalesforce: { op: 'delete' }, reason };
  }

  private mailboxView(data: F): F {
    const out = {} as F;
    for (const f of this.model.mailboxFields) if (data[f] !== undefined) out[f] = data[f];
    return out;
  }

  planNew(newSf: SideItem<F>[], newMb: SideItem<F>[]): PairPlan<F>[] {
    const out: PairPlan<F>[] = [];
    const matches = this.model.match(newSf, newMb);
    const matchedMb = new Set<string>();
    for (const sfItem of newSf) {
      const mbItem = matches.get(sfItem.id);
      if (mbItem) {
        matchedMb.add(mbItem.id);
        out.push(this.forMailboxItem(mbItem.id).planPaired(sfItem, mbItem));
      } else if (this.toMb) {
        out.push({
          sfId: sfItem.id,
          sfVersion: sfItem.version,
          agreed: {},
          conflicts: [],
          unlink: false,
          reason: 'new_in_salesforce',
          toMailbox: { op: 'create', data: this.mailboxView(sfItem.data), agreed: this.model.hash(sfItem.data) },
        });
      }
    }
    if (this.toSf) {
      for (const mbItem of newMb) {
        if (matchedMb.has(mbItem.id)) continue;
        out.push({
          mbId: mbItem.id,
          mbVersion: mbItem.version,
          agreed: {},
          conflicts: [],
          unlink: false,
          reason: 'new_in_mailbox',
          toSalesforce: { op: 'create', data: mbItem.data, agreed: this.model.hash(mbItem.data) },
        });
      }
    }
    return out;
  }

  /** Two unlinked items found to be the same: fill gaps both ways, settle differences by the policy. */
  private planPaired(sfItem: SideItem<F>, mbItem: SideItem<F>): PairPlan<F> {
    const sfHash = this.model.hash(sfItem.data);
    const mbHash = this.model.hash(mbItem.data);
    const merge = new FieldMerge<F>(this.toMb, this.toSf);
    for (const f of this.model.fields) {
      if (!this.holdsInMailbox(f) || sfHash[f] === mbHash[f]) {
        merge.agreed[f] = sfHash[f]!;
        continue;
      }
      const sfHas = this.model.has(sfItem.data, f);
      const mbHas = this.model.has(mbItem.data, f);
      const from = sfHas && mbHas ? merge.conflict(f, this.winner(sfItem, mbItem)) : sfHas ? 'salesforce' : 'mailbox';
      // One-way, a value only the receiver has stays there: agreed as the sender's, so it reads as the
      // receiver's own edit — kept until the sender changes that field — instead of a change on both sides.
      if (from === 'salesforce' && !this.toMb) merge.agreed[f] = mbHash[f]!;
      else if (from === 'mailbox' && !this.toSf) merge.agreed[f] = sfHash[f]!;
      else if (from === 'salesforce') merge.copy('salesforce', f, sfItem.data[f], sfHash[f]!);
      else merge.copy('mailbox', f, mbItem.data[f], mbHash[f]!);
    }
    return merge.into(
      { sfId: sfItem.id, mbId: mbItem.id, sfVersion: sfItem.version, mbVersion: mbItem.version, unlink: false, reason: 'paired' },
      mbItem.version,
    );
  }
}

/** Collects, field by field, what a pair agrees on and what each side must be sent; then becomes a PairPlan. */
class FieldMerge<F> {
  readonly agreed: Record<string, string> = {};
  private readonly setMb: Partial<F> = {};
  private readonly setSf: Partial<F> = {};
  private readonly agreedMb: Record<string, string> = {};
  private readonly agreedSf: Record<string, string> = {};
  private readonly conflicts: FieldConflict[] = [];

  constructor(
    private readonly toMb: boolean,
    private readonly toSf: boolean,
  ) {}

  conflict(field: string, winner: Side): Side {
    this.conflicts.push({ field, winner });
    return winner;
  }

  /** Copies a field from one side to the other when the direction lets it flow. */
  copy<K extends keyof F & string>(from: Side, f: K, value: F[K], hash: string): void {
    if (from === 'salesforce' && this.toMb) {
      this.setMb[f] = value;
      this.agreedMb[f] = hash;
    } else if (from === 'mailbox' && this.toSf) {
      this.setSf[f] = value;
      this.agreedSf[f] = hash;
    }
  }

  into(pair: Omit<PairPlan<F>, 'agreed' | 'conflicts' | 'toMailbox' | 'toSalesforce'>, mbVersion: string | undefined): PairPlan<F> {
    const out: PairPlan<F> = { ...pair, agreed: this.agreed, conflicts: this.conflicts };
    if (Object.keys(this.setMb).length > 0) out.toMailbox = { op: 'update', set: this.setMb, version: mbVersion, agreed: this.agreedMb };
    if (Object.keys(this.setSf).length > 0) out.toSalesforce = { op: 'update', set: this.setSf, agreed: this.agreedSf };
    return out;
  }
}

/**
 * Pairs unlinked items by a list of keys, strongest first. Ambiguous keys (two items on one side
 * share it) never pair, so a guess can't merge two different people or meetings.
 */
export function matchByKeys<F>(
  sfItems: SideItem<F>[],
  mbItems: SideItem<F>[],
  keys: ReadonlyArray<(data: F) => string | undefined>,
): Map<string, SideItem<F>> {
  const result = new Map<string, SideItem<F>>();
  const usedMb = new Set<string>();
  for (const keyOf of keys) {
    const sfByKey = uniqueIndex(sfItems.filter((i) => !result.has(i.id)), keyOf);
    const mbByKey = uniqueIndex(mbItems.filter((i) => !usedMb.has(i.id)), keyOf);
    for (const [key, sfItem] of sfByKey) {
      const mbItem = mbByKey.get(key);
      if (!sfItem || !mbItem) continue;
      result.set(sfItem.id, mbItem);
      usedMb.add(mbItem.id);
    }
  }
  return result;
}

function uniqueIndex<F>(items: SideItem<F>[], keyOf: (data: F) => string | undefined): Map<string, SideItem<F> | undefined> {
  const index = new Map<string, SideItem<F> | undefined>();
  for (const item of items) {
    const key = keyOf(item.data);
    if (key === undefined) continue;
    // undefined marks an ambiguous key: seen twice on this side.
    index.set(key, index.has(key) ? undefined : item);
  }
  return index;
}
