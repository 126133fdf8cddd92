import fs from 'node:fs';
import path from 'node:path';
import { configSchema, type SecretRef, type SynclineConfig } from './schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates a config file. Relative paths inside it (dataDir, secret files) are taken
 * relative to the file, so a config works from any working directory. SYNCLINE_DATABASE_URL
 * overrides databaseUrl.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): SynclineConfig & { configDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, path.dirname(path.resolve(file)), env, file);
}

export function parseConfig(raw: unknown, configDir: string, env: NodeJS.ProcessEnv = {}, label = 'config'): SynclineConfig & { configDir: string } {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ConfigError(`${label} is invalid:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (env.SYNCLINE_DATABASE_URL) config.databaseUrl = env.SYNCLINE_DATABASE_URL;
  config.dataDir = path.resolve(configDir, config.dataDir);
  return { ...config, configDir };
}

/** Reads a secret named by the config; the error names the config key, never the value. */
export function readSecret(ref: SecretRef, key: string, configDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.env) {
    const value = env[ref.env];
    if (!value) throw new ConfigError(`${key}: environment variable ${ref.env} is not set`);
    return value;
  }
  const file = path.resolve(configDir, ref.file!);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${key}: cannot read secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
