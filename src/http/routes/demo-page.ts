import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { builtFileRoutes, readBuiltFiles } from './built-page.js'

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tessera</title></head>
<body><h1>Tessera</h1><p>The API is running. The demo page is not built: run <code>npm run build</code>
(or just the page: <code>npx vite build --config web/vite.config.ts</code>) and restart.</p></body></html>`

export interface DemoPage {
  /** Answers the page when the request prefers HTML; returns false to let the JSON index answer. */
  serveIndex(request: FastifyRequest, reply: FastifyReply): boolean
}

/**
 * The demo front end (web/, built by Vite into web/dist): the page at `/` for browsers and its
 * assets under `/assets/`. Files are read once at startup into memory and served from that map
 * only, so no request path ever reaches the file system. Helmet's headers (CSP: scripts and styles
 * from this origin only) apply to this scope.
 */
export async function demoPageRoutes(app: FastifyInstance, distDir: string): Promise<DemoPage> {
  const indexPath = join(distDir, 'index.html')
  const index = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : NOT_BUILT
  // The icon too (web/public/favicon.svg), so browsers find it instead of logging a 404.
  const files = readBuiltFiles(distDir)
  await app.register(async (scope) => {
    await scope.register(fastifyHelmet, {
      referrerPolicy: { policy: 'same-origin' },
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      strictTransportSecurity: false,
    })
    builtFileRoutes(scope, '/', files)
  })
  const csp =
    "default-src 'self';script-src 'self';style-src 'self';connect-src 'self';frame-ancestors 'none';form-action 'self';base-uri 'self';object-src 'none'"
  return {
    serveIndex(request, reply) {
      const accept = request.headers.accept ?? ''
      if (!accept.includes('text/html')) return false
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', csp)
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-cache')
        .send(index)
      return true
    },
  }
}
