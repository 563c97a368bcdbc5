/**
 * A real SMTP server in the test process (smtp-server, STARTTLS with its built-in self-signed
 * certificate, AUTH required), with what arrives parsed by mailparser. It can be stopped and
 * started again on the same port: an SMTP outage.
 */
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export const SMTP_USER = 'mailer'
export const SMTP_PASSWORD = 'smtp-Pa55word-never-logged'

export interface TestSmtp {
  readonly port: number
  /** EMAIL_URL for Tessera: credentials, STARTTLS required, the self-signed certificate accepted. */
  readonly url: string
  /** Every message received, in order. */
  readonly messages: ParsedMail[]
  /** Resolves once at least `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>
  /** Messages to `address` (case-insensitive). */
  to(address: string): ParsedMail[]
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ParsedMail[] = []
  let port = 0
  let server: SMTPServer | undefined
  const listen = async () => {
    const created = new SMTPServer({
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
          return callback(null, { user: auth.username })
        return callback(new Error('Invalid username or password'))
      },
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            messages.push(parsed)
            callback()
          })
          .catch(callback)
      },
    })
    created.on('error', () => {})
    await new Promise<void>((resolve) => created.listen(port, '127.0.0.1', resolve))
    const address = created.server.address()
    if (address !== null && typeof address === 'object') port = address.port
    server = created
  }
  await listen()
  return {
    get port() {
      return port
    },
    get url() {
      return `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}?tls.rejectUnauthorized=false`
    },
    messages,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${messages.length}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      return messages
    },
    to(address) {
      return messages.filter((message) =>
        (Array.isArray(message.to) ? message.to : message.to ? [message.to] : []).some((to) =>
          to.value.some((entry) => entry.address?.toLowerCase() === address.toLowerCase()),
        ),
      )
    },
    async stop() {
      const closing = server
      server = undefined
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()))
    },
    async start() {
      if (server === undefined) await listen()
    },
  }
}

/** The token of the first link in a mail's text body (`#token=…`). */
export function tokenIn(mail: ParsedMail): string {
  const match = /#token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')
  if (!match?.[1]) throw new Error(`no link token in: ${mail.text}`)
  return match[1]
}

/** The first link in a mail's text body. */
export function linkIn(mail: ParsedMail): URL {
  const match = /(https?:\/\/\S+#token=[A-Za-z0-9_-]{43})/.exec(mail.text ?? '')
  if (!match?.[1]) throw new Error(`no link in: ${mail.text}`)
  return new URL(match[1])
}
