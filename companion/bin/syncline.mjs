#!/usr/bin/env node
// The companion runs its TypeScript directly through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
