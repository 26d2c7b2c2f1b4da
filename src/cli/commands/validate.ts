/**
 * `clove validate FILE.yaml...`: runs SpiceDB validation files (the `zed validate` format) against a
 * fresh in-memory store and reports each failing assertion or expected relation with its line.
 * Exit 0 when every file passes, 1 when any fails, 4 when a file cannot be read.
 */
import {
  loadValidationFile,
  formatValidationFailures,
  runValidationFile,
} from '../../validation/index.ts';
import { AppError, isAppError } from '../../errors.ts';
import { UsageError } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import { type Io, runCommand } from '../run-command.ts';

const USAGE = `usage: clove validate FILE.yaml...

Runs each validation file (schema, relationships, assertions, validation) in memory.
Exit 0: all pass; 1: failures (one line each: file:line: message).
`;

export async function run(args: string[], io?: Io): Promise<number> {
  return runCommand(
    'validate',
    USAGE,
    {},
    args,
    async (p, io) => {
      if (p.positionals.length === 0) throw new UsageError('give at least one file');
      let failed = false;
      for (const path of p.positionals) {
        let file: ReturnType<typeof loadValidationFile>;
        try {
          file = loadValidationFile(path);
        } catch (err) {
          if (isAppError(err)) throw err;
          throw new AppError(
            'invalid_validation_file',
            `cannot read ${path}: ${(err as Error).message}`,
          );
        }
        const report = await runValidationFile(file);
        const failures = formatValidationFailures(report);
        const counted = `${report.assertions.length} assertions, ${report.validation.length} expected relations`;
        if (report.passed) io.out(`${path}: ok (${counted})\n`);
        else {
          failed = true;
          for (const f of failures) io.out(`${f}\n`);
          io.out(`${path}: FAILED (${failures.length} failures; ${counted})\n`);
        }
      }
      return failed ? EXIT.no : EXIT.ok;
    },
    io,
  );
}
