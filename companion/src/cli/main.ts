/** `syncline` — thin commands over app.ts and the sandbox. */
import { parseArgs } from 'node:util';
import { runStart } from './start-command.ts';
import { runStatus } from './status-command.ts';
import { runSandbox } from './sandbox-command.ts';
import { runDemo } from './demo-command.ts';
import { runMap } from './map-command.ts';
import { runReset } from './reset-command.ts';
import { runStoreKey } from './store-key-command.ts';
import { ConfigError } from '../config/load.ts';
import { UsageError } from './usage-error.ts';

const HELP = `syncline — sync contacts and events between Salesforce and Microsoft 365

Usage:
  syncline start --config FILE            run the companion until SIGINT/SIGTERM
  syncline status [--config FILE] [--json] per-user sync state, last sync each way, counts, errors
  syncline reset [--config FILE] --user ID_OR_EMAIL
                                          forget one user's links and cursors; the next pass re-pairs
                                          without duplicates (resumes a user the safety valve stopped)
  syncline store-key [--config FILE] (--new-key-file PATH | --new-key-env VAR)
                                          seal the store's hash key under a new storeKey (the config's
                                          storeKey opens it); then set the new one in the config
  syncline sandbox [--manifest FILE] [--dir DIR] [--users N] [--contacts M] [--faults FILE]
                                          run the local Salesforce + Microsoft 365 emulators
  syncline demo [--once] [--users N] [--contacts M] [--dir DIR]
                                          sandbox + companion in one process, seeded, with progress
  syncline map --from KIND --to KIND [--time-zone ZONE] [--category NAME] [--selected] [FILE]
                                          map one item (JSON, from FILE or stdin) as Syncline would;
                                          KIND: salesforce:contact, graph:contact, salesforce:event, graph:event
  syncline help                           this text

Options:
  --config FILE   companion configuration (JSON; see README "Configuration")
  --manifest FILE where the sandbox writes its manifest (JSON; see README "Sandbox manifest")
  --faults FILE   sandbox: fault rules per emulator (JSON; see README "Sandbox manifest")
  --once          demo: exit 0 after the first full convergence and a live round trip
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' },
      manifest: { type: 'string' },
      dir: { type: 'string' },
      users: { type: 'string' },
      contacts: { type: 'string' },
      faults: { type: 'string' },
      from: { type: 'string' },
      user: { type: 'string' },
      'time-zone': { type: 'string' },
      category: { type: 'string' },
      selected: { type: 'boolean', default: false },
      to: { type: 'string' },
      once: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'new-key-file': { type: 'string' },
      'new-key-env': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (command !== 'map' && positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const int = (name: 'users' | 'contacts', v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 100000) throw new UsageError(`--${name} must be a whole number between 0 and 100000, got "${v}"`);
    return n;
  };
  switch (command) {
    case 'start':
      if (!values.config) throw new UsageError('start needs --config FILE');
      return runStart(values.config);
    case 'status':
      return runStatus(values.config ?? 'syncline.json', values.json ?? false);
    case 'reset':
      return runReset(values.config ?? 'syncline.json', values.user);
    case 'store-key':
      return runStoreKey(values.config ?? 'syncline.json', { newKeyFile: values['new-key-file'], newKeyEnv: values['new-key-env'] });
    case 'sandbox':
      return runSandbox({ manifest: values.manifest, dir: values.dir, users: int('users', values.users), contacts: int('contacts', values.contacts), faults: values.faults });
    case 'map':
      if (positionals.length > 1) throw new UsageError('map takes at most one FILE');
      return runMap({ from: values.from, to: values.to, file: positionals[0], timeZone: values['time-zone'], category: values.category, selected: values.selected });
    case 'demo':
      return runDemo({ once: values.once ?? false, dir: values.dir, users: int('users', values.users), contacts: int('contacts', values.contacts) });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}


try {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
} catch (err) {
  if (err instanceof UsageError || err instanceof ConfigError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`syncline: ${err.message}\n`);
    if (err instanceof UsageError || !(err instanceof ConfigError)) process.stderr.write(`Run "syncline help" for usage.\n`);
    process.exitCode = 2;
  } else {
    // The message names what failed; the stack is for developers (SYNCLINE_DEBUG=1).
    const detail = err instanceof Error ? (process.env.SYNCLINE_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`syncline: ${detail}\n`);
    process.exitCode = 1;
  }
}
