/**
 * Holding the Salesforce change subscriptions only while leading (engine/change-subscriptions.ts),
 * against a lock the test hands over by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdChangeSubscriptions } from '../../companion/src/engine/change-subscriptions.ts';
import type { LeaderLock } from '../../companion/src/ports/leader-lock.ts';
import type { Subscription } from '../../companion/src/ports/salesforce.ts';

class HandLock implements LeaderLock {
  free = true;
  held = false;
  closed = false;
  private readonly listeners: Array<() => void> = [];
  async tryLead(): Promise<boolean> {
    if (!this.held && this.free) {
      this.held = true;
      this.free = false;
    }
    return this.held;
  }
  onLost(listener: () => void): void {
    this.listeners.push(listener);
  }
  lose(): void {
    this.held = false;
    for (const l of this.listeners) l();
  }
  async close(): Promise<void> {
    this.closed = true;
    if (this.held) this.free = true;
    this.held = false;
  }
}

function subscriptions() {
  const live = new Set<number>();
  let opened = 0;
  const open = async (): Promise<Subscription[]> => {
    const id = ++opened;
    live.add(id);
    return [{ close: async () => void live.delete(id) }];
  };
  return { live, open, opened: () => opened };
}

const until = async (what: string, check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
};

test('the leader subscribes at once; a follower subscribes only once the lock is free, and both stop cleanly', async () => {
  const lock = new HandLock();
  const a = subscriptions();
  const leader = await holdChangeSubscriptions({ lock, open: a.open, retryMs: 10, log: () => undefined });
  assert.equal(leader.leading(), true);
  assert.equal(a.live.size, 1);

  const other = new HandLock();
  other.free = false;
  const b = subscriptions();
  const logged: string[] = [];
  const follower = await holdChangeSubscriptions({ lock: other, open: b.open, retryMs: 10, log: (_l, m) => logged.push(m) });
  assert.equal(follower.leading(), false);
  assert.equal(b.opened(), 0, 'no subscription without the lead');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(logged.filter((m) => /another companion holds/.test(m)).length, 1, 'said once, not every retry');
  other.free = true;
  await until('the follower takes over', () => follower.leading());
  assert.equal(b.live.size, 1);

  await leader.stop();
  await follower.stop();
  assert.equal(a.live.size + b.live.size, 0, 'every subscription closed');
  assert.ok(lock.closed && other.closed);
});

test('a lost lead closes the subscriptions; they open again when the lead comes back', async () => {
  const lock = new HandLock();
  const s = subscriptions();
  const held = await holdChangeSubscriptions({ lock, open: s.open, retryMs: 10, log: () => undefined });
  lock.lose();
  await until('closed after the loss', () => s.live.size === 0 && !held.leading());
  lock.free = true;
  await until('open again', () => held.leading() && s.live.size === 1);
  assert.equal(s.opened(), 2);
  await held.stop();
});

test('a failed open is tried again while leading', async () => {
  const lock = new HandLock();
  let fail = true;
  const s = subscriptions();
  const held = await holdChangeSubscriptions({
    lock,
    open: async () => {
      if (fail) throw new Error('handshake refused');
      return s.open();
    },
    retryMs: 10,
    log: () => undefined,
  });
  assert.equal(held.leading(), false);
  fail = false;
  await until('opened on a later try', () => held.leading());
  await held.stop();
});
