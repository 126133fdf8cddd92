import type { EmailMatches, EventRelationRow, NewRelation, StatusChange } from '../core/event-attendees.ts';
import type { WriteResult } from './items.ts';

export type { EmailMatches, EventRelationRow, NewRelation, StatusChange };

export interface RelationInsert extends NewRelation {
  eventId: string;
}

export interface WhoUpdate {
  eventId: string;
  /** A contact or lead id; null clears WhoId. */
  whoId: string | null;
}

/**
 * Salesforce's side of the attendee mapping (core/event-attendees.ts). A plan is applied in the
 * order delete, insert, setWho, setStatuses: deletions free room under the 50-contact limit, and
 * WhoId is set after the inserts so it names a person the event is already related to.
 */
export interface EventRelationsPort {
  /**
   * Contacts, leads (not converted) and active users whose e-mail equals each address, read as the
   * rep so only records the rep can see are related. Keys are the lower-cased addresses asked
   * for; an address that matched nothing maps to empty lists.
   */
  lookupByEmail(asUserId: string, emails: string[]): Promise<Map<string, EmailMatches>>;
  /** Every EventRelation row of the events (invitees, related people and records), with each person's e-mail and name. */
  listRelations(eventIds: string[]): Promise<EventRelationRow[]>;
  /** One result per item, in order; a refused row never stops the others. */
  insertRelations(asUserId: string, items: RelationInsert[]): Promise<WriteResult[]>;
  /** A row already gone counts as deleted. */
  deleteRelations(asUserId: string, ids: string[]): Promise<WriteResult[]>;
  setWho(asUserId: string, items: WhoUpdate[]): Promise<WriteResult[]>;
  /** EventRelation.Status of invitee rows, one result per item, in order. */
  setStatuses(asUserId: string, items: StatusChange[]): Promise<WriteResult[]>;
}
