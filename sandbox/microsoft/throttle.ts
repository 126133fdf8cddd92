/**
 * Outlook's per-app, per-mailbox limits: a request budget over a sliding window and a cap on
 * requests in flight. Rejected requests are not charged to the budget; otherwise a client that
 * honours Retry-After could never get back under it.
 */
export interface ThrottleLimits {
  requestsPerWindow: number;
  windowMs: number;
  concurrent: number;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; reason: 'concurrency' | 'budget'; retryAfterSeconds: number };

export class MailboxThrottle {
  private readonly inFlight = new Map<string, number>();
  private readonly served = new Map<string, number[]>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  admit(mailboxId: string): Admission {
    const active = this.inFlight.get(mailboxId) ?? 0;
    if (active >= this.limits.concurrent) return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    const now = this.now();
    const stamps = (this.served.get(mailboxId) ?? []).filter((t) => t > now - this.limits.windowMs);
    this.served.set(mailboxId, stamps);
    if (stamps.length >= this.limits.requestsPerWindow) {
      const oldest = stamps[0] ?? now;
      return { ok: false, reason: 'budget', retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.limits.windowMs - now) / 1000)) };
    }
    stamps.push(now);
    this.inFlight.set(mailboxId, active + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(mailboxId, (this.inFlight.get(mailboxId) ?? 1) - 1);
      },
    };
  }
}
