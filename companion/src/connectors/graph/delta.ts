import type { ContactFields, MappingWarning } from '../../core/contact.ts';
import { fromGraphContact, type GraphContact } from '../../core/graph-contact.ts';
import type { SideChange } from '../../ports/items.ts';
import { CursorExpiredError, type MailboxDelta } from '../../ports/mailbox.ts';
import { graphErrorOf } from './errors.ts';
import type { ContactFolders } from './folders.ts';
import { userPath, type GraphHttp } from './graph-http.ts';
import { versionOf, type RawContactCache } from './raw-cache.ts';

/**
 * What fromGraphContact reads, plus what toGraphContact needs from the current contact to keep
 * secondary entries and the middle name in displayName. Contacts delta honours $select, so
 * pages carry nothing else (no photos, no notes we do not map).
 */
export const CONTACT_SELECT = [
  'changeKey',
  'lastModifiedDateTime',
  'givenName',
  'middleName',
  'surname',
  'displayName',
  'emailAddresses',
  'businessPhones',
  'homePhones',
  'mobilePhone',
  'jobTitle',
  'companyName',
  'department',
  'businessAddress',
  'otherAddress',
  'birthday',
  'personalNotes',
].join(',');

/** Error codes Graph uses when a delta or skip token can no longer be resumed. */
const EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid', 'invaliddeltatoken']);

export interface DeltaDeps {
  graph: GraphHttp;
  folders: ContactFolders;
  raws: RawContactCache;
  pageSize: number;
}

interface DeltaPage {
  value?: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

export async function readContactDelta(
  deps: DeltaDeps,
  mailbox: string,
  folderId: string,
  cursor: string | null,
): Promise<MailboxDelta> {
  // Map order is insertion order: deleting before setting keeps each id at its last occurrence,
  // which is the state Graph reached last (ids can repeat across pages).
  const changes = new Map<string, SideChange<ContactFields>>();
  const warnings: Record<string, MappingWarning[]> = {};
  let link = cursor ?? `${userPath(mailbox)}/contactFolders/${encodeURIComponent(folderId)}/contacts/delta?$select=${CONTACT_SELECT}`;
  let graphIssued = cursor !== null;

  for (;;) {
    const res = await deps.graph.call(mailbox, link, { prefer: [`odata.maxpagesize=${deps.pageSize}`] });
    if (res.status !== 200) {
      const err = await graphErrorOf('contact delta', res);
      const expired =
        res.status === 410 ||
        EXPIRED_CODES.has(err.code.toLowerCase()) ||
        // A link Graph gave us that it now calls malformed ("Badly formed token") cannot be mended.
        (graphIssued && res.status === 400);
      if (res.status === 404 && err.code === 'ErrorItemNotFound') {
        // The folder is gone (deleted by the user): look it up again next time, and list afresh.
        deps.folders.forget(mailbox);
        if (graphIssued) throw new CursorExpiredError(`contact delta: the folder of this cursor is gone (${err.message})`);
      }
      if (expired) throw new CursorExpiredError(`contact delta: cursor no longer valid (${err.message})`);
      throw err;
    }
    const page = ((await res.json()) ?? {}) as DeltaPage;
    for (const item of page.value ?? []) {
      const id = item.id;
      if (typeof id !== 'string' || id === '') continue;
      changes.delete(id);
      delete warnings[id];
      if ('@removed' in item) {
        // "deleted" and "changed" (moved out of the folder) both mean: no longer ours.
        changes.set(id, { kind: 'delete', id });
        deps.raws.delete(mailbox, id);
        continue;
      }
      const raw = item as GraphContact;
      const mapped = fromGraphContact(raw);
      const modifiedAt = typeof raw.lastModifiedDateTime === 'string' ? raw.lastModifiedDateTime : undefined;
      changes.set(id, { kind: 'upsert', item: { id, version: versionOf(raw), ...(modifiedAt ? { modifiedAt } : {}), data: mapped.fields } });
      if (mapped.warnings.length > 0) warnings[id] = mapped.warnings;
      deps.raws.set(mailbox, id, raw);
    }
    const deltaLink = page['@odata.deltaLink'];
    if (typeof deltaLink === 'string') return { changes: [...changes.values()], cursor: deltaLink, warnings };
    const next = page['@odata.nextLink'];
    if (typeof next !== 'string') throw new Error('contact delta: a page had neither nextLink nor deltaLink');
    if (next === link) throw new Error('contact delta: Graph returned the same nextLink twice');
    link = next;
    graphIssued = true;
  }
}
