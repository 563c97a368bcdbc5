/**
 * The OpenAPI 3.1 document's frame (info, tags, security schemes, servers) and the two steps that
 * finish what @fastify/swagger builds from the routes: each operation gets its error responses and
 * security requirement (from the route's `config.openapi`, operation.ts), then the shared shapes
 * (schemas.ts) move to `components.schemas` and are referred to by `$ref`.
 */
import type { SwaggerOptions } from '@fastify/swagger'
import { headerNameFromMeta } from '../../settings/load.js'
import type { Settings } from '../../settings/types.js'
import type { ErrorStatus, OperationConfig, Security, Tag } from './operation.js'
import {
  DetailErrorSchema,
  FieldErrorsSchema,
  type JsonSchema,
  SHARED_SCHEMAS,
  TokenErrorSchema,
} from './schemas.js'

export type DocumentSettings = Pick<
  Settings,
  | 'AUTH_HEADER_TYPES'
  | 'AUTH_HEADER_NAME'
  | 'REFRESH_COOKIE_ENABLED'
  | 'REFRESH_COOKIE_NAME'
  | 'CSRF_HEADER_NAME'
  | 'CSRF_COOKIE_NAME'
>

const TAGS: Record<Tag, string> = {
  tokens: "simplejwt's token endpoints: obtain, refresh, verify, blacklist (logout) and sliding tokens.",
  accounts: 'Registration, the current user and password changes.',
  'account mail': 'Password reset, e-mail verification and e-mail change, by links sent in mails.',
  sessions: "The current user's sessions (devices): list them, end one, end all.",
  introspection: 'RFC 7662 token introspection for registered clients.',
  keys: 'The public keys (JWKS) other services verify tokens with.',
  service: 'The API index, liveness, readiness and Prometheus metrics.',
  'revocation feed': 'Revocations as server-sent events, for verifiers in other services.',
  demo: "The demo page's protected route (SERVE_DEMO).",
  schema: 'This document.',
  'second factors':
    'TOTP with recovery codes, passkeys (WebAuthn), and the second step of a login (docs/mfa.md).',
  admin: 'The admin API for staff (read) and superusers (write) (docs/admin.md).',
}

const HEADER = (description: string, schema: JsonSchema = { type: 'string' }) => ({ description, ...schema })

/** The documented error responses: one shape per status, each described per operation. */
const ERROR_SHAPES: Record<ErrorStatus, { schema: JsonSchema; headers?: Record<string, JsonSchema> }> = {
  400: { schema: { anyOf: [FieldErrorsSchema, DetailErrorSchema] } },
  401: {
    schema: { anyOf: [TokenErrorSchema, DetailErrorSchema] },
    headers: { 'WWW-Authenticate': HEADER('The challenge, e.g. `Bearer realm="api"`.') },
  },
  403: { schema: DetailErrorSchema },
  404: { schema: DetailErrorSchema },
  413: { schema: DetailErrorSchema },
  415: { schema: DetailErrorSchema },
  429: {
    schema: DetailErrorSchema,
    headers: { 'Retry-After': HEADER('Seconds to wait.', { type: 'integer' }) },
  },
  503: {
    schema: DetailErrorSchema,
    headers: { 'Retry-After': HEADER('Seconds to wait.', { type: 'integer' }) },
  },
}

/** The header an access token travels in, as clients write it. */
function authHeaderName(settings: DocumentSettings): string {
  const name = headerNameFromMeta(settings.AUTH_HEADER_NAME)
  return name === 'authorization' ? 'Authorization' : name
}

/** Django's spelling of its CSRF header, or the configured name. */
function csrfHeaderName(settings: DocumentSettings): string {
  const name = headerNameFromMeta(settings.CSRF_HEADER_NAME)
  return name === 'x-csrftoken' ? 'X-CSRFToken' : name
}

/** The name of the security scheme of one `AUTH_HEADER_TYPES` entry (`Bearer` → `bearerAuth`). */
const accessSchemeName = (type: string) => `${type.charAt(0).toLowerCase()}${type.slice(1)}Auth`

/** One scheme per accepted Authorization type, the refresh cookie with its CSRF header, HTTP Basic. */
export function securitySchemes(settings: DocumentSettings): Record<string, unknown> {
  const header = authHeaderName(settings)
  const schemes: Record<string, unknown> = {}
  for (const type of settings.AUTH_HEADER_TYPES) {
    schemes[accessSchemeName(type)] =
      type === 'Bearer' && header === 'Authorization'
        ? { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token.' }
        : {
            type: 'apiKey',
            in: 'header',
            name: header,
            description: `An access token, as \`${header}: ${type} <token>\`.`,
          }
  }
  if (settings.REFRESH_COOKIE_ENABLED) {
    schemes.refreshCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: settings.REFRESH_COOKIE_NAME,
      description:
        'Browser mode: the HttpOnly refresh cookie set by a request with `X-Auth-Transport: cookie`. Always with the CSRF header.',
    }
    schemes.csrfToken = {
      type: 'apiKey',
      in: 'header',
      name: csrfHeaderName(settings),
      description: `Browser mode: the value of the \`${settings.CSRF_COOKIE_NAME}\` cookie (double submit), required with the refresh cookie.`,
    }
  }
  schemes.clientBasic = {
    type: 'http',
    scheme: 'basic',
    description:
      'An introspection client: its client id and secret (RFC 7617, percent-encoded per RFC 6749 §2.3.1).',
  }
  return schemes
}

