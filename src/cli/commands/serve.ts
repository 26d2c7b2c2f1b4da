/**
 * `clove serve`: runs the HTTP service until SIGINT/SIGTERM, then shuts down gracefully.
 * Flags override the environment (`PORT`, `HOST`, `DATABASE_URL`, `CLOVE_KEYS`, ...).
 */
import { loadConfig } from '../../config.ts';
import { startServer } from '../../main.ts';
import { createLogger } from '../../service/index.ts';
import { runCommand, opt } from '../run-command.ts';
import { EXIT } from '../exit-codes.ts';

const USAGE = `usage: clove serve [--port N] [--host ADDR] [--store memory|DIR|postgres://...]
                   [--keys id:role:secret,...] [--keys-file FILE] [--log-level LEVEL] [--migrate]
                   [--decision-log stdout|FILE] [--decision-log-sample 0..1]
                   [--decision-log-proofs deferred|inline|off]

Defaults: port 8080 (PORT), host 127.0.0.1 (HOST), store ./.clove (DATABASE_URL).
Without API keys the server only listens on loopback. PGlite directories are created and
migrated automatically; a Postgres database needs \`clove migrate\` first, or --migrate
(CLOVE_AUTO_MIGRATE=1) to migrate on start. --decision-log (CLOVE_DECISION_LOG) writes one JSON
line per decision (all of them unless sampled); see docs/guides/agent-delegation.md.
`;

export async function run(args: string[]): Promise<number> {
  return runCommand(
    'serve',
    USAGE,
    {
      port: 'value',
      host: 'value',
      store: 'value',
      keys: 'value',
      'keys-file': 'value',
      'log-level': 'value',
      migrate: 'flag',
      'decision-log': 'value',
      'decision-log-sample': 'value',
      'decision-log-proofs': 'value',
    },
    args,
    async (p) => {
      if (p.positionals.length > 0) {
        process.stderr.write(USAGE);
        return EXIT.usage;
      }
      const flags = {
        port: opt(p, 'port'),
        host: opt(p, 'host'),
        store: opt(p, 'store'),
        keys: opt(p, 'keys'),
        keysFile: opt(p, 'keys-file'),
        logLevel: opt(p, 'log-level'),
        migrate: p.options.migrate === true ? true : undefined,
        decisionLog: opt(p, 'decision-log'),
        decisionLogSample: opt(p, 'decision-log-sample'),
        decisionLogProofs: opt(p, 'decision-log-proofs'),
      };
      const config = loadConfig(
        Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
      );
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, { logger });
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      return EXIT.ok;
    },
  );
}
