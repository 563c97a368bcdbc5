import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidClient } from '../core/errors.js'
import type { AdminStore, ApiClientRecord, ApiClientStore } from '../store/ports.js'
import { type Actor, actorFacts } from './admin.js'
import type { AuditLog } from './audit.js'
import { readCharFields } from './validators/drf-fields.js'

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

/** A client's credentials as created or rotated: the secret is in this answer and nowhere else. */
export interface ClientCredentials {
  clientId: string
  secret: string
  name: string
  createdAt: Date
}

/** `auth`-style name length for a client's label. */
const MAX_CLIENT_NAME_LENGTH = 150

/**
 * Introspection clients as an operator manages them (the CLI's `clients create` and the admin
 * API): only the secret's hash is stored; a rotation replaces it, so the old secret stops working
 * at once.
 */
export class ClientAdmin {
  constructor(
    private readonly deps: {
      clients: Pick<ApiClientStore, 'create' | 'find'>
      directory: Pick<AdminStore, 'replaceClientSecret' | 'deleteClient'>
      audit: Pick<AuditLog, 'record'>
    },
  ) {}

  /** @throws ValidationFailed (`name`) */
  async create(body: unknown, by?: Actor): Promise<ClientCredentials> {
    const { name } = readCharFields(body, { name: { maxLength: MAX_CLIENT_NAME_LENGTH } })
    const { clientId, secret } = newClientCredentials()
    const client = await this.deps.clients.create({ clientId, secretHash: hashClientSecret(secret), name })
    await this.deps.audit.record('client_created', actorFacts(by, null, { client_id: clientId, name }))
    return { clientId, secret, name: client.name, createdAt: client.createdAt }
  }

  /** The client with its new secret, or undefined for an unknown client. */
  async rotate(clientId: string, by: Actor): Promise<ClientCredentials | undefined> {
    const { secret } = newClientCredentials()
    if (!(await this.deps.directory.replaceClientSecret(clientId, hashClientSecret(secret)))) return undefined
    const client = await this.deps.clients.find(clientId)
    if (client === undefined) return undefined
    await this.deps.audit.record('client_secret_rotated', actorFacts(by, null, { client_id: clientId }))
    return { clientId, secret, name: client.name, createdAt: client.createdAt }
  }

  /** False for an unknown client. */
  async delete(clientId: string, by: Actor): Promise<boolean> {
    if (!(await this.deps.directory.deleteClient(clientId))) return false
    await this.deps.audit.record('client_deleted', actorFacts(by, null, { client_id: clientId }))
    return true
  }
}
