/**
 * The docs page in Chromium (issue 22): swagger-ui renders Tessera's operations under the page's
 * CSP without a single violation, and the browser fetches nothing from any other origin.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run']

describe('the docs page in Chromium', () => {
  let server: TestServer
  let browser: Browser
  let origin: string
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`)
    }
    server = await startTestServer('sqlite')
    origin = await server.app.listen({ host: '127.0.0.1', port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.dispose()
  })

  it('renders every tag and operation with no CSP violation and no foreign request', async () => {
    const page = await browser.newPage()
    const problems: string[] = []
    const requested: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('request', (request) => requested.push(request.url()))
    await page.goto(`${origin}/api/docs/`)
    await page.locator('.opblock-tag-section').first().waitFor({ timeout: 20_000 })
    const tags = await page.locator('.opblock-tag').allInnerTexts()
    expect(tags.map((text) => text.split('\n')[0]?.trim())).toEqual(
      expect.arrayContaining(['tokens', 'accounts', 'sessions', 'introspection', 'keys', 'service']),
    )
    const operations = await page.locator('.opblock-summary-path').count()
    expect(operations).toBeGreaterThan(25)
    expect(await page.locator('.btn.authorize').count()).toBe(1)
    expect(problems).toEqual([])
    expect(requested.length).toBeGreaterThan(3)
    for (const url of requested)
      expect(url.startsWith(`${origin}/`) || url.startsWith('data:'), url).toBe(true)
    await page.close()
  })
})
