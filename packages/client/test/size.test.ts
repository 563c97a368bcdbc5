import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

/** The budget from issue 4: the browser bundle of `@tessera/client`, minified and gzipped. */
const BUDGET_BYTES = 6144

describe('@tessera/client bundle', () => {
  it('stays within 6 KB min+gzip and pulls in nothing from Node', async () => {
    const result = await build({
      entryPoints: [resolve(import.meta.dirname, '../src/index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    })
    const code = result.outputFiles[0]?.contents
    expect(code).toBeDefined()
    const text = new TextDecoder().decode(code)
    expect(text).not.toMatch(/from\s*["']node:|require\(/)
    // Tree-shaking dropped the protocol's runtime tables the client does not use.
    expect(text).not.toContain('payload_too_large')
    const gzipped = gzipSync(code ?? new Uint8Array()).length
    expect(gzipped).toBeGreaterThan(500)
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES)
  })
})
