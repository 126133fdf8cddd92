import type { App, SyncRound } from '../app.ts';

/** Whether a round changed anything on either side, for contacts or events. */
export function roundWrote(r: SyncRound): boolean {
  return r.contacts.writes.mailbox + r.contacts.writes.salesforce + r.events.writes.mailbox + r.events.writes.salesforce > 0;
}

/**
 * Resolves once every listed user has had a round (contacts and events) that wrote nothing on
 * either side (both sides agree), nudging another round after each one that wrote. Rejects after
 * timeoutMs with the users still moving, so a stuck sync fails loudly instead of hanging.
 */
export function waitForConvergence(
  app: App,
  userIds: string[],
  timeoutMs: number,
  onRound?: (r: SyncRound) => void,
  /** Only rounds that started at or after this instant (ms) count, e.g. after a configuration change. */
  since = 0,
): Promise<Map<string, SyncRound[]>> {
  const history = new Map<string, SyncRound[]>(userIds.map((id) => [id, []]));
  const pending = new Set(userIds);
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      app.events.off('round', onOutcome);
      if (err) reject(err);
      else resolve(history);
    };
    const timer = setTimeout(
      () => finish(new Error(`no convergence within ${timeoutMs} ms for users: ${[...pending].join(', ')}`)),
      timeoutMs,
    );
    const onOutcome = (r: SyncRound) => {
      if (!history.has(r.userId)) return;
      history.get(r.userId)!.push(r);
      onRound?.(r);
      const halted = r.contacts.halted !== undefined || r.events.halted !== undefined;
      if (!roundWrote(r) && !halted && r.startedAt >= since) pending.delete(r.userId);
      else void app.syncNow(r.userId);
      if (pending.size === 0) finish();
    };
    app.events.on('round', onOutcome);
    void app.syncNow();
  });
}
