import { Errors, graphError, type GraphResult } from './graph-errors.ts';
import { fromInputError, metadataUrl, noContent, ok, type Target } from './graph-context.ts';
import { isRecord } from './is-record.ts';
import { parseFilter, parseSelect } from './odata.ts';
import type { FolderRecord } from './store.ts';

const FOLDER_PROPERTIES = ['id', 'displayName', 'parentFolderId'];
const FOLDER_TYPE = 'microsoft.graph.contactFolder';

function render(folder: FolderRecord, select?: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = { id: folder.id, displayName: folder.displayName, parentFolderId: folder.parentFolderId };
  if (!select) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => k === 'id' || select.includes(k)));
}

/** GET /users/{u}/contactFolders: the folders under the default Contacts folder. */
export function listFolders(t: Target): GraphResult {
  const sel = parseSelect(t.req.query, FOLDER_PROPERTIES, FOLDER_TYPE);
  if ('error' in sel) return fromInputError(t.req.ctx, sel.error);
  const filter = parseFilter(t.req.query, ['displayName']);
  if ('error' in filter) return fromInputError(t.req.ctx, filter.error);
  const folders = t.svc.store.childFolders(t.mailbox).filter((f) =>
    // Exchange compares strings in filters case-insensitively.
    filter.clauses.every((c) => c.kind === 'eq' && f.displayName.toLowerCase() === c.value.toLowerCase()),
  );
  return ok({
    '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/contactFolders`),
    value: folders.map((f) => render(f, sel.select)),
  });
}

export function createFolder(t: Target): GraphResult {
  const body = t.req.body;
  const invalid = validateFolderBody(t, body, true);
  if (invalid) return invalid;
  const displayName = (body as { displayName: string }).displayName;
  if (siblingNamed(t, displayName)) {
    return graphError(t.req.ctx, 409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const folder = t.svc.store.createFolder(t.mailbox, displayName);
  return ok({ '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/contactFolders/$entity`), ...render(folder) }, 201);
}

export function getFolder(t: Target & { folder: FolderRecord }): GraphResult {
  const sel = parseSelect(t.req.query, FOLDER_PROPERTIES, FOLDER_TYPE);
  if ('error' in sel) return fromInputError(t.req.ctx, sel.error);
  return ok({ '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/contactFolders/$entity`), ...render(t.folder, sel.select) });
}

export function updateFolder(t: Target & { folder: FolderRecord }): GraphResult {
  const invalid = validateFolderBody(t, t.req.body, false);
  if (invalid) return invalid;
  const displayName = (t.req.body as { displayName?: string }).displayName;
  if (displayName !== undefined && displayName.toLowerCase() !== t.folder.displayName.toLowerCase()) {
    if (siblingNamed(t, displayName)) {
      return graphError(t.req.ctx, 409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
  }
  if (displayName !== undefined) t.folder.displayName = displayName;
  return ok({ '@odata.context': metadataUrl(t.svc, `users('${t.mailbox.id}')/contactFolders/$entity`), ...render(t.folder) });
}

export function deleteFolder(t: Target & { folder: FolderRecord }): GraphResult {
  if (t.folder.id === t.mailbox.rootFolderId) {
    return graphError(t.req.ctx, 400, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
  }
  t.svc.store.deleteFolder(t.mailbox, t.folder);
  return noContent();
}

function siblingNamed(t: Target, name: string): boolean {
  return t.svc.store.childFolders(t.mailbox).some((f) => f.displayName.toLowerCase() === name.toLowerCase());
}

function validateFolderBody(t: Target, body: unknown, create: boolean): GraphResult | undefined {
  if (!isRecord(body)) return Errors.badJson(t.req.ctx);
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('@odata.') || k === 'id' || k === 'parentFolderId') continue;
    if (k !== 'displayName') {
      return graphError(
        t.req.ctx,
        400,
        'RequestBodyRead',
        `The property '${k}' does not exist on type 'Microsoft.OutlookServices.ContactFolder'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    if (typeof v !== 'string') {
      return graphError(t.req.ctx, 400, 'RequestBodyRead', "Cannot convert the literal value of property 'displayName' to the expected type 'Edm.String'.");
    }
  }
  const name = body.displayName;
  if ((create || name !== undefined) && (typeof name !== 'string' || name.trim() === '')) {
    return graphError(t.req.ctx, 400, 'ErrorInvalidParameter', 'The value of the parameter DisplayName is empty.');
  }
  return undefined;
}
