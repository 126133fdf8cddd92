/**
 * Enforces the import direction of DESIGN section 3 inside companion/src:
 *
 *   core ← ports ← engine ← {connectors, store, queue, config} ← app.ts ← cli
 *
 * - core/        imports only core/, node:crypto and CORE_ALLOWED_PACKAGES (pure code, no I/O)
 * - ports/       imports only core/ and ports/
 * - engine/      imports only core/, ports/ and engine/
 * - connectors/, store/, queue/, config/
 *                import core/, ports/, engine/ and their own folder, plus any node: module or
 *                npm package; a connector (connectors/<name>/) may also use the shared
 *                connectors/http/ pipeline and files directly in connectors/, but not another
 *                connector
 * - app.ts       imports anything in companion/src except cli/
 * - cli/         imports anything in companion/src, and ../../sandbox (for `syncline sandbox`
 *                and `syncline demo`)
 * - nothing but cli/ imports cli/, nothing but cli/ imports app.ts, nothing but cli/ reaches
 *   sandbox/, and no file reaches anywhere else outside companion/src.
 *
 * Imports are read with the TypeScript compiler's own pre-processor (ts.preProcessFile), which
 * sees static imports, `export … from`, `import type`, `import x = require()`, `require()` and
 * dynamic `import()` with a string literal. Relative specifiers are resolved against the
 * importing file.
 *
 * Run: node --import tsx scripts/check-imports.ts   (exit 1 on violations)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Where the companion's sources live, relative to the repository root. */
export const SRC_ROOT = 'companion/src';
/** The emulators; only cli/ may import them. */
export const SANDBOX_ROOT = 'sandbox';

/**
 * npm packages core/ may import. Only pure libraries belong here: no I/O, no clocks, no global
 * state, same output for the same input (a recurrence or time-zone table library would qualify).
 * None is needed today.
 */
/** Pure libraries core/ may use: zone names, recurrence rules, HTML to text (no I/O, no clock, no environment). */
export const CORE_ALLOWED_PACKAGES: readonly string[] = ['windows-iana', 'rrule', 'html-to-text'];

/** Node built-ins core/ may import (hashing is part of the canonical model). */
export const CORE_ALLOWED_NODE: readonly string[] = ['node:crypto'];

/** Folders under connectors/ that every connector may share. */
export const CONNECTOR_SHARED_FOLDERS: readonly string[] = ['http'];

export const LAYERS = ['core', 'ports', 'engine', 'connectors', 'store', 'queue', 'config', 'app', 'cli'] as const;
export type Layer = (typeof LAYERS)[number];

const FOLDER_LAYERS: ReadonlySet<string> = new Set(['core', 'ports', 'engine', 'connectors', 'store', 'queue', 'config', 'cli']);
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

export interface SourceFile {
  /** Path relative to the repository root, with forward slashes, e.g. companion/src/core/contact.ts */
  path: string;
  text: string;
}

export interface ImportRef {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

export interface Place {
  layer: Layer | undefined;
  /** For connectors/: the connector folder (graph, salesforce, http…); undefined for files directly in connectors/. */
  sub: string | undefined;
}

export type Target =
  | { kind: 'node'; name: string }
  | { kind: 'package'; name: string }
  | { kind: 'src'; path: string; place: Place }
  | { kind: 'sandbox'; path: string }
  | { kind: 'outside'; path: string };

/** Every module specifier in a source text, in order, with its line. */
export function findImports(text: string): ImportRef[] {
  const info = ts.preProcessFile(text, true, true);
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return info.importedFiles.map((ref) => ({ specifier: ref.fileName, line: lineOf(ref.pos) }));
}

/** Which layer a path (relative to the repository root) belongs to. */
export function placeOf(file: string): Place {
  const prefix = `${SRC_ROOT}/`;
  if (!file.startsWith(prefix)) return { layer: undefined, sub: undefined };
  const segments = file.slice(prefix.length).split('/');
  const first = segments[0] ?? '';
  if (segments.length === 1) {
    return { layer: /^app\.[cm]?[jt]sx?$/.test(first) ? 'app' : undefined, sub: undefined };
  }
  if (!FOLDER_LAYERS.has(first)) return { layer: undefined, sub: undefined };
  const sub = first === 'connectors' && segments.length > 2 ? segments[1] : undefined;
  return { layer: first as Layer, sub };
}

const BUILTINS: ReadonlySet<string> = new Set(builtinModules);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** What an import specifier in `importer` points at. */
export function classify(importer: string, specifier: string): Target {
  if (specifier.startsWith('node:')) return { kind: 'node', name: specifier };
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) {
    const resolved = specifier.startsWith('.')
      ? path.posix.normalize(path.posix.join(path.posix.dirname(importer), specifier))
      : specifier;
    if (resolved.startsWith(`${SRC_ROOT}/`)) return { kind: 'src', path: resolved, place: placeOf(resolved) };
    if (resolved === SANDBOX_ROOT || resolved.startsWith(`${SANDBOX_ROOT}/`)) return { kind: 'sandbox', path: resolved };
    return { kind: 'outside', path: resolved };
  }
  const name = packageName(specifier);
  if (BUILTINS.has(specifier) || BUILTINS.has(name)) return { kind: 'node', name: `node:${specifier}` };
  return { kind: 'package', name };
}

