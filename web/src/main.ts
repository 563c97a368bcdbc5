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
import { completeMfaWithPasskey, loginWithPasskey, registerPasskey } from '@tessera/client/passkeys'

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
  if (!authenticated) {
    // Recovery codes are shown once, to the session that made them: never to the next login.
    $('recovery').hidden = true
    $('recovery-codes').replaceChildren()
    $('totp-enrol').hidden = true
    return
  }
  const user = await client.me<UserView>()
  $('profile-username').textContent = user.username
  $('profile-email').textContent = user.email
  $('profile-joined').textContent = new Date(user.date_joined).toLocaleString()
  // The access token says whether the address is verified (`email_verified`, false until it is).
  const access = await client.getAccessToken()
  $('verify-banner').hidden = (access ? decodeJwtPayload(access) : undefined)?.email_verified !== false
  await renderFactors()
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
    const result = await client.login(String(form.get('username')), String(form.get('password')))
    if (result.status === 'mfa_required') {
      $('mfa-methods').textContent = `Your account has a second factor (${result.methods.join(', ')}).`
      $('mfa-passkey').hidden = !result.methods.includes('webauthn')
      // A passkey-only account has no code to type: no field that would demand one.
      const typesCode = result.methods.includes('totp') || result.methods.includes('recovery_code')
      $('mfa-code-entry').hidden = !typesCode
      ;($('mfa-code') as HTMLInputElement).disabled = !typesCode
      $('mfa-form').hidden = false
      show('A second factor is needed')
    }
  } catch (error) {
    show(describe(error), true)
  }
})

/** Finishes the pending login with `finish`; the form goes once the session exists. */
async function secondStep(finish: () => Promise<void>): Promise<void> {
  show('', true)
  try {
    await finish()
    $('mfa-form').hidden = true
  } catch (error) {
    show(describe(error), true)
  }
}

$('mfa-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const typed = String(new FormData(event.target as HTMLFormElement).get('code')).trim()
  // Six digits are a TOTP code; anything else is taken for a recovery code.
  await secondStep(() =>
    client.completeMfa(/^\d{6}$/.test(typed) ? { code: typed } : { recoveryCode: typed }),
  )
})

$('mfa-passkey').addEventListener('click', () => secondStep(() => completeMfaWithPasskey(client)))

$('passkey-login').addEventListener('click', async () => {
  show('', true)
  try {
    await loginWithPasskey(client)
  } catch (error) {
    show(describe(error), true)
  }
})

/** The logged-in user's second factors, in one line. */
async function renderFactors(): Promise<void> {
  const status = await client.mfa.status()
  const parts = [
    status.totp ? 'authenticator app on' : 'no authenticator app',
    `${status.passkeys} passkey(s)`,
  ]
  if (status.totp || status.passkeys > 0)
    parts.push(`${status.recovery_codes_remaining} recovery code(s) left`)
  $('mfa-status').textContent = parts.join(' · ')
  $('totp-setup').hidden = status.totp
}

$('totp-setup').addEventListener('click', async () => {
  try {
    const setup = await client.mfa.setupTotp()
    // The server's own SVG, parsed as SVG (never as HTML) and checked to be one before it is shown.
    const svg = new DOMParser().parseFromString(setup.qr_svg, 'image/svg+xml').documentElement
    if (svg.nodeName !== 'svg') throw new Error('the QR code is not an SVG image')
    svg.setAttribute('role', 'img')
    svg.setAttribute('aria-label', 'QR code for your authenticator app')
    $('totp-qr').replaceChildren(document.importNode(svg, true))
    $('totp-secret').textContent = setup.secret
    $('totp-enrol').hidden = false
    clearError()
  } catch (error) {
    show(describe(error), true)
  }
})

$('totp-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    const codes = await client.mfa.confirmTotp(
      String(new FormData(event.target as HTMLFormElement).get('code')).trim(),
    )
    $('recovery-codes').replaceChildren(
      ...codes.map((code) => Object.assign(document.createElement('li'), { textContent: code })),
    )
    $('recovery').hidden = false
    $('totp-enrol').hidden = true
    await renderFactors()
    clearError()
  } catch (error) {
    show(describe(error), true)
  }
})

$('passkey-add').addEventListener('click', async () => {
  try {
    await registerPasskey(client, 'Demo passkey')
    await renderFactors()
    clearError()
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
