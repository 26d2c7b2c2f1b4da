import { defineConfig } from 'vitest/config';

// Test files live beside their module (src/**) and in test/ for cross-module suites.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
