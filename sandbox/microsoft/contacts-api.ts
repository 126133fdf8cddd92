import { CONTACT_PROPERTIES, EXTENDED_RELATIONSHIP, parseContactInput } from './contact-schema.ts';
import { etagOf, renderContact, type RenderOptions } from './contact-json.ts';
import { graphError, type GraphResult } from './graph-errors.ts';
import { fromInputError, metadataUrl, noContent, ok, type Target } from './graph-context.ts';
import { parseExtendedExpand, parseFilter, parseNonNegativeInt, parseSelect, type FilterClause } from './odata.ts';
import type { ContactRecord, FolderRecord } from './store.ts';

const CONTACT_TYPE = 'microsoft.graph.contact';
/** Outlook collections page at 10 by default and refuse more than 1000 per page. */
const MAX_TOP = 1000;

/** $select and $expand as the render step needs them, or the error to answer with. */
export function renderOptions(t: Target): RenderOptions | GraphResult {
  const sel = parseSelect(t.req.query, [...CONTACT_PROPERTIES, EXTENDED_RELATIONSHIP], CONTACT_TYPE);
  if ('error' in sel) return fromInputError(t.req.ctx, sel.error);
  const exp = parseExtendedExpand(t.req.query);
  if ('error' in exp) return fromInputError(t.req.ctx, exp.error);
  return { select: sel.select?.filter((s) => s !== EXTENDED_RELATIONSHIP), expandExtended: exp.ids };
}

const isResult = (v: RenderOptions | GraphResult): v is GraphResult => 'status' in v;

export function listContacts(t: Target & { folder: FolderRecord }): GraphResult {
  const opts = renderOptions(t);
  if (isResult(opts)) return opts;
  const filter = parseFilter(t.req.query, CONTACT_PROPERTIES);
  if ('error' in filter) return fromInputError(t.req.ctx, filter.error);
  const top = parseNonNegativeInt(t.req.query, '$top');
  if ('error' in top) return fromInputError(t.req.ctx, top.error);
  const skip = parseNonNegativeInt(t.req.query, '$skip');
  if ('error' in skip) return fromInputError(t.req.ctx, skip.error);
  if ((top.value ?? 0) > MAX_TOP) {
    return graphError(t.req.ctx, 400, 'ErrorInvalidArgument', `The value of $top must be between 1 and ${MAX_TOP}.`);
  }
  const pageSize = top.value || t.svc.defaultPageSize;
  const offset = skip.value ?? 0;
  const matching = t.svc.store.contactsIn(t.mailbox, t.folder.id).filter((c) => filter.clauses.every((cl) => matches(c, cl)));
  const page = matching.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = {
    '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/contactFolders('${t.folder.id}')/contacts`),
    value: page.map((c) => renderContact(c, opts)),
  };
  if (offset + pageSize < matching.length) {
    const next = new URLSearchParams(t.req.query);
    next.set('$top', String(pageSize));
    next.set('$skip', String(offset + pageSize));
    body['@odata.nextLink'] = `${t.svc.graphUrl}${t.req.path}?${next.toString()}`;
  }
  return ok(body);
}

function matches(c: ContactRecord, clause: FilterClause): boolean {
  const lower = (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : undefined);
  switch (clause.kind) {
    case 'eq': {
      const v = clause.property === 'id' ? c.id : clause.property === 'parentFolderId' ? c.folderId : c.props[clause.property];
      return lower(v) === clause.value.toLowerCase();
    }
    case 'emailAny': {
      const emails = Array.isArray(c.props.emailAddresses) ? (c.props.emailAddresses as Array<{ address?: string }>) : [];
      return emails.some((e) => lower(e.address) === clause.value.toLowerCase());
    }
    case 'extendedAny': {
      const e = c.extended.get(clause.id.toLowerCase());
      return e !== undefined && e.value === clause.value;
    }
  }
}

export function createContact(t: Target & { folder: FolderRecord }): GraphResult {
  const parsed = parseContactInput(t.req.body);
  if (!parsed.ok) return fromInputError(t.req.ctx, parsed.error);
  const rec = t.svc.store.createContact(t.mailbox, t.folder.id, parsed.props, parsed.extended);
  t.svc.store.writes++;
  return ok(entity(t, rec), 201);
}

export function getContact(t: Target, rec: ContactRecord): GraphResult {
  const opts = renderOptions(t);
  if (isResult(opts)) return opts;
  return ok({ '@odata.context': contextOf(t), ...renderContact(rec, opts) });
}

export function updateContact(t: Target, rec: ContactRecord): GraphResult {
  const conflict = checkIfMatch(t, rec);
  if (conflict) return conflict;
  const parsed = parseContactInput(t.req.body);
  if (!parsed.ok) return fromInputError(t.req.ctx, parsed.error);
  t.svc.store.updateContact(t.mailbox, rec, parsed.props, parsed.extended);
  t.svc.store.writes++;
  return ok(entity(t, rec));
}

export function deleteContact(t: Target, rec: ContactRecord): GraphResult {
  const conflict = checkIfMatch(t, rec);
  if (conflict) return conflict;
  t.svc.store.deleteContact(t.mailbox, rec);
  t.svc.store.writes++;
  return noContent();
}

const contextOf = (t: Target) => metadataUrl(t.svc, `users('${t.mailbox.id}')/contacts/$entity`);
const entity = (t: Target, rec: ContactRecord) => ({ '@odata.context': contextOf(t), ...renderContact(rec) });

/**
 * Exchange compares the change key a client presents with the item's current one. Clients send
 * the @odata.etag as If-Match; a bare or quoted change key is accepted too.
 */
function checkIfMatch(t: Target, rec: ContactRecord): GraphResult | undefined {
  const header = t.req.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const current = etagOf(rec);
  const presented = header.split(',').map((s) => s.trim());
  const strip = (s: string) => s.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (presented.some((p) => p === current || strip(p) === rec.changeKey)) return undefined;
  return graphError(
    t.req.ctx,
    412,
    'ErrorIrresolvableConflict',
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  );
}
