/**
 * Request-count keys with ids replaced by placeholders, e.g.
 * "GET /v1.0/users/{u}/contactFolders/{f}/contacts/delta". Requests executed inside a $batch
 * are counted under "BATCH <key>", so `total(k => !k.startsWith('BATCH '))` counts round trips.
 */
const PLACEHOLDER_AFTER: Record<string, string> = { users: '{u}', contactfolders: '{f}', contacts: '{id}', calendars: '{c}', events: '{id}' };
const KEEP = new Set(['delta', 'delta()', 'microsoft.graph.delta', 'microsoft.graph.delta()', '$batch', 'v1.0', 'beta']);

export function graphCounterKey(method: string, path: string): string {
  const segs = path.split('/').filter(Boolean);
  if (segs[1]?.toLowerCase() === 'oauth2' || segs[1]?.toLowerCase() === 'v2.0') {
    return `${method} /{tenant}/${segs.slice(1).join('/')}`;
  }
  const out = segs.map((seg, i) => {
    const prev = segs[i - 1]?.toLowerCase();
    if (prev && PLACEHOLDER_AFTER[prev] && !KEEP.has(seg.toLowerCase())) return PLACEHOLDER_AFTER[prev];
    return seg;
  });
  return `${method} /${out.join('/')}`;
}

export const batchCounterKey = (method: string, path: string): string => `BATCH ${graphCounterKey(method, path)}`;
