/**
 * The JSON schemas of Tessera's wire shapes, shared by every route's documentation. Each carries a
 * `title`: the OpenAPI document lists a titled shape once under `components.schemas` and refers to
 * it by `$ref` (document.ts), while the routes themselves hold plain, self-contained schemas, so
 * they compile without shared `$id`s and an app's own @fastify/swagger can document them as they are.
 *
 * Convention for new routes (MFA, admin): build a shape here (or in a module beside the routes,
 * with a title no other shape uses), and give each method an `OperationDoc` (operation.ts).
 */
import { ERROR_CODES } from '@tessera/protocol'

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as plain data. */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** Every shared shape by its title, so document.ts can tell shared shapes from inline ones. */
export const SHARED_SCHEMAS = new Map<string, JsonSchema>()

/** A shape listed once in the document's components, under its `title`. */
export function shared<T extends JsonSchema & { title: string }>(schema: T): T {
  SHARED_SCHEMAS.set(schema.title, schema)
  return schema
}

/** A shared shape with the description of one use (the response's or the body's). */
export const described = (schema: JsonSchema, description: string): JsonSchema => ({ ...schema, description })

/** A string property with its description. */
export const text = (description: string): JsonSchema => ({ type: 'string', description })
const string = text
const nullable = (schema: JsonSchema): JsonSchema => ({
  ...schema,
  type: [schema.type as string, 'null'],
})
const JWT = { type: 'string', description: 'A JWT (header.payload.signature).' } as const

/** An object with exactly these properties, in this order (the order they are sent in). */
export function object(
  properties: Record<string, JsonSchema>,
  required: readonly string[] = Object.keys(properties),
  extra: JsonSchema = {},
): JsonSchema {
  return { type: 'object', properties, required: [...required], additionalProperties: false, ...extra }
}

// ---- errors (src/http/errors.ts and @tessera/verify's answers) ----

export const ErrorCodeSchema = shared({
  title: 'ErrorCode',
  type: 'string',
  enum: [...ERROR_CODES],
  description: "A stable error code: simplejwt's and DRF's names, then Tessera's own. Append-only.",
})

/** `{detail}` or `{detail, code}`: DRF's exceptions and simplejwt's token endpoints. */
export const DetailErrorSchema = shared({
  title: 'DetailError',
  type: 'object',
  description: 'An error: DRF\'s `{"detail"}`, or `{"detail", "code"}` with a stable code.',
  properties: { detail: string("What went wrong, in DRF's or simplejwt's words."), code: ErrorCodeSchema },
  required: ['detail'],
  additionalProperties: false,
})

export const TokenMessageSchema = shared({
  title: 'TokenMessage',
  ...object({
    token_class: string('The token class tried: `AccessToken`.'),
    token_type: string('Its `token_type`: `access`.'),
    message: string('Why that class refused the token.'),
  }),
})

/** simplejwt's answer when a protected view refuses the access token. */
export const TokenErrorSchema = shared({
  title: 'TokenError',
  ...object({
    detail: { type: 'string', enum: ['Given token not valid for any token type'] },
    code: { type: 'string', enum: ['token_not_valid'] },
    messages: { type: 'array', items: TokenMessageSchema, minItems: 1 },
  }),
  description: "simplejwt's refusal of an access token on a protected route, with a message per token class.",
})

/** DRF's field errors: each refused field with its messages; `non_field_errors` for the whole body. */
export const FieldErrorsSchema = shared({
  title: 'FieldErrors',
  type: 'object',
  description:
    'DRF\'s validation errors: `{"field": ["message", …]}` for every refused field, all at once; `non_field_errors` for the body as a whole.',
  additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
  minProperties: 1,
})

// ---- tokens ----

/** Sent (true) only to staff who must enrol a second factor first (`MFA_REQUIRED_FOR_STAFF`, docs/mfa.md). */
const ENROLLMENT_FLAG: JsonSchema = {
  type: 'boolean',
  const: true,
  description: 'The tokens only allow enrolling a second factor (docs/mfa.md); absent otherwise.',
}

export const TokenPairSchema = shared({
  title: 'TokenPair',
  ...object(
    {
      refresh: { ...JWT, description: 'The refresh token.' },
      access: { ...JWT, description: 'The access token.' },
      mfa_enrollment_required: ENROLLMENT_FLAG,
    },
    ['refresh', 'access'],
  ),
})

export const AccessTokenSchema = shared({
  title: 'AccessToken',
  ...object(
    { access: { ...JWT, description: 'The access token.' }, mfa_enrollment_required: ENROLLMENT_FLAG },
    ['access'],
  ),
  description: 'Browser mode: the access token alone; the refresh token is in the HttpOnly cookie.',
})

