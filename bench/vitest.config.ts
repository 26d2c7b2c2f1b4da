import { defineConfig } from 'vitest/config';

// The bench's own unit tests (workload generators, stats, report): `npx vitest run --config bench/vitest.config.ts`.
// Kept apart from the main suite because the root config only collects src/ and test/.
export default defineConfig({
  test: {
    include: ['bench/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
