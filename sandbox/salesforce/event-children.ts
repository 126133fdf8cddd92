/**
 * Inviting a Salesforce user copies the event onto the user's calendar as a child event
 * (IsChild true, OwnerId the invitee); contacts and leads get no copy (CDC guide, "Event
 * Invitees"). The copy follows its parent's edits and goes when the invitation or the parent
 * does. The API exposes no parent link on a child, so the emulator keeps the link to itself,
 * per org (keyed by schema, which each org has its own of).
 */
import { PROPAGATED } from './event-series.ts';
import type { ObjectDef, Schema } from './schema.ts';
import type { Transaction } from './store.ts';

interface Link {
  parentId: string;
  userId: string;
}

const links = new WeakMap<Schema, Map<string, Link>>();

function linksOf(tx: Transaction): Map<string, Link> {
  let m = links.get(tx.schema);
  if (!m) links.set(tx.schema, (m = new Map()));
  return m;
}

const COPIED = [...PROPAGATED, 'StartDateTime', 'ActivityDateTime', 'EndDateTime', 'DurationInMinutes', 'ActivityDate', 'EndDate', 'IsAllDayEvent'];

const childrenOf = (tx: Transaction, parentId: string): string[] =>
  [...linksOf(tx)].filter(([childId, l]) => l.parentId === parentId && tx.get(childId)?.values['IsDeleted'] === false).map(([childId]) => childId);

export function addChild(tx: Transaction, def: ObjectDef, parentId: string, userId: string): void {
  const parent = tx.get(parentId)?.values;
  if (!parent || parent['IsChild'] === true || parent['OwnerId'] === userId) return;
  const values: Record<string, unknown> = { OwnerId: userId, IsChild: true, IsGroupEvent: true, GroupEventType: '1' };
  for (const f of COPIED) values[f] = parent[f] ?? null;
  linksOf(tx).set(tx.insert(def, values), { parentId, userId });
}

export function removeChild(tx: Transaction, def: ObjectDef, parentId: string, userId: string): void {
  for (const childId of childrenOf(tx, parentId)) if (linksOf(tx).get(childId)?.userId === userId) tx.delete(def, childId);
}

/** Carries the parent's changed fields to its copies. */
export function updateChildren(tx: Transaction, def: ObjectDef, parentId: string, before: Readonly<Record<string, unknown>>): void {
  const after = tx.get(parentId)?.values;
  if (!after) return;
  const changed: Record<string, unknown> = {};
  for (const f of COPIED) if (before[f] !== after[f]) changed[f] = after[f];
  if (!Object.keys(changed).length) return;
  for (const childId of childrenOf(tx, parentId)) tx.update(def, childId, changed);
}

export function deleteChildren(tx: Transaction, def: ObjectDef, parentId: string): void {
  for (const childId of childrenOf(tx, parentId)) tx.delete(def, childId);
}