/**
 * A new session's tokens: the pair, or in browser mode the access token alone. Two exact shapes
 * rather than one with an optional `refresh`: the serialiser sends required properties first, and
 * simplejwt sends `refresh` before `access`.
 */
export const newSession = (description: string): JsonSchema => ({
  description,
  anyOf: [TokenPairSchema, AccessTokenSchema],
})

export const RefreshAnswerSchema = shared({
  title: 'RefreshAnswer',
  ...object(
    {
      access: { ...JWT, description: 'A new access token.' },
      refresh: {
        ...JWT,
        description:
          'The new refresh token when ROTATE_REFRESH_TOKENS is on (and not in cookie transport, where it is in the cookie).',
      },
    },
    ['access'],
  ),
})

export const SlidingTokenSchema = shared({
  title: 'SlidingToken',
  ...object({ token: { ...JWT, description: 'A sliding token.' } }),
})

export const EmptySchema = shared({
  title: 'Empty',
  type: 'object',
  description: 'An empty object: the request succeeded.',
  properties: {},
  additionalProperties: false,
})

export const TokenRequestSchema = shared({
  title: 'TokenRequest',
  ...object({ token: { ...JWT, description: 'The token.' } }),
})

/** The refresh token in the body; in cookie transport it may be left out (the cookie carries it). */
export function refreshRequestSchema(cookieAllowed: boolean): JsonSchema {
  return shared({
    title: 'RefreshRequest',
    ...object(
      {
        refresh: {
          ...JWT,
          description: cookieAllowed
            ? 'The refresh token; left out, the refresh cookie is used (with the CSRF header).'
            : 'The refresh token.',
        },
      },
      cookieAllowed ? [] : ['refresh'],
    ),
  })
}

/** The credentials of obtain: the login field LOGIN_FIELD names, and the password. */
export function credentialsSchema(loginField: 'username' | 'email', eitherAccepted: boolean): JsonSchema {
  const login =
    loginField === 'email'
      ? string('The e-mail address of the account.')
      : string(eitherAccepted ? 'The username or the e-mail address.' : 'The username.')
  return shared({
    title: 'Credentials',
    ...object({ [loginField]: login, password: string('The password, as typed (never trimmed).') }),
  })
}

// ---- accounts ----

const DATE_TIME = { type: 'string', format: 'date-time' } as const

export const UserSchema = shared({
  title: 'User',
  ...object({
    id: { type: 'integer' },
    username: { type: 'string' },
    email: { type: 'string' },
    date_joined: { ...DATE_TIME, description: 'When the account was created (ISO 8601, UTC).' },
    last_login: nullable({ ...DATE_TIME, description: 'The last login, when UPDATE_LAST_LOGIN records it.' }),
  }),
  description: 'The current user.',
})

export const RegisteredSchema = shared({
  title: 'Registered',
  ...object({ id: { type: 'integer' }, username: { type: 'string' }, email: { type: 'string' } }),
  description: 'The new account (the same answer when the address already has one: its owner gets a mail).',
})

export const RegistrationSchema = shared({
  title: 'Registration',
  ...object({
    username: string('Letters, digits and @/./+/-/_ only; at most 150 characters.'),
    email: string('An e-mail address.'),
    password: string("Checked by Django's four default password validators."),
  }),
})

export const ProfileChangeSchema = shared({
  title: 'ProfileChange',
  ...object({ email: string('The new address (with account mail, confirmed from it first).') }, []),
  description: 'The fields the user may change; any other field is refused.',
})

export const PasswordChangeSchema = shared({
  title: 'PasswordChange',
  ...object({ old_password: string('The current password.'), new_password: string('The new password.') }),
})

// ---- sessions ----

export const SessionSchema = shared({
  title: 'Session',
  ...object({
    id: { type: 'string', pattern: '^[0-9a-f]{32}$', description: 'The session (token family) id.' },
    device: string('A label for the device, from its user agent.'),
    user_agent: nullable(string('The user agent of its latest token.')),
    ip: nullable(string('The client IP of its latest token.')),
    created: { ...DATE_TIME, description: 'When its latest refresh token was issued.' },
    last_used: { ...DATE_TIME, description: 'When it was last used.' },
    expires: { ...DATE_TIME, description: 'When its refresh token expires.' },
  }),
})

// ---- account mail ----

export const DetailSchema = shared({
  title: 'Detail',
  ...object({ detail: string('What was done, in words for a person.') }),
})

export const EmailRequestSchema = shared({
  title: 'EmailRequest',
  ...object({ email: string('An e-mail address.') }),
})

export const LinkTokenSchema = shared({
  title: 'LinkToken',
  ...object({ token: string('The token of the link in the mail (its `#token=…` fragment).') }),
})

