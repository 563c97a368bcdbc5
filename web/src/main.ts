// The demo page: the Tessera client in cookie mode, driving register, log in, profile, the
// protected route, silent refreshes and log out. No inline script or style (the page's CSP).
import { createTesseraClient, TesseraClientError, type UserView } from '../../src/client/index.js'

/** The client renews the access token this long before it expires (its default, spelled out). */
const REFRESH_SKEW_SECONDS = 30
/** A silent renewal at most this often, even with access tokens shorter than the skew. */
const MIN_RENEWAL_GAP_MS = 5000

const client = createTesseraClient({
  mode: 'cookie',
  baseUrl: window.location.origin,
  refreshSkewSeconds: REFRESH_SKEW_SECONDS,
})
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
let refreshes = 0
let renewing = false
let lastRenewal = 0

function show(message: string, error = false): void {
  const target = $(error ? 'error' : 'status')
  target.textContent = message
  if (error) target.hidden = message === ''
}

function describe(error: unknown): string {
  if (error instanceof TesseraClientError) {
    const fields = Object.entries(error.fields ?? {})
      .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
      .join(' · ')
    return fields || error.detail || `Request failed (${error.status})`
  }
  return error instanceof Error ? error.message : String(error)
}

async function render(): Promise<void> {
  const authenticated = client.isAuthenticated()
  $('anonymous').hidden = authenticated
  $('authenticated').hidden = !authenticated
  show(authenticated ? 'Logged in' : 'Not logged in')
  tick()
  if (!authenticated) return
  const user = await client.me<UserView>()
  $('profile-username').textContent = user.username
  $('profile-email').textContent = user.email
  $('profile-joined').textContent = new Date(user.date_joined).toLocaleString()
}

/**
 * Shows the countdown, and renews the access token in the background once it is due, so the page
 * never holds an expired token (tabs share the renewal: one refresh request per expiry).
 */
function tick(): void {
  const expires = client.expiresAt()
  $('expires').textContent =
    expires === undefined ? '–' : String(Math.max(0, Math.round(expires - Date.now() / 1000)))
  const now = Date.now()
  const due = expires !== undefined && expires * 1000 - REFRESH_SKEW_SECONDS * 1000 <= now
  if (!due || renewing || now - lastRenewal < MIN_RENEWAL_GAP_MS) return
  renewing = true
  lastRenewal = now
  client
    .getAccessToken()
    .catch((error: unknown) => show(describe(error), true))
    .finally(() => {
      renewing = false
    })
}

client.on('refresh', () => {
  refreshes++
  $('refreshes').textContent = String(refreshes)
  tick()
})
for (const event of ['login', 'logout', 'session-expired'] as const) {
  client.on(event, () => {
    render().catch((error: unknown) => show(describe(error), true))
  })
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target as HTMLFormElement)
  show('', true)
  try {
    await client.login(String(form.get('username')), String(form.get('password')))
  } catch (error) {
    show(describe(error), true)
  }
})

$('register-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target as HTMLFormElement)
  show('', true)
  try {
    const username = String(form.get('username'))
    const password = String(form.get('password'))
    await client.register({ username, email: String(form.get('email')), password })
    await client.login(username, password)
  } catch (error) {
    show(describe(error), true)
  }
})

$('hello').addEventListener('click', async () => {
  try {
    const response = await client.fetch('/api/hello/')
    $('hello-result').textContent = JSON.stringify(await response.json())
  } catch (error) {
    show(describe(error), true)
  }
})

$('logout').addEventListener('click', async () => {
  await client.logout()
  $('hello-result').textContent = ''
})

setInterval(tick, 500)
client
  .restore()
  .then(() => render())
  .catch((error: unknown) => show(describe(error), true))
