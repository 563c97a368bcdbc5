import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one PostgreSQL database and one Redis; each suite uses its own schema or
    // key prefix, so files can run in parallel on the two cores.
    pool: 'forks',
  },
})
