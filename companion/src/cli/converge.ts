import type { App } from '../app.ts';
import type { ContactSyncOutcome } from '../engine/contact-sync.ts';

/**
 * Resolves once every listed user has had a pass that wrote nothing on either side (both sides
 * agree), nudging another pass after each one that wrote. Rejects after timeoutMs with the users
 * still moving, so a stuck sync fails loudly instead of hanging.
 */
export function waitForConvergence(
  app: App,
  userIds: string[],
  timeoutMs: number,
  onPass?: (o: ContactSyncOutcome) => void,
): Promise<Map<string, ContactSyncOutcome[]>> {
  const history = new Map<string, ContactSyncOutcome[]>(userIds.map((id) => [id, []]));
  const pending = new Set(userIds);
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      app.events.off('pass', onOutcome);
      if (err) reject(err);
      else resolve(history);
    };
    const timer = setTimeout(
      () => finish(new Error(`no convergence within ${timeoutMs} ms for users: ${[...pending].join(', ')}`)),
      timeoutMs,
    );
    const onOutcome = (o: ContactSyncOutcome) => {
      if (!history.has(o.userId)) return;
      history.get(o.userId)!.push(o);
      onPass?.(o);
      const wrote = o.writes.mailbox + o.writes.salesforce > 0;
      if (!wrote && !o.halted) pending.delete(o.userId);
      else void app.syncNow(o.userId);
      if (pending.size === 0) finish();
    };
    app.events.on('pass', onOutcome);
    void app.syncNow();
  });
}
