import { NotAuthenticated, PermissionDenied, TesseraError, TokenInvalid } from '../../core/errors.js'
import { createVerifier, type Verifier, type VerifierOptions } from '../../verifier/index.js'
import { authorizationOf, tokenFromAuthorization } from '../auth-header.js'
import { AccessTokenRejected, responseFor } from '../errors.js'
import type { TesseraUser } from './plugin.js'

interface ExpressLikeRequest {
  method: string
  headers: Record<string, string | string[] | undefined>
  /** Node's headers as received (Express requests have them): a repeated Authorization is refused. */
  rawHeaders?: readonly string[]
  user?: TesseraUser | null
}
interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse
  set(name: string, value: string): ExpressLikeResponse
  json(body: unknown): unknown
}

export type ExpressOptions = (VerifierOptions | { verifier: Verifier }) & {
  authHeaderTypes?: readonly string[]
  /** Refuse anonymous requests (401). Default true. */
  required?: boolean
  /** Also require one of these roles (403 otherwise). */
  roles?: readonly string[]
}

/**
 * The same checks as `tesseraAuth` for Express (or any `(req, res, next)` framework): sets
 * `req.user`, answers 401/403 in simplejwt's shapes.
 *
 * @example
 * app.use('/api', tesseraExpress({ secret: process.env.SIGNING_KEY, algorithms: ['HS256'] }))
 */
export function tesseraExpress(options: ExpressOptions) {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options)
  const types = options.authHeaderTypes ?? ['Bearer', 'JWT']
  const challenge = `${types[0] ?? 'Bearer'} realm="api"`
  const send = (res: ExpressLikeResponse, error: TesseraError) => {
    const response = responseFor(error, { headers: {} } as never)
    if (response.status === 401) res.set('WWW-Authenticate', challenge)
    res.status(response.status).json(response.body)
  }
  return async (
    req: ExpressLikeRequest,
    res: ExpressLikeResponse,
    next: (error?: unknown) => void,
  ): Promise<void> => {
    req.user = null
    try {
      const raw = tokenFromAuthorization(authorizationOf(req.rawHeaders, req.headers), types)
      if (raw === undefined) {
        if (options.required !== false) return send(res, new NotAuthenticated())
        return next()
      }
      const token = await verifier.verify(raw)
      const roles = Array.isArray(token.claims.roles) ? (token.claims.roles as string[]) : []
      req.user = {
        id: token.userId,
        roles,
        scopes: [],
        email: token.claims.email as string | undefined,
        claims: token.claims,
      }
      if (options.roles && !options.roles.some((role) => roles.includes(role)))
        return send(res, new PermissionDenied())
      next()
    } catch (error) {
      if (error instanceof TokenInvalid) return send(res, new AccessTokenRejected(error.reason))
      if (error instanceof TesseraError) return send(res, error)
      next(error)
    }
  }
}
