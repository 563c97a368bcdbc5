/**
 * The rooms of DESIGN.md and who may import whom. Reads every `import`/`export … from` in src/,
 * maps both ends to rooms and fails on an import the table does not allow.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

type Room =
  | 'root'
  | 'protocol'
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
  | 'client'
  | 'react'
  | 'verifier'

/** Runtime imports allowed, per room (a room may always import itself). */
const ALLOWED: Record<Room, readonly Room[]> = {
  protocol: [],
  core: ['protocol'],
  settings: ['core', 'protocol'],
  keys: ['core', 'settings', 'protocol'],
  tokens: ['core', 'keys', 'protocol'],
  'store/ports': [],
  'store/sql': ['core', 'protocol', 'store/ports'],
  'store/redis': ['core', 'protocol', 'store/ports'],
  'store/memory': ['core', 'protocol', 'store/ports'],
  accounts: ['core', 'protocol', 'settings', 'tokens', 'store/ports'],
  mail: ['core', 'protocol', 'settings', 'store/ports'],
  http: ['protocol', 'core', 'settings', 'keys', 'tokens', 'accounts', 'store/ports', 'verifier'],
  server: [
    'protocol',
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
  ],
  cli: ['server', 'settings', 'keys', 'store/ports', 'store/sql', 'core', 'protocol'],
  client: ['protocol'],
  react: ['client', 'protocol'],
  verifier: ['core', 'protocol', 'keys', 'tokens', 'settings'],
  root: ['core', 'protocol', 'keys', 'tokens', 'verifier', 'settings'],
}

/** Extra rooms allowed for `import type` only (no runtime coupling). */
const TYPE_ONLY: Partial<Record<Room, readonly Room[]>> = {
  tokens: ['settings', 'store/ports'],
  'store/ports': ['core', 'protocol'],
  keys: ['settings'],
}

/** Rooms that must run anywhere (browsers, edge runtimes): no `node:*` and no Node-only packages. */
const PORTABLE: readonly Room[] = [
  'protocol',
  'core',
  'tokens',
  'keys',
  'client',
  'react',
  'verifier',
  'settings',
]

/** Third-party packages a room may not use even where other rules would allow it. */
const FORBIDDEN_PACKAGES: Partial<Record<Room, readonly string[]>> = {
  tokens: ['fastify', 'kysely', 'ioredis', 'pg', 'better-sqlite3'],
  accounts: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'ioredis', 'nodemailer'],
  mail: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'ioredis'],
  http: ['kysely', 'pg', 'better-sqlite3', 'ioredis'],
  client: ['jose', 'fastify'],
  verifier: ['fastify', 'kysely', 'pg', 'better-sqlite3'],
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
  /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm

interface Edge {
  file: string
  specifier: string
  typeOnly: boolean
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8')
  const edges: Edge[] = []
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4] ?? match[5]
    if (specifier) edges.push({ file, specifier, typeOnly: match[2] !== undefined })
  }
  return edges
}

const files = sourceFiles(SRC)
const edges = files.flatMap(importsOf)

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

  it('the checker itself catches a forbidden import', () => {
    const fake = join(SRC, 'tokens', 'fake.ts')
    const target = roomOf(resolve(dirname(fake), '../store/sql/index.js'))
    expect(target).toBe('store/sql')
    expect(ALLOWED.tokens.includes(target)).toBe(false)
  })
})
