import { renderValue, WRITABLE_PROPERTIES } from './contact-schema.ts';
import type { ContactRecord } from './store.ts';

export interface RenderOptions {
  /** $select, already validated and in canonical casing; undefined means every property. */
  select?: string[];
  /** $expand=singleValueExtendedProperties($filter=id eq '…'): the ids to include. */
  expandExtended?: string[];
  /** Delta and collection items carry their type annotation. */
  withType?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const etagOf = (rec: ContactRecord): string => `W/"${rec.changeKey}"`;

/** A contact as Graph returns it: annotations, server-owned properties, then the writable ones. */
export function renderContact(rec: ContactRecord, opts: RenderOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.withType) out['@odata.type'] = '#microsoft.graph.contact';
  out['@odata.etag'] = etagOf(rec);
  out.id = rec.id;
  const all: Record<string, () => unknown> = {
    createdDateTime: () => iso(rec.created),
    lastModifiedDateTime: () => iso(rec.modified),
    changeKey: () => rec.changeKey,
    categories: () => renderValue('categories', rec.props),
    parentFolderId: () => rec.folderId,
  };
  for (const key of WRITABLE_PROPERTIES) all[key] ??= () => renderValue(key, rec.props);
  const wanted = opts.select ?? Object.keys(all);
  for (const key of wanted) {
    const get = all[key];
    if (get) out[key] = get();
  }
  if (opts.expandExtended) {
    const wantedIds = opts.expandExtended.map((i) => i.toLowerCase());
    out.singleValueExtendedProperties = [...rec.extended.values()]
      .filter((e) => wantedIds.includes(e.id.toLowerCase()))
      .map((e) => ({ id: e.id, value: e.value }));
  }
  return out;
}
