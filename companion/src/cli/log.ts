import type { Log, LogLevel } from '../ports/log.ts';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRETISH = /token|secret|password|passwd|authorization|assertion|private|key$/i;

/** Drops values under keys that look like credentials, however deep, so a careless log call can't leak one. */
export function redact(data: unknown, depth = 0): unknown {
  if (depth > 5 || data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.map((d) => redact(d, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = SECRETISH.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export function createLog(level: LogLevel, stream: NodeJS.WritableStream = process.stderr, json = false): Log {
  return (l, message, data) => {
    if (ORDER[l] < ORDER[level]) return;
    const safe = data ? (redact(data) as Record<string, unknown>) : undefined;
    if (json) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), level: l, message, ...safe }) + '\n');
      return;
    }
    const extra = safe && Object.keys(safe).length > 0 ? ' ' + JSON.stringify(safe) : '';
    stream.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}${extra}\n`);
  };
}
