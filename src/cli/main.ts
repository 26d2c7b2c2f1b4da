/**
 * @module cli
 * The `clove` command line. `main(argv)` dispatches to one command module and returns the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`clove: no commands yet (${argv.join(' ')})\n`);
  return 2;
}
