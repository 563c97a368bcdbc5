/**
 * The OpenAPI document (src/http/openapi): it names every route Fastify registered, and nothing
 * else; it passes Redocly's recommended lint; JSON and YAML are one document; the settings turn it
 * off; and an app that embeds Tessera keeps its own @fastify/swagger.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { createConfig, lintFromString, parseYaml } from '@redocly/openapi-core'
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JWKS_PATH, PATHS } from '@tessera/protocol'
import { type TesseraPluginOptions, tessera } from '../../../src/server/plugin.js'
import { loadSettings } from '../../../src/settings/load.js'
import { startTestServer, type TestServer } from '../../helpers/server.js'
import { type OpenApi, operationsOf } from './helpers.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function pluginSettings(
  overrides: Record<string, unknown> = {},
): NonNullable<TesseraPluginOptions['settings']> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'))
  dirs.push(dir)
  return {
    env: {},
    mode: 'test',
    overrides: {
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      KEY_DIR: join(dir, 'keys'),
      SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
      RATE_LIMIT_ENABLED: false,
      ARGON2_MEMORY_KIB: 1024,
      ARGON2_ITERATIONS: 1,
      LOGIN_TIMING_PBKDF2_ITERATIONS: 0,
      ...overrides,
    },
  }
}

const documentOf = async (app: FastifyInstance, url = '/api/schema/'): Promise<OpenApi> => {
  const res = await app.inject({ method: 'GET', url })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
  return res.json() as OpenApi
}

describe('the document names every registered route (embedded, every path registered twice)', () => {
  let app: FastifyInstance
  const routes: RouteOptions[] = []

  beforeAll(async () => {
    // No ignoreTrailingSlash: each path is registered with and without its slash (route.ts).
    app = Fastify()
    app.addHook('onRoute', (route) => {
      routes.push(route)
    })
    await app.register(tessera, { prefix: '/auth', settings: pluginSettings() })
    await app.ready()
  })
  afterAll(async () => app.close())

  it('documents each route but the 405 answers, the unslashed twins and the docs page files', async () => {
    const document = await documentOf(app, '/auth/schema/')
    expect(document.servers).toEqual([{ url: '/auth', description: 'This server' }])
    const operations = operationsOf(document)
    const registered = new Set<string>()
    const hiddenKinds = new Set<string>()
    for (const route of routes) {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const path = route.url.replace(/^\/auth/, '').replace(/:([A-Za-z_]+)/g, '{$1}')
      for (const method of methods) {
        if (method === 'HEAD') continue
        const key = `${method} ${path}`
        const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
        if (!hidden) {
          expect(operations.has(key), `${key} is registered but not in the document`).toBe(true)
          registered.add(key)
        } else if (route.config?.methodNotAllowed === true) {
          expect(operations.has(key), `${key} answers 405 but is documented`).toBe(false)
          hiddenKinds.add('405')
        } else if (path.startsWith('/docs')) {
          hiddenKinds.add('docs page')
        } else {
          // The same route without its trailing slash: documented once, under the slashed path.
          expect(operations.has(`${key}/`), `${key} is hidden but not a twin of a documented path`).toBe(true)
          hiddenKinds.add('twin')
        }
      }
    }
    expect([...hiddenKinds].sort()).toEqual(['405', 'docs page', 'twin'])
    // And nothing is documented that Fastify does not serve.
    expect([...operations.keys()].sort()).toEqual([...registered].sort())
  })

  it('has an operation for every endpoint of the protocol, and the service routes', async () => {
    const document = await documentOf(app, '/auth/schema/')
    const paths = Object.keys(document.paths)
    for (const path of Object.values(PATHS)) expect(paths).toContain(path)
    for (const path of [JWKS_PATH, '/healthz', '/readyz', '/metrics', '/', '/schema/'])
      expect(paths).toContain(path)
  })
})

describe('the document (standalone)', () => {
  let server: TestServer
  let document: OpenApi
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    document = await documentOf(server.app)
  })
  afterAll(async () => server.dispose())

  it('is OpenAPI 3.1 with a relative server, tags and security schemes named from the settings', () => {
    expect(document.openapi).toBe('3.1.0')
    expect(document.servers).toEqual([{ url: '/', description: 'This server' }])
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      jWTAuth: { type: 'apiKey', in: 'header', name: 'Authorization' },
      refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refresh_token' },
      csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRFToken' },
      clientBasic: { type: 'http', scheme: 'basic' },
    })
    const operations = operationsOf(document)
    const access = [{ bearerAuth: [] }, { jWTAuth: [] }]
    expect(operations.get('GET /api/me/')?.security).toEqual(access)
    expect(operations.get('POST /api/token/refresh/')?.security).toEqual([
      {},
      { refreshCookie: [], csrfToken: [] },
    ])
    expect(operations.get('POST /api/token/introspect/')?.security).toEqual([{ clientBasic: [] }])
    expect(operations.get('GET /api/revocations/stream/')?.security).toEqual([{ clientBasic: [] }])
    expect(operations.get('POST /api/token/')?.security).toEqual([])
    const tags = new Set(document.tags.map((tag) => tag.name))
    for (const operation of operations.values()) {
      expect(operation.summary.length).toBeGreaterThan(0)
      expect(operation.tags.length).toBeGreaterThan(0)
      for (const tag of operation.tags) expect(tags).toContain(tag)
    }
    // Each operation id once: client generators name functions after them.
    const ids = [...operations.values()].map((operation) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("documents DRF's error shapes as shared components", () => {
    const refresh = operationsOf(document).get('POST /api/token/refresh/')
    expect(refresh?.responses['400']?.content?.['application/json']?.schema).toEqual({
      anyOf: [{ $ref: '#/components/schemas/FieldErrors' }, { $ref: '#/components/schemas/DetailError' }],
    })
    expect(
      operationsOf(document).get('GET /api/me/')?.responses['401']?.content?.['application/json'],
    ).toEqual({
      schema: {
        anyOf: [{ $ref: '#/components/schemas/TokenError' }, { $ref: '#/components/schemas/DetailError' }],
      },
    })
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'DetailError',
        'FieldErrors',
        'TokenError',
        'TokenMessage',
        'ErrorCode',
        'User',
      ]),
    )
  })

  it("passes Redocly's recommended lint without errors", async () => {
    // The one rule turned off: simplejwt's paths end in `/` (Django's URLs), which is the wire
    // contract; Tessera matches them without it too.
    const config = await createConfig({
      extends: ['recommended'],
      rules: { 'no-path-trailing-slash': 'off' },
    })
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config,
    })
    const shown = problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`)
    expect(shown.filter((line) => line.startsWith('error'))).toEqual([])
    // The only warnings: operations that have no client error to answer (health, keys, pages).
    const warned = problems.filter((problem) => problem.severity === 'warn')
    expect(new Set(warned.map((problem) => problem.ruleId))).toEqual(new Set(['operation-4xx-response']))
    const without4xx = [...operationsOf(document).entries()]
      .filter(([, operation]) => !Object.keys(operation.responses).some((status) => status.startsWith('4')))
      .map(([key]) => key)
    expect(without4xx.sort()).toEqual(
      [
        'GET /',
        'GET /.well-known/jwks.json',
        'GET /api/email/change/cancel/',
        'GET /api/email/change/confirm/',
        'GET /api/email/verify/',
        'GET /api/links/page.js',
        'GET /api/password/reset/confirm/',
        'GET /healthz',
        'GET /metrics',
        'GET /readyz',
      ].sort(),
    )
    expect(warned.length).toBe(without4xx.length)
    // Without the exception, trailing slashes are all it reports.
    const strict = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    })
    const strictErrors = strict.filter((problem) => problem.severity === 'error')
    expect(new Set(strictErrors.map((problem) => problem.ruleId))).toEqual(
      new Set(['no-path-trailing-slash']),
    )
  })

  it('answers the same document as YAML for ?format=yaml and for YAML Accept types', async () => {
    for (const request of [
      { url: '/api/schema/?format=yaml', headers: {} },
      { url: '/api/schema/', headers: { accept: 'application/yaml' } },
      {
        url: '/api/schema/',
        headers: { accept: 'application/vnd.oai.openapi;version=3.1, application/json' },
      },
    ]) {
      const res = await server.app.inject({ method: 'GET', ...request })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8')
      expect(res.body.startsWith('openapi: 3.1.0')).toBe(true)
      expect(parseYaml(res.body)).toEqual(document)
    }
    for (const accept of ['application/json', 'application/vnd.oai.openapi+json', '*/*']) {
      const res = await server.app.inject({ method: 'GET', url: '/api/schema/', headers: { accept } })
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.json()).toEqual(document)
    }
    const json = await server.app.inject({ method: 'GET', url: '/api/schema?format=json' })
    expect(json.json()).toEqual(document)
  })

  it('refuses an unknown format in DRF field-error shape', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/schema/?format=xml' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ format: ['"xml" is not a valid choice.'] })
  })
})

