/**
 * The long soak (manual, not part of `npm test`): the CI load test's mixed workload (99% checks /
 * 1% writes, known answers) against the real server process for SECONDS (default 300), printing
 * throughput, p50/p99 latency, errors, and the server's RSS and open descriptors over time.
 *
 *   node --import tsx bench/soak.ts [SECONDS=300] [CONNECTIONS=32] [--store memory|<dir>|postgres://…]
 *
 * Exits 1 if any request failed or answered wrongly. Figures go in docs/reliability.md.
 */
import { formatLoadReport, runLoad } from '../test/reliability/load-runner.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const storeAt = process.argv.indexOf('--store');
const seconds = Number(positional[0] ?? 300);
const connections = Number(positional[1] ?? 32);
const store = storeAt > 0 ? (process.argv[storeAt + 1] ?? 'memory') : 'memory';

const report = await runLoad({
  seconds,
  connections,
  serverArgs: store.startsWith('postgres') ? ['--migrate'] : ['--store', store],
  env: store.startsWith('postgres') ? { DATABASE_URL: store } : {},
  onProgress: (line) => console.log(line),
});
console.log(formatLoadReport(report));
console.log('\nRSS / fds samples (every 30 s):');
for (const s of report.samples.filter((_, i) => i % 30 === 0))
  console.log(
    `  ${s.atS.toFixed(0).padStart(5)} s  ${s.rssMb.toFixed(0).padStart(5)} MiB  ${s.fds} fds`,
  );
if (report.errors > 0) {
  console.error('first errors:', report.firstErrors);
  process.exit(1);
}
