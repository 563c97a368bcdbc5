import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { KeyRingDocument } from '../../src/keys/index.js'
import { runCommand } from '../helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { TESSERA_KEY_DIR: join(dir, 'keys') }
const ring = () => JSON.parse(readFileSync(join(dir, 'keys', 'keyring.json'), 'utf8')) as KeyRingDocument

const keys = (...args: string[]) => runCommand(env, 'keys', ...args)

describe('tessera keys', () => {
  it('generates a private ring file (0600 in a 0700 folder) and refuses to overwrite it', async () => {
    const generated = await keys('generate', '--alg', 'ES256')
    expect(generated.code).toBe(0)
    expect(generated.out).toMatch(/^Generated ES256 key /)
    expect(statSync(join(dir, 'keys', 'keyring.json')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700)
    expect(ring().keys).toHaveLength(1)
    expect(ring().keys[0]).toMatchObject({ alg: 'ES256', status: 'active' })
    expect(ring().keys[0]?.generated_for_development).toBeUndefined()
    expect((await keys('generate')).code).toBe(1)
  })

  it('rotates, stages, promotes, lists and retires', async () => {
    const first = ring().keys[0]?.kid ?? ''
    expect((await keys('rotate', '--alg', 'EdDSA')).out).toMatch(/^Rotated: EdDSA key /)
    const staged = await keys('rotate', '--stage')
    expect(staged.out).toMatch(/^Staged /)
    const stagedKid = ring().keys[2]?.kid ?? ''
    expect(ring().keys.map((key) => key.status)).toEqual(['active', 'active', 'next'])
    // The key that signs cannot be retired before another one takes over.
    const signer = ring().keys[1]?.kid ?? ''
    const refused = await keys('retire', signer)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('rotate first')
    expect((await keys('promote', stagedKid)).code).toBe(0)
    expect((await keys('retire', first)).code).toBe(0)
    expect(ring().keys.map((key) => key.status)).toEqual(['retired', 'active', 'active'])
    const listed = await keys('list')
    expect(listed.out.split('\n').filter(Boolean)).toHaveLength(4)
    expect(listed.out).toContain('retired')
    expect((await keys('retire', 'no-such-kid')).code).toBe(1)
    expect((await keys('frobnicate')).code).toBe(2)
  })

  it('takes a kid that begins with a dash', async () => {
    const document = ring()
    const target = document.keys[1]
    expect(target).toBeDefined()
    const result = await keys('retire', `-${'x'.repeat(10)}`)
    // Not parsed as an option: it is looked up (and not found), rather than failing to parse.
    expect(result.err).toContain('no key -xxxxxxxxxx in the ring')
  })
})
