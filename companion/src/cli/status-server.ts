/**
 * The running companion answers `syncline status` and `syncline reset` over a Unix socket in its
 * data directory. File permissions (0600, owner only) are the access control, so no token is
 * needed and nothing listens on a network port. One JSON request line in, one JSON answer out.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { App } from '../app.ts';
import type { StatusReport } from './status-report.ts';
import { buildStatusReport } from './status-report.ts';

export type ControlRequest = { command: 'status' } | { command: 'reset'; user: string };
export type ResetAnswer = { reset: { userId: string; email?: string } } | { error: string };

export function statusSocketPath(dataDir: string): string {
  return path.join(dataDir, 'status.sock');
}

async function answer(app: App, request: ControlRequest): Promise<unknown> {
  if (request.command === 'status') return buildStatusReport(app.store, app.users());
  const wanted = request.user.toLowerCase();
  const user = app.users().find((u) => u.userId.toLowerCase() === wanted || u.userId.slice(0, 15).toLowerCase() === wanted || u.email.toLowerCase() === wanted);
  if (!user) return { error: `no assigned user with id or e-mail "${request.user}"` };
  await app.resetUser(user.userId);
  return { reset: { userId: user.userId, email: user.email } };
}

export async function startStatusServer(app: App, dataDir: string): Promise<{ close(): Promise<void> }> {
  const socketPath = statusSocketPath(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer((conn) => {
    let buffered = '';
    conn.on('data', (chunk) => {
      buffered += String(chunk);
      const newline = buffered.indexOf('\n');
      if (newline < 0) {
        if (buffered.length > 4096) conn.destroy();
        return;
      }
      let request: ControlRequest;
      try {
        request = JSON.parse(buffered.slice(0, newline)) as ControlRequest;
      } catch {
        conn.end(JSON.stringify({ error: 'bad request' }));
        return;
      }
      void answer(app, request)
        .then((a) => conn.end(JSON.stringify(a)))
        .catch((err) => conn.end(JSON.stringify({ error: String(err) })));
    });
    conn.on('error', () => conn.destroy());
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

/** Asks the running companion; undefined when none answers (not running, or still starting). */
export function askCompanion<T>(dataDir: string, request: ControlRequest, timeoutMs = 5000): Promise<T | undefined> {
  const socketPath = statusSocketPath(dataDir);
  if (!fs.existsSync(socketPath)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const conn = net.connect(socketPath, () => conn.write(JSON.stringify(request) + '\n'));
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
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
      } catch {
        resolve(undefined);
      }
    });
  });
}

export function queryStatusServer(dataDir: string): Promise<StatusReport | undefined> {
  return askCompanion<StatusReport>(dataDir, { command: 'status' });
}
