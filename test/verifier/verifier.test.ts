import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ServiceUnavailable, TokenInvalid } from '../../src/core/errors.js'
import {
  createKeyRing,
  hmacKeyRing,
  type KeyRingDocument,
  loadDocument,
  newStoredKey,
  retireInDocument,
  rotateDocument,
} from '../../src/keys/index.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'
import { createVerifier } from '@tessera/verify'

const settings = loadSettings({ mode: 'test' })

async function issuer(document: KeyRingDocument) {
  const ring = createKeyRing(await loadDocument(structuredClone(document), 'test'))
  return { ring, codec: new TokenCodec(settings, ring) }
}

/** A real JWKS host on loopback that serves whatever ring it is given, and counts fetches. */
function jwksHost(jwks: () => object) {
  let fetches = 0
  const server: Server = createServer((_request, response) => {
    fetches++
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks()))
  })
  return {
    fetches: () => fetches,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const address = server.address()
          resolve(
            `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/.well-known/jwks.json`,
          )
        }),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.()
})

describe('createVerifier', () => {
  it('refuses unsafe or contradictory options at creation', () => {
    expect(() => createVerifier({ algorithms: ['HS256'] })).toThrow(TypeError)
    expect(() => createVerifier({ secret: 'x', publicKey: 'y', algorithms: ['HS256'] })).toThrow(TypeError)
    expect(() => createVerifier({ secret: 'x', algorithms: [] })).toThrow(TypeError)
    // `algorithms` is typed as the supported ones: TypeScript refuses these, JavaScript callers get a TypeError.
    // @ts-expect-error 'none' is never an algorithm
    expect(() => createVerifier({ secret: 'x', algorithms: ['none'] })).toThrow(/none/)
    // @ts-expect-error a typo is not an algorithm
    expect(() => createVerifier({ secret: 'x', algorithms: ['HS257'] })).toThrow(
      /unsupported algorithms HS257/,
    )
    expect(() => createVerifier({ secret: 'x', algorithms: ['RS256'] })).toThrow(/HS256/)
    expect(() => createVerifier({ jwksUrl: 'http://127.0.0.1/jwks', algorithms: ['HS256'] })).toThrow(
      /RFC 8725/,
    )
  })

  it('verifies with a shared secret, typed: a refresh token is not an access token', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes!!'
    const codec = new TokenCodec(settings, await hmacKeyRing(secret, 'HS256'))
    const access = (await codec.issue('access', 5, { roles: ['staff'] })).token
    const refresh = (await codec.issue('refresh', 5, {})).token
    const verifier = createVerifier({ secret, algorithms: ['HS256'] })
    expect(await verifier.verify(access)).toMatchObject({
      userId: 5,
      type: 'access',
      claims: { roles: ['staff'] },
    })
    const wrongType = await verifier.verify(refresh).catch((error: unknown) => error)
    expect(wrongType).toBeInstanceOf(TokenInvalid)
    expect((wrongType as TokenInvalid).reason).toBe('wrong_type')
    await expect(
      createVerifier({ secret: 'another-secret-of-32-bytes-or-more!!', algorithms: ['HS256'] }).verify(
        access,
      ),
    ).rejects.toBeInstanceOf(TokenInvalid)
  })

  it('follows a remote JWKS: caches it, refetches on an unknown kid after rotation', async () => {
    const document: KeyRingDocument = { keys: [await newStoredKey('EdDSA', new Date())] }
    let current = await issuer(document)
    const host = jwksHost(() => current.ring.jwks())
    const url = await host.start()
    stops.push(host.stop)
    const verifier = createVerifier({ jwksUrl: url, algorithms: ['EdDSA', 'ES256'], cooldownMs: 0 })
    const first = (await current.codec.issue('access', 9, { roles: ['staff'] })).token
    expect((await verifier.verify(first)).claims.roles).toEqual(['staff'])
    expect((await verifier.verify(first)).userId).toBe(9)
    expect(host.fetches()).toBe(1)

    await rotateDocument(document, 'ES256', new Date(Date.now() + 1000))
    current = await issuer(document)
    const second = (await current.codec.issue('access', 9, {})).token
    expect((await verifier.verify(second)).userId).toBe(9)
    expect(host.fetches()).toBe(2)
    expect((await verifier.verify(first)).userId).toBe(9)
  })

  it('an unknown kid that stays unknown is token_not_valid; a dead JWKS host is a clear error', async () => {
    const stranger = await issuer({ keys: [await newStoredKey('EdDSA', new Date())] })
    const known = await issuer({ keys: [await newStoredKey('EdDSA', new Date())] })
    const host = jwksHost(() => known.ring.jwks())
    const url = await host.start()
    const verifier = createVerifier({ jwksUrl: url, algorithms: ['EdDSA'], cooldownMs: 0, timeoutMs: 500 })
    const foreign = (await stranger.codec.issue('access', 1, {})).token
    const refused = await verifier.verify(foreign).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(TokenInvalid)
    expect((refused as TokenInvalid).reason).toBe('unknown_key')
    await host.stop()

    // Nothing listens any more: connection refused, answered as the dependency being down.
    const fresh = createVerifier({ jwksUrl: url, algorithms: ['EdDSA'], timeoutMs: 500 })
    const error = await fresh
      .verify((await known.codec.issue('access', 1, {})).token)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ServiceUnavailable)
    expect((error as ServiceUnavailable).code).toBe('service_unavailable')
  })

  it('a JWKS host that accepts but never answers fails with ServiceUnavailable, not a hang', async () => {
    const held: import('node:http').ServerResponse[] = []
    const server = createServer((_request, response) => {
      held.push(response) // never answered
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          for (const response of held) response.destroy()
          server.close(() => resolve())
        }),
    )
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const { codec } = await issuer({ keys: [await newStoredKey('EdDSA', new Date())] })
    const verifier = createVerifier({
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      algorithms: ['EdDSA'],
      timeoutMs: 200,
    })
    // Were the timeout ignored, this would hang until vitest's own test timeout fails the test.
    const error = await verifier
      .verify((await codec.issue('access', 1, {})).token)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ServiceUnavailable)
    expect(held.length).toBeGreaterThan(0)
  })

  it('within the cool-down an unknown kid causes no refetch; a retired key is dropped on refetch', async () => {
    const document: KeyRingDocument = { keys: [await newStoredKey('ES256', new Date())] }
    let current = await issuer(document)
    const host = jwksHost(() => current.ring.jwks())
    const url = await host.start()
    stops.push(host.stop)
    const patient = createVerifier({ jwksUrl: url, algorithms: ['ES256'], cooldownMs: 3_600_000 })
    const oldToken = (await current.codec.issue('access', 4, {})).token
    expect((await patient.verify(oldToken)).userId).toBe(4)
    expect(host.fetches()).toBe(1)

    const oldKid = document.keys[0]?.kid ?? ''
    await rotateDocument(document, 'ES256', new Date(Date.now() + 1000))
    retireInDocument(document, oldKid)
    current = await issuer(document)
    const newToken = (await current.codec.issue('access', 4, {})).token
    // A flood of unknown kids cannot turn the verifier into a fetch amplifier (RFC 8725 §3.10 spirit).
    for (let i = 0; i < 3; i++) await expect(patient.verify(newToken)).rejects.toBeInstanceOf(TokenInvalid)
    expect(host.fetches()).toBe(1)

    const eager = createVerifier({ jwksUrl: url, algorithms: ['ES256'], cooldownMs: 0 })
    expect((await eager.verify(newToken)).userId).toBe(4)
    const retired = await eager.verify(oldToken).catch((error: unknown) => error)
    expect(retired).toBeInstanceOf(TokenInvalid)
    expect((retired as TokenInvalid).reason).toBe('unknown_key')
  })

  it('verifies with a public key PEM or JWK', async () => {
    const { ring, codec } = await issuer({ keys: [await newStoredKey('ES256', new Date())] })
    const jwk = ring.jwks().keys[0]
    if (jwk === undefined) throw new Error('no public key')
    const { createPublicKey } = await import('node:crypto')
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString()
    const token = (await codec.issue('access', 3, {})).token
    expect((await createVerifier({ publicKey: pem, algorithms: ['ES256'] }).verify(token)).userId).toBe(3)
    expect((await createVerifier({ publicKey: jwk, algorithms: ['ES256'] }).verify(token)).userId).toBe(3)
    await expect(
      createVerifier({ publicKey: jwk, algorithms: ['ES384'] }).verify(token),
    ).rejects.toBeInstanceOf(TokenInvalid)
  })
})
