import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from './is-record.ts';

/**
 * Where a delta round stands. Tokens carry the whole state (signed, so clients cannot edit it)
 * plus a generation number, which is how Exchange names sync states and how they expire.
 */
export interface DeltaState {
  mailboxId: string;
  folderId: string;
  select?: string[];
  phase: 'initial' | 'changes';
  /** Changes phase: report changes after this mailbox sequence number. */
  from: number;
  /** The round's snapshot point, fixed by its first page so later pages stay consistent. */
  to: number;
  /** Initial phase: last id returned. Changes phase: sequence number and id of the last entry. */
  cursor?: { seq: number; id: string };
}

export type TokenRead =
  | { ok: true; state: DeltaState }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'expired'; message: string };

export class DeltaTokens {
  private readonly key = randomBytes(32);
  private lastGeneration = 0;
  private validFrom = 1;
  /** Generations still cached per folder, when retention is limited. */
  private readonly retained = new Map<string, number[]>();

  /** keep: how many generations Exchange's sync-state cache holds per folder (Infinity: all). */
  constructor(private readonly keep: number) {}

  issue(state: DeltaState): string {
    const generation = ++this.lastGeneration;
    if (Number.isFinite(this.keep)) {
      const key = `${state.mailboxId}|${state.folderId}`;
      const list = [...(this.retained.get(key) ?? []), generation].slice(-this.keep);
      this.retained.set(key, list);
    }
    const payload = Buffer.from(JSON.stringify({ ...state, generation })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  read(token: string): TokenRead {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined || !this.macMatches(payload, mac)) return { ok: false, reason: 'malformed' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!isRecord(parsed) || typeof parsed.generation !== 'number') return { ok: false, reason: 'malformed' };
    const { generation, ...rest } = parsed;
    const state = rest as unknown as DeltaState; // signed by us above, so the shape is ours
    const kept = this.retained.get(`${state.mailboxId}|${state.folderId}`);
    if (generation < this.validFrom || (kept && !kept.includes(generation))) {
      const listed = kept ?? [this.lastGeneration];
      return {
        ok: false,
        reason: 'expired',
        message: `The sync state generation is not found; generation=${generation};[highest=${this.lastGeneration}]${listed.map((g) => `[${g}]`).join('')}.`,
      };
    }
    return { ok: true, state };
  }

  /** Drops every sync state issued so far, as Exchange does when its cache evicts them. */
  expireAll(): void {
    this.validFrom = this.lastGeneration + 1;
    this.retained.clear();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, 16).toString('base64url');
  }

  private macMatches(payload: string, mac: string): boolean {
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