describe('settings', () => {
  it('SCHEMA_ENABLED=false: neither the document nor the docs page', async () => {
    const server = await startTestServer('sqlite', { SCHEMA_ENABLED: false, DOCS_ENABLED: true })
    try {
      for (const url of ['/api/schema/', '/api/docs/']) {
        const res = await server.app.inject({ method: 'GET', url })
        expect(res.statusCode).toBe(404)
        expect(res.json()).toEqual({ detail: 'Not found.' })
      }
    } finally {
      await server.dispose()
    }
  })

  it('production: the docs page is off unless DOCS_ENABLED says so; the document stays', async () => {
    const production = {
      TESSERA_MODE: 'production',
      TESSERA_DATABASE_URL: 'postgres://db/x',
      TESSERA_SIGNING_KEY: 'Vq3n8ZpL2wXr6TbK9mYc4HdF7sJg1QeA5uNo0RiW',
      TESSERA_EMAIL_BACKEND: 'smtp',
      TESSERA_EMAIL_URL: 'smtp://mail.example.com:587',
      TESSERA_FRONTEND_URL: 'https://app.example.com',
      TESSERA_REGISTRATION_OPEN: 'false',
      TESSERA_MFA_SECRET_KEY: 'mfa-key-for-the-production-settings-test-0123',
    }
    expect(loadSettings({ env: production })).toMatchObject({ SCHEMA_ENABLED: true, DOCS_ENABLED: false })
    expect(loadSettings({ env: { ...production, TESSERA_DOCS_ENABLED: 'true' } }).DOCS_ENABLED).toBe(true)
    expect(loadSettings({ env: {}, mode: 'development' }).DOCS_ENABLED).toBe(true)
    const server = await startTestServer('sqlite', { DOCS_ENABLED: false })
    try {
      expect((await server.app.inject({ method: 'GET', url: '/api/schema/' })).statusCode).toBe(200)
      expect((await server.app.inject({ method: 'GET', url: '/api/docs/' })).statusCode).toBe(404)
    } finally {
      await server.dispose()
    }
  })
})

