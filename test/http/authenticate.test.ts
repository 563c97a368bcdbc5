/**
 * The authenticator's hot path for HMAC tokens: a token never seen before, of a user whose state is
 * cached, is answered synchronously (no promise), accepted or refused, when the codec has the
 * node:crypto verifier; without it, jose answers through a promise.
 */
import { describe, expect, it } from 'vitest'
import { UserGate } from '../../src/accounts/user-gate.js'
import { ManualClock } from '../../src/core/clock.js'
import { createAuthenticator } from '../../src/http/authenticate.js'
import { AccessTokenRejected } from '../../src/core/errors.js'
import { hmacKeyRing } from '../../src/keys/hmac.js'
import { nodeSyncVerifier } from '../../src/node/sync-verifier.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec, type TokenCodecOptions } from '../../src/tokens/codec.js'

const SECRET = 'authenticator-test-secret-0123456789abcdef'
const settings = loadSettings({ mode: 'test', overrides: { SIGNING_KEY: SECRET } })

async function setup(options: TokenCodecOptions) {
  const clock = new ManualClock(1_795_000_000_000)
  const codec = new TokenCodec(settings, await hmacKeyRing(SECRET, 'HS256'), clock, options)
  const gate = new UserGate(
    { findById: async (id: number) => ({ id, isActive: true }) as never },
    {
      cutoffsSince: async () => ({ cursor: 0, cutoffs: [] }),
      endedSessionsSince: async () => ({ cursor: 0, sessions: [] }),
    },
    clock,
  )
  await gate.load(7) // the user's state is cached from here on
  const observed: number[] = []
  const authenticate = createAuthenticator({
    codec,
    gate,
    clock,
    headerName: 'authorization',
    headerTypes: ['Bearer'],
    observe: (seconds) => observed.push(seconds),
  })
  // A new connection per request: the per-connection memo never helps.
  const request = (token: string) =>
    ({ raw: { socket: {}, rawHeaders: ['Authorization', `Bearer ${token}`] } }) as never
  return { codec, authenticate, request, observed }
}

const isThenable = (value: unknown) => typeof (value as { then?: unknown } | undefined)?.then === 'function'

describe('authenticating an HMAC token not verified before', () => {
  it('answers synchronously when the user state is cached', async () => {
    const { codec, authenticate, request, observed } = await setup({ syncVerifier: nodeSyncVerifier })
    const { token } = await codec.issue('access', 7, {})
    const answer = authenticate(request(token))
    expect(isThenable(answer)).toBe(false)
    expect(answer).toMatchObject({ userId: 7, token: { type: 'access', userId: 7 } })
    // The verification was timed once, as the async path times it.
    expect(observed).toHaveLength(1)
  })

  it('refuses synchronously too, with the reason jose would give', async () => {
    const { codec, authenticate, request } = await setup({ syncVerifier: nodeSyncVerifier })
    const { token } = await codec.issue('access', 7, {})
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`
    expect(() => authenticate(request(forged))).toThrow(AccessTokenRejected)
    expect(() => authenticate(request(forged))).toThrow(expect.objectContaining({ reason: 'bad_signature' }))
    const refresh = (await codec.issue('refresh', 7, {})).token
    expect(() => authenticate(request(refresh))).toThrow(expect.objectContaining({ reason: 'wrong_type' }))
  })

  it('falls back to jose, through a promise, without the verifier', async () => {
    const { codec, authenticate, request } = await setup({})
    const { token } = await codec.issue('access', 7, {})
    const answer = authenticate(request(token))
    expect(isThenable(answer)).toBe(true)
    expect(await answer).toMatchObject({ userId: 7 })
  })
})
