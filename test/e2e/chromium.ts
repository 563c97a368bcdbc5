/**
 * What the browser suites share: Debian's Chromium (a missing one fails the suite, never skips it),
 * the flags this closed network needs, the demo page and the admin UI built with Vite into a
 * folder, and the screenshots folder.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { buildServer, type TesseraServer } from '../../src/server/build.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const SHOTS = join(ROOT, 'test-output/screenshots')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** Headless, and no background connections: this machine's closed network refuses them. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** @throws Error naming the fix when Chromium is not installed */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
  }
  mkdirSync(SHOTS, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS })
}

/**
 * Collects into `problems` what a page must never show: uncaught errors and Content-Security-Policy
 * refusals in the console (`label`: how an error names its page, the URL by default).
 */
export function watchProblems(page: Page, problems: string[], label = (error: Error) => error.message): void {
  page.on('pageerror', (error) => problems.push(label(error)))
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text())
  })
}

/**
 * A platform authenticator on `page` (Chrome's virtual WebAuthn) that keeps discoverable
 * credentials and verifies its user, answering without a prompt.
 */
export async function addPlatformAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return { cdp, authenticatorId }
}

/** Builds the demo page into `outDir` and returns its index.html. */
export async function buildDemo(outDir: string): Promise<string> {
  await build({
    configFile: join(ROOT, 'web/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
  return readFileSync(join(outDir, 'index.html'), 'utf8')
}

/** Builds the admin UI (admin/) into `outDir`. */
export async function buildAdmin(outDir: string): Promise<void> {
  await build({
    configFile: join(ROOT, 'admin/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  })
}

/** Cheap argon2id and no login-timing reference: the browser suites test pages, not hashing. */
export const FAST_HASHING = {
  ARGON2_MEMORY_KIB: 1024,
  ARGON2_ITERATIONS: 1,
  LOGIN_TIMING_PBKDF2_ITERATIONS: 0,
} as const

/** A port nobody listens on now, so that a server's settings (FRONTEND_URL, origins) can name it. */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const address = probe.address()
  await new Promise<void>((done) => probe.close(() => done()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * What every browser suite's server shares: SQLite and keys in `dir`, cheap hashing, no rate
 * limits (a suite logs in more often than a limit allows).
 */
export const localServerSettings = (dir: string) => ({
  DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
  KEY_DIR: join(dir, 'keys'),
  ...FAST_HASHING,
  RATE_LIMIT_ENABLED: false,
})

/**
 * A development server on SQLite in `dir` with the demo page (and the admin UI with `admin`) built
 * there, listening at http://localhost:PORT, the origin passkeys are bound to (a WebAuthn relying
 * party must be a domain).
 */
export async function startPasskeyServer(
  dir: string,
  { admin = false }: { admin?: boolean } = {},
): Promise<{ server: TesseraServer; url: string }> {
  const demoDir = join(dir, 'web')
  await buildDemo(demoDir)
  const adminDir = admin ? join(dir, 'admin') : undefined
  if (adminDir !== undefined) await buildAdmin(adminDir)
  const port = await freePort()
  const url = `http://localhost:${port}`
  const server = await buildServer({
    logStream: false,
    demoDir,
    ...(adminDir === undefined ? {} : { adminDir }),
    settings: {
      env: {},
      mode: 'development',
      overrides: {
        ...localServerSettings(dir),
        EMAIL_BACKEND: 'memory',
        WEBAUTHN_RP_ID: 'localhost',
        WEBAUTHN_ORIGINS: [url],
      },
    },
  })
  await server.app.listen({ host: '127.0.0.1', port })
  return { server, url }
}
