/**
 * Setup shared by the Graph events connector e2e files: one Microsoft 365 emulator for the file,
 * connectors pointed at it (closed when the file ends) and fresh mailboxes. Each file used to
 * repeat these; the tests themselves stay in the files.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startGraph, type GraphEmulator } from '../../sandbox/microsoft/index.ts';
import { createGraphEventsConnector, type GraphEventsConnectorOptions } from '../../companion/src/connectors/graph/events/index.ts';
import type { WriteResult } from '../../companion/src/ports/items.ts';

export type GraphEventsConnector = ReturnType<typeof createGraphEventsConnector>;

export interface GraphEventsTestbed {
  /** A connector for the emulator's app registration; `extra` overrides any option. */
  connect(extra?: Partial<GraphEventsConnectorOptions>): GraphEventsConnector;
  /** A new mailbox `${mailboxPrefix}N@contoso.test`, shown as `Rep N`. */
  newMailbox(): string;
}

/**
 * Registers before/after hooks in the calling file: before starts the emulator (no simulated
 * service time) and hands it to `started`; after closes every connector, then the emulator.
 */
export function graphEventsTestbed(mailboxPrefix: string, started: (g: GraphEmulator) => void): GraphEventsTestbed {
  const closers: Array<() => Promise<void>> = [];
  let emulator: GraphEmulator | undefined;
  let mailboxes = 0;
  const g = (): GraphEmulator => {
    assert.ok(emulator, 'the Graph emulator starts in before()');
    return emulator;
  };

  before(async () => {
    emulator = await startGraph({ serviceTimeMs: 0 });
    started(emulator);
  });

  after(async () => {
    for (const close of closers) await close();
    await emulator?.close();
  });

  return {
    connect(extra = {}) {
      const { tenantId, clientId, clientSecret, authority, authorityMetadata, graphUrl } = g();
      const c = createGraphEventsConnector({ tenantId, clientId, clientSecret, authority, authorityMetadata, graphUrl, ...extra });
      closers.push(() => c.close());
      return c;
    },
    newMailbox() {
      const upn = `${mailboxPrefix}${++mailboxes}@contoso.test`;
      g().addMailbox({ userPrincipalName: upn, displayName: `Rep ${mailboxes}` });
      return upn;
    },
  };
}

/** Narrows a write result to a success; fails the test otherwise. */
export function assertOk(r: WriteResult | undefined): asserts r is Extract<WriteResult, { ok: true }> {
  assert.ok(r?.ok, `expected success, got ${JSON.stringify(r)}`);
}
