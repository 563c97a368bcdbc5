/**
 * Where messages go: SMTP through nodemailer, the server log (development), or memory (tests).
 * A transport delivers one message or throws; retries are the worker's job.
 */
import nodemailer from 'nodemailer'
import { describeSmtpUrl, smtpOptions } from './smtp-url.js'

export interface MailMessage {
  from: string
  to: string
  subject: string
  text: string
  html: string
}

export interface MailTransport {
  /** What the operator may read about it (never a password). */
  readonly description: string
  send(message: MailMessage): Promise<void>
  close(): Promise<void>
}

/** The part of a pino logger the console transport writes to. */
export interface MailLogger {
  info(object: object, message: string): void
}

/**
 * Development: each message, link included, as one log line. The text body is logged under
 * `mail.body` (the logger redacts fields named `token`, not message text).
 */
export class ConsoleTransport implements MailTransport {
  readonly description = 'console (the server log)'
  constructor(private readonly logger: MailLogger | undefined) {}

  async send(message: MailMessage): Promise<void> {
    this.logger?.info(
      { mail: { from: message.from, to: message.to, subject: message.subject, body: message.text } },
      `mail to ${message.to}: ${message.subject}\n${message.text}`,
    )
  }

  async close(): Promise<void> {}
}

/** Tests: messages kept in order; `failing` makes every send throw (an outage). */
export class MemoryTransport implements MailTransport {
  readonly description = 'memory'
  readonly sent: MailMessage[] = []
  failing = false

  async send(message: MailMessage): Promise<void> {
    if (this.failing) throw new Error('memory transport is failing')
    this.sent.push(message)
  }

  async close(): Promise<void> {}
}

/** SMTP with STARTTLS (or implicit TLS), one connection per message. */
export class SmtpTransport implements MailTransport {
  readonly description: string
  readonly #transporter: ReturnType<typeof nodemailer.createTransport>
  readonly #password: string

  constructor(url: string) {
    const options = smtpOptions(url)
    this.#transporter = nodemailer.createTransport(options)
    this.#password = options.auth && 'pass' in options.auth ? (options.auth.pass ?? '') : ''
    this.description = `smtp ${describeSmtpUrl(url)}`
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.#transporter.sendMail(message)
    } catch (error) {
      // A server may echo what it was sent; the password never leaves in an error message.
      const text = error instanceof Error ? error.message : String(error)
      throw new Error(this.#password === '' ? text : text.replaceAll(this.#password, '***'))
    }
  }

  async close(): Promise<void> {
    this.#transporter.close()
  }
}
