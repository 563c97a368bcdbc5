/**
 * `tessera/errors`: typed errors with stable codes. Domain errors know no HTTP status; the one
 * map from error to response is `src/http/errors.ts`.
 */
import { TesseraError } from '@tessera/protocol'

export {
  AccessTokenRejected,
  BadAuthorizationHeader,
  NotAuthenticated,
  PermissionDenied,
  ServiceUnavailable,
  TesseraError,
  type TokenFailure,
  TokenInvalid,
  tokenFailureText,
} from '@tessera/protocol'

/** Login refused: one error for unknown user, wrong password and inactive user (no enumeration). */
export class NoActiveAccount extends TesseraError {
  override readonly code = 'no_active_account'
  constructor() {
    super('No active account found with the given credentials')
  }
}

/** Wrong password on an endpoint where the user is already known (change password). */
export class AuthenticationFailed extends TesseraError {
  override readonly code = 'authentication_failed'
}

export class UserInactive extends TesseraError {
  override readonly code = 'user_inactive'
  constructor() {
    super('User is inactive')
  }
}

export class UserNotFound extends TesseraError {
  override readonly code = 'user_not_found'
  constructor() {
    super('User not found')
  }
}

/** Registration is closed (`REGISTRATION_OPEN=false`): accounts are made by an operator. */
export class RegistrationClosed extends TesseraError {
  override readonly code = 'registration_closed'
  constructor() {
    super('Registration is closed.')
  }
}

/**
 * Login refused because `REQUIRE_EMAIL_VERIFICATION` is on and the account's address is not
 * verified. Raised only after the password was found right, so it tells nothing to a guesser.
 */
export class EmailNotVerified extends TesseraError {
  override readonly code = 'email_not_verified'
  constructor() {
    super('E-mail address is not verified.')
  }
}

/** CSRF double-submit, Origin or Fetch-Metadata check failed on a cookie-authenticated request. */
export class CsrfFailed extends TesseraError {
  override readonly code = 'csrf_failed'
  constructor(readonly reason: string) {
    super(`CSRF Failed: ${reason}`)
  }
}

/** Input failed validation: DRF's `{field: [messages]}` shape. */
export class ValidationFailed extends TesseraError {
  override readonly code = 'invalid'
  constructor(readonly fields: Readonly<Record<string, readonly string[]>>) {
    super(`invalid input: ${Object.keys(fields).join(', ')}`)
  }
}

/** Too many requests; `retryAfter` in whole seconds. */
export class Throttled extends TesseraError {
  override readonly code = 'throttled'
  constructor(readonly retryAfter: number) {
    super(`Request was throttled. Expected available in ${retryAfter} seconds.`)
  }
}

/** Client authentication failed on a client-authenticated endpoint (introspection). */
export class InvalidClient extends TesseraError {
  override readonly code = 'invalid_client'
  constructor() {
    super('Client authentication failed.')
  }
}

/**
 * Misconfiguration found at startup. Never sent to a client. The message names `source`, the
 * variable the operator set (`TESSERA_DATABASE_URL`), when given, else the setting.
 */
export class SettingsError extends TesseraError {
  constructor(
    readonly setting: string,
    readonly reason: string,
    readonly source: string = setting,
  ) {
    super(`${source}: ${reason}`)
  }
}

/** A write would break a unique constraint (username or email taken). */
export class UniqueViolation extends TesseraError {
  override readonly code = 'invalid'
  constructor(readonly fields: readonly ('username' | 'email')[]) {
    super(`unique violation: ${fields.join(', ')}`)
  }
}

/** Refresh with a token whose user is inactive or deleted (simplejwt ≥ 5.3 wording). */
export class NoActiveAccountForToken extends TesseraError {
  override readonly code = 'no_active_account'
  constructor() {
    super('No active account found for the given token.')
  }
}

/**
 * The password was right, and the account has a second factor: no tokens yet. The answer (401)
 * carries `mfa_token`, for `POST /api/token/mfa/`, and the methods the user can complete it with.
 */
export class MfaRequired extends TesseraError {
  override readonly code = 'mfa_required'
  constructor(
    readonly mfaToken: string,
    readonly methods: readonly string[],
  ) {
    super('A second factor is required to complete this login.')
  }
}

/** An `mfa_token` that is unknown, expired, used, or out of attempts: the login starts over. */
export class MfaTokenInvalid extends TesseraError {
  override readonly code = 'mfa_token_invalid'
  constructor() {
    super('The login has expired or was already completed. Log in again.')
  }
}

/** A wrong, stale or replayed second factor on a live `mfa_token` (it may be tried again). */
export class MfaFailed extends TesseraError {
  override readonly code = 'authentication_failed'
  constructor() {
    super('Invalid or expired second factor.')
  }
}

/**
 * A token limited to enrolling a second factor (`MFA_REQUIRED_FOR_STAFF`) used for anything else:
 * the user sets up a factor, then logs in again with it.
 */
export class MfaEnrollmentRequired extends TesseraError {
  override readonly code = 'mfa_enrollment_required'
  constructor() {
    super('Set up a second factor, then log in again with it.')
  }
}

/**
 * An admin key change (stage, promote, retire) on a server whose keys come from `SIGNING_KEY` or
 * `SIGNING_KEYS`: only a key ring file under `KEY_DIR` is changed by Tessera.
 */
export class KeysNotManaged extends TesseraError {
  override readonly code = 'keys_not_managed'
  constructor() {
    super('Keys come from SIGNING_KEY or SIGNING_KEYS, not from a key ring under KEY_DIR: change them there.')
  }
}
