/**
 * The slice of faye's server side that the Streaming API emulator relies on, typed.
 *
 * faye ships no type declarations, and jsforce's ambient `declare module 'faye'` only covers the
 * client, so importing 'faye' here would either fail to type-check or merge with jsforce's
 * declaration. Loading it through createRequire keeps this file independent of that.
 */
import { createRequire } from 'node:module';
import type http from 'node:http';

/** A Bayeux message as faye passes it through extensions and engines. */
export interface BayeuxMessage {
  channel: string;
  id?: string;
  clientId?: string;
  data?: unknown;
  successful?: boolean;
  error?: string;
  subscription?: string | string[];
  connectionType?: string;
  supportedConnectionTypes?: string[];
  version?: string;
  minimumVersion?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
}

export type ExtensionCallback = (message: BayeuxMessage) => void;

/**
 * faye calls the three-argument form with the HTTP request (null for in-process clients); the
 * arity decides which form it uses, so implementations must declare all three parameters.
 */
export interface ServerExtension {
  incoming?(message: BayeuxMessage, request: http.IncomingMessage | null, callback: ExtensionCallback): void;
  outgoing?(message: BayeuxMessage, request: http.IncomingMessage | null, callback: ExtensionCallback): void;
}

/** faye's Engine.Proxy: what an engine gets to talk back to the server with. */
export interface EngineProxy {
  /** Long-poll hold time, seconds. */
  readonly timeout: number;
  hasConnection(clientId: string): boolean;
  deliver(clientId: string, messages: BayeuxMessage[]): boolean;
  trigger(event: string, ...args: unknown[]): void;
  bind(event: string, listener: (clientId: string) => void, context?: unknown): void;
}

/** The engine contract faye's Engine.Proxy forwards to (same as its Memory engine). */
export interface Engine {
  createClient(callback: (clientId: string) => void, context?: unknown): void;
  clientExists(clientId: string, callback: (exists: boolean) => void, context?: unknown): void;
  destroyClient(clientId: string, callback?: () => void, context?: unknown): void;
  ping(clientId: string): void;
  subscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void;
  unsubscribe(clientId: string, channel: string, callback?: (ok: boolean) => void, context?: unknown): void;
  publish(message: BayeuxMessage, channels: string[]): void;
  emptyQueue(clientId: string): void;
  disconnect(): void;
}

export interface EngineType {
  create(proxy: EngineProxy, options: object): Engine;
}

export interface NodeAdapterOptions {
  mount: string;
  /** Long-poll hold time, seconds; also sent as advice.timeout. */
  timeout: number;
  engine: { type: EngineType };
}

export interface NodeAdapter {
  handle(request: http.IncomingMessage, response: http.ServerResponse): void;
  addExtension(extension: ServerExtension): void;
  /** Answers every pending long poll and disconnects the engine. */
  close(): void;
}

interface FayeModule {
  NodeAdapter: new (options: NodeAdapterOptions) => NodeAdapter;
}

const require = createRequire(import.meta.url);
// require() is typed `any`; the interface above pins the part of faye 1.4 we depend on.
const faye = require('faye') as FayeModule;

export function createNodeAdapter(options: NodeAdapterOptions): NodeAdapter {
  return new faye.NodeAdapter(options);
}
