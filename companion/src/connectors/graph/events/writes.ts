import type { EventField } from '../../../core/event.ts';
import { toGraphEvent, type GraphEvent } from '../../../core/graph-event.ts';
import type { WriteResult } from '../../../ports/items.ts';
import type { MailboxEventCreate, MailboxEventOptions, MailboxEventUpdate } from '../../../ports/mailbox-events.ts';
import { deleteThroughBatch, itemFailure, runBatch, type BatchDeps, type BatchOp, type BatchOutcome } from '../batch.ts';
import { PREFER_IMMUTABLE_ID, userPath, type GraphHttp } from '../graph-http.ts';
import { PREFER_UTC, eventUrl, eventVersion } from './delta.ts';

const PREFER = `${PREFER_IMMUTABLE_ID}, ${PREFER_UTC}`;

/**
 * The shared $batch runner sends a batch that holds a POST as not idempotent: after a dropped
 * connection or a 500/502/504 the creates may have run, and for contacts a second run would
 * make duplicates. An event POST that carries a transactionId is different: Graph drops a
 * second create with the same transactionId and answers with the event the first one made
 * (event resource, transactionId). So a $batch of such creates may be sent again like any read,
 * and this wrapper tells the pipeline so. Only used for batches where every POST has one.
 */
function replaySafeBatches(graph: GraphHttp): GraphHttp {
  return {
    base: graph.base,
    call: (mailbox, target, init = {}) => graph.call(mailbox, target, target === '/$batch' ? { ...init, idempotent: true } : init),
  };
}

export async function createEvents(
  deps: BatchDeps,
  mailbox: string,
  items: MailboxEventCreate[],
  opts: MailboxEventOptions,
): Promise<WriteResult[]> {
  const mapped = items.map((item) => toGraphEvent(item.fields, { ...opts, create: true }));
  const url = `${userPath(mailbox)}/events`;
  const ops = items.map((item, i): BatchOp => ({
    method: 'POST',
    url,
    headers: { Prefer: PREFER },
    body: { ...mapped[i]!.body, transactionId: item.transactionId },
  }));
  const allKeyed = items.every((item) => item.transactionId !== '');
  const outs = await runBatch(allKeyed ? { ...deps, graph: replaySafeBatches(deps.graph) } : deps, mailbox, ops);
  return outs.map((out, i) => {
    const created = out.body as GraphEvent | undefined;
    if ((out.status === 201 || out.status === 200) && typeof created?.id === 'string') {
      return ok(created.id, created, mapped[i]!.warnings);
    }
    return failure('create', `item #${i}`, undefined, out);
  });
}

/**
 * PATCHes with If-Match on the version the engine read. toGraphEvent needs the event as Graph
 * holds it (time fields are written as one unit; sensitivity and attendee names are kept), so
 * each target is read first, in one $batch. Graph answers 412 when the event changed since
 * `version`: a retryable conflict, as for contacts.
 */
export async function updateEvents(
  deps: BatchDeps,
  mailbox: string,
  items: MailboxEventUpdate[],
  opts: MailboxEventOptions,
): Promise<WriteResult[]> {
  const results: Array<WriteResult | undefined> = new Array(items.length);
  const current: Array<GraphEvent | undefined> = new Array(items.length);
  const reads = await runBatch(
    deps,
    mailbox,
    items.map((item) => ({ method: 'GET', url: eventUrl(mailbox, item.id), headers: { Prefer: PREFER } })),
  );
  reads.forEach((out, i) => {
    const item = items[i]!;
    const raw = out.body as GraphEvent | undefined;
    // A stale version is left to the PATCH's If-Match: one place decides conflicts, race-free.
    if (out.status !== 200 || !raw) results[i] = failure('read before update', `item ${item.id}`, item.id, out);
    else current[i] = raw;
  });

  const toWrite = items.map((_, i) => i).filter((i) => results[i] === undefined);
  const mapped = toWrite.map((i) => toGraphEvent(items[i]!.set, { ...opts, current: current[i] }));
  const outs = await runBatch(
    deps,
    mailbox,
    toWrite.map((i, k): BatchOp => {
      const item = items[i]!;
      const headers: Record<string, string> = { Prefer: PREFER };
      if (item.version !== undefined) headers['If-Match'] = `W/"${item.version}"`;
      return { method: 'PATCH', url: eventUrl(mailbox, item.id), headers, body: mapped[k]!.body };
    }),
  );
  outs.forEach((out, k) => {
    const i = toWrite[k]!;
    const id = items[i]!.id;
    const updated = out.body as GraphEvent | undefined;
    results[i] = out.status === 200 && updated ? ok(id, updated, mapped[k]!.warnings) : failure('update', `item ${id}`, id, out);
  });
  return items.map((item, i) => results[i] ?? failure('update', `item ${item.id}`, item.id, { status: 0, headers: {}, body: undefined }));
}

/** A series master takes its occurrences with it; an occurrence id cancels that occurrence. */
export async function deleteEvents(deps: BatchDeps, mailbox: string, ids: string[]): Promise<WriteResult[]> {
  return deleteThroughBatch(deps, mailbox, ids, (id) => eventUrl(mailbox, id), (id, out) => failure('delete', `item ${id}`, id, out));
}

function ok(id: string, event: GraphEvent, warnings: ReturnType<typeof toGraphEvent>['warnings']): WriteResult {
  return { ok: true, id, version: eventVersion(event), ...(warnings.length > 0 ? { warnings } : {}) };
}

function conflict(op: string, id: string): WriteResult {
  return { ok: false, id, error: { code: 'conflict', message: `${op} item ${id}: the event changed after the given version (HTTP 412)`, retryable: true } };
}

/** Graph event property → canonical field, to name fields in item errors the way the engine does. */
const FIELD_OF_PROPERTY: Readonly<Record<string, EventField>> = {
  subject: 'subject',
  start: 'start',
  end: 'end',
  isAllDay: 'isAllDay',
  originalStartTimeZone: 'timeZone',
  originalEndTimeZone: 'timeZone',
  location: 'location',
  body: 'description',
  showAs: 'showAs',
  sensitivity: 'isPrivate',
  isReminderOn: 'reminderMinutes',
  reminderMinutesBeforeStart: 'reminderMinutes',
  organizer: 'organizer',
  attendees: 'attendees',
  recurrence: 'recurrence',
};

function fieldsOf(properties: string[]): string[] {
  const out = new Set<string>();
  for (const p of properties) {
    const top = p.split(/[.[/]/)[0] ?? p;
    out.add(Object.hasOwn(FIELD_OF_PROPERTY, top) ? FIELD_OF_PROPERTY[top]! : top);
  }
  return [...out];
}

/** Names the operation, the item and the fields; Graph's message is left out as it may quote event content. */
function failure(op: string, label: string, id: string | undefined, out: BatchOutcome): WriteResult {
  if (out.status === 412 && id !== undefined) return conflict(op, id);
  const result = itemFailure(op, label, id, out, fieldsOf);
  if (!result.ok && result.error.code === OCCURRENCE_CROSSING) {
    // Outlook's own rule, which Salesforce does not share: said plainly, as the rep can act on it.
    result.error.message = `${op} ${label}: Outlook does not let an occurrence move to or past the day of the occurrence before or after it (${OCCURRENCE_CROSSING}, HTTP ${out.status}); the move was not made`;
    result.error.fields = ['start'];
  }
  return result;
}

/** Graph's "Update event" documents this code for a moved occurrence that reaches a neighbour's day. */
const OCCURRENCE_CROSSING = 'ErrorOccurrenceCrossingBoundary';
