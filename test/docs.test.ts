import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@tessera/protocol'
import { settingsTable } from '../src/settings/docs.js'

const doc = (name: string) => readFileSync(resolve(import.meta.dirname, '../docs', name), 'utf8')

describe('docs match the code', () => {
  it('docs/errors.md lists every error code and no stale one', () => {
    const listed = new Set([...doc('errors.md').matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]))
    expect([...listed].sort()).toEqual([...ERROR_CODES].sort())
  })

  it('docs/settings.md holds the generated settings table', () => {
    expect(doc('settings.md')).toContain(settingsTable())
  })
})
