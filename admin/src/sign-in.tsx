/** Sign-in: the password step, then the second factor when the server answers `mfa_required`. */
import type { MfaMethod } from '@tessera/client'
import { completeMfaWithPasskey } from '@tessera/client/passkeys'
import { useAuth } from '@tessera/react'
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react'
import type { PageConfig } from './config.js'
import { ErrorNote, Field } from './ui.js'

const LOGIN_LABELS: Record<string, string> = {
  username: 'Username',
  email: 'E-mail address',
  username_or_email: 'Username or e-mail address',
}

/** Six digits: a code from the authenticator app; anything else: a recovery code. */
const isTotpCode = (text: string): boolean => /^\d{6}$/.test(text.replace(/\s/g, ''))

/** Whether the account has a factor typed as a code (TOTP or a recovery code). */
const hasCode = (methods: readonly MfaMethod[]): boolean =>
  methods.includes('totp') || methods.includes('recovery_code')

/** What the second step asks for, naming only the methods this account has. */
function instruction(methods: readonly MfaMethod[]): string {
  if (!hasCode(methods)) return 'Use your passkey to finish signing in.'
  const codes = [
    ...(methods.includes('totp') ? ['the six-digit code from your authenticator app'] : []),
    ...(methods.includes('recovery_code') ? ['one of your recovery codes'] : []),
  ]
  return `Enter ${codes.join(', or ')}${methods.includes('webauthn') ? ', or use a passkey' : ''}.`
}

export function SignIn({ config }: { config: PageConfig }): ReactNode {
  const { login, completeMfa, client } = useAuth()
  const [methods, setMethods] = useState<MfaMethod[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const codeRef = useRef<HTMLInputElement>(null)
  const passkeyRef = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (methods !== null) (codeRef.current ?? passkeyRef.current)?.focus()
  }, [methods])

  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await work()
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }

  const onPassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    void run(async () => {
      const result = await login(String(form.get('login') ?? ''), String(form.get('password') ?? ''))
      if (result.status === 'mfa_required') setMethods(result.methods)
    })
  }

  const onCode = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const code = String(new FormData(event.currentTarget).get('code') ?? '').trim()
    void run(async () => {
      await completeMfa(isTotpCode(code) ? { code: code.replace(/\s/g, '') } : { recoveryCode: code })
    })
  }

  const onPasskey = () =>
    void run(async () => {
      await completeMfaWithPasskey(client)
    })

  const restart = () => {
    setMethods(null)
    setError(null)
  }

  return (
    <main className="sign-in">
      <h1>Tessera admin</h1>
      {methods === null ? (
        <form key="password" onSubmit={onPassword} data-testid="sign-in-form" aria-label="Sign in">
          <h2>Sign in</h2>
          <p>For staff and superusers.</p>
          <Field
            label={LOGIN_LABELS[config.loginField] ?? 'Username'}
            name="login"
            autoComplete="username"
            required
            data-testid="login"
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            data-testid="password"
          />
          <ErrorNote error={error} />
          <button type="submit" disabled={busy} data-testid="sign-in">
            Sign in
          </button>
        </form>
      ) : (
        <form key="code" onSubmit={onCode} data-testid="mfa-form" aria-label="Second factor">
          <h2>Second factor</h2>
          <p data-testid="mfa-instruction">{instruction(methods)}</p>
          {/* A passkey-only account has no code to type: no field that would demand one. */}
          {hasCode(methods) ? (
            <Field
              ref={codeRef}
              label="Code"
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              required
              data-testid="mfa-code"
            />
          ) : null}
          <ErrorNote error={error} />
          <div className="actions">
            {hasCode(methods) ? (
              <button type="submit" disabled={busy} data-testid="mfa-submit">
                Continue
              </button>
            ) : null}
            {methods.includes('webauthn') ? (
              <button
                ref={passkeyRef}
                type="button"
                disabled={busy}
                onClick={onPasskey}
                data-testid="mfa-passkey"
              >
                Use a passkey
              </button>
            ) : null}
            <button type="button" className="link" onClick={restart}>
              Start again
            </button>
          </div>
        </form>
      )}
    </main>
  )
}
