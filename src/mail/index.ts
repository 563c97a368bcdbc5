/**
 * The mail room: templates, transports, the outbox and the worker that empties it. It knows
 * nothing of accounts; `accounts` asks for mail through its `AccountMailer` port, which the
 * composition root fills with `Outbox.queue`.
 */
export { Outbox, type MailRequest } from './outbox.js'
export { describeSmtpUrl, smtpOptions } from './smtp-url.js'
export { MailTemplates, TEMPLATE_NAMES, TEMPLATE_VARIABLES, type TemplateName } from './templates.js'
export {
  ConsoleTransport,
  type MailLogger,
  type MailMessage,
  type MailTransport,
  MemoryTransport,
  SmtpTransport,
} from './transports.js'
export { OutboxWorker, type OutboxWorkerOptions } from './worker.js'
