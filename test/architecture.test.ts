/**
 * The packages and rooms of DESIGN.md and who may import whom. Reads every `import`/`export …
 * from`, dynamic `import()` and `require()` (a `createRequire` load too) in src/ and each packages/<name>/src,
 * maps both ends to rooms or packages and fails on an import the tables do not allow.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const SRC = join(ROOT, 'src')
const PACKAGES = join(ROOT, 'packages')

type Room =
  | 'root'
  | 'core'
  | 'settings'
  | 'keys'
  | 'tokens'
  | 'store/ports'
  | 'store/sql'
  | 'store/redis'
  | 'store/memory'
  | 'accounts'
  | 'mail'
  | 'http'
  | 'server'
  | 'cli'
  | 'node'

/** Runtime imports allowed, per room of `tessera` (a room may always import itself). */
const ALLOWED: Record<Room, readonly Room[]> = {
  core: [],
  settings: ['core'],
  keys: ['core', 'settings'],
  tokens: ['core', 'keys'],
  'store/ports': [],
  'store/sql': ['core', 'store/ports'],
  'store/redis': ['core', 'store/ports'],
  'store/memory': ['core', 'store/ports'],
  accounts: ['core', 'settings', 'tokens', 'store/ports'],
  mail: ['core', 'settings', 'store/ports'],
  http: ['core', 'settings', 'keys', 'tokens', 'accounts', 'store/ports'],
  server: [
    'core',
    'settings',
    'keys',
    'tokens',
    'accounts',
    'store/ports',
    'store/sql',
    'store/redis',
    'store/memory',
    'mail',
    'http',
    'node',
  ],
  cli: ['server', 'node', 'settings', 'keys', 'store/ports', 'store/sql', 'core'],
  /** Node adapters: key files and their reload, the node:crypto HMAC signer and verifier, hash threads. */
  node: ['core', 'settings', 'keys', 'tokens', 'accounts'],
  root: ['core', 'keys', 'tokens', 'settings'],
}

type Package = 'protocol' | 'client' | 'react' | 'verify'
const PACKAGE_NAMES: readonly Package[] = ['protocol', 'client', 'react', 'verify']

/** The workspace packages each package may depend on (DESIGN.md's package table). */
const PACKAGE_DEPENDS: Record<Package, readonly Package[]> = {
  protocol: [],
  client: ['protocol'],
  react: ['client'],
  verify: ['protocol'],
}

/** The workspace packages each room of `tessera` may use: protocol everywhere, the rest where named. */
const ROOM_PACKAGES: Partial<Record<Room, readonly Package[]>> = {
  core: ['verify'],
  keys: ['verify'],
  tokens: ['verify'],
  http: ['verify'],
  server: ['verify'],
  node: ['verify'],
  root: ['verify', 'client', 'react'],
}

/** Extra rooms allowed for `import type` only (no runtime coupling). */
const TYPE_ONLY: Partial<Record<Room, readonly Room[]>> = {
  tokens: ['settings', 'store/ports'],
  'store/ports': ['core'],
  keys: ['settings'],
}

/** Rooms that must run anywhere (browsers, edge runtimes): no `node:*` and no Node-only packages. */
const PORTABLE: readonly Room[] = ['core', 'tokens', 'keys', 'settings']

/** Third-party packages a room may not use even where other rules would allow it. */
const FORBIDDEN_PACKAGES: Partial<Record<Room, readonly string[]>> = {
  tokens: ['fastify', 'kysely', 'ioredis', 'pg', 'better-sqlite3'],
  accounts: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'ioredis', 'nodemailer'],
  mail: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'ioredis'],
  http: ['kysely', 'pg', 'better-sqlite3', 'ioredis'],
}

function roomOf(file: string): Room {
  const rel = relative(SRC, file).replaceAll('\\', '/').replace(/\.js$/, '.ts')
  if (!rel.includes('/')) return 'root'
  if (rel === 'store/ports.ts') return 'store/ports'
  const [top, second] = rel.split('/')
  if (top === 'store') return `store/${second}` as Room
  return top as Room
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/gm

interface Edge {
  file: string
  specifier: string
  typeOnly: boolean
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8')
  const edges: Edge[] = []
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4] ?? match[5] ?? match[6]
    if (specifier) edges.push({ file, specifier, typeOnly: match[2] !== undefined })
  }
  return edges
}

const files = sourceFiles(SRC)
const edges = files.flatMap(importsOf)

interface Manifest {
  exports: Record<string, unknown>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const manifestOf = (pkg: Package): Manifest =>
  JSON.parse(readFileSync(join(PACKAGES, pkg, 'package.json'), 'utf8')) as Manifest

/** `@tessera/verify/engine` → ['verify', './engine']; undefined for any other specifier. */
function workspaceImport(specifier: string): [Package, string] | undefined {
  const match = /^@tessera\/([a-z]+)(\/.*)?$/.exec(specifier)
  if (!match || !PACKAGE_NAMES.includes(match[1] as Package)) return undefined
  return [match[1] as Package, match[2] === undefined ? '.' : `.${match[2]}`]
}

/** What is wrong with importing `specifier` from a file that may use the workspace packages `allowed`. */
function workspaceViolation(specifier: string, allowed: readonly Package[]): string | undefined {
  if (specifier.startsWith('@tessera/') && workspaceImport(specifier) === undefined)
    return 'no such workspace package'
  const target = workspaceImport(specifier)
  if (target === undefined) return undefined
  const [pkg, subpath] = target
  if (!allowed.includes(pkg)) return `may not depend on @tessera/${pkg}`
  if (!(subpath in manifestOf(pkg).exports))
    return `@tessera/${pkg} does not export ${subpath} (an internal file)`
  return undefined
}

/** Bare package name of a specifier: `jose`, `@fastify/cookie`, `node:fs` stays as is. */
const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string)

