import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { headerNameFromMeta } from '../../settings/load.js'
import type { Settings } from '../../settings/types.js'
import { builtFileRoutes, NOT_API, pageHeaders, readBuiltFiles } from './built-page.js'

/**
 * The admin UI's CSP: every script and stylesheet is a file from this server (no inline script,
 * no inline style, no `eval`), the page calls only this server, and no other site may frame it.
 */
export const ADMIN_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tessera admin</title></head>
<body><main><h1>Tessera admin</h1><p>The admin UI is not built: run <code>npm run build</code> (or just
the UI: <code>npx vite build --config admin/vite.config.ts</code>) and restart.</p></main></body></html>`

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
  const files = readBuiltFiles(distDir)
  const { path } = options

  await app.register(async (page) => {
    page.addHook('onSend', pageHeaders(ADMIN_PAGE_CSP))
    page.get(path, { schema: NOT_API }, async (request, reply) => {
      // The page's asset URLs are relative (`./assets/…`): without its slash they would miss.
      const [pathname, query] = request.url.split('?', 2)
      if (!(pathname ?? '').endsWith('/')) {
        return reply.redirect(`${pathname}/${query === undefined ? '' : `?${query}`}`, 308)
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index)
    })
    builtFileRoutes(page, path, files)
  })
}
