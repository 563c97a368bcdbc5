/** Reading the OpenAPI document in tests: its operations, and the schema of one response. */
import type { ErrorObject, ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

export type OpenApi = {
  openapi: string
  servers: { url: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  tags: { name: string; description?: string }[]
}

export interface Operation {
  operationId: string
  summary: string
  tags: string[]
  security?: Record<string, string[]>[]
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** Every operation of the document as `METHOD /path`. */
export function operationsOf(document: OpenApi): Map<string, Operation> {
  const found = new Map<string, Operation>()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method]
      if (operation) found.set(`${method.toUpperCase()} ${path}`, operation)
    }
  }
  return found
}

/** The document's path template that a request path matches (`/api/sessions/{id}/`). */
export function templateOf(document: OpenApi, path: string): string | undefined {
  const withSlash = path.endsWith('/') ? path : `${path}/`
  for (const template of Object.keys(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/[.]/g, '\\.')}$`)
    if (pattern.test(path) || pattern.test(withSlash)) return template
  }
  return undefined
}

/**
 * Validates bodies against the document's response schemas with Ajv in the 2020-12 dialect (the
 * dialect of OpenAPI 3.1), `$ref`s resolved inside the document.
 */
export class ResponseValidator {
  readonly #ajv: Ajv2020
  readonly #compiled = new Map<string, ValidateFunction>()
  /** How many bodies were validated, by `METHOD template status`. */
  readonly checked = new Set<string>()

  constructor(readonly document: OpenApi) {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats.default(this.#ajv)
    this.#ajv.addSchema(document as object, 'openapi')
  }

  /** Undefined when the body matches; else what is wrong. */
  check(method: string, path: string, status: number, contentType: string, body: string): string | undefined {
    const template = templateOf(this.document, path.split('?')[0] ?? path)
    if (template === undefined) return `${path}: no such path in the document`
    const operation = this.document.paths[template]?.[method.toLowerCase()]
    if (operation === undefined) return `${method} ${template}: no such operation`
    const response = operation.responses[String(status)]
    if (response === undefined) return `${method} ${template}: status ${status} is not documented`
    const media = contentType.split(';')[0]?.trim() ?? ''
    if (response.content === undefined || Object.keys(response.content).length === 0) {
      return body === '' ? undefined : `${method} ${template} ${status}: documented without a body`
    }
    if (response.content[media] === undefined) {
      return `${method} ${template} ${status}: ${media} is not documented (${Object.keys(response.content)})`
    }
    this.checked.add(`${method} ${template} ${status}`)
    if (media !== 'application/json') return undefined
    const pointer = [
      'paths',
      template,
      method.toLowerCase(),
      'responses',
      String(status),
      'content',
      media,
      'schema',
    ]
      .map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/')
    let validate = this.#compiled.get(pointer)
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: `openapi#/${pointer}` })
      this.#compiled.set(pointer, validate)
    }
    if (validate(JSON.parse(body))) return undefined
    return `${method} ${template} ${status}: ${body} does not match: ${describe(validate.errors)}`
  }
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ')
}
