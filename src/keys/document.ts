import type { JWK } from 'jose'
import { SettingsError } from '../core/errors.js'
import { ALGORITHMS, type Algorithm } from '@tessera/protocol'
import type { KeyRingDocument, KeyStatus, StoredKey } from './keyring.js'

/**
 * Tessera's facts about a key ride as extra members of its JWK: RFC 7517 §4 lets a JWK carry
 * members a reader does not understand (it must ignore them), so an exported ring is still a plain
 * JWK Set for any JOSE library. None of these names is registered in IANA's JWK parameters.
 */
export const METADATA_MEMBERS = ['status', 'created_at', 'generated_for_development'] as const

interface Metadata {
  status?: unknown
  created_at?: unknown
  generated_for_development?: unknown
}

const STATUSES: readonly KeyStatus[] = ['active', 'next', 'retired']

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Serializes a ring document as a JWK Set of private JWKs, each with `kid`, `alg`, `use: "sig"`
 * and Tessera's metadata (status, creation time). Pure: the caller decides where it goes (the
 * ring file, a secret store, `SIGNING_KEYS`). Holds private keys: never publish it.
 */
export function exportRing(document: KeyRingDocument): string {
  const keys = document.keys.map((stored) => ({
    ...stored.jwk,
    kid: stored.kid,
    alg: stored.alg,
    use: 'sig',
    status: stored.status,
    created_at: stored.created_at,
    ...(stored.generated_for_development ? { generated_for_development: true } : {}),
  }))
  return `${JSON.stringify({ keys }, null, 2)}\n`
}

/**
 * Reads a ring document in either shape Tessera has written or an operator may hand it: a JWK
 * Set (with Tessera's metadata members, or none: every key active, the first one signing) or the older
 * `{keys: [{kid, alg, status, created_at, jwk}]}`. Checks shape only; keys load in `loadDocument`.
 *
 * @throws SettingsError naming `source`, for anything that is not a key ring
 */
export function parseRingDocument(value: unknown, source: string): KeyRingDocument {
  if (!isObject(value) || !Array.isArray(value.keys)) {
    throw new SettingsError(source, 'expected a JSON object with a "keys" array (a JWK Set)')
  }
  const count = value.keys.length
  return {
    keys: value.keys.map((entry, index) => {
      if (!isObject(entry)) throw new SettingsError(source, `keys[${index}] is not an object`)
      // Without a creation time, earlier entries count as newer, so the first key signs.
      const fallbackCreated = new Date(count - index).toISOString()
      return isObject(entry.jwk)
        ? stored(entry, entry.jwk as JWK, source, index, fallbackCreated)
        : fromJwk(entry as JWK, source, index, fallbackCreated)
    }),
  }
}

function fromJwk(entry: JWK, source: string, index: number, fallbackCreated: string): StoredKey {
  const {
    status,
    created_at,
    generated_for_development,
    kid,
    alg,
    use: _use,
    key_ops: _ops,
    ...jwk
  } = entry as JWK & Metadata
  return stored(
    { kid, alg, status, created_at, generated_for_development },
    { ...jwk, ...(typeof alg === 'string' ? { alg } : {}) },
    source,
    index,
    fallbackCreated,
  )
}

function stored(
  facts: Metadata & { kid?: unknown; alg?: unknown },
  jwk: JWK,
  source: string,
  index: number,
  fallbackCreated: string,
): StoredKey {
  const alg = facts.alg ?? jwk.alg
  if (typeof alg !== 'string' || !(ALGORITHMS as readonly string[]).includes(alg)) {
    throw new SettingsError(source, `keys[${index}]: unsupported or missing "alg" ${JSON.stringify(alg)}`)
  }
  const status = STATUSES.find((candidate) => candidate === facts.status) ?? 'active'
  const created =
    typeof facts.created_at === 'string' && !Number.isNaN(Date.parse(facts.created_at))
      ? facts.created_at
      : fallbackCreated
  return {
    kid: typeof facts.kid === 'string' ? facts.kid : '',
    alg: alg as Algorithm,
    status,
    created_at: created,
    ...(facts.generated_for_development === true ? { generated_for_development: true } : {}),
    jwk,
  }
}

/**
 * Parses the JSON text of a ring (`exportRing`'s output, a plain JWK Set, or the older shape).
 *
 * @throws SettingsError naming `source`, for text that is not JSON or not a key ring
 */
export function importRingDocument(json: string, source = 'key ring'): KeyRingDocument {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    // The parser's message can quote the input, which holds private keys: never repeat it.
    throw new SettingsError(source, 'expected a JSON key ring (a JWK Set)')
  }
  return parseRingDocument(value, source)
}
