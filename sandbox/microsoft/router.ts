import { setTimeout as sleep } from 'node:timers/promises';
import { createContact, deleteContact, getContact, listContacts, updateContact } from './contacts-api.ts';
import { handleDelta } from './delta.ts';
import { matchCalendarRoute } from './events-routes.ts';
import { createFolder, deleteFolder, getFolder, listFolders, updateFolder } from './folders-api.ts';
import { Errors, graphError, type GraphResult } from './graph-errors.ts';
import { ok, type GraphRequest, type GraphServices, type Target } from './graph-context.ts';
import { isWellFormedItemId } from './ids.ts';
import { parsePrefer, preferenceApplied } from './odata.ts';
import type { ContactRecord, FolderRecord, MailboxRecord } from './store.ts';

type Access = 'read' | 'write';
interface Route {
  access: Access;
  run: (t: Target) => GraphResult;
  /** The permission family checked: Contacts unless the route says otherwise. */
  resource?: 'Contacts' | 'Calendars';
}

const DELTA_SEGMENTS = new Set(['delta', 'delta()', 'microsoft.graph.delta', 'microsoft.graph.delta()']);

/**
 * Runs one Graph call (top-level or inside a $batch) against a mailbox: resolve the user and the
 * route, check the app's roles, take a mailbox slot from the throttle, and answer.
 */