const ALLOWED_SRC: Readonly<Record<Exclude<Layer, 'connectors' | 'app' | 'cli'>, readonly Layer[]>> = {
  core: ['core'],
  ports: ['core', 'ports'],
  engine: ['core', 'ports', 'engine'],
  store: ['core', 'ports', 'engine', 'store'],
  queue: ['core', 'ports', 'engine', 'queue'],
  config: ['core', 'ports', 'engine', 'config'],
};

const RULES = {
  core: 'core/ may import only core/, node:crypto and the packages in CORE_ALLOWED_PACKAGES',
  ports: 'ports/ may import only core/ and ports/',
  engine: 'engine/ may import only core/, ports/ and engine/',
  store: 'store/ may import only core/, ports/, engine/ and store/',
  queue: 'queue/ may import only core/, ports/, engine/ and queue/',
  config: 'config/ may import only core/, ports/, engine/ and config/',
  connectors: 'a connector may import only core/, ports/, engine/, its own folder, connectors/http/ and files directly in connectors/',
  cli: 'nothing outside cli/ imports cli/',
  app: 'only cli/ imports app.ts',
  sandbox: 'only cli/ may import sandbox/',
  outside: 'companion/src imports nothing outside companion/src (cli/ may also import sandbox/)',
  unplaced: `not in a known layer (${LAYERS.map((l) => (l === 'app' ? 'app.ts' : `${l}/`)).join(', ')})`,
  unplacedTarget: 'the imported file is in no known layer',
} as const;

/** The rule an import breaks, or undefined when it is allowed. */
export function brokenRule(from: Place, target: Target): string | undefined {
  const layer = from.layer;
  if (layer === undefined) return RULES.unplaced;
  switch (target.kind) {
    case 'node':
      if (layer === 'core') return CORE_ALLOWED_NODE.includes(target.name) ? undefined : RULES.core;
      if (layer === 'ports' || layer === 'engine') return RULES[layer];
      return undefined;
    case 'package':
      if (layer === 'core') return CORE_ALLOWED_PACKAGES.includes(target.name) ? undefined : RULES.core;
      if (layer === 'ports' || layer === 'engine') return RULES[layer];
      return undefined;
    case 'sandbox':
      return layer === 'cli' ? undefined : RULES.sandbox;
    case 'outside':
      return RULES.outside;
    case 'src': {
      const to = target.place.layer;
      if (to === 'cli') return layer === 'cli' ? undefined : RULES.cli;
      if (to === 'app') return layer === 'cli' || layer === 'app' ? undefined : RULES.app;
      if (layer === 'cli' || layer === 'app') return to === undefined ? RULES.unplacedTarget : undefined;
      if (to === undefined) return RULES.unplacedTarget;
      if (layer === 'connectors') {
        if (to === 'core' || to === 'ports' || to === 'engine') return undefined;
        if (to !== 'connectors') return RULES.connectors;
        const mine = from.sub;
        const theirs = target.place.sub;
        if (mine === undefined || theirs === undefined || theirs === mine) return undefined;
        return CONNECTOR_SHARED_FOLDERS.includes(theirs) ? undefined : RULES.connectors;
      }
      return ALLOWED_SRC[layer].includes(to) ? undefined : RULES[layer];
    }
  }
}

/** The whole rule set over a set of files: pure, so it can be tested on synthetic inputs. */
export function checkImportRules(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = placeOf(file.path);
    if (from.layer === undefined) {
      violations.push({ file: file.path, line: 1, specifier: '', rule: RULES.unplaced });
      continue;
    }
    for (const ref of findImports(file.text)) {
      const rule = brokenRule(from, classify(file.path, ref.specifier));
      if (rule !== undefined) violations.push({ file: file.path, line: ref.line, specifier: ref.specifier, rule });
    }
  }
  return violations;
}

export function formatViolation(v: Violation): string {
  return v.specifier === '' ? `${v.file}:${v.line} (${v.rule})` : `${v.file}:${v.line} imports ${v.specifier} (${v.rule})`;
}

/** Reads every source file under <root>/companion/src. */
export function readSources(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const visit = (rel: string): void => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const childRel = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(childRel);
      } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
        out.push({ path: childRel, text: readFileSync(path.join(root, childRel), 'utf8') });
      }
    }
  };
  visit(SRC_ROOT);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const files = readSources(root);
  const violations = checkImportRules(files);
  for (const v of violations) console.error(formatViolation(v));
  if (violations.length > 0) {
    console.error(`check-imports: ${violations.length} violation(s) in ${files.length} files`);
    process.exitCode = 1;
  } else {
    console.log(`check-imports: ${files.length} files follow the layer rules`);
  }
}

const entry = process.argv[1];
if (entry !== undefined && path.resolve(entry) === fileURLToPath(import.meta.url)) main();
