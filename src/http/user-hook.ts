import type { FastifyInstance } from 'fastify'
import { TesseraError } from '../core/errors.js'
import type { Authenticator, Principal } from './authenticate.js'
import { userOf } from '@tessera/verify'

/**
 * Sets `request.user` (or `request.tesseraError`) on every request of `app`'s scope from the
 * access token, checked as Tessera's own protected routes check it: signature, expiry, the user's
 * state and revocation cut-offs, in memory. It decides nothing: the guards of `tessera/fastify`
 * (`authenticated`, `hasRole`, …) do, per route, and answer in simplejwt's shapes.
 */
export function installUserHook(app: FastifyInstance, authenticate: Authenticator, authScheme: string): void {
  app.decorateRequest('user', null)
  app.decorateRequest('tesseraError', null)
  app.decorate('tesseraChallenge', `${authScheme} realm="api"`)
  // Callback-style: a token and user already in memory are accepted without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const refuse = (error: unknown) => {
      if (!(error instanceof TesseraError)) return done(error as Error)
      request.tesseraError = error
      done()
    }
    const accept = (principal: Principal | undefined) => {
      if (principal !== undefined) request.user = userOf(principal.token)
      done()
    }
    let result: ReturnType<Authenticator>
    try {
      result = authenticate(request)
    } catch (error) {
      refuse(error)
      return
    }
    if (result instanceof Promise) result.then(accept, refuse)
    else accept(result)
  })
}