export async function executeGraph(svc: GraphServices, req: GraphRequest): Promise<GraphResult> {
  const segs = req.path.split('/').filter(Boolean).map(safeDecode);
  const head = segs[0]?.toLowerCase();
  if (head === 'me') {
    return graphError(req.ctx, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
  }
  if (head !== 'users' || segs[1] === undefined) return Errors.segmentNotFound(req.ctx, segs[0] ?? '');
  const mailbox = svc.store.resolve(segs[1]);
  const rest = segs.slice(2);
  if (rest.length === 0) return getUser(svc, req, mailbox, segs[1]);
  if (!mailbox) return Errors.invalidUser(req.ctx, segs[1]);

  const matched = matchRoute(req, mailbox, rest);
  if ('status' in matched) return matched;
  if (!allowed(req.app.roles, matched.access, matched.resource)) {
    return graphError(req.ctx, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  const admission = svc.throttle.admit(mailbox.id);
  if (!admission.ok) {
    const message =
      admission.reason === 'concurrency'
        ? 'Application is over its MailboxConcurrency limit.'
        : 'Application is over its MailboxRequestRate limit.';
    return graphError(req.ctx, 429, 'ApplicationThrottled', message, {
      headers: { 'Retry-After': String(admission.retryAfterSeconds) },
      innerError: false,
    });
  }
  try {
    if (svc.serviceTimeMs > 0) await sleep(svc.serviceTimeMs);
    return withIdTypeApplied(req, matched.run({ svc, req, mailbox }));
  } finally {
    admission.release();
  }
}

/** Ids here never change on a move, so the ImmutableId preference is always honoured. */
function withIdTypeApplied(req: GraphRequest, result: GraphResult): GraphResult {
  if (!parsePrefer(req.headers).immutableId || result.status >= 400) return result;
  const existing = result.headers?.['Preference-Applied'];
  return { ...result, headers: { ...result.headers, ...preferenceApplied({ immutableId: true }, existing) } };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function allowed(roles: string[], access: Access, resource: 'Contacts' | 'Calendars' = 'Contacts'): boolean {
  if (roles.includes(`${resource}.ReadWrite`)) return true;
  return access === 'read' && roles.includes(`${resource}.Read`);
}

function getUser(svc: GraphServices, req: GraphRequest, mailbox: MailboxRecord | undefined, key: string): GraphResult {
  if (req.method !== 'GET') return Errors.methodNotAllowed(req.ctx);
  if (!req.app.roles.includes('User.Read.All')) {
    return graphError(req.ctx, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
  if (!mailbox) {
    return graphError(
      req.ctx,
      404,
      'Request_ResourceNotFound',
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return ok({
    '@odata.context': `${svc.graphUrl}/$metadata#users/$entity`,
    id: mailbox.id,
    displayName: mailbox.displayName,
    userPrincipalName: mailbox.userPrincipalName,
    mail: mailbox.userPrincipalName,
  });
}

/** Path segments after /users/{u}; names are case-insensitive, ids are not. */
function matchRoute(req: GraphRequest, mailbox: MailboxRecord, rest: string[]): Route | GraphResult {
  const m = req.method;
  const name = (i: number) => rest[i]?.toLowerCase();
  const not = () => Errors.methodNotAllowed(req.ctx);
  if (name(0) === 'contactfolders') {
    if (rest.length === 1) {
      if (m === 'GET') return { access: 'read', run: listFolders };
      if (m === 'POST') return { access: 'write', run: createFolder };
      return not();
    }
    const folder = findFolder(req, mailbox, rest[1] ?? '');
    if ('status' in folder) return folder;
    const withFolder = (fn: (t: Target & { folder: FolderRecord }) => GraphResult) => (t: Target) => fn({ ...t, folder });
    if (rest.length === 2) {
      if (m === 'GET') return { access: 'read', run: withFolder(getFolder) };
      if (m === 'PATCH') return { access: 'write', run: withFolder(updateFolder) };
      if (m === 'DELETE') return { access: 'write', run: withFolder(deleteFolder) };
      return not();
    }
    if (name(2) !== 'contacts') return Errors.segmentNotFound(req.ctx, rest[2] ?? '');
    if (rest.length === 3) return contactCollection(m, withFolder, not);
    if (rest.length === 4 && DELTA_SEGMENTS.has(name(3) ?? '')) {
      return m === 'GET' ? { access: 'read', run: withFolder(handleDelta) } : not();
    }
    if (rest.length === 4) return contactItem(req, mailbox, rest[3] ?? '', folder);
    return Errors.segmentNotFound(req.ctx, rest[4] ?? '');
  }
  if (name(0) === 'contacts') {
    const root = mailbox.folders.get(mailbox.rootFolderId);
    if (!root) return Errors.itemNotFound(req.ctx);
    const withRoot = (fn: (t: Target & { folder: FolderRecord }) => GraphResult) => (t: Target) => fn({ ...t, folder: root });
    if (rest.length === 1) return contactCollection(m, withRoot, not);
    if (rest.length === 2) return contactItem(req, mailbox, rest[1] ?? '');
    return Errors.segmentNotFound(req.ctx, rest[2] ?? '');
  }
  const calendar = matchCalendarRoute(req, rest);
  if (calendar) return 'status' in calendar ? calendar : { ...calendar, resource: 'Calendars' };
  return Errors.segmentNotFound(req.ctx, rest[0] ?? '');
}

function contactCollection(
  m: string,
  bind: (fn: (t: Target & { folder: FolderRecord }) => GraphResult) => (t: Target) => GraphResult,
  not: () => GraphResult,
): Route | GraphResult {
  if (m === 'GET') return { access: 'read', run: bind(listContacts) };
  if (m === 'POST') return { access: 'write', run: bind(createContact) };
  return not();
}

function contactItem(req: GraphRequest, mailbox: MailboxRecord, id: string, folder?: FolderRecord): Route | GraphResult {
  if (!isWellFormedItemId(id)) return graphError(req.ctx, 400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  // Looked up when the request runs, not when it is routed: a $batch may create or delete it first.
  const find = (t: Target): ContactRecord | undefined => {
    const rec = t.mailbox.contacts.get(id);
    return rec && (!folder || rec.folderId === folder.id) ? rec : undefined;
  };
  const withContact = (fn: (t: Target, rec: ContactRecord) => GraphResult) => (t: Target) => {
    const rec = find(t);
    return rec ? fn(t, rec) : Errors.itemNotFound(t.req.ctx);
  };
  if (req.method === 'GET') return { access: 'read', run: withContact(getContact) };
  if (req.method === 'PATCH') return { access: 'write', run: withContact(updateContact) };
  if (req.method === 'DELETE') return { access: 'write', run: withContact(deleteContact) };
  return Errors.methodNotAllowed(req.ctx);
}

function findFolder(req: GraphRequest, mailbox: MailboxRecord, id: string): FolderRecord | GraphResult {
  if (!isWellFormedItemId(id)) return graphError(req.ctx, 400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  return mailbox.folders.get(id) ?? Errors.itemNotFound(req.ctx);
}
