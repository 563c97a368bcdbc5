/**
 * Each front-end and service package installs as its audience meets it: `npm pack`, then `npm i`
 * of the tarballs in an empty project. No install scripts (so no native build), a handful of
 * packages, and the installed package loads and works there. Uses the npm cache first
 * (`--prefer-offline`); the registry only for what the cache lacks.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
let work: string
const tarballs: Record<string, string> = {}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tessera-install-'))
  mkdirSync(join(work, 'packs'))
  for (const name of ['protocol', 'client', 'react', 'verify']) {
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(work, 'packs')], {
      cwd: join(ROOT, 'packages', name),
      encoding: 'utf8',
    })
    tarballs[name] = join(work, 'packs', out.trim().split('\n').pop() as string)
  }
}, 120_000)
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Installs the tarballs of `names` into a new empty project; its installed packages and dir. */
function install(names: string[]): {
  project: string
  installed: [string, { hasInstallScript?: boolean }][]
} {
  const project = mkdtempSync(join(work, 'project-'))
  writeFileSync(join(project, 'package.json'), '{"name":"consumer","private":true,"type":"module"}')
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...names.map((name) => tarballs[name] as string),
    ],
    { cwd: project, stdio: 'pipe' },
  )
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { hasInstallScript?: boolean }>
  }
  const installed = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'))
  return { project, installed }
}

const run = (project: string, code: string): string =>
  execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: project,
    encoding: 'utf8',
  }).trim()

describe('installing a package alone', () => {
  it('@tessera/client brings @tessera/protocol and nothing else, and makes a client', () => {
    const { project, installed } = install(['protocol', 'client'])
    expect(installed.map(([path]) => path).sort()).toEqual([
      'node_modules/@tessera/client',
      'node_modules/@tessera/protocol',
    ])
    expect(installed.filter(([, meta]) => meta.hasInstallScript)).toEqual([])
    const out = run(
      project,
      "import { createTesseraClient } from '@tessera/client'; const c = createTesseraClient({ baseUrl: 'http://x', mode: 'body', fetch: async () => new Response('{}') }); console.log(typeof c.login, c.isAuthenticated())",
    )
    expect(out).toBe('function false')
  }, 120_000)

  it('@tessera/verify brings jose and fastify-plugin, no native build, and verifies a token', () => {
    const { project, installed } = install(['protocol', 'verify'])
    const names = installed.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()
    expect(names).toEqual(['@tessera/protocol', '@tessera/verify', 'fastify-plugin', 'jose'])
    expect(installed.filter(([, meta]) => meta.hasInstallScript)).toEqual([])
    const out = run(
      project,
      [
        "import { SignJWT } from 'jose'",
        "import { createVerifier } from '@tessera/verify'",
        "const secret = 'a-shared-secret-long-enough-for-hs256-0123456789'",
        'const now = Math.floor(Date.now() / 1000)',
        "const token = await new SignJWT({ token_type: 'access', exp: now + 60, iat: now, jti: 'j1', user_id: 7 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret))",
        "const verified = await createVerifier({ secret, algorithms: ['HS256'] }).verify(token)",
        "const refused = await createVerifier({ secret: secret + 'x', algorithms: ['HS256'] }).verify(token).catch((e) => e.code)",
        'console.log(verified.userId, refused)',
      ].join('\n'),
    )
    expect(out).toBe('7 token_not_valid')
  }, 120_000)

  it('@tessera/react brings the client, protocol and react (its peer), no install scripts', () => {
    const { project, installed } = install(['protocol', 'client', 'react'])
    const names = installed.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()
    expect(names).toEqual(['@tessera/client', '@tessera/protocol', '@tessera/react', 'react'])
    expect(installed.filter(([, meta]) => meta.hasInstallScript)).toEqual([])
    expect(
      run(
        project,
        "import { AuthProvider, useAuth } from '@tessera/react'; console.log(typeof AuthProvider, typeof useAuth)",
      ),
    ).toBe('function function')
  }, 120_000)
})
