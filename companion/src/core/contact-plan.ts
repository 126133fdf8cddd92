/**
 * plan(): the contact sync decision, as a pure function.
 *
 * Each link stores one hash per field: the value both sides last agreed on. A side "changed" a
 * field when its current value hashes differently from that agreed hash. So:
 *   - changed on one side only      → copy that field to the other side (if the direction allows);
 *   - changed on both, same value   → nothing to write, the agreement moves;
 *   - changed on both, different    → a conflict, decided by the policy and reported;
 *   - gone on one side              → delete on the other, unless the other side changed since
 *                                     (then the change wins and is re-created: nothing is lost);
 *   - new on one side               → paired with an unlinked item on the other side by e-mail,
 *                                     then by name, before anything is created.
 * Agreed hashes only move for writes that succeed (the engine merges WriteOp.agreed on success),
 * so a failed write is retried on the next pass instead of being forgotten.
 */
import { CONTACT_FIELDS, type ContactField, type ContactFields } from './contact.ts';
import { hashContactFields } from './hash.ts';
import { normaliseContact } from './normalise.ts';
import type { ContactLink, Direction, SideItem } from './sync-types.ts';

export type ConflictPolicy = 'salesforce_wins' | 'mailbox_wins' | 'newest_wins';

/** What one side shows in this pass: every item (full) or only what changed since the cursor. */
export interface SideSnapshot {
  full: boolean;
  items: SideItem<ContactFields>[];
  /** Ids known to be gone (or out of scope) on this side. */
  deleted: string[];
}

export interface ContactPlanInput {
  userId: string;
  direction: Direction;
  conflictPolicy: ConflictPolicy;
  salt: string;
  links: ContactLink[];
  salesforce: SideSnapshot;
  mailbox: SideSnapshot;
  /** Canonical fields the mailbox can hold; the rest are Salesforce-only and never compared there. */
  mailboxFields: readonly ContactField[];
  /**
   * Safety valve: a pass that would delete more than this share (0..1) of the user's linked
   * contacts on one side stops instead. Small numbers never trip it (see MASS_DELETE_MIN).
   */
  maxDeleteShare: number;
}

/** Deleting this many or fewer is never treated as a mass delete, whatever the share. */
export const MASS_DELETE_MIN = 5;

export type WriteOp =
  | { op: 'create'; data: ContactFields; agreed: Record<string, string> }
  | { op: 'update'; set: Partial<ContactFields>; version?: string; agreed: Record<string, string> }
  | { op: 'delete' };

export interface FieldConflict {
  field: ContactField;
  winner: 'salesforce' | 'mailbox';
}

export interface PairPlan {
  sfId?: string;
  mbId?: string;
  /** The stored link this pair starts from (absent for a new pair). */
  base?: ContactLink;
  /** Versions observed in this pass. */
  sfVersion?: string;
  mbVersion?: string;
  /** Agreed hashes that hold without any write (values already equal). */
  agreed: Record<string, string>;
  toMailbox?: WriteOp;
  toSalesforce?: WriteOp;
  /** Forget the link (both gone, or one side deleted and the other deleted to match). */
  unlink: boolean;
  conflicts: FieldConflict[];
  /** How the pair came to be, for progress and tests. */
  reason: 'changed' | 'paired' | 'new_in_salesforce' | 'new_in_mailbox' | 'deleted_in_salesforce' | 'deleted_in_mailbox' | 'deleted_both' | 'recreated';
}

export type ContactPlan =
  | { halted: false; pairs: PairPlan[] }
  | { halted: true; reason: 'salesforce_empty' | 'mailbox_empty' | 'mass_delete_salesforce' | 'mass_delete_mailbox'; message: string };

const flowsToMailbox = (d: Direction) => d === 'both' || d === 'salesforce_to_mailbox';
const flowsToSalesforce = (d: Direction) => d === 'both' || d === 'mailbox_to_salesforce';

