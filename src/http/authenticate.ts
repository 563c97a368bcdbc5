import type { FastifyRequest } from 'fastify'
import type { UserGate, UserState } from '../accounts/user-gate.js'
import type { Clock } from '../core/clock.js'
import { AccessTokenRejected, TokenInvalid, UserInactive, UserNotFound } from '../core/errors.js'
import type { TokenCodec } from '../tokens/codec.js'
import type { VerifiedToken } from '../tokens/types.js'
import { headerFromRaw, tokenFromAuthorization } from '@tessera/verify/engine'

/** The authenticated caller, as `request.principal`. */
export interface Principal {
  readonly userId: number
  readonly token: VerifiedToken
}

export interface AuthenticatorOptions {
  codec: TokenCodec
  gate: UserGate
  /** The clock of `codec` and `gate`: read once per request and passed to both. */
  clock: Clock
  /** Lower case. */
  headerName: string
  headerTypes: readonly string[]
  /** Told how long each verification took, in seconds (metrics). */
  observe?: (seconds: number) => void
}

/** Synchronous when the token and the user's state are both in memory: the hot path. */
export type Authenticator = (
  request: FastifyRequest,
) => Principal | undefined | Promise<Principal | undefined>

/**
 * Authenticates a request from its access token: one signature check (synchronous for HMAC tokens
 * when the codec can; for others skipped when the exact token was verified before) and an in-memory look at the
 * user's state; no database round trip and no promise once the user's state is cached. Returns
 * undefined when the request carries no credentials.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { codec, gate, clock, headerName, headerTypes, observe } = options
  const principalFor = (state: UserState, token: VerifiedToken, nowMs: number): Principal => {
    if (state.status === 'missing') throw new UserNotFound()
    if (state.status === 'inactive') throw new UserInactive()
    if (gate.revokes(token, state.cutoff, nowMs)) throw new AccessTokenRejected('revoked')
    return { userId: token.userId, token }
  }
  const finish = (token: VerifiedToken, nowMs: number = clock.now()): Principal | Promise<Principal> => {
    const state = gate.peek(token.userId, nowMs)
    if (state !== undefined) return principalFor(state, token, nowMs)
    return gate.load(token.userId).then((loaded) => principalFor(loaded, token, nowMs))
  }
  /** The codec's answer without a promise (HMAC, or a token verified before); undefined where it has none. */
  const verifyNow = (raw: string, nowMs: number): VerifiedToken | undefined => {
    if (observe === undefined) return codec.verifyNow(raw, 'access', nowMs)
    const started = performance.now()
    let token: VerifiedToken | undefined
    try {
      token = codec.verifyNow(raw, 'access', nowMs)
    } catch (error) {
      observe((performance.now() - started) / 1000)
      throw error
    }
    // Undefined: nothing was verified here; `verifyInFull` measures the verification.
    if (token !== undefined) observe((performance.now() - started) / 1000)
    return token
  }
  const verifyInFull = async (raw: string): Promise<Principal> => {
    const started = observe ? performance.now() : 0
    let token: VerifiedToken
    try {
      token = await codec.verify(raw, 'access')
    } catch (error) {
      throw error instanceof TokenInvalid ? new AccessTokenRejected(error.reason) : error
    } finally {
      observe?.((performance.now() - started) / 1000)
    }
    return finish(token)
  }
  /**
   * The last accepted Authorization header of each connection, with its token. A keep-alive client
   * sends the same header again and again: an exact match (string equality, no parsing and no
   * hashing of the 300-byte token for the cache lookup) reuses the token, still checked for expiry
   * and type by the codec, and the user's state is still consulted below on every request. A proxy
   * that multiplexes many users over one connection only makes the match fail more often.
   */
  const lastAccepted = new WeakMap<
    object,
    { header: string; raw: string; token: VerifiedToken; generation: number }
  >()
  return (request) => {
    const header = headerFromRaw(request.raw.rawHeaders, headerName)
    const socket = request.raw.socket
    const generation = codec.generation
    const last = socket === null ? undefined : lastAccepted.get(socket)
    let verified: VerifiedToken | undefined
    const now = clock.now()
    try {
      if (last !== undefined && last.header === header && last.generation === generation) {
        return finish(codec.recheck(last.token, last.raw, 'access', now), now)
      }
      const raw = tokenFromAuthorization(header, headerTypes)
      if (raw === undefined) return undefined
      verified = verifyNow(raw, now)
      if (verified === undefined) return verifyInFull(raw)
      if (header !== undefined && generation !== undefined && socket !== null) {
        lastAccepted.set(socket, { header, raw, token: verified, generation })
      }
    } catch (error) {
      throw error instanceof TokenInvalid ? new AccessTokenRejected(error.reason) : error
    }
    return finish(verified, now)
  }
}