/** The security requirement of an operation; `[]`: public. */
function requirementOf(security: Security | undefined, settings: DocumentSettings): unknown[] {
  const access = settings.AUTH_HEADER_TYPES.map((type) => ({ [accessSchemeName(type)]: [] }))
  switch (security) {
    case 'access':
      return access
    case 'optionalAccess':
      return [{}, ...access]
    case 'refreshCookie':
      return settings.REFRESH_COOKIE_ENABLED ? [{}, { refreshCookie: [], csrfToken: [] }] : []
    case 'client':
      return [{ clientBasic: [] }]
    default:
      return []
  }
}

/** A route schema as @fastify/swagger reads it, before its conversion to OpenAPI. */
interface RouteSchema {
  response?: Record<string, unknown>
  security?: unknown[]
  [key: string]: unknown
}

/**
 * @fastify/swagger's per-route transform: adds the error responses and the security requirement
 * that the route's `config.openapi` names. Routes without it (an app's own, when embedded) pass
 * unchanged.
 */
export function withErrorsAndSecurity(settings: DocumentSettings) {
  return ({
    schema,
    url,
    route,
  }: {
    schema: RouteSchema | undefined
    url: string
    route: { config?: { openapi?: OperationConfig } }
  }): { schema: RouteSchema; url: string } => {
    const config = route.config?.openapi
    if (schema === undefined || config === undefined) return { schema: schema ?? {}, url }
    const response: Record<string, unknown> = { ...schema.response }
    // Only a protected route's access token gets simplejwt's `messages` shape.
    const tokenErrors = config.security === 'access' || config.security === 'optionalAccess'
    for (const [status, description] of Object.entries(config.errors)) {
      const shape = ERROR_SHAPES[Number(status) as ErrorStatus]
      const schema = status === '401' && !tokenErrors ? DetailErrorSchema : shape.schema
      response[status] = {
        description,
        content: { 'application/json': { schema } },
        ...(shape.headers ? { headers: shape.headers } : {}),
      }
    }
    const security = requirementOf(config.security, settings)
    return { schema: { ...schema, response, security }, url }
  }
}

type Json = unknown

/**
 * Replaces every shared shape (a schema whose `title` schemas.ts registered) by a `$ref` to its
 * one copy under `components.schemas`, innermost first, so nested shared shapes are refs too.
 */
export function hoistSharedSchemas(document: Record<string, unknown>): Record<string, unknown> {
  const components: Record<string, Json> = {}
  const hoist = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(hoist)
    if (node === null || typeof node !== 'object') return node
    const copy: Record<string, Json> = {}
    for (const [key, value] of Object.entries(node)) copy[key] = hoist(value)
    const title = copy.title
    const canonical = typeof title === 'string' ? SHARED_SCHEMAS.get(title) : undefined
    if (typeof title === 'string' && canonical !== undefined) {
      // A use may describe the shape in its own words; the component keeps the shape's own.
      if (!(title in components)) {
        const { description: _use, ...shape } = copy
        components[title] =
          canonical.description === undefined ? shape : { ...shape, description: canonical.description }
      }
      return { $ref: `#/components/schemas/${title}` }
    }
    return copy
  }
  const paths = hoist(document.paths)
  const existing = (document.components ?? {}) as Record<string, Json>
  const schemas = { ...(existing.schemas as Record<string, Json> | undefined), ...components }
  const ordered = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)))
  return { ...document, paths, components: { ...existing, schemas: ordered } }
}

/** @fastify/swagger's options for Tessera's document. */
export function swaggerOptions(
  settings: DocumentSettings,
  serverUrl: string,
  version: string,
  decorator: string,
): SwaggerOptions {
  return {
    decorator,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera',
        version,
        description:
          'A JWT authentication server, wire-compatible with djangorestframework-simplejwt 5.2.2. Errors answer in DRF\'s shapes: `{"detail"}`, `{"detail", "code"}`, `{"detail", "code", "messages"}` or field errors `{"field": ["message"]}`. Paths end in `/` (simplejwt\'s) and match without it too.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: it resolves against the URL this document was fetched from, so it is right
      // behind any proxy, and no request header (Host) ever writes into the document.
      servers: [{ url: serverUrl, description: 'This server' }],
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      components: { securitySchemes: securitySchemes(settings) as never },
    },
    transform: withErrorsAndSecurity(settings) as never,
    transformObject: (documentObject) =>
      hoistSharedSchemas(
        ('openapiObject' in documentObject ? documentObject.openapiObject : {}) as Record<string, unknown>,
      ) as never,
  }
}
