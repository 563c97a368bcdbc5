import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import fastifyHelmet from '@fastify/helmet'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tessera</title></head>
<body><h1>Tessera</h1><p>The API is running. The demo page is not built: run <code>npm run build</code>
(or just the page: <code>npx vite build --config web/vite.config.ts</code>) and restart.</p></body></html>`

/** The page's files are not part of the API: the OpenAPI document leaves them out. */
const NOT_API = { hide: true }

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
  const assets = new Map<string, { body: Buffer; type: string }>()
  const assetDir = join(distDir, 'assets')
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)]
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type })
    }
  }
  // The page's icon (web/public/favicon.svg, copied by Vite beside index.html), so browsers find it
  // instead of logging a 404.
  const iconPath = join(distDir, 'favicon.svg')
  const icon = existsSync(iconPath) ? readFileSync(iconPath) : undefined
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
    if (icon !== undefined) {
      scope.get('/favicon.svg', { schema: NOT_API }, async (_request, reply) =>
        reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
      )
    }
    scope.get('/assets/:name', { schema: NOT_API }, async (request, reply) => {
      const asset = assets.get((request.params as { name: string }).name)
      if (asset === undefined) return reply.code(404).type('application/json').send({ detail: 'Not found.' })
      // Vite names assets by content hash: cache them for good.
      return reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(asset.body)
    })
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
