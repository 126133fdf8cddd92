import { loadConfig } from '../config/load.ts';
import { openDb } from '../store/db.ts';
import { createStateStore } from '../store/state-store.ts';
import { buildStatusReport, formatStatusReport } from './status-report.ts';
import { queryStatusServer } from './status-server.ts';

/** Asks the running companion first; when none runs, reads the store directly (ids only then, no e-mails). */
export async function runStatus(configPath: string, json: boolean): Promise<number> {
  const config = loadConfig(configPath);
  let report = config.databaseUrl ? undefined : await queryStatusServer(config.dataDir);
  if (!report) {
    const db = await openDb({ dataDir: config.databaseUrl ? undefined : config.dataDir, databaseUrl: config.databaseUrl });
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
