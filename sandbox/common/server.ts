import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestCounter } from './counter.ts';
import { FaultInjector, type FaultDecision } from './faults.ts';

export interface Request {
  method: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  raw: http.IncomingMessage;
}

export interface Response {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
}

export type Handler = (req: Request) => Promise<Response | undefined> | Response | undefined;

export interface EmulatorServerOptions {
  port?: number;
  host?: string;
  /** Maps a request to the key it is counted under (normalise ids out of paths). */
  counterKey: (method: string, path: string) => string;
  /** The vendor's body for an injected error status. */
  faultBody: (status: number) => Response;
  counter?: RequestCounter;
  faults?: FaultInjector;
}

export interface EmulatorServer {
  server: http.Server;
  url: string;
  counter: RequestCounter;
  faults: FaultInjector;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A loopback HTTP server that counts requests, applies injected faults, then hands the request
 * to the emulator's handler. Handlers return undefined for "not mine" so routes can be chained;
 * an unhandled request gets 404 through faultBody.
 */
export async function startEmulatorServer(
  opts: EmulatorServerOptions,
  handler: Handler,
): Promise<EmulatorServer> {
  const counter = opts.counter ?? new RequestCounter();
  const faults = opts.faults ?? new FaultInjector();
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      void (async () => {
        const u = new URL(raw.url ?? '/', 'http://localhost');
        const method = (raw.method ?? 'GET').toUpperCase();
        counter.add(opts.counterKey(method, u.pathname));
        const fault: FaultDecision = faults.decide(method, u.pathname);
        if (fault.latencyMs) await sleep(fault.latencyMs);
        if (fault.drop) {
          raw.socket.destroy();
          return;
        }
        let out: Response | undefined;
        if (fault.status !== undefined) {
          out = opts.faultBody(fault.status);
          if (fault.status === 429 || fault.status === 503) {
            out = { ...out, headers: { ...out.headers, 'Retry-After': String(fault.retryAfterSeconds ?? 1) } };
          }
        } else {
          try {
            out = await handler({ method, path: u.pathname, query: u.searchParams, headers: raw.headers, body: Buffer.concat(chunks), raw });
          } catch (err) {
            console.error('[sandbox] handler error', method, u.pathname, err);
            out = opts.faultBody(500);
          }
          out ??= opts.faultBody(404);
          if (fault.dropResponse) {
            raw.socket.destroy();
            return;
          }
        }
        send(res, out);
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    counter,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function send(res: http.ServerResponse, out: Response): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { ...out.headers };
  let body: Buffer | string | undefined;
  if (out.body === undefined || out.body === null) body = undefined;
  else if (Buffer.isBuffer(out.body) || typeof out.body === 'string') body = out.body;
  else {
    body = JSON.stringify(out.body);
    headers['Content-Type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(out.status, headers);
  res.end(body);
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return { status, body, headers };
}

/** Parses a JSON request body; returns undefined for an empty body and throws SyntaxError for bad JSON. */
export function readJson(req: Request): unknown {
  if (req.body.length === 0) return undefined;
  return JSON.parse(req.body.toString('utf8'));
}
