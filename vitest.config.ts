import { defineConfig } from 'vitest/config';

// Test files live beside their module (src/**), in test/ for cross-module suites, and in bench/ for
// the benchmark suite's own generators, statistics and reports.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
