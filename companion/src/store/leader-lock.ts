/**
 * Which companion holds the Salesforce change-event subscriptions when several share one
 * PostgreSQL store: the one holding a session-level advisory lock. Every companion shares the
 * mailbox jobs either way, and each poll also catches up on Salesforce changes, so the others
 * lose nothing but latency; one subscriber keeps the org's event delivery allocation from being
 * spent once per companion.
 *
 * The lock lives on a connection of its own: PostgreSQL drops it when that connection ends, so a
 * companion that dies, or loses the database, hands leadership on without any timeout to tune.
 * With the embedded store only one process can open the data directory, so it always leads.
 */
import pg from 'pg';
import type { LeaderLock } from '../ports/leader-lock.ts';
import { withDefaultUser } from './db.ts';

/** The key of the advisory lock (one bigint, shared by every companion on the same database). */
export const CDC_LEADER_LOCK_KEY = 0x53594e43_4344_43n; // "SYNCCDC"

/** The embedded store: one process per data directory, so it always leads. */
export function soleLeader(): LeaderLock {
  return { tryLead: async () => true, onLost: () => undefined, close: async () => undefined };
}

/** A session-level pg_try_advisory_lock on a dedicated connection to `databaseUrl`. */
export function advisoryLeader(databaseUrl: string, key: bigint = CDC_LEADER_LOCK_KEY): LeaderLock {
  let client: pg.Client | undefined;
  let held = false;
  let closed = false;
  const listeners: Array<() => void> = [];
  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    const wasHeld = held;
    held = false;
    c.end().catch(() => undefined);
    if (wasHeld) for (const listener of listeners) listener();
  };
  return {
    async tryLead() {
      if (closed) return false;
      if (held) return true;
      try {
        if (!client) {
          const c = new pg.Client({ connectionString: withDefaultUser(databaseUrl), application_name: 'syncline-cdc-leader' });
          // A broken connection only costs the lock; the error itself is reported by the next try.
          c.on('error', () => drop(c));
          c.on('end', () => drop(c));
          await c.connect();
          client = c;
        }
        const { rows } = await client.query<{ led: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS led', [key.toString()]);
        held = rows[0]?.led === true;
        return held;
      } catch {
        if (client) drop(client);
        return false;
      }
    },
    onLost(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      const c = client;
      client = undefined;
      held = false;
      // Ending the session releases a session-level advisory lock.
      if (c) await c.end().catch(() => undefined);
    },
  };
}
