/** `syncline sandbox --faults FILE`: fault rules for each emulator, read from JSON and checked. */
import fs from 'node:fs';
import { z } from 'zod';
import type { FaultRule } from './common/faults.ts';

const rule = z
  .object({
    match: z.string().optional(),
    probability: z.number().min(0).max(1).optional(),
    count: z.number().int().min(1).optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    drop: z.boolean().optional(),
    dropResponse: z.boolean().optional(),
  })
  .strict()
  .refine((r) => r.match === undefined || isRegExp(r.match), { message: 'match must be a valid regular expression', path: ['match'] });

const faultsFile = z.object({ salesforce: z.array(rule).default([]), microsoft: z.array(rule).default([]) }).strict();

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export function readFaultsFile(file: string): { salesforce: FaultRule[]; microsoft: FaultRule[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read faults file ${file}: ${(err as Error).message}`);
  }
  const parsed = faultsFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`faults file ${file} is invalid:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
