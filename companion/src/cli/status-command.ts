import { loadConfig } from '../config/load.ts';
import { DataDirLockedError, openDb } from '../store/db.ts';
import { createStateStore } from '../store/state-store.ts';
import { buildStatusReport, formatStatusReport } from './status-report.ts';
import { queryStatusServer } from './status-server.ts';

/** Asks the running companion first; when none runs, reads the store directly (ids only then, no e-mails). */
export async function runStatus(configPath: string, json: boolean): Promise<number> {
  const config = loadConfig(configPath);
  let report = config.databaseUrl ? undefined : await queryStatusServer(config.dataDir);
  if (!report) {
    let db;
    try {
      db = await openDb({ dataDir: config.databaseUrl ? undefined : config.dataDir, databaseUrl: config.databaseUrl });
    } catch (err) {
      if (!(err instanceof DataDirLockedError)) throw err;
      // Running, but its status socket is not up yet (starting) or not answering.
      process.stderr.write(`syncline: the companion (process ${err.pid}) holds ${config.dataDir} but did not answer on its status socket; it may be starting. Try again in a few seconds.\n`);
      return 1;
    }
    const store = createStateStore(db);
    try {
      await store.migrate();
      report = await buildStatusReport(store, []);
    } finally {
      await store.close();
    }
  }
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatStatusReport(report));
  return 0;
}
