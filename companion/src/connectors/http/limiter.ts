interface KeyState {
  active: number;
  /** Resolvers of callers waiting for a slot, first come first served. */
  waiters: Array<() => void>;
  /** While set, nobody on this key may send: the service asked us to back off. */
  pause?: Promise<void>;
}

/**
 * A counting semaphore per key (a mailbox, a user) plus a per-key pause. Services such as
 * Exchange Online limit concurrent requests per mailbox, and a 429 for one request means every
 * request to that mailbox should wait: sending more only extends the throttle.
 */
export class KeyedLimiter {
  private readonly states = new Map<string, KeyState>();

  constructor(private readonly maxPerKey: number) {
    if (!Number.isInteger(maxPerKey) || maxPerKey < 1) throw new RangeError('maxPerKey must be a positive integer');
  }

  /** Resolves with a release function once a slot is held and no pause is pending for the key. */
  async acquire(key: string): Promise<() => void> {
    const st = this.state(key);
    if (st.active < this.maxPerKey) st.active++;
    // The releasing caller hands its slot straight to us, so late arrivals cannot overtake.
    else await new Promise<void>((resolve) => st.waiters.push(resolve));
    while (st.pause) await st.pause;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = st.waiters.shift();
      if (next) next();
      else {
        st.active--;
        this.forgetIfIdle(key, st);
      }
    };
  }

  /** Holds every request on the key until `until` settles (settling either way ends the pause). */
  pause(key: string, until: Promise<unknown>): void {
    const st = this.state(key);
    const done = until.then(
      () => undefined,
      () => undefined,
    );
    const combined: Promise<void> = st.pause ? Promise.all([st.pause, done]).then(() => undefined) : done;
    st.pause = combined;
    void combined.then(() => {
      if (st.pause === combined) st.pause = undefined;
      this.forgetIfIdle(key, st);
    });
  }

  private state(key: string): KeyState {
    let st = this.states.get(key);
    if (!st) {
      st = { active: 0, waiters: [] };
      this.states.set(key, st);
    }
    return st;
  }

  private forgetIfIdle(key: string, st: KeyState): void {
    if (st.active === 0 && st.waiters.length === 0 && !st.pause && this.states.get(key) === st) this.states.delete(key);
  }
}
