import type { JWK } from 'jose'
import { SettingsError } from '../core/errors.js'
import type { Algorithm } from '@tessera/protocol'
import { importRingDocument, parseRingDocument } from './document.js'
import { isHmacAlgorithm } from './algorithms.js'
import { generatePrivateJwk, type LoadedKey, loadPrivateJwk } from './material.js'
import type { KeyMaterial, KeyRing, SigningKey } from './ring.js'

/**
 * `active`: verifies, and the newest active key signs. `next`: verifies and is published in the
 * JWKS but does not sign yet (stage it on every instance, then promote it: no instance ever sees a
 * token signed with a key it does not know). `retired`: verifies nothing.
 */
export type KeyStatus = 'active' | 'next' | 'retired'

/** One key as stored in `keyring.json` (or `SIGNING_KEYS`): the private JWK plus Tessera's facts. */
export interface StoredKey {
  kid: string
  alg: Algorithm
  status: KeyStatus
  /** ISO 8601; the newest active key signs. */
  created_at: string
  /** Generated automatically in development: production refuses to start with it. */
  generated_for_development?: boolean
  jwk: JWK
}

export interface KeyRingDocument {
  keys: StoredKey[]
}

export interface RingKey extends LoadedKey {
  readonly status: KeyStatus
  readonly createdAt: number
  /** Verification only (a peer's `VERIFYING_KEY`). */
  readonly verifyOnly?: boolean
}

/**
 * How many live HMAC keys of one algorithm a token without `kid` is tried against: enough for a
 * rotation with a staged key on top (old, current, next).
 */
export const MAX_KIDLESS_CANDIDATES = 3

/**
 * The key ring: the newest active key signs; every key not retired verifies, chosen by the
 * token's `kid` and only for the algorithm it was made for (RFC 8725 §3.1: an HMAC secret is
 * never tried as a public key, nor the reverse). Every token names its key in `kid`, HMAC ones too;
 * one without (simplejwt's) is tried against the live HMAC keys of its algorithm. Retiring a key
 * stops its tokens at once.
 */
export function createKeyRing(keys: readonly RingKey[]): KeyRing & { readonly keys: readonly RingKey[] } {
  const live = keys.filter((key) => key.status !== 'retired')
  const signer = live
    .filter((key) => key.status === 'active' && !key.verifyOnly)
    .sort((a, b) => b.createdAt - a.createdAt)[0]
  if (signer === undefined) throw new SettingsError('SIGNING_KEY', 'the key ring has no active signing key')
  const byKid = new Map(live.map((key) => [key.kid, key]))
  // Two live keys under one kid would make the choice of key depend on order: refuse the ring.
  if (byKid.size !== live.length) throw new SettingsError('SIGNING_KEYS', 'two keys share one kid')
  const signing: SigningKey = { kid: signer.kid, alg: signer.alg, key: signer.signing }
  const algorithms = [...new Set(live.map((key) => key.alg))]
  const jwks = { keys: live.flatMap((key) => (key.publicJwk === undefined ? [] : [{ ...key.publicJwk }])) }
  const kidless = kidlessCandidates(live, signer)
  return {
    keys,
    algorithms,
    signingKey: () => signing,
    verificationKey(header) {
      if (header.kid !== undefined) {
        const key = byKid.get(header.kid)
        return key !== undefined && key.alg === header.alg ? key.verifying : undefined
      }
      const candidates = kidless.get(header.alg)
      return candidates?.length === 1 ? candidates[0] : candidates
    },
    jwks: () => structuredClone(jwks),
  }
}

/**
 * A token without `kid` (simplejwt signs none) can only be meant for an HMAC secret: per HMAC
 * algorithm, its live keys to try, the signing key first and then the newest, at most
 * `MAX_KIDLESS_CANDIDATES` so a forged token costs a bounded number of HMACs.
 */
function kidlessCandidates(live: readonly RingKey[], signer: RingKey): Map<string, readonly KeyMaterial[]> {
  const byAlg = new Map<string, readonly KeyMaterial[]>()
  const newestFirst = live
    .filter((key) => isHmacAlgorithm(key.alg))
    .sort((a, b) => Number(b === signer) - Number(a === signer) || b.createdAt - a.createdAt)
  for (const key of newestFirst) {
    const keys = byAlg.get(key.alg) ?? []
    if (keys.length < MAX_KIDLESS_CANDIDATES) byAlg.set(key.alg, [...keys, key.verifying])
  }
  return byAlg
}

