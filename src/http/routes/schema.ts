import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ValidationFailed } from '../../core/errors.js'
import type { Authenticator } from '../authenticate.js'
import type { OpenApiDocument } from '../openapi/install.js'
import { defineRoute } from '../route.js'

/** The OpenAPI media types (IANA): `application/vnd.oai.openapi` is YAML, `…+json` JSON. */
const YAML_TYPES = ['application/vnd.oai.openapi', 'application/yaml', 'application/x-yaml', 'text/yaml']

/** YAML when `?format=yaml`, or when the Accept header names a YAML type before any JSON one. */
function wantsYaml(request: FastifyRequest): boolean {
  const { format } = (request.query ?? {}) as { format?: unknown }
  if (format !== undefined) {
    if (format === 'yaml' || format === 'json') return format === 'yaml'
    const shown = typeof format === 'string' ? format : String(format)
    throw new ValidationFailed({ format: [`"${shown.slice(0, 20)}" is not a valid choice.`] })
  }
  const accept = (request.headers.accept ?? '').toLowerCase()
  for (const entry of accept.split(',')) {
    const type = entry.split(';')[0]?.trim() ?? ''
    if (YAML_TYPES.includes(type)) return true
    if (type === 'application/json' || type.endsWith('+json')) return false
  }
  return false
}

/** `GET {API_PREFIX}/schema/`: the OpenAPI 3.1 document of every route above, JSON or YAML. */
export function schemaRoutes(
  app: FastifyInstance,
  authenticate: Authenticator,
  prefix: string,
  document: OpenApiDocument,
): void {
  defineRoute(app, authenticate, {
    path: `${prefix}/schema/`,
    handlers: {
      GET: (request, reply) => {
        reply.header('cache-control', 'no-cache').header('vary', 'accept')
        if (wantsYaml(request))
          return reply.type('application/yaml; charset=utf-8').send(document({ yaml: true }))
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(document()))
      },
    },
    docs: {
      GET: {
        operationId: 'schema',
        tags: ['schema'],
        summary: 'This OpenAPI document',
        description:
          'The OpenAPI 3.1 document of this API: JSON by default; YAML with `?format=yaml` or `Accept: application/yaml` (or `application/vnd.oai.openapi`).',
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: ['json', 'yaml'], description: 'The format.' } },
        },
        responses: {
          200: {
            description: 'The document.',
            content: {
              'application/json': { schema: { type: 'object', description: 'OpenAPI 3.1, as JSON.' } },
              'application/yaml': { schema: { type: 'string', description: 'The same document, as YAML.' } },
            },
          },
        },
        errors: { 400: 'An unknown `format`.' },
      },
    },
  })
}
