import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  CsrfFailed,
  EmailNotVerified,
  InvalidClient,
  MfaEnrollmentRequired,
  MfaFailed,
  MfaRequired,
  MfaTokenInvalid,
  KeysNotManaged,
  NoActiveAccount,
  NoActiveAccountForToken,
  RegistrationClosed,
  ServiceUnavailable,
  TesseraError,
  Throttled,
  UniqueViolation,
  UserInactive,
  UserNotFound,
  ValidationFailed,
} from '../core/errors.js'
import type { DetailError, FieldErrors } from '@tessera/protocol'
import { authErrorResponse } from '@tessera/verify'
import { setApiHeaders } from './api-headers.js'

/**
 * The one map from errors to HTTP responses (STYLE §3). Domain errors carry a stable code; this
 * file chooses status, wire text and headers, byte-compatible with simplejwt 5.2.2, taking the
 * answers to token, credential and permission errors from `@tessera/verify` (the guards' own).
 */

/** 405 with DRF's text; carries the allowed methods for the `Allow` header. */
export class MethodNotAllowed extends TesseraError {
  override readonly code = 'method_not_allowed'
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`Method "${method}" not allowed.`)
  }
}

export class NotFound extends TesseraError {
  override readonly code = 'not_found'
  constructor() {
    super('Not found.')
  }
}

/** DRF's `ParseError` text, for requests that cannot be read at all. */
const MALFORMED = 'Malformed request.'

interface Response {
  status: number
  body: DetailError | FieldErrors
  headers?: Record<string, string>
}

/** Fastify's own client errors, reshaped into the documented bodies: bad input is never a 500. */
function fromFastifyError(error: FastifyError, request: FastifyRequest): Response | undefined {
  switch (error.code) {
    // The router's own refusals (frameworkErrors): their messages echo the path, so never sent.
    case 'FST_ERR_BAD_URL':
      return { status: 400, body: { detail: MALFORMED } }
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, body: { detail: 'Request-URI too long.' } }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
      return { status: 415, body: { detail: `Unsupported media type "${type}" in request.` } }
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { detail: 'Request body is too large.', code: 'payload_too_large' } }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { detail: `JSON parse error - ${error.message}`, code: 'parse_error' } }
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    // secure-json-parse and JSON.parse failures: say what failed, never echo the body.
    return { status: 400, body: { detail: `JSON parse error - ${error.message}`, code: 'parse_error' } }
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { detail: error.message } }
  }
  return undefined
}

export function responseFor(error: unknown, request: FastifyRequest): Response {
  // Tokens, credentials and permissions: answered as the guards of @tessera/verify answer them.
  const auth = authErrorResponse(error)
  if (auth !== undefined) return auth
  // simplejwt's obtain view carries no `code` on the wire.
  if (error instanceof NoActiveAccount) {
    return { status: 401, body: { detail: error.message } }
  }
  if (
    error instanceof UserInactive ||
    error instanceof UserNotFound ||
    error instanceof NoActiveAccountForToken
  ) {
    return { status: 401, body: { detail: error.message, code: error.code } }
  }
  if (error instanceof MfaRequired) {
    // A failed login to a simplejwt-era client (no tokens); the second step's ticket to others.
    return {
      status: 401,
      body: {
        detail: error.message,
        code: error.code,
        mfa_token: error.mfaToken,
        methods: [...error.methods],
      } as DetailError,
    }
  }
  if (error instanceof MfaTokenInvalid || error instanceof MfaFailed)
    return { status: 401, body: { detail: error.message, code: error.code } }
  if (error instanceof MfaEnrollmentRequired)
    return { status: 403, body: { detail: error.message, code: error.code } }
  if (error instanceof InvalidClient) {
    // RFC 7662 §2.1 / RFC 6749 §5.2: the client authenticates with HTTP Basic, so say so.
    return {
      status: 401,
      body: { detail: error.message, code: error.code },
      headers: { 'www-authenticate': 'Basic realm="api"' },
    }
  }
  if (error instanceof RegistrationClosed || error instanceof EmailNotVerified)
    return { status: 403, body: { detail: error.message, code: error.code } }
  if (error instanceof KeysNotManaged)
    return { status: 409, body: { detail: error.message, code: error.code } }
  if (error instanceof CsrfFailed) return { status: 403, body: { detail: error.message, code: error.code } }
  if (error instanceof ValidationFailed) return { status: 400, body: { ...error.fields } as FieldErrors }
  if (error instanceof UniqueViolation) {
    const fields: FieldErrors = {}
    if (error.fields.includes('username')) fields.username = ['A user with that username already exists.']
    if (error.fields.includes('email')) fields.email = ['This field must be unique.']
    return { status: 400, body: fields }
  }
  if (error instanceof Throttled) {
    return {
      status: 429,
      body: { detail: error.message, code: 'throttled' },
      headers: { 'retry-after': String(error.retryAfter) },
    }
  }
  if (error instanceof MethodNotAllowed) {
    return { status: 405, body: { detail: error.message }, headers: { allow: error.allowed.join(', ') } }
  }
  if (error instanceof NotFound) return { status: 404, body: { detail: error.message } }
  if (error instanceof TesseraError) {
    return { status: 500, body: { detail: 'A server error occurred.', code: 'server_error' } }
  }
  const fastifyResponse = fromFastifyError(error as FastifyError, request)
  if (fastifyResponse) return fastifyResponse
  return { status: 500, body: { detail: 'A server error occurred.', code: 'server_error' } }
}

