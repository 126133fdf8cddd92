/** The vendors' own clients, pointed at the sandbox the way a user's script would use the manifest. */
import jsforce from 'jsforce';
import { ConfidentialClientApplication } from '@azure/msal-node';
import fs from 'node:fs';
import type { SandboxManifest } from '../../sandbox/index.ts';

export function salesforceAdmin(manifest: SandboxManifest): jsforce.Connection {
  return new jsforce.Connection({
    instanceUrl: manifest.salesforce.instanceUrl,
    accessToken: manifest.salesforce.adminAccessToken,
    version: manifest.salesforce.apiVersion,
  });
}

export interface GraphTestClient {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test helper returns arbitrary Graph JSON
  folderContacts(upn: string): Promise<Array<Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function graphClient(manifest: SandboxManifest): GraphTestClient {
  const m = manifest.microsoft;
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: m.clientId,
      clientSecret: m.clientSecret,
      authority: m.authority,
      knownAuthorities: [new URL(m.authority).host],
      authorityMetadata: fs.readFileSync(m.authorityMetadataFile, 'utf8'),
    },
  });
  const request = async (method: string, path: string, body?: unknown) => {
    const token = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const res = await fetch(`${m.graphUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token!.accessToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    request,
    folderContacts: async (upn) => {
      const folders = await request('GET', `/users/${encodeURIComponent(upn)}/contactFolders?$filter=${encodeURIComponent("displayName eq 'Salesforce_Sync'")}`);
      const folder = folders.body?.value?.[0];
      if (!folder) return [];
      const out: Array<Record<string, unknown>> = [];
      let next: string | undefined = `/users/${encodeURIComponent(upn)}/contactFolders/${folder.id}/contacts?$top=100`;
      while (next) {
        const page: { status: number; body: any } = await request('GET', next); // eslint-disable-line @typescript-eslint/no-explicit-any
        out.push(...page.body.value);
        const link: string | undefined = page.body['@odata.nextLink'];
        next = link ? link.slice(m.graphUrl.length) : undefined;
      }
      return out;
    },
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
