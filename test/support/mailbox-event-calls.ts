/**
 * A rep's own calendar moves through Graph, as the e2e tests make them: each call asserts the
 * status Graph answers with, so a refused write fails the test where it happened.
 */
import assert from 'node:assert/strict';
import type { GraphTestClient } from './clients.ts';

type Rec = Record<string, unknown>;

export function mailboxEventCalls(graph: () => GraphTestClient, mailbox: () => string) {
  const event = (id: string) => `/users/${encodeURIComponent(mailbox())}/events/${encodeURIComponent(id)}`;
  return {
    async patch(id: string, body: Rec): Promise<void> {
      const r = await graph().request('PATCH', event(id), body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    },
    /** Deletes an event, or cancels an occurrence. */
    async remove(id: string): Promise<void> {
      const r = await graph().request('DELETE', event(id));
      assert.equal(r.status, 204, JSON.stringify(r.body));
    },
  };
}
