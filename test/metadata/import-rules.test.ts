/**
 * The layer rule of scripts/check-imports.ts, tested on synthetic source sets so the rule itself
 * (not just today's code) is pinned down.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  checkImportRules,
  classify,
  findImports,
  formatViolation,
  placeOf,
  type SourceFile,
  type Violation,
} from '../../scripts/check-imports.ts';

const S = 'companion/src';

function src(rel: string, ...lines: string[]): SourceFile {
  return { path: `${S}/${rel}`, text: `${lines.join('\n')}\n` };
}

function found(violations: Violation[]): string[] {
  return violations.map((v) => `${v.file.slice(S.length + 1)}:${v.line} ${v.specifier}`);
}

describe('import rules (scripts/check-imports.ts)', () => {
  test('findImports sees static, type-only, re-export, require and dynamic imports with their lines', () => {
    const refs = findImports(
      [
        "import { a } from './a.ts';",
        "import type { B } from '../ports/b.ts';",
        "export * from './c.ts';",
        'const fs = require("node:fs");',
        'async function f() {',
        "  return import('../engine/d.ts');",
        '}',
        "import './side-effect.ts';",
        "// import { no } from './commented.ts';",
      ].join('\n'),
    );
    assert.deepEqual(refs, [
      { specifier: './a.ts', line: 1 },
      { specifier: '../ports/b.ts', line: 2 },
      { specifier: './c.ts', line: 3 },
      { specifier: 'node:fs', line: 4 },
      { specifier: '../engine/d.ts', line: 6 },
      { specifier: './side-effect.ts', line: 8 },
    ]);
  });

  test('placeOf and classify resolve layers and relative paths', () => {
    assert.deepEqual(placeOf(`${S}/core/contact.ts`), { layer: 'core', sub: undefined });
    assert.deepEqual(placeOf(`${S}/connectors/graph/delta.ts`), { layer: 'connectors', sub: 'graph' });
    assert.deepEqual(placeOf(`${S}/connectors/index.ts`), { layer: 'connectors', sub: undefined });
    assert.deepEqual(placeOf(`${S}/app.ts`), { layer: 'app', sub: undefined });
    assert.deepEqual(placeOf(`${S}/util.ts`), { layer: undefined, sub: undefined });
    assert.deepEqual(classify(`${S}/engine/x.ts`, '../core/y.ts'), {
      kind: 'src',
      path: `${S}/core/y.ts`,
      place: { layer: 'core', sub: undefined },
    });
    assert.deepEqual(classify(`${S}/cli/demo.ts`, '../../../sandbox/index.ts'), { kind: 'sandbox', path: 'sandbox/index.ts' });
    assert.deepEqual(classify(`${S}/core/x.ts`, 'crypto'), { kind: 'node', name: 'node:crypto' });
    assert.deepEqual(classify(`${S}/store/x.ts`, '@electric-sql/pglite/vector'), { kind: 'package', name: '@electric-sql/pglite' });
  });

  test('a clean, layered set passes', () => {
    const files = [
      src('core/contact.ts', "import { createHash } from 'node:crypto';", "import { SF } from './sf-schema.ts';"),
      src('core/sf-schema.ts', 'export const SF = {};'),
      src('ports/salesforce.ts', "import type { Contact } from '../core/contact.ts';", "import type { Item } from './items.ts';"),
      src('ports/items.ts', 'export interface Item {}'),
      src('engine/sync.ts', "import type { Port } from '../ports/salesforce.ts';", "import { plan } from '../core/contact.ts';", "import { c } from './cursors.ts';"),
      src('engine/cursors.ts', 'export const c = 1;'),
      src(
        'connectors/graph/delta.ts',
        "import { ConfidentialClientApplication } from '@azure/msal-node';",
        "import { request } from '../http/client.ts';",
        "import { x } from './auth.ts';",
        "import type { Port } from '../../ports/mailbox.ts';",
        "import { run } from '../../engine/sync.ts';",
        "import { setTimeout } from 'node:timers/promises';",
      ),
      src('connectors/http/client.ts', "import { Agent } from 'node:https';"),
      src('store/db.ts', "import { PGlite } from '@electric-sql/pglite';", "import type { State } from '../ports/state.ts';", "import './migrate.ts';"),
      src('queue/jobs.ts', "import { PgBoss } from 'pg-boss';", "import type { JobQueue } from '../ports/state.ts';"),
      src('config/load.ts', "import { z } from 'zod';", "import { readFile } from 'node:fs/promises';"),
      src('app.ts', "import { openDb } from './store/db.ts';", "import { loadConfig } from './config/load.ts';", "import { createGraph } from './connectors/graph/delta.ts';"),
      src(
        'cli/main.ts',
        "import { start } from '../app.ts';",
        "import { log } from './log.ts';",
        "const sandbox = await import('../../../sandbox/index.ts');",
      ),
      src('cli/log.ts', "import type { Log } from '../ports/log.ts';"),
    ];
    assert.deepEqual(checkImportRules(files), []);
  });

  test('every kind of violation is reported with file, line and rule', () => {
    const files = [
      src('core/bad.ts', "import { readFile } from 'node:fs/promises';", "import { z } from 'zod';", "import type { P } from '../ports/items.ts';", "import { run } from '../engine/sync.ts';"),
      src('ports/bad.ts', "import type { Db } from '../store/db.ts';", "import type { Readable } from 'node:stream';"),
      src('engine/bad.ts', "import { createGraph } from '../connectors/graph/delta.ts';", "import pino from 'pino';", "const m = await import('../config/load.ts');"),
      src('connectors/graph/bad.ts', "import { soql } from '../salesforce/soql.ts';", "import { start } from '../../app.ts';", "import { log } from '../../cli/log.ts';"),
      src('store/bad.ts', "import { MAILBOX_SYNC_QUEUE } from '../queue/jobs.ts';"),
      src('queue/bad.ts', "import type { Db } from '../store/db.ts';"),
      src('config/bad.ts', "import { emulate } from '../../../sandbox/index.ts';"),
      src('app.ts', "import { main } from './cli/main.ts';", "import { seed } from '../../sandbox/seed.ts';", "import { helper } from '../../test/support/helper.ts';"),
      src('util.ts', 'export const x = 1;'),
    ];
    const violations = checkImportRules(files);
    assert.deepEqual(found(violations), [
      'core/bad.ts:1 node:fs/promises',
      'core/bad.ts:2 zod',
      'core/bad.ts:3 ../ports/items.ts',
      'core/bad.ts:4 ../engine/sync.ts',
      'ports/bad.ts:1 ../store/db.ts',
      'ports/bad.ts:2 node:stream',
      'engine/bad.ts:1 ../connectors/graph/delta.ts',
      'engine/bad.ts:2 pino',
      'engine/bad.ts:3 ../config/load.ts',
      'connectors/graph/bad.ts:1 ../salesforce/soql.ts',
      'connectors/graph/bad.ts:2 ../../app.ts',
      'connectors/graph/bad.ts:3 ../../cli/log.ts',
      'store/bad.ts:1 ../queue/jobs.ts',
      'queue/bad.ts:1 ../store/db.ts',
      'config/bad.ts:1 ../../../sandbox/index.ts',
      'app.ts:1 ./cli/main.ts',
      'app.ts:2 ../../sandbox/seed.ts',
      'app.ts:3 ../../test/support/helper.ts',
      'util.ts:1 ',
    ]);
    const byImport = (specifier: string): Violation | undefined => violations.find((v) => v.specifier === specifier);
    assert.match(byImport('node:fs/promises')?.rule ?? '', /core\/ may import only core\/, node:crypto/);
    assert.match(byImport('../salesforce/soql.ts')?.rule ?? '', /a connector may import only/);
    assert.match(byImport('../../cli/log.ts')?.rule ?? '', /nothing outside cli\/ imports cli\//);
    assert.match(byImport('../../app.ts')?.rule ?? '', /only cli\/ imports app\.ts/);
    assert.match(byImport('../../../sandbox/index.ts')?.rule ?? '', /only cli\/ may import sandbox\//);
    assert.match(byImport('../../test/support/helper.ts')?.rule ?? '', /imports nothing outside companion\/src/);
    assert.equal(
      formatViolation(violations[0] as Violation),
      'companion/src/core/bad.ts:1 imports node:fs/promises (core/ may import only core/, node:crypto and the packages in CORE_ALLOWED_PACKAGES)',
    );
    assert.match(formatViolation(violations[violations.length - 1] as Violation), /^companion\/src\/util\.ts:1 \(not in a known layer/);
  });

  test('the same import is fine from cli/ and forbidden from app.ts', () => {
    const line = "import { startSandbox } from '../../../sandbox/index.ts';";
    assert.deepEqual(checkImportRules([src('cli/sandbox-command.ts', line)]), []);
    assert.equal(checkImportRules([src('app.ts', "import { startSandbox } from '../../sandbox/index.ts';")]).length, 1);
  });
});
