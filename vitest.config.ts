import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run the packages from source, one copy of each module for server and package tests
    // alike; processes a test spawns run the built packages, as an install would.
    alias: [
      { find: /^@tessera\/verify\/engine$/, replacement: source('verify/src/engine/index.ts') },
      { find: /^@tessera\/(protocol|client|react|verify)$/, replacement: source('$1/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share one PostgreSQL database and one Redis; each suite uses its own schema or
    // key prefix, so files can run in parallel on the two cores.
    pool: 'forks',
  },
})
