import {
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
} from 'jose'
import { SettingsError } from '../core/errors.js'
import { ASYMMETRIC_ALGORITHMS, type Algorithm } from '@tessera/protocol'
import { PUBLIC_MEMBERS, publicJwkOf as publicMembersOf } from '@tessera/verify/engine'
import { isHmacAlgorithm } from './algorithms.js'
import type { KeyMaterial } from './ring.js'

export const isAsymmetricAlgorithm = (alg: string): boolean =>
  (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)

/** One key of the ring, ready to use: imported once, never per call. */
export interface LoadedKey {
  readonly kid: string
  readonly alg: Algorithm
  readonly signing: KeyMaterial
  readonly verifying: KeyMaterial
  /** Public JWK with kid, use and alg: undefined for HMAC secrets, which are never published. */
  readonly publicJwk: JWK | undefined
}

/** A copy of `jwk` with only public members, plus `kid`, `use: "sig"` and `alg` (what verifiers expect). */
export function publicJwkOf(jwk: JWK, kid: string, alg: Algorithm): JWK {
  const out = publicMembersOf(jwk, kid, alg)
  if (out === undefined) throw new SettingsError('SIGNING_KEY', `no public form for key type ${jwk.kty}`)
  return out
}

/** RFC 7638 thumbprint of the public key: a kid that names the key itself, stable across restarts. */
export async function kidOf(publicJwk: JWK): Promise<string> {
  const members = PUBLIC_MEMBERS[publicJwk.kty ?? '']
  const core: JWK = {}
  for (const member of members ?? []) {
    const value = (publicJwk as Record<string, unknown>)[member]
    if (typeof value === 'string') (core as Record<string, unknown>)[member] = value
  }
  return calculateJwkThumbprint(core, 'sha256')
}

/** A new private key for `alg`, as a JWK (HMAC: a random 512-bit `oct` key). */
export async function generatePrivateJwk(alg: Algorithm): Promise<JWK> {
  if (isHmacAlgorithm(alg)) {
    const bytes = new Uint8Array(64)
    globalThis.crypto.getRandomValues(bytes)
    return { kty: 'oct', k: base64url(bytes), alg }
  }
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  return { ...(await exportJWK(privateKey)), alg }
}

/** The `oct` JWK of an HMAC secret given as text (simplejwt's `SIGNING_KEY`: its UTF-8 bytes). */
export const hmacSecretJwk = (secret: string): JWK => ({
  kty: 'oct',
  k: base64url(new TextEncoder().encode(secret)),
})

/** Loads a private JWK (the ring file, `SIGNING_KEYS`) into signing and verifying keys. */
export async function loadPrivateJwk(jwk: JWK, alg: Algorithm, kid?: string): Promise<LoadedKey> {
  if (isHmacAlgorithm(alg)) {
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string')
      throw new SettingsError('SIGNING_KEYS', `an ${alg} key must be an oct JWK`)
    const secret = fromBase64url(jwk.k)
    const key = await importHmac(secret, alg)
    return {
      kid: kid ?? jwk.kid ?? (await hmacKid(secret)),
      alg,
      signing: key,
      verifying: key,
      publicJwk: undefined,
    }
  }
  if (typeof (jwk as { d?: unknown }).d !== 'string')
    throw new SettingsError('SIGNING_KEYS', 'a private JWK needs its "d" member')
  const signing = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey
  // The published JWK is built from the imported PUBLIC key, never from the private JWK: WebCrypto
  // has no private member to export from it (RFC 8725 §3.2 spirit: no secret can leak by mistake).
  const verifying = await importPublic(publicJwkOf(jwk, '', alg), alg)
  const bare = await exportJWK(verifying)
  const id = kid ?? jwk.kid ?? (await kidOf(bare))
  await selfTest(signing, verifying, alg)
  return { kid: id, alg, signing, verifying, publicJwk: publicJwkOf(bare, id, alg) }
}

/** Imports the public members only, extractable (a public key has nothing secret to export). */
async function importPublic(jwk: JWK, alg: Algorithm): Promise<CryptoKey> {
  const { kid: _kid, use: _use, alg: _alg, ...bare } = jwk
  return (await importJWK({ ...bare, alg }, alg, { extractable: true })) as CryptoKey
}

/**
 * Signs a probe and verifies it with the public half: a JWK whose public members do not belong
 * to its private key would otherwise publish a key that verifies none of our tokens.
 */
async function selfTest(signing: CryptoKey, verifying: CryptoKey, alg: Algorithm): Promise<void> {
  const probe = await new CompactSign(new TextEncoder().encode('tessera key check'))
    .setProtectedHeader({ alg })
    .sign(signing)
  try {
    await compactVerify(probe, verifying, { algorithms: [alg] })
  } catch {
    throw new SettingsError('SIGNING_KEYS', `an ${alg} key's public part does not match its private part`)
  }
}

/** Loads a PEM private key (PKCS#8), deriving the public key from it. */
export async function loadPrivatePem(pem: string, alg: Algorithm): Promise<LoadedKey> {
  const privateKey = await importPKCS8(pem, alg, { extractable: true })
  return loadPrivateJwk({ ...(await exportJWK(privateKey)) }, alg)
}

/** A verification-only key (PEM SPKI or JWK), e.g. `VERIFYING_KEY` of a peer. */
export async function loadPublicKey(
  input: string | JWK,
  alg: Algorithm,
): Promise<{ kid: string; key: CryptoKey; jwk: JWK }> {
  const jwk: JWK =
    typeof input === 'string' && input.trim().startsWith('-----BEGIN')
      ? await exportJWK(await importSPKI(input, alg, { extractable: true }))
      : typeof input === 'string'
        ? parseJwk(input)
        : input
  const key = await importPublic(publicJwkOf(jwk, '', alg), alg)
  const bare = await exportJWK(key)
  const kid = jwk.kid ?? (await kidOf(bare))
  return { kid, key, jwk: publicJwkOf(bare, kid, alg) }
}

function parseJwk(text: string): JWK {
  try {
    return JSON.parse(text) as JWK
  } catch {
    throw new SettingsError('VERIFYING_KEY', 'expected a PEM public key (SPKI) or a JWK')
  }
}

async function importHmac(secret: Uint8Array<ArrayBuffer>, alg: string): Promise<CryptoKey> {
  const hash = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' }[alg] ?? 'SHA-256'
  return globalThis.crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['sign', 'verify'])
}

/** An HMAC key's kid: a hash of a hash of the secret, so the kid reveals nothing about it. */
async function hmacKid(secret: Uint8Array<ArrayBuffer>): Promise<string> {
  const first = await globalThis.crypto.subtle.digest('SHA-256', secret)
  const second = await globalThis.crypto.subtle.digest('SHA-256', first)
  return base64url(new Uint8Array(second)).slice(0, 16)
}

function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}
