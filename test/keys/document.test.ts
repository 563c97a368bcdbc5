/**
 * The ring's serialized form: `exportRing` writes a JWK Set of private keys with Tessera's
 * metadata, `importRing` reads it back (and plain JWK Sets, and the older document shape); kids
 * are RFC 7638 thumbprints; PEM and JWK imports agree; nothing private is ever published.
 */
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import {
  createKeyRing,
  exportRing,
  importRing,
  importRingDocument,
  loadDocument,
  loadPrivatePem,
  loadPublicKey,
  newStoredKey,
  type StoredKey,
} from '../../src/keys/index.js'
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS } from '@tessera/protocol'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const at = (iso: string) => new Date(iso)

describe('exportRing / importRing', () => {
  it('round-trips every key with kid, status and creation time; the newest active key signs', async () => {
    const old = await newStoredKey('EdDSA', at('2026-01-01T00:00:00Z'))
    const current = await newStoredKey('ES384', at('2026-02-01T00:00:00Z'))
    const retired = {
      ...(await newStoredKey('RS256', at('2025-12-01T00:00:00Z'))),
      status: 'retired' as const,
    }
    const text = exportRing({ keys: [old, current, retired] })
    const parsed = JSON.parse(text) as { keys: Record<string, unknown>[] }
    // A plain JWK Set: each entry is a JWK with kid, alg and use, plus Tessera's metadata members.
    expect(parsed.keys.map((key) => [key.kid, key.alg, key.use, key.status])).toEqual([
      [old.kid, 'EdDSA', 'sig', 'active'],
      [current.kid, 'ES384', 'sig', 'active'],
      [retired.kid, 'RS256', 'sig', 'retired'],
    ])
    const ring = await importRing(text)
    expect(ring.signingKey()).toMatchObject({ kid: current.kid, alg: 'ES384' })
    expect(ring.keys.map((key) => [key.kid, key.status, key.createdAt])).toEqual([
      [old.kid, 'active', Date.parse('2026-01-01T00:00:00Z')],
      [current.kid, 'active', Date.parse('2026-02-01T00:00:00Z')],
      [retired.kid, 'retired', Date.parse('2025-12-01T00:00:00Z')],
    ])
    expect(ring.jwks().keys.map((key) => key.kid)).toEqual([old.kid, current.kid])
    const reread = importRingDocument(text).keys
    const facts = (key: StoredKey) => [key.kid, key.alg, key.status, key.created_at, key.jwk.d]
    expect(reread.map(facts)).toEqual([old, current, retired].map(facts))
  })

  it('reads a plain private JWK Set (no kid, no metadata): kids are thumbprints, the first key signs', async () => {
    const a = {
      ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)),
      alg: 'ES256',
    }
    const b = {
      ...(await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).privateKey)),
      alg: 'EdDSA',
    }
    const ring = await importRing(JSON.stringify({ keys: [a, b] }))
    const { d: _a, ...publicA } = a
    expect(ring.signingKey().kid).toBe(await calculateJwkThumbprint(publicA, 'sha256'))
    expect(ring.jwks().keys).toHaveLength(2)
  })

  it('reads the older {kid, alg, status, created_at, jwk} document', async () => {
    const stored = await newStoredKey('PS256', new Date())
    const ring = await importRing(JSON.stringify({ keys: [stored] }))
    expect(ring.signingKey().kid).toBe(stored.kid)
  })

  it('refuses malformed rings with SettingsError, never echoing key material', async () => {
    const stored = await newStoredKey('ES256', new Date())
    const d = stored.jwk.d as string
    const broken = exportRing({ keys: [stored] }).slice(0, -5)
    const error = await importRing(broken, 'SIGNING_KEYS').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SettingsError)
    expect(String((error as Error).message)).not.toContain(d.slice(0, 8))
    await expect(importRing('{"keys": 3}')).rejects.toBeInstanceOf(SettingsError)
    await expect(importRing(JSON.stringify({ keys: [{ ...stored.jwk, alg: 'none' }] }))).rejects.toThrow(
      /unsupported/,
    )
    // Two live keys under one kid would make key choice depend on order.
    const twin = { ...(await newStoredKey('ES256', new Date())), kid: stored.kid }
    await expect(importRing(exportRing({ keys: [stored, twin] }))).rejects.toThrow(/share one kid/)
    // A JWK whose public half belongs to another key would publish a key that verifies nothing.
    const other = await newStoredKey('ES256', new Date())
    const mismatched = {
      ...stored,
      kid: '',
      jwk: { ...stored.jwk, x: other.jwk.x as string, y: other.jwk.y as string },
    }
    await expect(importRing(exportRing({ keys: [mismatched] }))).rejects.toBeInstanceOf(SettingsError)
  })

  it('never publishes private or symmetric members, whatever the ring and however it was stored', async () => {
    const pool = await Promise.all(ALGORITHMS.map((alg) => newStoredKey(alg, new Date())))
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 8, selector: (key) => key.kid }),
        fc.array(fc.constantFrom<StoredKey['status']>('active', 'next', 'retired'), {
          minLength: 8,
          maxLength: 8,
        }),
        async (picked, statuses) => {
          const keys = picked.map((key, index) => ({
            ...structuredClone(key),
            status: index === 0 ? 'active' : (statuses[index] ?? 'active'),
          }))
          const ring = await importRing(exportRing({ keys }))
          const published = JSON.stringify(ring.jwks())
          for (const jwk of ring.jwks().keys) {
            for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member)
            expect(jwk).toMatchObject({ use: 'sig', kid: expect.any(String), alg: expect.any(String) })
          }
          for (const key of keys) {
            for (const member of PRIVATE_MEMBERS) {
              const value = (key.jwk as Record<string, unknown>)[member]
              if (typeof value === 'string') expect(published).not.toContain(value)
            }
          }
          const expected = keys.filter((key) => key.status !== 'retired' && !key.alg.startsWith('HS'))
          expect(ring.jwks().keys.map((key) => key.kid)).toEqual(expected.map((key) => key.kid))
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('kid and key import', () => {
  it.each(ASYMMETRIC_ALGORITHMS)('%s: kid is the RFC 7638 thumbprint of the public key', async (alg) => {
    const stored = await newStoredKey(alg, new Date())
    const ring = createKeyRing(await loadDocument({ keys: [stored] }, 'test'))
    const published = ring.jwks().keys[0] as JWK
    const { kid: _kid, use: _use, alg: _alg, ...bare } = published
    expect(stored.kid).toBe(await calculateJwkThumbprint(bare, 'sha256'))
    expect(published.kid).toBe(stored.kid)
    if (alg === 'EdDSA') expect(published).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' })
  })

  it('a PKCS#8 private PEM and its SPKI public PEM give one kid, and the same as the JWK', async () => {
    const cases = [
      ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
      ['ES512', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
      ['EdDSA', generateKeyPairSync('ed25519')],
    ] as const
    for (const [alg, pair] of cases) {
      const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
      const loaded = await loadPrivatePem(privatePem, alg)
      const peer = await loadPublicKey(publicPem, alg)
      const fromJwk = await loadPublicKey(pair.publicKey.export({ format: 'jwk' }) as JWK, alg)
      expect(peer.kid).toBe(loaded.kid)
      expect(fromJwk.kid).toBe(loaded.kid)
      expect(loaded.publicJwk).toEqual(peer.jwk)
      for (const member of PRIVATE_MEMBERS) expect(loaded.publicJwk).not.toHaveProperty(member)
    }
  })
})
