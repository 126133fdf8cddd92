import type { ContactFields } from '../../core/contact.ts';
import { toGraphContact, type GraphContact } from '../../core/graph-contact.ts';
import type { WriteResult } from '../../ports/items.ts';
import type { MailboxContactUpdate } from '../../ports/mailbox.ts';
import { deleteThroughBatch, itemFailure, runBatch, type BatchDeps, type BatchOp, type BatchOutcome } from './batch.ts';
import { CONTACT_SELECT } from './delta.ts';
import { fieldsOfProperties } from './errors.ts';
import { userPath } from './graph-http.ts';
import { versionOf, type RawContactCache } from './raw-cache.ts';

export interface WriteDeps extends BatchDeps {
  raws: RawContactCache;
}

const contactUrl = (mailbox: string, id: string) => `${userPath(mailbox)}/contacts/${encodeURIComponent(id)}`;

export async function createContacts(
  deps: WriteDeps,
  mailbox: string,
  folderId: string,
  items: ContactFields[],
): Promise<WriteResult[]> {
  const mapped = items.map((fields) => toGraphContact(fields));
  const url = `${userPath(mailbox)}/contactFolders/${encodeURIComponent(folderId)}/contacts`;
  const outs = await runBatch(
    deps,
    mailbox,
    mapped.map(({ body }) => ({ method: 'POST', url, body })),
  );
  return outs.map((out, i) => {
    const created = out.body as GraphContact | undefined;
    if ((out.status === 201 || out.status === 200) && typeof created?.id === 'string') {
      deps.raws.set(mailbox, created.id, created);
      return ok(created.id, created, mapped[i]?.warnings ?? []);
    }
    return failure('create', `item #${i}`, undefined, out);
  });
}

/**
 * PATCHes with If-Match on the version the engine read. The body is built against the contact
 * as Graph holds it (from the delta just read, or a GET), so secondary e-mails and phones that
 * Salesforce never sees survive. A cached copy only serves when it is that same version.
 */
export async function updateContacts(deps: WriteDeps, mailbox: string, items: MailboxContactUpdate[]): Promise<WriteResult[]> {
  const results: Array<WriteResult | undefined> = new Array(items.length);
  const current: Array<GraphContact | undefined> = items.map((item) => {
    const raw = deps.raws.get(mailbox, item.id);
    return raw && (item.version === undefined || versionOf(raw) === item.version) ? raw : undefined;
  });

  const toRead = items.map((_, i) => i).filter((i) => current[i] === undefined);
  if (toRead.length > 0) {
    const reads = await runBatch(
      deps,
      mailbox,
      toRead.map((i) => ({ method: 'GET', url: `${contactUrl(mailbox, items[i]!.id)}?$select=${CONTACT_SELECT}` })),
    );
    reads.forEach((out, k) => {
      const i = toRead[k]!;
      const raw = out.body as GraphContact | undefined;
      if (out.status === 200 && raw) {
        current[i] = raw;
        deps.raws.set(mailbox, items[i]!.id, raw);
      } else {
        results[i] = failure('read before update', `item ${items[i]!.id}`, items[i]!.id, out);
      }
    });
  }

  const toWrite = items.map((_, i) => i).filter((i) => results[i] === undefined);
  const mapped = toWrite.map((i) => toGraphContact(items[i]!.set, current[i]));
  const outs = await runBatch(
    deps,
    mailbox,
    toWrite.map((i, k): BatchOp => {
      const item = items[i]!;
      return {
        method: 'PATCH',
        url: contactUrl(mailbox, item.id),
        body: mapped[k]!.body,
        ...(item.version ? { headers: { 'If-Match': `W/"${item.version}"` } } : {}),
      };
    }),
  );
  outs.forEach((out, k) => {
    const i = toWrite[k]!;
    const id = items[i]!.id;
    const updated = out.body as GraphContact | undefined;
    if (out.status === 200 && updated) {
      deps.raws.set(mailbox, id, updated);
      results[i] = ok(id, updated, mapped[k]!.warnings);
    } else {
      if (out.status === 412) deps.raws.delete(mailbox, id);
      results[i] = failure('update', `item ${id}`, id, out);
    }
  });
  return items.map((item, i) => results[i] ?? failure('update', `item ${item.id}`, item.id, { status: 0, headers: {}, body: undefined }));
}

export async function deleteContacts(deps: WriteDeps, mailbox: string, ids: string[]): Promise<WriteResult[]> {
  const results = await deleteThroughBatch(deps, mailbox, ids, (id) => contactUrl(mailbox, id), (id, out) => failure('delete', `item ${id}`, id, out));
  for (const r of results) if (r.ok) deps.raws.delete(mailbox, r.id);
  return results;
}

function ok(id: string, contact: GraphContact, warnings: ReturnType<typeof toGraphContact>['warnings']): WriteResult {
  return { ok: true, id, version: versionOf(contact), ...(warnings.length > 0 ? { warnings } : {}) };
}

/** Names the operation, the item and the fields; Graph's message is left out as it may quote values. */
function failure(op: string, label: string, id: string | undefined, out: BatchOutcome): WriteResult {
  const withId = id === undefined ? {} : { id };
  if (out.status === 412) {
    return {
      ok: false,
      ...withId,
      error: { code: 'conflict', message: `${op} ${label}: the contact changed after the given version (HTTP 412)`, retryable: true },
    };
  }
  return itemFailure(op, label, id, out, fieldsOfProperties);
}
