import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../../settings/types.js'
import { type DocumentSettings, swaggerOptions } from './document.js'

/**
 * The decorator Tessera's document lives under. Not `swagger`: an app that embeds Tessera may have
 * its own @fastify/swagger, whose `app.swagger()` must stay its own.
 */
const DECORATOR = 'tesseraOpenApi'

/** Builds the document (JSON object, or YAML text); cached by @fastify/swagger after the first call. */
export type OpenApiDocument = {
  (): Record<string, unknown>
  (options: { yaml: true }): string
}

function packageVersion(): string {
  // The same depth from src/ and dist/: the package root is three levels up.
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/**
 * Starts collecting the scope's routes into Tessera's OpenAPI document, unless SCHEMA_ENABLED is
 * off. Registered before the routes: @fastify/swagger sees each route as it is added. Returns the
 * document's builder (valid once the app is ready).
 */
export async function collectOpenApi(
  scope: FastifyInstance,
  settings: Readonly<Settings>,
  /** The scope's prefix as clients see it ('' standalone): the document's server URL. */
  mountPath: string,
): Promise<OpenApiDocument | undefined> {
  if (!settings.SCHEMA_ENABLED) return undefined
  const documentSettings: DocumentSettings = settings
  // Loaded only when the document is served.
  const { default: fastifySwagger } = await import('@fastify/swagger')
  await scope.register(
    fastifySwagger,
    swaggerOptions(documentSettings, mountPath === '' ? '/' : mountPath, packageVersion(), DECORATOR),
  )
  // @fastify/swagger is a fastify-plugin: it decorated `scope` itself.
  return (scope as unknown as Record<string, OpenApiDocument>)[DECORATOR]
}
