/** Fresh idempotency keys (e.g. a Graph create's transactionId): unique, opaque, never content. */
export interface KeySource {
  newKey(): string;
}
