/**
 * The org's event bus as Streaming API subscribers see it: retained events with replay ids, and
 * the JSON shapes Salesforce delivers over CometD for change events and platform events.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { ChangeRecord } from './changes.ts';

export type { ChangeRecord };

/** `data` of a delivered message: what a faye/jsforce subscription callback receives. */
export interface EventData {
  schema: string;
  payload: Record<string, unknown>;
  event: { replayId: number; EventUuid?: string };
}

export interface StoredEvent {
  replayId: number;
  /** By the org's clock, for retention. */
  time: number;
  /** Every channel the event is delivered on, e.g. its entity channel and /data/ChangeEvents. */
  channels: readonly string[];
  data: EventData;
}

export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';

/** Contact → /data/ContactChangeEvent; Foo__c → /data/Foo__ChangeEvent (custom objects drop the `c`). */
export function changeEventChannel(entityName: string): string {
  const base = entityName.endsWith('__c') ? entityName.slice(0, -1) : entityName;
  return `/data/${base}ChangeEvent`;
}

/**
 * Entities whose change events a deploy of force-app switches on: PlatformEventChannelMember
 * files on the standard ChangeEvents channel (ContactChangeEvent → Contact,
 * Foo__ChangeEvent → Foo__c). Custom channels (X__chn) are not emulated.
 */
export function cdcEntitiesFromForceApp(forceAppDir: string): string[] {
  const dir = path.join(forceAppDir, 'main', 'default', 'platformEventChannelMembers');
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.platformEventChannelMember-meta.xml')).sort()) {
    const xml = fs.readFileSync(path.join(dir, file), 'utf8');
    const channel = /<eventChannel>\s*([^<\s]+)\s*<\/eventChannel>/.exec(xml)?.[1];
    const selected = /<selectedEntity>\s*([^<\s]+)\s*<\/selectedEntity>/.exec(xml)?.[1];
    if (channel !== 'ChangeEvents' || !selected?.endsWith('ChangeEvent')) continue;
    const base = selected.slice(0, -'ChangeEvent'.length);
    out.push(base.endsWith('__') ? `${base}c` : base);
  }
  return out;
}

export const PLATFORM_EVENT_CHANNEL = /^\/event\/[A-Za-z][A-Za-z0-9_]*__e$/;

/** Accepts `Sync_Command__e` or `/event/Sync_Command__e`. */
export function platformEventChannel(nameOrChannel: string): string {
  const channel = nameOrChannel.startsWith('/') ? nameOrChannel : `/event/${nameOrChannel}`;
  if (!PLATFORM_EVENT_CHANNEL.test(channel)) throw new Error(`not a platform event channel: ${nameOrChannel}`);
  return channel;
}

/**
 * Salesforce schema ids are 22-character opaque strings that change only when the event's
 * fields change; hashing the event name with the API version gives the same stability.
 */
export function schemaId(eventName: string, apiVersion: string): string {
  return createHash('sha256').update(`${apiVersion}/${eventName}`).digest('base64url').slice(0, 22);
}

/**
 * CometD change events differ from Pub/Sub API ones (Salesforce, "Differences Between Change
 * Events Received with Streaming API vs. Pub/Sub API"): the header carries changedFields as
 * names but no nulledFields/diffFields bitmaps, and the body leaves out unchanged and empty
 * fields. A field set to null on update is listed in changedFields; we also send it as an
 * explicit null, which the docs do not settle either way — consumers should trust changedFields.
 */
export function changeEventPayload(rec: ChangeRecord): Record<string, unknown> {
  const header = {
    entityName: rec.entityName,
    recordIds: [...rec.recordIds],
    changeType: rec.changeType,
    changeOrigin: rec.changeOrigin,
    transactionKey: rec.transactionKey,
    sequenceNumber: rec.sequenceNumber,
    commitTimestamp: rec.commitTimestamp,
    commitNumber: rec.commitNumber,
    commitUser: rec.commitUser,
    changedFields: rec.changeType === 'UPDATE' ? [...rec.changedFields] : [],
  };
  const body: Record<string, unknown> = {};
  if (rec.changeType === 'CREATE' || rec.changeType === 'UNDELETE') {
    for (const [k, v] of Object.entries(rec.fields)) if (v !== null && v !== undefined) body[k] = v;
  } else if (rec.changeType === 'UPDATE') {
    // Compound fields are listed per component (Name.LastName) but sent under their parent key.
    const changed = new Set([...rec.changedFields, ...rec.nulledFields].map((f) => f.split('.')[0]));
    for (const [k, v] of Object.entries(rec.fields)) if (changed.has(k)) body[k] = v ?? null;
    for (const f of rec.nulledFields) if (!f.includes('.')) body[f] = null;
  }
  return { ...body, ChangeEventHeader: header };
}

/**
 * Retained events in replay-id order. Replay ids come from one org-wide counter, so any one
 * channel sees gaps — clients must treat them as opaque, as Salesforce requires.
 */
export class EventStore {
  private events: StoredEvent[] = [];
  private last = 0;

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  append(channels: readonly string[], build: (replayId: number) => EventData): StoredEvent {
    this.purge();
    const replayId = ++this.last;
    const ev: StoredEvent = { replayId, time: this.now(), channels, data: build(replayId) };
    this.events.push(ev);
    return ev;
  }

  /** The newest id handed out, retained or not: the -1 ("new events only") starting point. */
  latestId(): number {
    return this.last;
  }

  purge(): void {
    const cutoff = this.now() - this.retentionMs;
    // A test clock may jump backwards, so filter rather than trimming only the head.
    if (this.events.some((e) => e.time < cutoff)) this.events = this.events.filter((e) => e.time >= cutoff);
  }

  has(channel: string, replayId: number): boolean {
    this.purge();
    return this.events.some((e) => e.replayId === replayId && e.channels.includes(channel));
  }

  after(channel: string, replayId: number): StoredEvent[] {
    this.purge();
    return this.events.filter((e) => e.replayId > replayId && e.channels.includes(channel));
  }

  count(channel: string): number {
    return this.after(channel, 0).length;
  }
}

/**
 * Platform events carry CreatedDate and CreatedById in the payload, and from API 52.0 an
 * EventUuid beside the replay id in `event` (Platform Events Developer Guide, "Subscribe to
 * Platform Event Notifications with CometD"). A UUID supplied among the fields is moved there.
 */
export function platformEventData(
  channel: string,
  fields: Record<string, unknown>,
  replayId: number,
  opts: { apiVersion: string; now: number },
): EventData {
  const { EventUuid: uuid, ...rest } = fields;
  const event: EventData['event'] = { replayId };
  if (Number(opts.apiVersion) >= 52) event.EventUuid = typeof uuid === 'string' ? uuid : randomUUID();
  return {
    schema: schemaId(channel, opts.apiVersion),
    payload: { CreatedDate: new Date(opts.now).toISOString(), ...rest },
    event,
  };
}
