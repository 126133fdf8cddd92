import { loadConfig } from '../config/load.ts';
import { startApp } from '../app.ts';
import { createLog } from './log.ts';
import { startStatusServer } from './status-server.ts';

export async function runStart(configPath: string): Promise<number> {
  const config = loadConfig(configPath);
  const log = createLog(config.log.level);
  const app = await startApp({ config, log });
  const status = await startStatusServer(app, config.dataDir);
  log('info', 'syncline started', { users: app.users().length, pollIntervalSeconds: config.sync.pollIntervalSeconds });
  await waitForSignal();
  log('info', 'stopping');
  await status.close();
  await app.stop();
  return 0;
}

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (s: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(s);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
