/**
 * Leadership among companions sharing one store: held by at most one process at a time, lost when
 * that process (or its connection to the store) goes. Implemented in store/leader-lock.ts.
 */
export interface LeaderLock {
  /** Whether this process leads now; tries to take the lead when it does not. Never throws. */
  tryLead(): Promise<boolean>;
  /** Called once each time a held lead is lost (its connection ended). */
  onLost(listener: () => void): void;
  /** Gives the lead up (if held) and closes its connection. */
  close(): Promise<void>;
}
