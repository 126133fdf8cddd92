import fs from 'node:fs';
import { translate, isItemKind, ITEM_KINDS, TranslateError } from '../core/translate.ts';
import { UsageError } from './usage-error.ts';

/** `syncline map --from K --to K [FILE]`: one item in (file or stdin), the mapped record and its warnings out. */
export async function runMap(opts: { from?: string; to?: string; file?: string; timeZone?: string; category?: string; selected?: boolean }): Promise<number> {
  const kinds = ITEM_KINDS.join(', ');
  if (!opts.from || !isItemKind(opts.from)) throw new UsageError(`--from must be one of ${kinds}`);
  if (!opts.to || !isItemKind(opts.to)) throw new UsageError(`--to must be one of ${kinds}`);
  let text: string;
  try {
    text = opts.file && opts.file !== '-' ? fs.readFileSync(opts.file, 'utf8') : await readStdin();
  } catch (err) {
    throw new UsageError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${opts.file && opts.file !== '-' ? opts.file : 'standard input'} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    if (opts.timeZone !== undefined && !isZone(opts.timeZone)) throw new UsageError(`--time-zone "${opts.timeZone}" is not an IANA time zone`);
    const result = translate(opts.from, opts.to, input, { timeZone: opts.timeZone, category: opts.category, selection: opts.selected ? 'selected' : 'all' });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    for (const w of result.warnings) process.stderr.write(`warning: ${w.stage} ${w.field} [${w.code}] ${w.message}\n`);
    for (const e of result.errors ?? []) process.stderr.write(`error: ${e.field} [${e.code}] ${e.message}\n`);
    // An item the target would refuse is reported with exit 1, so scripts can tell.
    return (result.errors ?? []).length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof TranslateError) throw new UsageError(err.message);
    throw err;
  }
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('give a FILE or pipe one JSON item on standard input');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