export const ResetConfirmSchema = shared({
  title: 'PasswordResetConfirm',
  ...object({ token: string('The token of the reset link.'), new_password: string('The new password.') }),
})

// ---- introspection, keys, service ----

export const IntrospectionRequestSchema = shared({
  title: 'IntrospectionRequest',
  ...object(
    {
      token: string('The token to introspect.'),
      token_type_hint: string('Ignored (RFC 7662 §2.1 allows it).'),
    },
    ['token'],
  ),
})

export const IntrospectionSchema = shared({
  title: 'Introspection',
  type: 'object',
  description:
    'RFC 7662 §2.2: `{"active": false}` for any token that is not active now, without saying why; an active one with its claims (custom claims included).',
  properties: {
    active: { type: 'boolean' },
    token_type: { type: 'string', enum: ['access', 'refresh', 'sliding'] },
    sub: string('The user id, as a string.'),
    client_id: string('The introspecting client.'),
    exp: { type: 'integer' },
    iat: { type: 'integer' },
    jti: { type: 'string' },
    user_id: { type: ['integer', 'string'] },
  },
  required: ['active'],
  additionalProperties: true,
})

export const JwksSchema = shared({
  title: 'JWKS',
  type: 'object',
  description: 'RFC 7517 JWK Set: the public keys that verify tokens (never an HMAC secret).',
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kid: { type: 'string' },
          kty: { type: 'string' },
          use: { type: 'string', enum: ['sig'] },
          alg: { type: 'string' },
        },
        required: ['kid', 'kty', 'use', 'alg'],
        additionalProperties: true,
      },
    },
  },
  required: ['keys'],
  additionalProperties: false,
})

export const HealthSchema = shared({
  title: 'Health',
  ...object({ status: { type: 'string', enum: ['ok'] } }),
})

const CHECK = { type: 'string', enum: ['ok', 'unavailable'] } as const

export const ReadinessSchema = shared({
  title: 'Readiness',
  ...object({
    status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'] },
    checks: {
      type: 'object',
      description: 'Each dependency: the database (required), Redis (optional) when configured.',
      properties: { database: CHECK },
      required: ['database'],
      additionalProperties: CHECK,
    },
  }),
})

export const ApiIndexSchema = shared({
  title: 'ApiIndex',
  ...object({
    name: { type: 'string', enum: ['tessera'] },
    endpoints: {
      type: 'object',
      description: 'Each endpoint by name, as a path on this server.',
      additionalProperties: { type: 'string' },
    },
  }),
})

export const HelloSchema = shared({ title: 'Hello', ...object({ message: { type: 'string' } }) })

// ---- second factors (docs/mfa.md) ----

const MfaMethodSchema: JsonSchema = { type: 'string', enum: ['totp', 'recovery_code', 'webauthn'] }

export const MfaStatusSchema = shared({
  title: 'MfaStatus',
  ...object({
    totp: { type: 'boolean', description: 'TOTP is on.' },
    recovery_codes_remaining: { type: 'integer', description: 'Unused recovery codes.' },
    passkeys: { type: 'integer', description: 'Registered passkeys.' },
    methods: { type: 'array', items: MfaMethodSchema, description: 'What a login can be completed with.' },
  }),
})

export const TotpSetupSchema = shared({
  title: 'TotpSetup',
  ...object({
    secret: string('The base32 secret, for typing into an authenticator app.'),
    otpauth_uri: string('The `otpauth://totp/…` URI an authenticator app reads.'),
    qr_svg: string('The URI as a QR code: an SVG document.'),
  }),
})

export const RecoveryCodesSchema = shared({
  title: 'RecoveryCodes',
  ...object({
    recovery_codes: {
      type: 'array',
      items: { type: 'string' },
      description: 'Ten single-use codes, shown once: store them now.',
    },
  }),
})

export const PasskeySchema = shared({
  title: 'Passkey',
  ...object({
    id: string('The credential id (base64url).'),
    name: string('A name the user chose.'),
    created: { type: 'string', format: 'date-time' },
    last_used: nullable({ type: 'string', format: 'date-time' }),
    backed_up: {
      type: 'boolean',
      description: 'Synced to other devices by its provider (`swk` rather than `hwk`).',
    },
    transports: { type: 'array', items: { type: 'string' } },
  }),
})

/** WebAuthn options and credentials as @simplewebauthn passes them: JSON objects, forwarded whole. */
export const WebAuthnJsonSchema = shared({
  title: 'WebAuthnJson',
  type: 'object',
  additionalProperties: true,
  description:
    'A WebAuthn JSON object as `@simplewebauthn/browser` takes or returns it (W3C WebAuthn Level 3 JSON).',
})
