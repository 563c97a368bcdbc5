import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { headerNameFromMeta } from '../../settings/load.js'
import type { Settings } from '../../settings/types.js'

/**
 * The admin UI's CSP: every script and stylesheet is a file from this server (no inline script,
 * no inline style, no `eval`), the page calls only this server, and no other site may frame it.
 */
export const ADMIN_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tessera admin</title></head>
<body><main><h1>Tessera admin</h1><p>The admin UI is not built: run <code>npm run build</code> (or just
the UI: <code>npx vite build --config admin/vite.config.ts</code>) and restart.</p></main></body></html>`

/** The page's files are not part of the API: the OpenAPI document leaves them out. */
const NOT_API = { hide: true }

const escapeAttribute = (value: string): string =>
  value.replace(/[&"<>]/g, (char) => `&#${char.charCodeAt(0)};`)

/** What the page needs to know of the server, written into its `<meta>` tags (no inline script). */
export interface AdminPageOptions {
  /** Where the UI is served (`ADMIN_UI_PATH`): `/`-led and `/`-ended. */
  readonly path: string
  /** The API's prefix as browsers see it. */
  readonly apiPrefix: string
  readonly settings: Pick<Settings, 'LOGIN_FIELD' | 'CSRF_COOKIE_NAME' | 'CSRF_HEADER_NAME'>
}

/** The built index.html with the server's values in place of the `__TESSERA_…__` placeholders. */
function filledIndex(html: string, options: AdminPageOptions): string {
  const values: Record<string, string> = {
    __TESSERA_API_PREFIX__: options.apiPrefix,
    __TESSERA_LOGIN_FIELD__: options.settings.LOGIN_FIELD,
    __TESSERA_CSRF_COOKIE__: options.settings.CSRF_COOKIE_NAME,
    __TESSERA_CSRF_HEADER__: headerNameFromMeta(options.settings.CSRF_HEADER_NAME),
  }
  return html.replace(/__TESSERA_[A-Z_]+__/g, (name) => escapeAttribute(values[name] ?? ''))
}

/**
 * The admin web UI (admin/, built by Vite into admin/dist) at `ADMIN_UI_PATH`: the page, its
 * hashed assets under `assets/` and its icon. Files are read once at startup and served from
 * memory only, so no request path reaches the file system. The page routes by the URL fragment
 * (`#/users/42`): the server answers one page path, and the API does the rest.
 */
export async function adminPageRoutes(
  app: FastifyInstance,
  distDir: string,
  options: AdminPageOptions,
): Promise<void> {
  const indexPath = join(distDir, 'index.html')
  const index = filledIndex(existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : NOT_BUILT, options)
  const files = new Map<string, { body: Buffer; type: string }>()
  const assetDir = join(distDir, 'assets')
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = TYPES[extname(name)]
      if (type) files.set(name, { body: readFileSync(join(assetDir, name)), type })
    }
  }
  const iconPath = join(distDir, 'favicon.svg')
  const icon = existsSync(iconPath) ? readFileSync(iconPath) : undefined
  const { path } = options

  await app.register(async (page) => {
    page.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('content-security-policy', ADMIN_PAGE_CSP)
      reply.header('x-frame-options', 'DENY')
      reply.header('x-content-type-options', 'nosniff')
      reply.header('referrer-policy', 'same-origin')
      done(null, payload)
    })
    page.get(path, { schema: NOT_API }, async (request, reply) => {
      // The page's asset URLs are relative (`./assets/…`): without its slash they would miss.
      const [pathname, query] = request.url.split('?', 2)
      if (!(pathname ?? '').endsWith('/')) {
        return reply.redirect(`${pathname}/${query === undefined ? '' : `?${query}`}`, 308)
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index)
    })
    if (icon !== undefined) {
      page.get(`${path}favicon.svg`, { schema: NOT_API }, async (_request, reply) =>
        reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
      )
    }
    page.get(`${path}assets/:name`, { schema: NOT_API }, async (request, reply) => {
      const file = files.get((request.params as { name: string }).name)
      if (file === undefined) return reply.code(404).type('application/json').send({ detail: 'Not found.' })
      // Vite names assets by content hash: cache them for good.
      return reply
        .type(file.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(file.body)
    })
  })
}
