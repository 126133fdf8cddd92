/**
 * Holds the Salesforce change-event subscriptions while this companion leads (store/leader-lock.ts),
 * and only then: taken at start when the lock is free, tried again every `retryMs` while another
 * companion holds it, and closed when the lock is lost, to be taken again by whoever gets it next.
 * The replay ids live in the store, so a new leader resumes where the last one stopped.
 */
import type { Log } from '../ports/log.ts';
import type { Subscription } from '../ports/salesforce.ts';
import type { LeaderLock } from '../ports/leader-lock.ts';

export interface ChangeSubscriptions {
  /** Whether this companion holds the subscriptions now. */
  leading(): boolean;
  stop(): Promise<void>;
}

export async function holdChangeSubscriptions(opts: { lock: LeaderLock; open: () => Promise<Subscription[]>; retryMs: number; log: Log }): Promise<ChangeSubscriptions> {
  const { lock, log } = opts;
  let open: Subscription[] | undefined;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  let toldFollowing = false;

  const closeAll = async (): Promise<void> => {
    const list = open ?? [];
    open = undefined;
    for (const s of list) await s.close().catch(() => undefined);
  };
  const attempt = async (): Promise<void> => {
    if (stopped || open) return;
    if (!(await lock.tryLead())) {
      if (!toldFollowing) log('info', 'another companion holds the Salesforce change subscriptions; this one shares the jobs and polls');
      toldFollowing = true;
      return;
    }
    try {
      open = await opts.open();
      toldFollowing = false;
      log('info', 'holding the Salesforce change subscriptions');
    } catch (err) {
      // Still leading: the next try opens them again.
      log('warn', 'opening the Salesforce change subscriptions failed; tried again', { error: err instanceof Error ? err.name : 'error' });
    }
  };
  // One attempt at a time: a slow open must not overlap the next tick or a loss.
  const serial = (fn: () => Promise<void>): Promise<void> => (busy = busy.then(fn, fn));

  lock.onLost(() => {
    log('warn', 'lost the lead on the Salesforce change subscriptions (database connection ended); closing them');
    void serial(closeAll);
  });
  await serial(attempt);
  const timer = setInterval(() => void serial(attempt), opts.retryMs);
  timer.unref();
  return {
    leading: () => open !== undefined,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await serial(closeAll);
      await lock.close();
    },
  };
}
