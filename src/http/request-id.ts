import type { IncomingMessage } from 'node:http'

/** An incoming `X-Request-Id` is kept only in this shape: short, and safe in any log or header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Fastify's `genReqId`: the proxy's `X-Request-Id` when it is short and safe, so one id follows a
 * request through every hop; otherwise Fastify's own `req-<counter>`.
 */
export function requestIdGenerator(): (raw: IncomingMessage) => string {
  let next = 0
  return (raw) => {
    const given = raw.headers['x-request-id']
    if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given
    next = (next + 1) % Number.MAX_SAFE_INTEGER
    return `req-${next.toString(36)}`
  }
}