describe('an app with its own @fastify/swagger and @fastify/swagger-ui', () => {
  it('keeps its own document and page; Tessera serves its document beside them', async () => {
    const app = Fastify()
    await app.register(fastifySwagger, { openapi: { info: { title: 'Shop', version: '1.0.0' } } })
    await app.register(fastifySwaggerUi, { routePrefix: '/documentation' })
    await app.register(tessera, { prefix: '/auth', settings: pluginSettings() })
    app.get('/orders', { schema: { summary: 'Orders' } }, async () => [])
    try {
      await app.ready()
      const own = app.swagger() as unknown as OpenApi & { info: { title: string } }
      expect(own.info.title).toBe('Shop')
      // The app's document lists its own routes, and Tessera's (registered after its swagger).
      expect(Object.keys(own.paths)).toEqual(expect.arrayContaining(['/orders', '/auth/token/']))
      expect((await app.inject({ method: 'GET', url: '/documentation/json' })).json().info.title).toBe('Shop')
      const tessera = await documentOf(app, '/auth/schema/')
      expect((tessera as unknown as { info: { title: string } }).info.title).toBe('Tessera')
      expect(Object.keys(tessera.paths)).not.toContain('/orders')
      // One swagger-ui per app: Tessera's page is not served (a warning says so).
      expect((await app.inject({ method: 'GET', url: '/auth/docs/' })).statusCode).toBe(404)
    } finally {
      await app.close()
    }
  })
})