export function planContacts(input: ContactPlanInput): ContactPlan {
  const { links, salesforce: sf, mailbox: mb } = input;
  if (links.length > 0 && sf.full && sf.items.length === 0) {
    return { halted: true, reason: 'salesforce_empty', message: `Salesforce listed no contacts for user ${input.userId} while ${links.length} are linked; sync stopped instead of deleting them from the mailbox.` };
  }
  if (links.length > 0 && mb.full && mb.items.length === 0) {
    return { halted: true, reason: 'mailbox_empty', message: `The mailbox listed no contacts for user ${input.userId} while ${links.length} are linked; sync stopped instead of deleting them from Salesforce.` };
  }

  const ctx = new PlanContext(input);
  const sfItems = byId(sf.items);
  const mbItems = byId(mb.items);
  const sfDeleted = new Set(sf.deleted);
  const mbDeleted = new Set(mb.deleted);
  const linkedSf = new Set<string>();
  const linkedMb = new Set<string>();
  const pairs: PairPlan[] = [];

  for (const link of links) {
    linkedSf.add(link.sfId);
    linkedMb.add(link.mbId);
    const sfItem = sfItems.get(link.sfId);
    const mbItem = mbItems.get(link.mbId);
    const sfGone = sfDeleted.has(link.sfId) || (sf.full && !sfItem);
    const mbGone = mbDeleted.has(link.mbId) || (mb.full && !mbItem);
    const pair = ctx.planLinked(link, sfGone ? undefined : sfItem, mbGone ? undefined : mbItem, sfGone, mbGone);
    if (pair) pairs.push(pair);
  }

  const newSf = sf.items.filter((i) => !linkedSf.has(i.id));
  const newMb = mb.items.filter((i) => !linkedMb.has(i.id));
  pairs.push(...ctx.planNew(newSf, newMb));

  for (const side of ['salesforce', 'mailbox'] as const) {
    const deletes = pairs.filter((p) => (side === 'salesforce' ? p.toSalesforce : p.toMailbox)?.op === 'delete').length;
    const limit = Math.max(MASS_DELETE_MIN, Math.floor(input.maxDeleteShare * links.length));
    if (deletes > limit) {
      const other = side === 'salesforce' ? 'the mailbox' : 'Salesforce';
      const where = side === 'salesforce' ? 'Salesforce' : 'the mailbox';
      return {
        halted: true,
        reason: side === 'salesforce' ? 'mass_delete_salesforce' : 'mass_delete_mailbox',
        message: `${deletes} of ${links.length} linked contacts of user ${input.userId} were deleted in ${other}; deleting them in ${where} too is more than the configured ${Math.round(input.maxDeleteShare * 100)}%, so the sync stopped. If intended, raise the limit or reset the user (a reset restores them from ${where}).`,
      };
    }
  }
  return { halted: false, pairs };
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

class PlanContext {
  private readonly toMb: boolean;
  private readonly toSf: boolean;

  constructor(private readonly input: ContactPlanInput) {
    this.toMb = flowsToMailbox(input.direction);
    this.toSf = flowsToSalesforce(input.direction);
  }

  private hashes(fields: ContactFields): Record<string, string> {
    return hashContactFields(normaliseContact(fields), this.input.salt);
  }

  private holdsInMailbox(f: ContactField): boolean {
    return this.input.mailboxFields.includes(f);
  }

  /**
   * Who wins a field both sides changed to different values. One-way sync: the sender always wins.
   * Newest wins compares each side's last-modified instant; when either is unknown, or they tie,
   * Salesforce wins — a documented rule rather than a coin toss.
   */
  private winner(sfItem?: SideItem<ContactFields>, mbItem?: SideItem<ContactFields>): 'salesforce' | 'mailbox' {
    if (this.input.direction === 'salesforce_to_mailbox') return 'salesforce';
    if (this.input.direction === 'mailbox_to_salesforce') return 'mailbox';
    if (this.input.conflictPolicy === 'newest_wins') {
      const sfAt = sfItem?.modifiedAt ? Date.parse(sfItem.modifiedAt) : NaN;
      const mbAt = mbItem?.modifiedAt ? Date.parse(mbItem.modifiedAt) : NaN;
      return Number.isFinite(sfAt) && Number.isFinite(mbAt) && mbAt > sfAt ? 'mailbox' : 'salesforce';
    }
    return this.input.conflictPolicy === 'mailbox_wins' ? 'mailbox' : 'salesforce';
  }

  planLinked(
    link: ContactLink,
    sfItem: SideItem<ContactFields> | undefined,
    mbItem: SideItem<ContactFields> | undefined,
    sfGone: boolean,
    mbGone: boolean,
  ): PairPlan | undefined {
    const base = { sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [] as FieldConflict[], unlink: false };
    if (sfGone && mbGone) return { ...base, unlink: true, reason: 'deleted_both' };
    if (sfGone) return this.planOneGone(link, 'salesforce', mbItem);
    if (mbGone) return this.planOneGone(link, 'mailbox', sfItem);
    if (!sfItem && !mbItem) return undefined;

    const sfHash = sfItem ? this.hashes(sfItem.data) : undefined;
    const mbHash = mbItem ? this.hashes(mbItem.data) : undefined;
    const merge = new FieldMerge(this.toMb, this.toSf);

    for (const f of CONTACT_FIELDS) {
      const inMb = this.holdsInMailbox(f);
      const old = link.hashes[f];
      const sfChanged = sfHash !== undefined && sfHash[f] !== old;
      const mbChanged = inMb && mbHash !== undefined && mbHash[f] !== old;
      if (!sfChanged && !mbChanged) continue;
      // Both moved to the same value, or a Salesforce-only field changed: nothing to send.
      if (!inMb || (sfChanged && mbChanged && sfHash![f] === mbHash![f])) {
        merge.agreed[f] = sfHash![f]!;
        continue;
      }
      const from = sfChanged && mbChanged ? merge.conflict(f, this.winner(sfItem, mbItem)) : sfChanged ? 'salesforce' : 'mailbox';
      if (from === 'salesforce') merge.copy('salesforce', f, sfItem!.data[f], sfHash![f]!);
      else merge.copy('mailbox', f, mbItem!.data[f], mbHash![f]!);
    }

    return merge.into({ ...base, sfVersion: sfItem?.version, mbVersion: mbItem?.version, reason: 'changed' }, mbItem?.version ?? link.mbVersion);
  }

  /** One side deleted the item; the other may have changed it since the last sync. */
  private planOneGone(link: ContactLink, gone: 'salesforce' | 'mailbox', survivor: SideItem<ContactFields> | undefined): PairPlan {
    const base = { sfId: link.sfId, mbId: link.mbId, base: link, agreed: {}, conflicts: [] as FieldConflict[] };
    const deleteFlows = gone === 'salesforce' ? this.toMb : this.toSf;
    const survivorChanged =
      survivor !== undefined &&
      (() => {
        const h = this.hashes(survivor.data);
        return CONTACT_FIELDS.some((f) => (gone === 'salesforce' ? this.holdsInMailbox(f) : true) && h[f] !== link.hashes[f]);
      })();
    const recreateFlows = gone === 'salesforce' ? this.toSf : this.toMb;
    if (survivorChanged && recreateFlows) {
      // The surviving side was edited after the last sync: keep the edit by re-creating the item on the side that deleted it.
      const data = gone === 'salesforce' ? survivor.data : this.mailboxView(survivor.data);
      const op: WriteOp = { op: 'create', data, agreed: this.hashes(survivor.data) };
      return gone === 'salesforce'
        ? { ...base, sfId: undefined, mbVersion: survivor.version, toSalesforce: op, unlink: true, reason: 'recreated' }
        : { ...base, mbId: undefined, sfVersion: survivor.version, toMailbox: op, unlink: true, reason: 'recreated' };
    }
    if (!deleteFlows) return { ...base, unlink: true, reason: gone === 'salesforce' ? 'deleted_in_salesforce' : 'deleted_in_mailbox' };
    return gone === 'salesforce'
      ? { ...base, toMailbox: { op: 'delete' }, unlink: true, reason: 'deleted_in_salesforce' }
      : { ...base, toSalesforce: { op: 'delete' }, unlink: true, reason: 'deleted_in_mailbox' };
  }

  private mailboxView(fields: ContactFields): ContactFields {
    const out: ContactFields = {};
    for (const f of this.input.mailboxFields) if (fields[f] !== undefined) assign(out, f, fields[f]);
    return out;
  }

  planNew(newSf: SideItem<ContactFields>[], newMb: SideItem<ContactFields>[]): PairPlan[] {
    const out: PairPlan[] = [];
    const matches = matchContacts(newSf, newMb);
    const matchedMb = new Set<string>();
    for (const sfItem of newSf) {
      const mbItem = matches.get(sfItem.id);
      if (mbItem) {
        matchedMb.add(mbItem.id);
        out.push(this.planPaired(sfItem, mbItem));
      } else if (this.toMb) {
        out.push({
          sfId: sfItem.id,
          sfVersion: sfItem.version,
          agreed: {},
          conflicts: [],
          unlink: false,
          reason: 'new_in_salesforce',
          toMailbox: { op: 'create', data: this.mailboxView(sfItem.data), agreed: this.hashes(sfItem.data) },
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
          toSalesforce: { op: 'create', data: mbItem.data, agreed: this.hashes(mbItem.data) },
        });
      }
    }
    return out;
  }

  /** Two unlinked items found to be the same contact: fill gaps both ways, settle differences by the policy. */
  private planPaired(sfItem: SideItem<ContactFields>, mbItem: SideItem<ContactFields>): PairPlan {
    const sfHash = this.hashes(sfItem.data);
    const mbHash = this.hashes(mbItem.data);
    const sfNorm = normaliseContact(sfItem.data);
    const mbNorm = normaliseContact(mbItem.data);
    const merge = new FieldMerge(this.toMb, this.toSf);
    for (const f of CONTACT_FIELDS) {
      if (!this.holdsInMailbox(f) || sfHash[f] === mbHash[f]) {
        merge.agreed[f] = sfHash[f]!;
        continue;
      }
      const sfHas = sfNorm[f] !== undefined;
      const mbHas = mbNorm[f] !== undefined;
      const from = sfHas && mbHas ? merge.conflict(f, this.winner(sfItem, mbItem)) : sfHas ? 'salesforce' : 'mailbox';
      // A difference the direction forbids resolving stays un-agreed, so a later change on the sending side still flows.
      if (from === 'salesforce') merge.copy('salesforce', f, sfItem.data[f], sfHash[f]!);
      else merge.copy('mailbox', f, mbItem.data[f], mbHash[f]!);
    }
    return merge.into(
      { sfId: sfItem.id, mbId: mbItem.id, sfVersion: sfItem.version, mbVersion: mbItem.version, unlink: false, reason: 'paired' },
      mbItem.version,
    );
  }
}

/** Collects, field by field, what a pair agrees on and what each side must be sent; then becomes a PairPlan. */
class FieldMerge {
  readonly agreed: Record<string, string> = {};
  private readonly setMb: Partial<ContactFields> = {};
  private readonly setSf: Partial<ContactFields> = {};
  private readonly agreedMb: Record<string, string> = {};
  private readonly agreedSf: Record<string, string> = {};
  private readonly conflicts: FieldConflict[] = [];

  constructor(
    private readonly toMb: boolean,
    private readonly toSf: boolean,
  ) {}

  conflict(field: ContactField, winner: 'salesforce' | 'mailbox'): 'salesforce' | 'mailbox' {
    this.conflicts.push({ field, winner });
    return winner;
  }

  /** Copies a field from one side to the other when the direction lets it flow. */
  copy(from: 'salesforce' | 'mailbox', f: ContactField, value: ContactFields[ContactField], hash: string): void {
    if (from === 'salesforce' && this.toMb) {
      assign(this.setMb, f, value);
      this.agreedMb[f] = hash;
    } else if (from === 'mailbox' && this.toSf) {
      assign(this.setSf, f, value);
      this.agreedSf[f] = hash;
    }
  }

  into(pair: Omit<PairPlan, 'agreed' | 'conflicts' | 'toMailbox' | 'toSalesforce'>, mbVersion: string | undefined): PairPlan {
    const out: PairPlan = { ...pair, agreed: this.agreed, conflicts: this.conflicts };
    if (Object.keys(this.setMb).length > 0) out.toMailbox = { op: 'update', set: this.setMb, version: mbVersion, agreed: this.agreedMb };
    if (Object.keys(this.setSf).length > 0) out.toSalesforce = { op: 'update', set: this.setSf, agreed: this.agreedSf };
    return out;
  }
}

function assign(target: Partial<ContactFields>, f: ContactField, value: ContactFields[ContactField]): void {
  (target as Record<string, unknown>)[f] = value;
}

/**
 * Pairs unlinked Salesforce and mailbox contacts the way Lightning Sync did: same e-mail first,
 * then same first + last name. Ambiguous keys (two items on one side share it) never pair, so a
 * guess can't merge two different people.
 */
export function matchContacts(
  sfItems: SideItem<ContactFields>[],
  mbItems: SideItem<ContactFields>[],
): Map<string, SideItem<ContactFields>> {
  const result = new Map<string, SideItem<ContactFields>>();
  const usedMb = new Set<string>();
  const keys: Array<(c: ContactFields) => string | undefined> = [
    (c) => c.email,
    (c) => (c.lastName ? `${(c.firstName ?? '').toLowerCase()}\u0000${c.lastName.toLowerCase()}` : undefined),
  ];
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

function uniqueIndex(
  items: SideItem<ContactFields>[],
  keyOf: (c: ContactFields) => string | undefined,
): Map<string, SideItem<ContactFields> | undefined> {
  const index = new Map<string, SideItem<ContactFields> | undefined>();
  for (const item of items) {
    const key = keyOf(normaliseContact(item.data));
    if (key === undefined) continue;
    // undefined marks an ambiguous key: seen twice on this side.
    index.set(key, index.has(key) ? undefined : item);
  }
  return index;
}
