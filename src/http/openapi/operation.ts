/**
 * How a route method describes itself for the OpenAPI document: an `OperationDoc` beside its
 * handler in the `RouteSpec` (route.ts). From it come the Fastify route `schema` (what
 * @fastify/swagger reads) and the route `config` that carries the error responses.
 *
 * What the schemas do at run time, and why:
 * - Request schemas (body, querystring, params, headers) document only: their validator accepts
 *   everything, and the body's fields are judged by accounts' validators as before, which answer
 *   DRF's exact messages (DESIGN: accounts owns field validation; the wire contract wins).
 * - Success responses (2xx) serialise through their schema (fast-json-stringify): a field that the
 *   schema does not name is not sent, so each schema names every field its route sends, in order.
 * - Error responses are documentation only: errors.ts sends them as they are, so no error field
 *   can be lost to a schema.
 */
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import type { JsonSchema } from './schemas.js'

/** The areas of the API, one tag each (document.ts describes them). */
export type Tag =
  | 'tokens'
  | 'accounts'
  | 'account mail'
  | 'sessions'
  | 'introspection'
  | 'keys'
  | 'service'
  | 'revocation feed'
  | 'demo'
  | 'schema'
  | 'second factors'
  | 'admin'

/**
 * Who may call an operation, resolved against the settings when the document is built:
 * `access` an access token (Authorization, each scheme of AUTH_HEADER_TYPES); `optionalAccess`
 * anonymous or with one; `refreshCookie` the refresh token in the body or, in browser mode, the
 * refresh cookie with the CSRF header; `client` an introspection client (HTTP Basic).
 */
export type Security = 'access' | 'optionalAccess' | 'refreshCookie' | 'client'

/** Statuses with a documented error shape (ERROR_RESPONSES in document.ts). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 503

/** A response body in one or more media types, for responses that are not JSON. */
export interface MediaResponse {
  readonly description: string
  readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>>
}

/** A response without a body (204, 304), with its description. */
export interface NoBody {
  readonly noContent: string
}

export interface OperationDoc {
  /** Unique and stable: client generators name their functions after it. */
  readonly operationId: string
  readonly tags: readonly Tag[]
  readonly summary: string
  readonly description?: string
  readonly security?: Security
  /** The JSON body; `bodyContent` instead for more than one media type. */
  readonly body?: JsonSchema
  readonly bodyContent?: Readonly<Record<string, { readonly schema: JsonSchema }>>
  readonly querystring?: JsonSchema
  readonly params?: JsonSchema
  readonly headers?: JsonSchema
  /**
   * Success responses by status. A JSON schema is also the response's serialiser; a
   * `MediaResponse` (HTML, text, event streams) and `NoBody` only document.
   */
  readonly responses: Readonly<Record<number, JsonSchema | MediaResponse | NoBody>>
  /**
   * Error responses beyond those added from the route itself (400, 413 and 415 for a body, 401 for
   * `access`, 429 for a rate-limited route), each with its description.
   */
  readonly errors?: Readonly<Partial<Record<ErrorStatus, string>>>
}

/** What `route.config.openapi` holds for document.ts. */
export interface OperationConfig {
  readonly security?: Security
  readonly errors: Readonly<Partial<Record<ErrorStatus, string>>>
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by defineRoute on documented routes; read when the OpenAPI document is built. */
    openapi?: OperationConfig
    /** Set by defineRoute on its answers for methods a path does not allow (405). */
    methodNotAllowed?: true
  }
}

/**
 * The validator of documented request schemas: it accepts every value, unchanged (no coercion, no
 * removal of unknown fields); the handlers and accounts' validators judge the body.
 */
export const documentationOnly: FastifySchemaCompiler<unknown> = () => () => true

function isMedia(response: JsonSchema | MediaResponse): response is MediaResponse {
  return typeof response.content === 'object' && response.content !== null && !('type' in response)
}

/** The route schema and config for one method, with the errors its route implies added. */
export function routeDocumentation(
  doc: OperationDoc,
  implied: { readonly authenticated: boolean; readonly limited: boolean },
): { schema: FastifySchema; config: OperationConfig } {
  const response: Record<string, unknown> = {}
  for (const [status, body] of Object.entries(doc.responses)) {
    if ('noContent' in body) response[status] = { description: body.noContent, type: 'null' }
    else if (isMedia(body)) response[status] = { description: body.description, content: body.content }
    else response[status] = body
  }
  const hasBody = doc.body !== undefined || doc.bodyContent !== undefined
  const errors: Partial<Record<ErrorStatus, string>> = {
    ...(hasBody
      ? {
          400: 'Invalid input: DRF field errors, or a body that is not JSON.',
          413: 'The body is larger than BODY_LIMIT.',
          415: 'The body is not JSON.',
        }
      : {}),
    ...(implied.authenticated
      ? { 401: 'No access token, or one that is invalid, expired, revoked, or whose user is inactive.' }
      : {}),
    ...(implied.limited ? { 429: 'Rate limited: retry after `Retry-After` seconds.' } : {}),
    ...doc.errors,
  }
  const schema: Record<string, unknown> = {
    operationId: doc.operationId,
    tags: [...doc.tags],
    summary: doc.summary,
    response,
  }
  if (doc.description !== undefined) schema.description = doc.description
  if (doc.body !== undefined) schema.body = doc.body
  if (doc.bodyContent !== undefined) schema.body = { content: doc.bodyContent }
  if (doc.querystring !== undefined) schema.querystring = doc.querystring
  if (doc.params !== undefined) schema.params = doc.params
  if (doc.headers !== undefined) schema.headers = doc.headers
  const security = doc.security ?? (implied.authenticated ? 'access' : undefined)
  return {
    schema: schema as FastifySchema,
    config: security === undefined ? { errors } : { security, errors },
  }
}

/** The `X-Auth-Transport` header of the routes that can answer in browser mode. */
export const AUTH_TRANSPORT_HEADERS: JsonSchema = {
  type: 'object',
  properties: {
    'x-auth-transport': {
      type: 'string',
      enum: ['cookie'],
      description:
        'Browser mode: the refresh token goes to an HttpOnly cookie (with a CSRF cookie) instead of the body.',
    },
  },
}
