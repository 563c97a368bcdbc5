import { NotAuthenticated, PermissionDenied, type TesseraError } from '@tessera/protocol'
import { createVerifier, type Verifier, type VerifierOptions } from '../create-verifier.js'
import { authorizationOf, tokenFromAuthorization } from '../auth-header.js'
import { guardFailure, guardResponse, mfaRefusal, staleAuthRefusal, type TesseraUser, userOf } from './principal.js'

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

export type ExpressOptions = (VerifierOptions | { verifier: Pick<Verifier, 'verify'> }) & {
  authHeaderTypes?: readonly string[]
  /** Refuse anonymous requests (401). Default true. */
  required?: boolean
  /** Also require one of these roles (403 otherwise). */
  roles?: readonly string[]
  /** Also require a login with a second factor (403 `mfa_required` otherwise). */
  requireMfa?: boolean
  /** Also require a login at most this many seconds old (403 `reauthentication_required` otherwise). */
  maxAuthAge?: number
  /** Epoch milliseconds, for `maxAuthAge` (tests). */
  now?: () => number
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
    const response = guardResponse(error, challenge)
    for (const [name, value] of Object.entries(response.headers)) res.set(name, value)
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
      const user = userOf(await verifier.verify(raw))
      req.user = user
      if (options.roles && !options.roles.some((role) => user.roles.includes(role)))
        return send(res, new PermissionDenied())
      const refusal =
        (options.requireMfa === true ? mfaRefusal(user) : undefined) ??
        (options.maxAuthAge === undefined
          ? undefined
          : staleAuthRefusal(user, options.maxAuthAge, (options.now ?? Date.now)()))
      if (refusal !== undefined) return send(res, refusal)
      next()
    } catch (error) {
      const failure = guardFailure(error)
      if (failure === undefined) return next(error)
      send(res, failure)
    }
  }
}
