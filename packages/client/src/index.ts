/**
 * `tessera/client`: a small browser/Node client for a Tessera (or simplejwt) server. Protocol-only
 * imports and no Node built-ins, so it bundles for browsers at ≤ 6 KB min+gzip.
 *
 * @example
 * ```ts
 * import { createTesseraClient } from 'tessera/client'
 * const auth = createTesseraClient({ mode: 'cookie' })
 * await auth.restore()
 * const hello = await (await auth.fetch('/api/hello/')).json()
 * ```
 */
export { createTesseraClient } from './client.js'
export { readCookie } from './cookies.js'
export { errorFromResponse, SessionExpiredError, TesseraClientError } from './errors.js'
export { decodeJwtPayload, tokenExpiry } from './jwt.js'
export type {
  FieldErrors,
  MfaMethod,
  MfaStatus,
  PasskeyView,
  RegisterAnswer,
  TokenPair,
  TotpSetupAnswer,
  UserView,
} from '@tessera/protocol'
export type {
  ErrorResponse,
  FetchFunction,
  FetchInit,
  FetchInput,
  FetchResponse,
  MinimalFetch,
  MinimalRequestInit,
  MinimalResponse,
} from './fetch-types.js'
export type { LockManagerLike, TabMessage } from './tabs.js'
export type {
  LoginResult,
  RefreshTokenStorage,
  RegisterInput,
  SecondFactor,
  TesseraClient,
  TesseraClientOptions,
  TesseraEvent,
} from './types.js'