/** Where the error handler reports failures: a pino logger, or nothing. */
export interface ErrorLog {
  error(object: object, message: string): void
  warn(object: object, message: string): void
}

export interface ErrorHandlingOptions {
  /** The first accepted Authorization scheme: it names the 401 challenge. */
  authScheme: string
  log?: ErrorLog | undefined
}

/** Sends a mapped error with DRF's headers; every 401 carries `WWW-Authenticate`. */
function responder(options: ErrorHandlingOptions) {
  const challenge = `${options.authScheme} realm="api"`
  return (reply: FastifyReply, response: Response): FastifyReply => {
    setApiHeaders(reply)
    if (response.status === 401 && response.headers?.['www-authenticate'] === undefined) {
      reply.header('www-authenticate', challenge)
    }
    for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value)
    return reply.code(response.status).type('application/json').send(response.body)
  }
}

/**
 * Fastify's `frameworkErrors` option: the router's refusals (a path that is not valid
 * percent-encoding, a path parameter over the length limit) go through the same map.
 */
export function frameworkErrorHandler(
  options: ErrorHandlingOptions,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  const send = responder(options)
  return (error, request, reply) => {
    send(reply, responseFor(error, request))
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused never reaches Fastify, so
 * the answer is written on the socket here, in DRF's shape, and the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request timed out.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request header fields too large.']
        : [400, MALFORMED]
  const body = JSON.stringify({ detail })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\nConnection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy(error)
}

/**
 * Installs the error and not-found handlers, in `app`'s scope only (Fastify encapsulates both).
 * Every 401 carries `WWW-Authenticate` with the first accepted scheme, as DRF does; nothing
 * internal is echoed to the client, and 5xx are logged with the request id.
 */
export function installErrorHandling(
  app: FastifyInstance,
  options: ErrorHandlingOptions,
  scope: { notFound: boolean } = { notFound: true },
): void {
  const { log } = options
  const send = responder(options)
  app.setErrorHandler((error, request, reply) => {
    const response = responseFor(error, request)
    if (response.status >= 500) log?.error({ reqId: request.id, err: error }, 'request failed')
    else if (error instanceof ServiceUnavailable) {
      log?.warn({ reqId: request.id, err: error }, 'dependency unavailable')
    }
    return send(reply, response)
  })
  // Fastify takes a not-found handler per prefix: a scope without one leaves 404s to its app.
  if (scope.notFound)
    app.setNotFoundHandler((request, reply) => send(reply, responseFor(new NotFound(), request)))
}
