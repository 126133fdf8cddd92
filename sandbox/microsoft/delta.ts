import { renderContact } from './contact-json.ts';
import { CONTACT_PROPERTIES } from './contact-schema.ts';
import type { DeltaState } from './delta-tokens.ts';
import { graphError, type GraphResult } from './graph-errors.ts';
import { fromInputError, metadataUrl, ok, type Target } from './graph-context.ts';
import { parsePrefer, parseSelect, preferenceApplied } from './odata.ts';
import type { FolderRecord } from './store.ts';

const UNSUPPORTED = ['$filter', '$orderby', '$search', '$expand', '$top', '$skip'];

interface Entry {
  seq: number;
  id: string;
  render: () => Record<string, unknown>;
}

/**
 * GET …/contactFolders/{f}/contacts/delta. A round is cut at the mailbox sequence number of its
 * first page: the initial round lists what existed then, later rounds list what changed between
 * two cuts. Anything that changes while a round is being paged shows up in the next round, so a
 * client sees replays (allowed by Graph) but never misses a change.
 */
export function handleDelta(t: Target & { folder: FolderRecord }): GraphResult {
  const { req, svc, mailbox, folder } = t;
  const skipToken = param(req.query, '$skiptoken');
  const deltaToken = param(req.query, '$deltatoken');
  const token = skipToken || deltaToken;
  const base = `${svc.graphUrl}/users/${mailbox.id}/contactFolders/${folder.id}/contacts/delta`;
  let state: DeltaState;
  if (token) {
    const read = svc.deltaTokens.read(token);
    if (!read.ok && read.reason === 'malformed') return graphError(req.ctx, 400, 'BadRequest', 'Badly formed token.');
    if (!read.ok) {
      return graphError(req.ctx, 410, 'SyncStateNotFound', read.message, { headers: { Location: `${base}?$deltatoken=` } });
    }
    state = read.state;
    if (state.mailboxId !== mailbox.id || state.folderId !== folder.id) {
      return graphError(req.ctx, 400, 'BadRequest', 'Badly formed token.');
    }
  } else {
    const refused = UNSUPPORTED.filter((p) => req.query.has(p));
    if (refused.length) {
      return graphError(
        req.ctx,
        400,
        'ErrorInvalidUrlQuery',
        `The following parameters are not supported with change tracking over the 'Contacts' resource: '${refused.join(', ')}'.`,
      );
    }
    const sel = parseSelect(req.query, CONTACT_PROPERTIES, 'microsoft.graph.contact');
    if ('error' in sel) return fromInputError(req.ctx, sel.error);
    state = { mailboxId: mailbox.id, folderId: folder.id, select: sel.select, phase: 'initial', from: 0, to: mailbox.seq };
  }
  if (state.phase === 'changes' && !state.cursor && !skipToken) state = { ...state, to: mailbox.seq };

  const prefs = parsePrefer(req.headers);
  const pageSize = Math.min(prefs.maxPageSize ?? svc.defaultPageSize, svc.maxDeltaPageSize) || 1;
  const entries = (state.phase === 'initial' ? initialEntries(t, state) : changeEntries(t, state)).filter((e) => after(e, state.cursor));
  const page = entries.slice(0, pageSize);
  const body: Record<string, unknown> = { '@odata.context': metadataUrl(svc, 'Collection(contact)') };
  const last = page.at(-1);
  if (entries.length > pageSize && last) {
    body['@odata.nextLink'] = `${base}?$skiptoken=${svc.deltaTokens.issue({ ...state, cursor: { seq: last.seq, id: last.id } })}`;
  } else {
    const next: DeltaState = { mailboxId: mailbox.id, folderId: folder.id, select: state.select, phase: 'changes', from: state.to, to: state.to };
    body['@odata.deltaLink'] = `${base}?$deltatoken=${svc.deltaTokens.issue(next)}`;
  }
  body.value = page.map((e) => e.render());
  return ok(body, 200, preferenceApplied({ maxPageSize: prefs.maxPageSize === undefined ? undefined : pageSize }));
}

/** Query names are matched case-insensitively: docs and SDKs write both $skipToken and $skiptoken. */
function param(query: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of query) if (k.toLowerCase() === name) return v;
  return undefined;
}

function after(e: Entry, cursor: DeltaState['cursor']): boolean {
  if (!cursor) return true;
  return e.seq > cursor.seq || (e.seq === cursor.seq && e.id > cursor.id);
}

const bySeqThenId = (a: Entry, b: Entry) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function initialEntries(t: Target & { folder: FolderRecord }, state: DeltaState): Entry[] {
  // Every initial entry sorts at sequence 0 so the cursor orders them by id alone.
  return t.svc.store
    .contactsIn(t.mailbox, t.folder.id)
    .filter((c) => c.seq <= state.to)
    .map((c) => ({ seq: 0, id: c.id, render: () => renderContact(c, { select: state.select, withType: true }) }))
    .sort(bySeqThenId);
}

function changeEntries(t: Target & { folder: FolderRecord }, state: DeltaState): Entry[] {
  const inFolder = t.svc.store.contactsIn(t.mailbox, t.folder.id);
  const present = new Set(inFolder.map((c) => c.id));
  const changed: Entry[] = inFolder
    .filter((c) => c.seq > state.from && c.seq <= state.to)
    .map((c) => ({ seq: c.seq, id: c.id, render: () => renderContact(c, { select: state.select, withType: true }) }));
  const removed = new Map<string, Entry>();
  for (const ts of t.mailbox.tombstones) {
    // Only items the client could have seen: in the folder at the start of the round.
    if (ts.folderId !== t.folder.id || ts.seq <= state.from || ts.seq > state.to || ts.enteredSeq > state.from) continue;
    if (present.has(ts.id)) continue;
    removed.set(ts.id, {
      seq: ts.seq,
      id: ts.id,
      render: () => ({ '@odata.type': '#microsoft.graph.contact', id: ts.id, '@removed': { reason: 'deleted' } }),
    });
  }
  return [...changed, ...removed.values()].sort(bySeqThenId);
}