/** A new key for the ring document (pure: the caller writes the file). */
export async function newStoredKey(alg: Algorithm, now: Date, developmentOnly = false): Promise<StoredKey> {
  const jwk = await generatePrivateJwk(alg)
  const loaded = await loadPrivateJwk(jwk, alg)
  return {
    kid: loaded.kid,
    alg,
    status: 'active',
    created_at: now.toISOString(),
    ...(developmentOnly ? { generated_for_development: true } : {}),
    jwk: { ...jwk, kid: loaded.kid },
  }
}

/**
 * Rotation: a new key that signs from now on (or, with `stage`, only verifies until promoted);
 * older keys keep verifying until retired, so no token still within its lifetime breaks.
 */
export async function rotateDocument(
  document: KeyRingDocument,
  alg: Algorithm,
  now: Date,
  stage = false,
): Promise<StoredKey> {
  const key = await newStoredKey(alg, now)
  if (stage) key.status = 'next'
  document.keys.push(key)
  return key
}

/** A staged (`next`) key becomes the signing key. */
export function promoteInDocument(document: KeyRingDocument, kid: string, now: Date): void {
  const key = document.keys.find((candidate) => candidate.kid === kid)
  if (key === undefined || key.status !== 'next')
    throw new SettingsError('kid', `no staged key ${kid} in the ring`)
  key.status = 'active'
  key.created_at = now.toISOString()
}

/** The key that signs: the newest active one (undefined for a ring without an active key). */
export function signerOf(document: KeyRingDocument): StoredKey | undefined {
  return document.keys
    .filter((candidate) => candidate.status === 'active')
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))[0]
}

/** Retirement: the key no longer verifies anything. The signing key cannot be retired. */
export function retireInDocument(document: KeyRingDocument, kid: string): void {
  const key = document.keys.find((candidate) => candidate.kid === kid)
  if (key === undefined) throw new SettingsError('kid', `no key ${kid} in the ring`)
  if (signerOf(document)?.kid === kid)
    throw new SettingsError('kid', `${kid} signs new tokens: rotate first, then retire it`)
  key.status = 'retired'
}

/**
 * Checks and loads a ring document (the file, `SIGNING_KEYS`, or `importRingDocument`'s result):
 * every key imported once, its public half checked against its private half.
 *
 * @throws SettingsError naming `source` for a malformed document or key
 */
export async function loadDocument(document: unknown, source: string): Promise<RingKey[]> {
  const keys: RingKey[] = []
  for (const stored of parseRingDocument(document, source).keys) {
    let loaded: LoadedKey
    try {
      loaded = await loadPrivateJwk(stored.jwk, stored.alg, stored.kid === '' ? undefined : stored.kid)
    } catch (error) {
      if (error instanceof SettingsError) throw error
      // jose's message names the member at fault, never its value.
      throw new SettingsError(source, `key ${stored.kid || stored.alg}: ${(error as Error).message}`)
    }
    keys.push({ ...loaded, status: stored.status, createdAt: Date.parse(stored.created_at) })
  }
  return keys
}

/**
 * Fills in the `kid` of keys that came without one (a hand-written JWK Set): the RFC 7638
 * thumbprint of the public key, so the CLI can name every key.
 */
export async function completeDocument(document: KeyRingDocument, source: string): Promise<KeyRingDocument> {
  const loaded = await loadDocument(document, source)
  return {
    keys: document.keys.map((stored, index) => ({ ...stored, kid: loaded[index]?.kid ?? stored.kid })),
  }
}

/**
 * A key ring from its serialized form (`exportRing`'s JWK Set, a plain private JWK Set, or the
 * older Tessera document). Pure: the caller reads the text from wherever it is kept.
 *
 * @throws SettingsError for text that is not a usable key ring
 */
export async function importRing(
  json: string,
  source = 'key ring',
): Promise<KeyRing & { readonly keys: readonly RingKey[] }> {
  return createKeyRing(await loadDocument(importRingDocument(json, source), source))
}
