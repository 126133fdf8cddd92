import type { Log } from '../../ports/log.ts';
import { graphErrorOf } from './errors.ts';
import { userPath, type GraphHttp } from './graph-http.ts';

export interface ContactFolders {
  /** The id of the folder named `folderName` in the mailbox, created when missing. */
  ensure(mailbox: string): Promise<string>;
  /** Drops the remembered id, e.g. after Graph said the folder is gone. */
  forget(mailbox: string): void;
  clear(): void;
}

/** OData string literal: a quote inside is doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function createContactFolders(graph: GraphHttp, folderName: string, log: Log): ContactFolders {
  // The promise is cached, not the id, so concurrent callers in this process share one lookup and
  // at most one create.
  const ids = new Map<string, Promise<string>>();

  async function find(mailbox: string): Promise<string | undefined> {
    const filter = encodeURIComponent(`displayName eq ${odataString(folderName)}`);
    const res = await graph.call(mailbox, `${userPath(mailbox)}/contactFolders?$filter=${filter}&$select=id,displayName`);
    if (res.status !== 200) throw await graphErrorOf('find contact folder', res);
    const page = (await res.json()) as { value?: Array<{ id?: unknown; displayName?: unknown }> } | undefined;
    // Graph's filter compares case-insensitively, as Exchange folder names do.
    const matches = (page?.value ?? [])
      .filter((f) => typeof f.id === 'string' && typeof f.displayName === 'string' && f.displayName.toLowerCase() === folderName.toLowerCase())
      .map((f) => f.id as string)
      .sort();
    if (matches.length > 1) log('warn', 'several contact folders carry the sync folder name; using one', { count: matches.length });
    return matches[0];
  }

  async function findOrCreate(mailbox: string): Promise<string> {
    const existing = await find(mailbox);
    if (existing) return existing;
    const res = await graph.call(mailbox, `${userPath(mailbox)}/contactFolders`, {
      method: 'POST',
      body: { displayName: folderName },
    });
    if (res.status === 201 || res.status === 200) {
      const created = (await res.json()) as { id?: unknown } | undefined;
      if (typeof created?.id === 'string') {
        log('info', 'created the sync contact folder', { folderName });
        return created.id;
      }
    }
    // Another process created it between our read and our create (ErrorFolderExists).
    if (res.status === 409) {
      const raced = await find(mailbox);
      if (raced) return raced;
    }
    throw await graphErrorOf('create contact folder', res);
  }

  return {
    ensure(mailbox) {
      const key = mailbox.toLowerCase();
      let id = ids.get(key);
      if (!id) {
        id = findOrCreate(mailbox);
        ids.set(key, id);
        id.catch(() => {
          if (ids.get(key) === id) ids.delete(key);
        });
      }
      return id;
    },
    forget(mailbox) {
      ids.delete(mailbox.toLowerCase());
    },
    clear() {
      ids.clear();
    },
  };
}
