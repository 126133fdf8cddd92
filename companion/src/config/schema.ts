/**
 * The configuration file format (a public contract: documented in README "Configuration").
 * Secrets are never values in this file: each is named by a file path or an environment variable.
 */
import { z } from 'zod';

const secretRef = z
  .object({
    file: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => Boolean(s.file) !== Boolean(s.env), { message: 'give exactly one of "file" or "env"' });

const httpsOrLoopback = z.string().url().refine(
  (u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  },
  { message: 'must be https:// (plain http:// is allowed only to loopback)' },
);

export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('.syncline'),
    /** PostgreSQL connection string; when absent, the embedded PGlite store in dataDir is used. */
    databaseUrl: z.string().min(1).optional(),
    /**
     * Seals the store's hash key at rest (AES-256-GCM): any string of at least 32 characters, e.g.
     * `openssl rand -base64 32`. Without it the hash key is kept in plain text (with a warning).
     */
    storeKey: secretRef.optional(),
    salesforce: z
      .object({
        instanceUrl: httpsOrLoopback,
        loginUrl: httpsOrLoopback,
        apiVersion: z.string().regex(/^\d+\.0$/, 'must look like "61.0"').default('61.0'),
        clientId: z.string().min(1),
        integrationUsername: z.string().min(1),
        privateKey: secretRef,
      })
      .strict(),
    microsoft: z
      .object({
        tenantId: z.string().min(1),
        clientId: z.string().min(1),
        clientSecret: secretRef,
        authority: httpsOrLoopback.optional(),
        /** Path of a JSON file with msal-node authorityMetadata (sovereign clouds, the sandbox). */
        authorityMetadataFile: z.string().min(1).optional(),
        graphUrl: httpsOrLoopback.default('https://graph.microsoft.com/v1.0'),
        contactFolderName: z.string().min(1).max(255).default('Salesforce_Sync'),
      })
      .strict(),
    sync: z
      .object({
        pollIntervalSeconds: z.number().min(1).max(86400).default(30),
        usersRefreshSeconds: z.number().min(10).max(86400).default(300),
        /** Sync_User_Status__c rows are sent when state, counts or errors change; timestamps at most this often. */
        statusRefreshSeconds: z.number().min(10).max(86400).default(900),
        clientId: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, "_", "-" and "." only').default('syncline'),
        workers: z.number().int().min(1).max(64).default(4),
      })
      .strict()
      .default({ pollIntervalSeconds: 30, usersRefreshSeconds: 300, statusRefreshSeconds: 900, clientId: 'syncline', workers: 4 }),
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type SynclineConfig = z.infer<typeof configSchema>;
export type SecretRef = z.infer<typeof secretRef>;
