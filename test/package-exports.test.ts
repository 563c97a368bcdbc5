import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>
}

describe('package exports', () => {
  it('every subpath resolves to built code with types (npm test builds first)', async () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(readFileSync(resolve(ROOT, target.types), 'utf8').length, subpath).toBeGreaterThan(0)
      const module = await import(resolve(ROOT, target.default))
      expect(Object.keys(module).length, subpath).toBeGreaterThan(0)
    }
  })

  it('exports the names it promised: a name removed or added shows in this snapshot', async () => {
    const names: Record<string, string[]> = {}
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      names[subpath] = Object.keys(await import(resolve(ROOT, target.default))).sort()
    }
    expect(names).toMatchSnapshot()
  })
})
