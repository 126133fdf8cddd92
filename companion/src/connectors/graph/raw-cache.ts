import type { GraphContact } from '../../core/graph-contact.ts';

/**
 * The last raw Graph contact seen per item, least recently used first out. Updates need it to
 * keep the secondary e-mails and phones Salesforce does not know about; a miss costs one GET.
 * It lives in memory only: contact content never goes to disk (DESIGN §1).
 */
export class RawContactCache {
  private readonly entries = new Map<string, GraphContact>();

  constructor(private readonly capacity: number) {}

  get(mailbox: string, id: string): GraphContact | undefined {
    const key = cacheKey(mailbox, id);
    const raw = this.entries.get(key);
    if (raw) {
      this.entries.delete(key);
      this.entries.set(key, raw);
    }
    return raw;
  }

  set(mailbox: string, id: string, raw: GraphContact): void {
    const key = cacheKey(mailbox, id);
    this.entries.delete(key);
    this.entries.set(key, raw);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(mailbox: string, id: string): void {
    this.entries.delete(cacheKey(mailbox, id));
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(mailbox: string, id: string): string {
  return `${mailbox.toLowerCase()}\u0000${id}`;
}

/** Graph's version of a contact: changeKey, or the inside of the `W/"…"` etag that carries it. */
export function versionOf(raw: GraphContact): string {
  if (typeof raw.changeKey === 'string' && raw.changeKey) return raw.changeKey;
  const etag = raw['@odata.etag'];
  if (typeof etag === 'string') {
    const m = /^(?:W\/)?"(.*)"$/.exec(etag);
    return m?.[1] ?? etag;
  }
  return '';
}
