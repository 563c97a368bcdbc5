/**
 * `tessera keys` run in-process with fake streams and a temporary KEY_DIR, checked against what a
 * server loading the same folder accepts: rotation keeps old tokens, retirement refuses them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { keysCommand } from '../../src/cli/commands/keys.js'
import { TokenInvalid } from '../../src/core/errors.js'
import { loadOrCreateKeyRing } from '../../src/node/key-files.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'

const cwd = mkdtempSync(join(tmpdir(), 'tessera-cli-keys-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

async function keys(env: Record<string, string>, ...args: string[]) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (chunk) => out.push(String(chunk)))
  stderr.on('data', (chunk) => err.push(String(chunk)))
  const code = await keysCommand.run(args, {
    env,
    cwd,
    stdin: Readable.from([]),
    stdout,
    stderr,
    interactive: false,
  })
  return { code, out: out.join(''), err: err.join('') }
}

const serverRing = (dir: string) =>
  loadOrCreateKeyRing(
    {
      MODE: 'production',
      ALGORITHM: 'EdDSA',
      SIGNING_KEY: null,
      SIGNING_KEYS: null,
      VERIFYING_KEY: null,
      KEY_DIR: dir,
    },
    {},
  )
const settings = loadSettings({ mode: 'test' })

describe('tessera keys (in-process)', () => {
  it('a relative KEY_DIR is the working directory of the command', async () => {
    const env = { TESSERA_KEY_DIR: 'relative/keys', TESSERA_ALGORITHM: 'HS512' }
    const generated = await keys(env, 'generate')
    expect(generated.code).toBe(0)
    expect(generated.out).toContain(join(cwd, 'relative', 'keys', 'keyring.json'))
    const file = JSON.parse(readFileSync(join(cwd, 'relative', 'keys', 'keyring.json'), 'utf8'))
    expect(file.keys[0]).toMatchObject({ kty: 'oct', alg: 'HS512', status: 'active' })
  })

  it('generate, rotate, list, retire: what the server accepts follows each step', async () => {
    const dir = join(cwd, 'ring')
    const env = { TESSERA_KEY_DIR: dir, TESSERA_ALGORITHM: 'EdDSA' }
    expect((await keys(env, 'list')).code).toBe(1)
    expect((await keys(env, 'generate')).code).toBe(0)
    const oldToken = (await new TokenCodec(settings, await serverRing(dir)).issue('access', 1, {})).token

    const rotated = await keys(env, 'rotate')
    expect(rotated.code).toBe(0)
    const newKid = /key (\S+) signs/.exec(rotated.out)?.[1] ?? ''
    const afterRotation = new TokenCodec(settings, await serverRing(dir), undefined, { cacheSize: 0 })
    expect((await afterRotation.verify(oldToken, 'access')).userId).toBe(1)
    const newToken = (await afterRotation.issue('access', 2, {})).token
    const header = JSON.parse(Buffer.from(newToken.split('.')[0] ?? '', 'base64url').toString())
    expect(header.kid).toBe(newKid)

    const listed = await keys(env, 'list')
    const lines = listed.out.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines.filter((line) => line.includes('(signing)'))).toEqual([expect.stringContaining(newKid)])
    // The listing names keys; it never prints key material.
    const file = readFileSync(join(dir, 'keyring.json'), 'utf8')
    for (const key of JSON.parse(file).keys) expect(listed.out).not.toContain(key.d)

    const oldKid = lines[1]?.split(/\s+/)[0] ?? ''
    expect((await keys(env, 'retire', oldKid)).code).toBe(0)
    const afterRetirement = new TokenCodec(settings, await serverRing(dir), undefined, { cacheSize: 0 })
    await expect(afterRetirement.verify(oldToken, 'access')).rejects.toBeInstanceOf(TokenInvalid)
    expect((await afterRetirement.verify(newToken, 'access')).userId).toBe(2)
  })

  it('operator mistakes are printed, with a non-zero exit code', async () => {
    const env = { TESSERA_KEY_DIR: join(cwd, 'mistakes') }
    const badAlg = await keys(env, 'generate', '--alg', 'none')
    expect(badAlg.code).toBe(1)
    expect(badAlg.err).toContain('--algorithm must be one of')
    expect((await keys(env, 'generate', '--bogus')).code).toBe(2)
    expect((await keys(env, 'retire')).code).toBe(2)
    expect((await keys(env)).err).toContain('usage: tessera keys')
  })
})
