import type { FastifyReply } from 'fastify'

/**
 * What DRF sends on every answer. JSON is never rendered, so framing and CSP headers matter only
 * for the HTML demo page (helmet, routes/demo-page.ts). Set by each route (route.ts) and by the
 * error and not-found handlers (errors.ts) rather than by a global hook: a hook on every request
 * cost several percent of the protected route's throughput (bench/RESULTS.md).
 */
export function setApiHeaders(reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'same-origin')
}

/**
 * For answers that carry tokens or the caller's own data: no cache may store them (RFC 6749 §5.1;
 * `Pragma` for HTTP/1.0 caches).
 */
export function setNoStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store')
  reply.header('pragma', 'no-cache')
}
