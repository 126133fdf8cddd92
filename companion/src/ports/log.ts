export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log sink. Callers pass ids and counts only: never tokens, secrets or contact content. */
export type Log = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

export const silentLog: Log = () => {};
