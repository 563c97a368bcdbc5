import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** A page's files are not part of the API: the OpenAPI document leaves them out. */
export const NOT_API = { hide: true }

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

interface BuiltFile {
  readonly body: Buffer
  readonly type: string
}

/**
 * The files of a Vite build (`distDir`) a page serves besides its index: its hashed assets under
 * `assets/` and its icon (`favicon.svg`, copied there from `public/`). Read once at startup, so no
 * request path ever reaches the file system; a missing build gives none.
 */
export interface BuiltFiles {
  readonly assets: ReadonlyMap<string, BuiltFile>
  readonly icon: Buffer | undefined
}

export function readBuiltFiles(distDir: string): BuiltFiles {
  const assets = new Map<string, BuiltFile>()
  const assetDir = join(distDir, 'assets')
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)]
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type })
    }
  }
  const iconPath = join(distDir, 'favicon.svg')
  return { assets, icon: existsSync(iconPath) ? readFileSync(iconPath) : undefined }
}

/** `GET {prefix}favicon.svg` and `GET {prefix}assets/:name` from memory; an unknown asset is a 404. */
export function builtFileRoutes(scope: FastifyInstance, prefix: string, files: BuiltFiles): void {
  const { icon, assets } = files
  if (icon !== undefined) {
    scope.get(`${prefix}favicon.svg`, { schema: NOT_API }, async (_request, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
    )
  }
  scope.get(`${prefix}assets/:name`, { schema: NOT_API }, async (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name)
    if (asset === undefined) return reply.code(404).type('application/json').send({ detail: 'Not found.' })
    // Vite names assets by content hash: cache them for good.
    return reply
      .type(asset.type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(asset.body)
  })
}

/**
 * The headers of a page served under a CSP of its own rather than helmet's: that policy, no
 * framing, no type sniffing, and referrers kept to this origin.
 */
export function pageHeaders(csp: string) {
  return (
    _request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: null, payload: unknown) => void,
  ) => {
    reply.header('content-security-policy', csp)
    reply.header('x-frame-options', 'DENY')
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'same-origin')
    done(null, payload)
  }
}
