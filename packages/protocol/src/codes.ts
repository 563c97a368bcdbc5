/**
 * Stable error codes on the wire. simplejwt's and DRF's names first, then Tessera's own.
 * Append-only: a retired code is never reused for another meaning.
 */
export const ERROR_CODES = [
  // simplejwt 5.2.2
  'token_not_valid',
  'bad_authorization_header',
  'no_active_account',
  'user_inactive',
  'user_not_found',
  // Django REST Framework
  'not_authenticated',
  'authentication_failed',
  'permission_denied',
  'invalid',
  'parse_error',
  'unsupported_media_type',
  'method_not_allowed',
  'not_found',
  'throttled',
  // Tessera
  'payload_too_large',
  'csrf_failed',
  'service_unavailable',
  'invalid_client',
  'server_error',
  'registration_closed',
  'email_not_verified',
  // Second factors and step-up (issue 21)
  'mfa_required',
  'mfa_enrollment_required',
  'mfa_token_invalid',
  'reauthentication_required',
  // Admin API (issue 22): key changes asked of a server whose keys are not a KEY_DIR ring file.
  'keys_not_managed',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]
