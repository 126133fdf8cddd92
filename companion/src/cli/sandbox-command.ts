import fs from 'node:fs';
import path from 'node:path';
import { startSandbox } from '../../../sandbox/index.ts';
import { readFaultsFile } from '../../../sandbox/faults-file.ts';
import { UsageError } from './usage-error.ts';
import { waitForSignal } from './start-command.ts';

export async function runSandbox(opts: { manifest?: string; dir?: string; users?: number; contacts?: number; faults?: string }): Promise<number> {
  const dir = path.resolve(opts.dir ?? '.sandbox');
  let faults;
  try {
    faults = opts.faults ? readFaultsFile(opts.faults) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const sandbox = await startSandbox({ dir, users: opts.users, contactsPerUser: opts.contacts, orgFaults: faults?.salesforce, graphFaults: faults?.microsoft });
  const manifestJson = JSON.stringify(sandbox.manifest, null, 2) + '\n';
  if (opts.manifest) {
    fs.writeFileSync(opts.manifest, manifestJson, { mode: 0o600 });
    process.stderr.write(`sandbox manifest written to ${path.resolve(opts.manifest)}\n`);
  } else {
    process.stdout.write(manifestJson);
  }
  process.stderr.write(
    `Salesforce org emulator: ${sandbox.org.url}\nMicrosoft 365 emulator:   ${sandbox.graph.url}\n` +
      `Run the companion against it:  npx syncline start --config ${sandbox.configPath}\nPress Ctrl+C to stop.\n`,
  );
  await waitForSignal();
  await sandbox.close();
  return 0;
}
