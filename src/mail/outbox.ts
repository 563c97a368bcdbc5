import type { Clock } from '../core/clock.js'
import type { OutboxStore } from '../store/ports.js'
import type { MailTemplates, TemplateName } from './templates.js'

/** One mail to queue: its kind, recipient and template variables. */
export interface MailRequest {
  template: TemplateName
  to: string
  variables: Readonly<Record<string, string>>
  /** Not sent after this (its link has expired); omitted: no deadline. */
  discardAfter?: Date
}

/**
 * Renders a mail and stores it in the outbox; the worker sends it. Queuing is one INSERT, and the
 * caller never waits on a mail server: a slow or failed SMTP server cannot change its answer.
 */
export class Outbox {
  constructor(
    private readonly store: OutboxStore,
    private readonly templates: MailTemplates,
    private readonly clock: Clock,
    /** Told after each queued mail (the worker sends at once instead of at its next poll). */
    private readonly onQueued: () => void = () => {},
  ) {}

  async queue(mail: MailRequest): Promise<void> {
    const rendered = this.templates.render(mail.template, { email: mail.to, ...mail.variables })
    await this.store.enqueue(
      { ...rendered, to: mail.to, kind: mail.template, discardAfter: mail.discardAfter ?? null },
      new Date(this.clock.now()),
    )
    this.onQueued()
  }
}
