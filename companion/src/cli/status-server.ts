/**
 * The running companion answers `syncline status` over a Unix socket in its data directory.
 * File permissions (0600, owner only) are the access control, so no token is needed and nothing
 * listens on a network port.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { App } from '../app.ts';
import type { StatusReport } from './status-report.ts';
import { buildStatusReport } from './status-report.ts';

export function statusSocketPath(dataDir: string): string {
  return path.join(dataDir, 'status.sock');
}

export async function startStatusServer(app: App, dataDir: string): Promise<{ close(): Promise<void> }> {
  const socketPath = statusSocketPath(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.unlinkSync(socketPath);
  } catch {
    // no stale socket
  }
  const server = net.createServer((conn) => {
    void buildStatusReport(app.store, app.users())
      .then((report) => conn.end(JSON.stringify(report)))
      .catch((err) => conn.end(JSON.stringify({ error: String(err) })));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

export function queryStatusServer(dataDir: string, timeoutMs = 3000): Promise<StatusReport | undefined> {
  const socketPath = statusSocketPath(dataDir);
  if (!fs.existsSync(socketPath)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const conn = net.connect(socketPath);
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(undefined);
    }, timeoutMs);
    conn.on('data', (c) => chunks.push(c));
    conn.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as StatusReport);
      } catch {
        resolve(undefined);
      }
    });
  });
}
