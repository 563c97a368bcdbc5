/**
 * `EMAIL_URL` as nodemailer options. `smtp://` upgrades with STARTTLS and refuses a server that
 * does not offer it (`requireTLS`), unless the URL says `?requireTLS=false`; `smtps://` is TLS from
 * the first byte (port 465). `tls.rejectUnauthorized=false` accepts a self-signed certificate
 * (tests, a relay on the same host).
 */
import type { SMTPTransportOptions } from 'nodemailer'

/** What every delivery may take at most: no outbox lease ever runs out while a send is alive. */
export const SMTP_TIMEOUTS_MS = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const

export function smtpOptions(url: string): SMTPTransportOptions {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'smtps:'
  const flag = (name: string): boolean | undefined => {
    const value = parsed.searchParams.get(name)
    return value === null ? undefined : value !== 'false' && value !== '0'
  }
  const rejectUnauthorized = flag('tls.rejectUnauthorized')
  const user = decodeURIComponent(parsed.username)
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    requireTLS: !secure && (flag('requireTLS') ?? true),
    ...(user === '' ? {} : { auth: { user, pass: decodeURIComponent(parsed.password) } }),
    ...(rejectUnauthorized === undefined ? {} : { tls: { rejectUnauthorized } }),
    connectionTimeout: SMTP_TIMEOUTS_MS.connection,
    greetingTimeout: SMTP_TIMEOUTS_MS.greeting,
    socketTimeout: SMTP_TIMEOUTS_MS.socket,
  }
}

/** The URL without its password: what logs may say about the server. */
export function describeSmtpUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}
