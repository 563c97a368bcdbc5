import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidClient } from '../core/errors.js'
import type { ApiClientRecord, ApiClientStore } from '../store/ports.js'

const PREFIX = 'sha256$'

/**
 * Client secrets are 256 random bits, so a fast hash is enough to keep them out of the database
 * (unlike passwords, they cannot be guessed); the comparison is constant-time either way.
 */
export function hashClientSecret(secret: string): string {
  return PREFIX + createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** A new client id and secret; the secret is shown once and only its hash is stored. */
export function newClientCredentials(): { clientId: string; secret: string } {
  return { clientId: randomBytes(12).toString('base64url'), secret: randomBytes(32).toString('base64url') }
}

const DUMMY = hashClientSecret('no-such-client')

/** RFC 7662 §2.1: the caller of introspection authenticates as a registered client. */
export async function authenticateClient(
  clients: ApiClientStore,
  clientId: string,
  secret: string,
): Promise<ApiClientRecord> {
  const client = await clients.find(clientId)
  const expected = Buffer.from(client?.secretHash ?? DUMMY)
  const given = Buffer.from(hashClientSecret(secret))
  const match = expected.length === given.length && timingSafeEqual(expected, given)
  if (client === undefined || !match) throw new InvalidClient()
  return client
}
