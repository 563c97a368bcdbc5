import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SettingsError } from '../core/errors.js'
import {
  createKeyRing,
  isHmacAlgorithm,
  type KeyRing,
  type KeyRingDocument,
  loadDocument,
  loadPrivateJwk,
  loadPrivatePem,
  loadPublicKey,
  newStoredKey,
  type RingKey,
} from '../keys/index.js'
import type { Algorithm, Settings } from '../settings/types.js'

export type KeySettings = Pick<
  Settings,
  'MODE' | 'ALGORITHM' | 'SIGNING_KEY' | 'SIGNING_KEYS' | 'VERIFYING_KEY' | 'KEY_DIR'
>

export const ringPath = (dir: string): string => join(dir, 'keyring.json')

export function readRingFile(dir: string): KeyRingDocument | undefined {
  const path = ringPath(dir)
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as KeyRingDocument
  } catch (error) {
    throw new SettingsError('KEY_DIR', `${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/** Writes the ring atomically (temp file + rename), private to its owner (0600 in a 0700 folder). */
export function writeRingFile(dir: string, document: KeyRingDocument): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = ringPath(dir)
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temp, 0o600)
  renameSync(temp, path)
}

/**
 * The key ring from the settings, in this order: `SIGNING_KEYS` (a JWK Set, for containers);
 * `SIGNING_KEY` (an HMAC secret, or a PEM/JWK private key, with an optional `VERIFYING_KEY` of a
 * peer); the ring file `KEY_DIR/keyring.json`. In development and test a ring file with a fresh
 * key is created when there is none (so tokens survive restarts); production never generates a
 * key and refuses one that was generated for development.
 */
export async function loadOrCreateKeyRing(settings: KeySettings): Promise<KeyRing> {
  const keys = await ringKeys(settings)
  if (settings.VERIFYING_KEY !== null && !isHmacAlgorithm(settings.ALGORITHM)) {
    const peer = await loadPublicKey(settings.VERIFYING_KEY, settings.ALGORITHM)
    if (!keys.some((key) => key.kid === peer.kid)) {
      keys.push({
        kid: peer.kid,
        alg: settings.ALGORITHM,
        signing: peer.key,
        verifying: peer.key,
        publicJwk: { ...peer.jwk, use: 'sig', alg: settings.ALGORITHM },
        status: 'active',
        createdAt: 0,
        verifyOnly: true,
      })
    }
  }
  return createKeyRing(keys)
}

async function ringKeys(settings: KeySettings): Promise<RingKey[]> {
  const alg = settings.ALGORITHM
  const signingKeys = settings.SIGNING_KEYS?.reveal()
  if (signingKeys !== undefined) {
    let document: unknown
    try {
      document = JSON.parse(signingKeys)
    } catch {
      throw new SettingsError('SIGNING_KEYS', 'expected a JSON key ring document')
    }
    return loadDocument(document, 'SIGNING_KEYS')
  }
  const signingKey = settings.SIGNING_KEY?.reveal()
  if (signingKey !== undefined) return [await fromSigningKey(signingKey, alg)]
  return fromRingFile(settings)
}

async function fromSigningKey(value: string, alg: Algorithm): Promise<RingKey> {
  const base = { status: 'active' as const, createdAt: 0 }
  if (isHmacAlgorithm(alg)) {
    const k = Buffer.from(value, 'utf8').toString('base64url')
    return { ...(await loadPrivateJwk({ kty: 'oct', k }, alg)), ...base }
  }
  const trimmed = value.trim()
  if (trimmed.startsWith('-----BEGIN')) return { ...(await loadPrivatePem(trimmed, alg)), ...base }
  if (trimmed.startsWith('{')) return { ...(await loadPrivateJwk(JSON.parse(trimmed), alg)), ...base }
  throw new SettingsError('SIGNING_KEY', `an ${alg} signing key must be a PKCS#8 PEM or a private JWK`)
}

async function fromRingFile(settings: KeySettings): Promise<RingKey[]> {
  const dir = settings.KEY_DIR
  const production = settings.MODE === 'production'
  let document = readRingFile(dir)
  if (document === undefined) {
    if (production) {
      throw new SettingsError(
        'SIGNING_KEY',
        `production needs a key: set SIGNING_KEY or SIGNING_KEYS, or create ${ringPath(dir)} with "tessera keys generate"`,
      )
    }
    document = { keys: [await newStoredKey(settings.ALGORITHM, new Date(), true)] }
    writeRingFile(dir, document)
  }
  if (production && document.keys.some((key) => key.status === 'active' && key.generated_for_development)) {
    throw new SettingsError(
      'SIGNING_KEY',
      `${ringPath(dir)} holds a key generated for development; generate a real one`,
    )
  }
  if (
    !production &&
    !document.keys.some((key) => key.status === 'active' && key.alg === settings.ALGORITHM)
  ) {
    // Development convenience: switching ALGORITHM adds a key for it (the old one keeps verifying).
    document.keys.push(await newStoredKey(settings.ALGORITHM, new Date(), true))
    writeRingFile(dir, document)
  }
  return loadDocument(document, ringPath(dir))
}
