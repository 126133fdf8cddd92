/**
 * plan() for contacts: the generic pair planner (pair-plan.ts) with the contact model — per-field
 * hashes of the normalised contact, pairing by e-mail then by name, deletes always propagated.
 */
import { CONTACT_FIELDS, type ContactField, type ContactFields } from './contact.ts';
import { hashContactFields } from './hash.ts';
import { normaliseContact } from './normalise.ts';
import {
  matchByKeys,
  planPairs,
  type ConflictPolicy,
  type FieldConflict,
  type ItemModel,
  type PairPlan as GenericPairPlan,
  type Plan,
  type SideSnapshot as GenericSideSnapshot,
  type WriteOp as GenericWriteOp,
} from './pair-plan.ts';
import type { ContactLink, Direction, SideItem } from './sync-types.ts';

export { MASS_DELETE_MIN } from './pair-plan.ts';
export type { ConflictPolicy, FieldConflict };
export type SideSnapshot = GenericSideSnapshot<ContactFields>;
export type WriteOp = GenericWriteOp<ContactFields>;
export type PairPlan = GenericPairPlan<ContactFields>;
export type ContactPlan = Plan<ContactFields>;

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
  /** See PairPlanInput.maxDeleteShare. */
  maxDeleteShare: number;
}

export function contactModel(salt: string, mailboxFields: readonly ContactField[]): ItemModel<ContactFields> {
  return {
    noun: 'contacts',
    fields: CONTACT_FIELDS,
    mailboxFields,
    hash: (data) => hashContactFields(normaliseContact(data), salt),
    has: (data, field) => normaliseContact(data)[field] !== undefined,
    match: matchContacts,
  };
}

export function planContacts(input: ContactPlanInput): ContactPlan {
  const { salt, mailboxFields, ...rest } = input;
  return planPairs(contactModel(salt, mailboxFields), { ...rest, propagateDeletes: true });
}

/**
 * Pairs unlinked Salesforce and mailbox contacts the way Lightning Sync did: same e-mail first,
 * then same first + last name. Ambiguous keys never pair.
 */
export function matchContacts(
  sfItems: SideItem<ContactFields>[],
  mbItems: SideItem<ContactFields>[],
): Map<string, SideItem<ContactFields>> {
  return matchByKeys(sfItems, mbItems, [
    (c) => normaliseContact(c).email,
    (c) => {
      const n = normaliseContact(c);
      return n.lastName ? `${(n.firstName ?? '').toLowerCase()}\u0000${n.lastName.toLowerCase()}` : undefined;
    },
  ]);
}
