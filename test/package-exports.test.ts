import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
/** `tessera` and each workspace package, by directory. */
const PACKAGE_DIRS = ['.', 'packages/protocol', 'packages/client', 'packages/react', 'packages/verify']

interface Manifest {
  name: string
  exports: Record<string, string | { types: string; default: string }>
}
const manifests = PACKAGE_DIRS.map((dir) => ({
  dir: resolve(ROOT, dir),
  manifest: JSON.parse(readFileSync(resolve(ROOT, dir, 'package.json'), 'utf8')) as Manifest,
}))

describe('package exports', () => {
  it('every subpath of every package resolves to built code with types (npm test builds first)', async () => {
    for (const { dir, manifest } of manifests) {
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === 'string') continue
        const where = `${manifest.name} ${subpath}`
        expect(readFileSync(resolve(dir, target.types), 'utf8').length, where).toBeGreaterThan(0)
        const module = await import(resolve(dir, target.default))
        expect(Object.keys(module).length, where).toBeGreaterThan(0)
      }
    }
  })

  it('exports the names it promised: a name removed or added shows in this snapshot', async () => {
    const names: Record<string, string[]> = {}
    for (const { dir, manifest } of manifests) {
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === 'string') continue
        names[`${manifest.name} ${subpath}`] = Object.keys(await import(resolve(dir, target.default))).sort()
      }
    }
    expect(names).toMatchSnapshot()
  })
})
