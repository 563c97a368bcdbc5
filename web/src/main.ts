// The demo page: the Tessera client in cookie mode, driving register, log in, a forgotten
// password, the verification banner, profile, the protected route, silent refreshes and log out.
// No inline script or style (the page's CSP).
import {
  createTesseraClient,
  decodeJwtPayload,
  errorFromResponse,
  TesseraClientError,
  type UserView,
} from '@tessera/client'

/** After a failed renewal, the next try waits this long (the server may be throttling us). */
const RETRY_GAP_MS = 5000

const client = createTesseraClient({ mode: 'cookie', baseUrl: window.location.origin })
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
let refreshes = 0
let renewing = false
let lastFailure = 0

function show(message: string, error = false): void {
  const target = $(error ? 'error' : 'status')
  target.textContent = message
  if (error) target.hidden = message === ''
}

/** A call succeeded: an error shown for an earlier one no longer applies. */
function clearError(): void {
  show('', true)
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
  // The access token says whether the address is verified (`email_verified`, false until it is).
  const access = await client.getAccessToken()
  $('verify-banner').hidden = (access ? decodeJwtPayload(access) : undefined)?.email_verified !== false
  clearError()
}

/**
 * Shows the countdown, and lets the client renew the access token in the background once it is
 * due (the client decides when: no request while the token is fresh), so the page never holds an
 * expired token. Tabs share the renewal: one refresh request per expiry.
 */
function tick(): void {
  const expires = client.expiresAt()
  $('expires').textContent =
    expires === undefined ? '–' : String(Math.max(0, Math.round(expires - Date.now() / 1000)))
  if (!client.isAuthenticated() || renewing || Date.now() - lastFailure < RETRY_GAP_MS) return
  renewing = true
  client
    .getAccessToken()
    .catch((error: unknown) => {
      lastFailure = Date.now()
      show(describe(error), true)
    })
    .finally(() => {
      renewing = false
    })
}

client.on('refresh', () => {
  refreshes++
  $('refreshes').textContent = String(refreshes)
  clearError()
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

$('forgot-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target as HTMLFormElement)
  show('', true)
  try {
    // The server answers alike whether or not the address has an account: so does the page.
    await client.requestPasswordReset(String(form.get('email')))
    $('forgot-result').textContent = 'If that address has an account, a reset link is on its way.'
  } catch (error) {
    show(describe(error), true)
  }
})

$('resend').addEventListener('click', async () => {
  try {
    await client.resendVerification()
    show('A new verification link is on its way.')
    clearError()
  } catch (error) {
    show(describe(error), true)
  }
})

$('hello').addEventListener('click', async () => {
  try {
    const response = await client.fetch('/api/hello/')
    if (!response.ok) throw await errorFromResponse(response)
    $('hello-result').textContent = JSON.stringify(await response.json())
    clearError()
  } catch (error) {
    show(describe(error), true)
  }
})

$('logout').addEventListener('click', async () => {
  await client.logout()
  $('hello-result').textContent = ''
})

setInterval(tick, 500)
// A restored session announces itself with a `login` event, which renders it (and reads `/me/`
// once); only the anonymous page is left to render here.
client
  .restore()
  .then((restored) => (restored ? undefined : render()))
  .catch((error: unknown) => show(describe(error), true))
