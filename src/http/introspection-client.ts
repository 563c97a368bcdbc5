import type { FastifyRequest } from 'fastify'
import { authenticateClient } from '../accounts/clients.js'
import { InvalidClient } from '../core/errors.js'
import type { ApiClientRecord, ApiClientStore } from '../store/ports.js'
import { headerFromRaw } from '@tessera/verify/engine'

/**
 * HTTP Basic credentials (RFC 7617), percent-decoded as RFC 6749 §2.3.1 asks. The header as the
 * client sent it: sent twice, its joined values match no credentials, as on the protected routes.
 */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const header = headerFromRaw(request.raw.rawHeaders, 'authorization')
  const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(header)
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 1) return undefined
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    }
  } catch {
    return undefined
  }
}

async function authenticate(
  request: FastifyRequest,
  clients: ApiClientStore,
): Promise<ApiClientRecord | undefined> {
  const credentials = basicCredentials(request)
  if (credentials === undefined) return undefined
  try {
    return await authenticateClient(clients, credentials.id, credentials.secret)
  } catch (error) {
    if (error instanceof InvalidClient) return undefined
    throw error
  }
}

const authenticated = new WeakMap<FastifyRequest, Promise<ApiClientRecord | undefined>>()

/**
 * The RFC 7662 client a request authenticates as, undefined when it does not; worked out once per
 * request, so the rate limit (keyed by the client) and the handler share one lookup.
 */
export function introspectionClient(
  request: FastifyRequest,
  clients: ApiClientStore,
): Promise<ApiClientRecord | undefined> {
  let client = authenticated.get(request)
  if (client === undefined) {
    client = authenticate(request, clients)
    authenticated.set(request, client)
  }
  return client
}