const packageFiles = Object.fromEntries(
  PACKAGE_NAMES.map((pkg) => [pkg, sourceFiles(join(PACKAGES, pkg, 'src'))]),
) as Record<Package, string[]>

describe('architecture', () => {
  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20)
    expect(edges.length).toBeGreaterThan(50)
  })

  it('every relative import stays within the rooms table', () => {
    const violations: string[] = []
    for (const edge of edges.filter((e) => e.specifier.startsWith('.'))) {
      const from = roomOf(edge.file)
      const to = roomOf(resolve(dirname(edge.file), edge.specifier))
      if (from === to) continue
      const allowed = ALLOWED[from].includes(to) || (edge.typeOnly && (TYPE_ONLY[from] ?? []).includes(to))
      if (!allowed) violations.push(`${relative(SRC, edge.file)} (${from}) imports ${edge.specifier} (${to})`)
    }
    expect(violations).toEqual([])
  })

  it('portable rooms import no node:* module', () => {
    const violations = edges
      .filter((edge) => PORTABLE.includes(roomOf(edge.file)) && edge.specifier.startsWith('node:'))
      .map((edge) => `${relative(SRC, edge.file)} imports ${edge.specifier}`)
    expect(violations).toEqual([])
  })

  it('rooms avoid the packages that belong to other rooms', () => {
    const violations: string[] = []
    for (const edge of edges) {
      const forbidden = FORBIDDEN_PACKAGES[roomOf(edge.file)] ?? []
      if (forbidden.some((name) => edge.specifier === name || edge.specifier.startsWith(`${name}/`))) {
        violations.push(`${relative(SRC, edge.file)} imports ${edge.specifier}`)
      }
    }
    expect(violations).toEqual([])
  })

  it('the rooms of tessera use only the published exports of the packages they may depend on', () => {
    const violations: string[] = []
    for (const edge of edges) {
      const room = roomOf(edge.file)
      const problem = workspaceViolation(edge.specifier, ['protocol', ...(ROOM_PACKAGES[room] ?? [])])
      if (problem)
        violations.push(`${relative(SRC, edge.file)} (${room}) imports ${edge.specifier}: ${problem}`)
    }
    expect(violations).toEqual([])
  })

  it("each package imports only its own files, its declared dependencies and other packages' exports", () => {
    const violations: string[] = []
    for (const pkg of PACKAGE_NAMES) {
      const root = join(PACKAGES, pkg, 'src')
      const manifest = manifestOf(pkg)
      const declared = { ...manifest.dependencies, ...manifest.peerDependencies }
      expect(packageFiles[pkg].length).toBeGreaterThan(0)
      for (const edge of packageFiles[pkg].flatMap(importsOf)) {
        const where = `packages/${pkg}/src/${relative(root, edge.file)} imports ${edge.specifier}`
        if (edge.specifier.startsWith('.')) {
          const target = resolve(dirname(edge.file), edge.specifier)
          if (relative(root, target).startsWith('..')) violations.push(`${where}: outside its package`)
          continue
        }
        if (edge.specifier.startsWith('node:')) {
          violations.push(`${where}: packages run anywhere, no node:* modules`)
          continue
        }
        const problem = workspaceViolation(edge.specifier, PACKAGE_DEPENDS[pkg])
        if (problem) violations.push(`${where}: ${problem}`)
        else if (!(packageName(edge.specifier) in declared))
          violations.push(`${where}: not in its package.json`)
      }
    }
    expect(violations).toEqual([])
  })

  it('the package checks catch an internal file, an undeclared package and a require', () => {
    expect(workspaceViolation('@tessera/verify/src/engine/token-verifier.js', ['verify'])).toMatch(/internal/)
    expect(workspaceViolation('@tessera/verify/engine', ['verify'])).toBeUndefined()
    expect(workspaceViolation('@tessera/client', ['protocol'])).toMatch(/may not depend/)
    expect(workspaceViolation('@tessera/nothing', ['protocol'])).toMatch(/no such/)
    const text = "const require = createRequire(import.meta.url)\nconst pg = require('pg')\n"
    expect([...text.matchAll(IMPORT)].map((match) => match[6])).toContain('pg')
  })

  it('the checker itself catches a forbidden import', () => {
    const fake = join(SRC, 'tokens', 'fake.ts')
    const target = roomOf(resolve(dirname(fake), '../store/sql/index.js'))
    expect(target).toBe('store/sql')
    expect(ALLOWED.tokens.includes(target)).toBe(false)
  })
})
