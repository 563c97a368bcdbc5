import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import type { OpenApiDocument } from '../openapi/install.js'
import { pageHeaders } from './built-page.js'

/**
 * The docs page's CSP. Every script, stylesheet, image and font comes from this server (the
 * swagger-ui files of @fastify/swagger-ui, served from the package); the page fetches only this
 * server (the document, and "Try it out"). swagger-ui sets inline `style` attributes and adds a
 * `<style>` element (test/e2e/docs-page.test.ts sees the violation under `style-src-attr` alone),
 * and its images are `data:` SVGs: so styles may be inline and images `data:`; scripts may not.
 */
export const DOCS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/**
 * `GET {API_PREFIX}/docs/`: the interactive docs page (swagger-ui) for the OpenAPI document, in a
 * scope of its own so its headers apply to its routes alone. Not registered, with a warning, when
 * the app that embeds Tessera has @fastify/swagger-ui already: one app holds one of it (its
 * `swaggerCSP` decorator), and the app's own page stays its own.
 */
export async function docsPageRoutes(
  app: FastifyInstance,
  prefix: string,
  /** The scope's prefix as clients see it ('' standalone), for the page's links. */
  mountPath: string,
  document: OpenApiDocument,
  warn: (message: string) => void,
): Promise<void> {
  if (app.hasDecorator('swaggerCSP')) {
    warn('the app has its own @fastify/swagger-ui: Tessera serves no docs page (DOCS_ENABLED)')
    return
  }
  await app.register(async (docs) => {
    docs.addHook('onSend', pageHeaders(DOCS_PAGE_CSP))
    // swagger-ui's routes read `app.swagger()`; an app with its own @fastify/swagger has that
    // name taken, so the page's routes answer Tessera's document through the transform below.
    if (!docs.hasDecorator('swagger')) docs.decorate('swagger', document as never)
    const options: FastifySwaggerUiOptions = {
      routePrefix: `${prefix}/docs`,
      indexPrefix: mountPath,
      // No logo: the package's default is inlined as a data: URL into the page's script.
      logo: null as unknown as NonNullable<FastifySwaggerUiOptions['logo']>,
      theme: { title: 'Tessera API' },
      validatorUrl: false,
      uiConfig: { deepLinking: true, displayRequestDuration: true },
      transformSpecification: () => document(),
      transformSpecificationClone: false,
    }
    // Loaded only when the page is served (DOCS_ENABLED).
    const { default: fastifySwaggerUi } = await import('@fastify/swagger-ui')
    await docs.register(fastifySwaggerUi, options)
  })
}
