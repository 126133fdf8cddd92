/**
 * The sandbox and a running companion for end-to-end sync tests, driven from outside with
 * jsforce and msal-node + fetch, plus the two moves every such test makes: wait for the reps to
 * go quiet, and change a Sync_Configuration__c the way an admin would.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type jsforce from 'jsforce';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import { loadConfig } from '../../companion/src/config/load.ts';
import { startApp, type App } from '../../companion/src/app.ts';
import { waitForConvergence } from '../../companion/src/cli/converge.ts';
import { silentLog } from '../../companion/src/ports/log.ts';
import { SF } from '../../companion/src/core/sf-schema.ts';
import { salesforceAdmin, graphClient, type GraphTestClient } from './clients.ts';

export interface SyncHarness {
  sandbox: Sandbox;
  /** The running companion (a new one after restart). */
  app: App;
  sf: jsforce.Connection;
  graph: GraphTestClient;
  /** Until every seeded rep had quiet rounds; with `since`, only rounds started after it count. */
  converge(since?: number): Promise<void>;
  /** Updates a configuration record, has the companion re-read it, and waits for rounds that use it. */
  configure(configurationId: string, fields: Record<string, unknown>): Promise<void>;
  /** Stops the companion, runs `whileDown`, starts a new one on the same store; returns it. */
  restart(whileDown: () => Promise<void>): Promise<App>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Temp directory prefix, to tell test runs apart. */
  name: string;
  users: number;
  contactsPerUser: number;
  /** Hooked up before the first round, so no outcome is missed. */
  onApp?: (app: App) => void;
}

export async function startSyncHarness(opts: HarnessOptions): Promise<SyncHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `syncline-${opts.name}-`));
  const sandbox = await startSandbox({ dir, users: opts.users, contactsPerUser: opts.contactsPerUser, mailboxContactsPerUser: 0 });
  const sf = salesforceAdmin(sandbox.manifest);
  const graph = graphClient(sandbox.manifest);
  const launch = async (): Promise<App> => {
    const config = loadConfig(sandbox.configPath);
    config.sync.pollIntervalSeconds = 1;
    const app = await startApp({ config, log: silentLog });
    opts.onApp?.(app);
    return app;
  };
  const h: SyncHarness = {
    sandbox,
    app: await launch(),
    sf,
    graph,
    async converge(since = 0) {
      await waitForConvergence(h.app, sandbox.seeded.users.map((u) => u.id), 60_000, undefined, since);
    },
    async configure(configurationId, fields) {
      const r = (await sf.sobject(SF.configuration.object).update({ Id: configurationId, ...fields })) as { success: boolean };
      assert.ok(r.success);
      await h.app.refreshUsers();
      // A round already under way still has the old configuration: only later rounds count.
      await h.converge(Date.now());
    },
    async restart(whileDown) {
      await h.app.stop();
      await whileDown();
      h.app = await launch();
      return h.app;
    },
    async close() {
      await h.app.stop();
      await sandbox.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await h.converge();
  return h;
}
