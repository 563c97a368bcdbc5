/**
 * Verification of Django's PBKDF2 hashes (`pbkdf2_sha256$<iterations>$<salt>$<base64>`, and the
 * older `pbkdf2_sha1$…`), so users imported with `tessera users import-django` can log in and be
 * upgraded to argon2id. Tessera never writes these hashes.
 */
import { pbkdf2, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)

/** More rounds than any Django release ever used by far (Django 5 uses 870,000): refuse, do not spin. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000

const DIGESTS = {
  pbkdf2_sha256: { digest: 'sha256', bytes: 32 },
  pbkdf2_sha1: { digest: 'sha1', bytes: 20 },
} as const

type DjangoAlgorithm = keyof typeof DIGESTS

/** A parsed Django PBKDF2 hash. */
export interface DjangoPbkdf2Hash {
  algorithm: DjangoAlgorithm
  iterations: number
  salt: string
  /** The base64 digest exactly as stored. */
  hash: string
}

/** True when `stored` names a Django PBKDF2 algorithm (it may still be malformed). */
export function isDjangoPbkdf2Hash(stored: string): boolean {
  return stored.startsWith('pbkdf2_sha256$') || stored.startsWith('pbkdf2_sha1$')
}

/**
 * Parses a Django PBKDF2 hash the way Django's `decode()` does (`encoded.split('$', 3)`), or
 * returns undefined when it is malformed: unknown algorithm, iterations that are not a plain
 * decimal in 1..{@link MAX_PBKDF2_ITERATIONS}, or a digest of the wrong length.
 */
export function parseDjangoPbkdf2(stored: string): DjangoPbkdf2Hash | undefined {
  const first = stored.indexOf('$')
  const second = stored.indexOf('$', first + 1)
  const third = stored.indexOf('$', second + 1)
  if (first < 0 || second < 0 || third < 0) return undefined
  const algorithm = stored.slice(0, first)
  if (algorithm !== 'pbkdf2_sha256' && algorithm !== 'pbkdf2_sha1') return undefined
  const rounds = stored.slice(first + 1, second)
  if (!/^[0-9]{1,8}$/.test(rounds)) return undefined
  const iterations = Number(rounds)
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return undefined
  const hash = stored.slice(third + 1)
  // Django writes `base64.b64encode(digest)`: canonical, padded. Anything else never matches
  // there either, so refuse it before spending the rounds.
  if (hash.length !== base64Length(DIGESTS[algorithm].bytes) || !/^[A-Za-z0-9+/]+=*$/.test(hash)) {
    return undefined
  }
  return { algorithm, iterations, salt: stored.slice(second + 1, third), hash }
}

/**
 * Checks `password` against a Django PBKDF2 hash. The rounds run on libuv's thread pool
 * (`crypto.pbkdf2`, not `pbkdf2Sync`) and the digests are compared in constant time. Never
 * rejects: malformed stored data is a non-match.
 */
export async function verifyDjangoPbkdf2(stored: string, password: string): Promise<boolean> {
  const parsed = parseDjangoPbkdf2(stored)
  if (parsed === undefined) return false
  const { digest, bytes } = DIGESTS[parsed.algorithm]
  let derived: Buffer
  try {
    // Django hashes `force_bytes(password)` and `force_bytes(salt)`: UTF-8 of both.
    derived = await pbkdf2Async(
      Buffer.from(password, 'utf8'),
      Buffer.from(parsed.salt, 'utf8'),
      parsed.iterations,
      bytes,
      digest,
    )
  } catch {
    return false
  }
  // Compare base64 text as Django does (`constant_time_compare(encoded, encoded_2)`).
  const expected = Buffer.from(derived.toString('base64'), 'ascii')
  const actual = Buffer.from(parsed.hash, 'ascii')
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/**
 * A well-formed `pbkdf2_sha256` hash of `iterations` iterations that no password matches: verifying
 * against it costs exactly what a real check of that many iterations costs.
 */
export function unmatchablePbkdf2Hash(iterations: number): string {
  return `pbkdf2_sha256$${iterations}$timing-reference$${'A'.repeat(base64Length(32) - 1)}=`
}

/**
 * Builds a Django PBKDF2 hash string. Only tests and fixtures need it: Tessera stores argon2id.
 */
export async function encodeDjangoPbkdf2(
  password: string,
  salt: string,
  iterations: number,
  algorithm: DjangoAlgorithm = 'pbkdf2_sha256',
): Promise<string> {
  const { digest, bytes } = DIGESTS[algorithm]
  const derived = await pbkdf2Async(
    Buffer.from(password, 'utf8'),
    Buffer.from(salt, 'utf8'),
    iterations,
    bytes,
    digest,
  )
  return `${algorithm}$${iterations}$${salt}$${derived.toString('base64')}`
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4
}
