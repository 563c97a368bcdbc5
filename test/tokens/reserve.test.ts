/**
 * `reserve` fixes a token's jti, iat and exp before its claims are known (a refresh records the
 * new token and reads the user in one step, then signs); `issue` signs exactly what was reserved.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { hmacKeyRing } from '../../src/keys/hmac.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'

const KEY = 'reserve-test-key-of-sufficient-length!!!'
const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: KEY } })

async function codecAt(clock: ManualClock) {
  return new TokenCodec(settings, await hmacKeyRing(KEY, 'HS256'), clock, { cacheSize: 0 })
}

describe('TokenCodec.reserve', () => {
  it('signs the reserved jti, iat and exp even when the clock moved on', async () => {
    const clock = new ManualClock(1_795_000_000_000)
    const codec = await codecAt(clock)
    const reserved = codec.reserve('refresh', { iat: 1_795_000_005 })
    expect(reserved.iat).toBe(1_795_000_005)
    expect(reserved.exp).toBe(1_795_000_000 + codec.lifetimeOf('refresh'))
    clock.advance(3_000)
    const issued = await codec.issue('refresh', 42, { email: 'a@example.com' }, { reserved, iat: 1 })
    expect(issued).toMatchObject({ jti: reserved.jti, iat: reserved.iat, exp: reserved.exp })
    const verified = await codec.verify(issued.token, 'refresh')
    expect(verified).toMatchObject({ jti: reserved.jti, iat: reserved.iat, exp: reserved.exp, userId: 42 })
    expect(verified.claims.email).toBe('a@example.com')
  })

  it('gives every reservation its own jti', async () => {
    const codec = await codecAt(new ManualClock(1_795_000_000_000))
    const jtis = new Set(Array.from({ length: 1000 }, () => codec.reserve('access').jti))
    expect(jtis.size).toBe(1000)
  })

  it('refuses to sign a reservation as another type', async () => {
    const codec = await codecAt(new ManualClock(1_795_000_000_000))
    const reserved = codec.reserve('access')
    await expect(codec.issue('refresh', 1, {}, { reserved })).rejects.toThrow(TypeError)
  })
})
