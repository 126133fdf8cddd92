/**
 * `syncline demo`: the sandbox and the companion in one process, seeded, so a newcomer sees the
 * whole loop — first sync, then one live edit each way — with no accounts and nothing to install.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { startSandbox, clientCredentialsToken } from '../../../sandbox/index.ts';
import { loadConfig } from '../config/load.ts';
import { startApp } from '../app.ts';
import { createLog } from './log.ts';
import { waitForConvergence } from './converge.ts';
import { formatStatusReport, buildStatusReport } from './status-report.ts';
import { waitForSignal } from './start-command.ts';

const out = (s: string) => process.stdout.write(s + '\n');

export async function runDemo(opts: { once: boolean; dir?: string; users?: number; contacts?: number }): Promise<number> {
  const dir = opts.dir ? path.resolve(opts.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-demo-'));
  out('Syncline demo — Salesforce ⇄ Microsoft 365 contacts and events, on local emulators');
  const t0 = performance.now();
  const sandbox = await startSandbox({ dir, users: opts.users, contactsPerUser: opts.contacts });
  const { org, graph, seeded } = sandbox;
  out(`• Salesforce org emulator at ${org.url}, Microsoft 365 emulator at ${graph.url}`);
  out(`• Seeded ${seeded.users.length} reps, ${org.records('Contact').length} Salesforce contacts, and contacts already in their mailboxes`);

  const config = loadConfig(sandbox.configPath);
  const app = await startApp({ config, log: createLog('warn') });
  const emailOf = new Map(seeded.users.map((u) => [u.id, u.email]));
  let exitCode = 0;
  try {
    out('• First sync (pairs existing contacts by e-mail, then name, before creating anything):');
    await waitForConvergence(app, seeded.users.map((u) => u.id), 120_000, (r) => {
      const line = (what: string, o: { writes: { mailbox: number; salesforce: number }; linked: number; failures: number; conflicts: number }) =>
        `${what} ${o.writes.mailbox} written to mailbox, ${o.writes.salesforce} to Salesforce, ${o.linked} linked${o.failures ? `, ${o.failures} failed` : ''}${o.conflicts ? `, ${o.conflicts} conflicts` : ''}`;
      const events = r.events.skipped ? 'events not synced' : line('events:', r.events);
      out(`    ${emailOf.get(r.userId)}: ${line('contacts:', r.contacts)}; ${events}`);
    });
    const tSync = performance.now();
    out(`  converged in ${((tSync - t0) / 1000).toFixed(1)} s`);

    const rep = seeded.users[0];
    if (rep) await liveRoundTrip(sandbox, rep.id, rep.email, config.sync.pollIntervalSeconds);

    out('\nStatus (what `syncline status` shows):');
    out(formatStatusReport(await buildStatusReport(app.store, app.users())).trimEnd());
    out(`\nAPI requests served: Salesforce ${org.counter.total()}, Microsoft Graph ${graph.counter.total()}`);
    if (!opts.once) {
      out(`\nThe companion keeps syncing. Sandbox files (keys, companion config, manifest data) are in ${dir}. Ctrl+C to stop.`);
      await waitForSignal();
    }
  } catch (err) {
    out(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
  } finally {
    await app.stop();
    await sandbox.close();
    // A directory we made ourselves holds only this run's throwaway keys and store.
    if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return exitCode;
}

/** One edit on each side, made with the vendors' own clients, and the time until it shows on the other side. */
async function liveRoundTrip(sandbox: Awaited<ReturnType<typeof startSandbox>>, userId: string, email: string, pollSeconds: number): Promise<void> {
  const { org, graph, manifest } = sandbox;
  out(`• Live changes for ${email}:`);
  const conn = new jsforce.Connection({ instanceUrl: manifest.salesforce.instanceUrl, accessToken: manifest.salesforce.adminAccessToken, version: manifest.salesforce.apiVersion });
  const contact = org.records('Contact').find((c) => c.OwnerId === userId);
  if (!contact) return;
  const newTitle = `Chief Buyer ${Date.now() % 1000}`;
  let t = performance.now();
  await conn.sobject('Contact').update({ Id: contact.Id as string, Title: newTitle });
  await until(() => graph.contacts(email).some((c) => c.jobTitle === newTitle), 30_000, 'the Salesforce edit to reach the mailbox');
  out(`    Salesforce edit (Title) reached the mailbox in ${(performance.now() - t).toFixed(0)} ms (pushed by Change Data Capture)`);

  const token = await clientCredentialsToken(graph);
  const target = graph.contacts(email).find((c) => c.jobTitle === newTitle)!;
  const mobile = `+1 555 01${String(Date.now() % 100).padStart(2, '0')} 77`;
  t = performance.now();
  const res = await fetch(`${graph.graphUrl}/users/${encodeURIComponent(email)}/contacts/${encodeURIComponent(String(target.id))}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mobilePhone: mobile }),
  });
  if (!res.ok) throw new Error(`mailbox edit failed: ${res.status}`);
  out(`    mailbox edit (mobile phone) made; the companion polls mailboxes every ${pollSeconds} s…`);
  await until(() => org.records('Contact').some((c) => c.Id === contact.Id && c.MobilePhone === mobile), 60_000, 'the mailbox edit to reach Salesforce');
  out(`    mailbox edit reached Salesforce in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
