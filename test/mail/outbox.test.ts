/**
 * The outbox on SQLite and PostgreSQL: leases hand each message to one claimer across two
 * connections (two instances), a dead claimer's lease runs out, failures back off exponentially
 * and end given up; the worker delivers through a transport and survives its failures.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { MailTemplates, MemoryTransport, Outbox, OutboxWorker } from '../../src/mail/index.js'
import type { OutgoingMail } from '../../src/store/ports.js'
import { migrateToLatest, openStores, type SqlStores } from '../../src/store/sql/index.js'
import { BACKENDS, type Backend, freshPgSchema } from '../helpers/server.js'

const mail = (n: number, discardAfter: Date | null = null): OutgoingMail => ({
  to: `user${n}@example.com`,
  subject: `subject ${n}`,
  text: `text ${n}`,
  html: `<p>html ${n}</p>`,
  kind: 'password_reset',
  discardAfter,
})

/** Two stores on one database: two instances of the server. */
async function twoInstances(
  backend: Backend,
): Promise<{ a: SqlStores; b: SqlStores; dispose: () => Promise<void> }> {
  let url: string
  let drop = async () => {}
  const dir = mkdtempSync(join(tmpdir(), 'tessera-outbox-'))
  if (backend === 'postgres') {
    const schema = await freshPgSchema()
    url = schema.url
    drop = schema.drop
  } else {
    url = `sqlite:${join(dir, 'db.sqlite3')}`
  }
  const a = await openStores(url)
  await migrateToLatest(a.db)
  const b = await openStores(url)
  return {
    a,
    b,
    async dispose() {
      await a.destroy()
      await b.destroy()
      await drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

for (const backend of BACKENDS) {
  describe(`outbox store (${backend})`, () => {
    it('concurrent claims from two instances hand every message to exactly one of them', async () => {
      const { a, b, dispose } = await twoInstances(backend)
      cleanups.push(dispose)
      const now = new Date(1_700_000_000_000)
      for (let n = 0; n < 40; n++) await a.outbox.enqueue(mail(n), now)
      const lease = new Date(now.getTime() + 60_000)
      const rounds = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? a : b).outbox.claimDue(now, lease, `owner-${i}`, 10),
        ),
      )
      const ids = rounds.flat().map((claimed) => claimed.id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.length).toBe(40)
      for (const claimed of rounds.flat()) expect(claimed.attempts).toBe(1)
      // Leased: nothing left to claim until the leases run out.
      expect(await b.outbox.claimDue(now, lease, 'late', 10)).toEqual([])
    })

    it("a claimer that dies leaves the message to another once its lease has run out; only the holder's outcome counts", async () => {
      const { a, b, dispose } = await twoInstances(backend)
      cleanups.push(dispose)
      const now = 1_700_000_000_000
      await a.outbox.enqueue(mail(1), new Date(now))
      const [first] = await a.outbox.claimDue(new Date(now), new Date(now + 1000), 'dead', 5)
      expect(first?.attempts).toBe(1)
      expect(await b.outbox.claimDue(new Date(now + 999), new Date(now + 5000), 'alive', 5)).toEqual([])
      const [second] = await b.outbox.claimDue(new Date(now + 1000), new Date(now + 5000), 'alive', 5)
      expect(second).toMatchObject({ id: first?.id, attempts: 2, to: 'user1@example.com', text: 'text 1' })
      // The dead claimer's late word changes nothing.
      await a.outbox.delivered(first?.id ?? 0, 'dead')
      expect(await a.outbox.pending()).toBe(1)
      await b.outbox.delivered(second?.id ?? 0, 'alive')
      expect(await a.outbox.pending()).toBe(0)
    })

    it('a failure is retried from its retry time; given up, the message keeps no body; expired links are dropped unsent', async () => {
      const { a, dispose } = await twoInstances(backend)
      cleanups.push(dispose)
      const now = 1_700_000_000_000
      await a.outbox.enqueue(mail(1), new Date(now))
      await a.outbox.enqueue(mail(2, new Date(now + 10_000)), new Date(now))
      const claimed = await a.outbox.claimDue(new Date(now), new Date(now + 60_000), 'w', 5)
      expect(claimed.map((m) => m.to)).toEqual(['user1@example.com', 'user2@example.com'])
      for (const m of claimed) await a.outbox.failed(m.id, 'w', new Date(now + 20_000), 'connection refused')
      expect(await a.outbox.claimDue(new Date(now + 19_999), new Date(now + 60_000), 'w', 5)).toEqual([])
      // user2's link expired at +10 s: dropped rather than sent.
      const [again] = await a.outbox.claimDue(new Date(now + 20_000), new Date(now + 60_000), 'w', 5)
      expect(again).toMatchObject({ to: 'user1@example.com', attempts: 2 })
      await a.outbox.failed(again?.id ?? 0, 'w', null, 'given up')
      expect(await a.outbox.pending()).toBe(0)
      const row = await a.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      expect(row).toMatchObject({ due_at: null, text_body: '', html_body: '', last_error: 'given up' })
      expect(await a.outbox.claimDue(new Date(now + 10_000_000), new Date(now + 20_000_000), 'w', 5)).toEqual(
        [],
      )
    })
  })

  describe(`outbox worker (${backend})`, () => {
    it('delivers queued mail, backs off exponentially while the transport fails, and gives up after the last attempt', async () => {
      const { a, dispose } = await twoInstances(backend)
      cleanups.push(dispose)
      const clock = new ManualClock(1_700_000_000_000)
      const transport = new MemoryTransport()
      const outcomes: string[] = []
      const worker = new OutboxWorker({
        store: a.outbox,
        transport,
        clock,
        from: 'from@example.com',
        maxAttempts: 3,
        retryDelayMs: 10_000,
        pollMs: 60_000,
        onOutcome: (outcome) => outcomes.push(outcome),
      })
      cleanups.push(() => worker.stop())
      const outbox = new Outbox(a.outbox, MailTemplates.load(null), clock, () => worker.kick())
      worker.start()
      transport.failing = true
      await outbox.queue({
        template: 'signup_existing',
        to: 'owner@example.com',
        variables: { username: 'owner' },
      })
      await worker.idle()
      expect(outcomes).toEqual(['retry'])
      const dueAfterFirst = (await a.db.selectFrom('mail_outbox').select('due_at').executeTakeFirstOrThrow())
        .due_at
      expect(dueAfterFirst).toBe(clock.now() + 10_000)
      clock.advance(10)
      worker.kick()
      await worker.idle()
      expect(outcomes).toEqual(['retry', 'retry'])
      const dueAfterSecond = (await a.db.selectFrom('mail_outbox').select('due_at').executeTakeFirstOrThrow())
        .due_at
      expect(dueAfterSecond).toBe(clock.now() + 20_000)
      // Recovered: the next attempt delivers, once.
      transport.failing = false
      clock.advance(20)
      worker.kick()
      await worker.idle()
      expect(outcomes).toEqual(['retry', 'retry', 'delivered'])
      expect(transport.sent).toHaveLength(1)
      expect(transport.sent[0]).toMatchObject({ from: 'from@example.com', to: 'owner@example.com' })
      expect(await a.outbox.pending()).toBe(0)

      transport.failing = true
      await outbox.queue({
        template: 'signup_existing',
        to: 'other@example.com',
        variables: { username: 'other' },
      })
      for (let i = 0; i < 3; i++) {
        await worker.idle()
        clock.advance(3600)
        worker.kick()
      }
      await worker.idle()
      expect(outcomes.slice(3)).toEqual(['retry', 'retry', 'given_up'])
      expect(await a.outbox.pending()).toBe(0)
    })
  })
}

describe('templates', () => {
  it('escapes values in HTML, keeps subjects on one line, and takes an operator override', async () => {
    const rendered = MailTemplates.load(null).render('password_reset', {
      username: '<b>mallory</b>',
      link: 'https://app.example.com/x#token=abc',
      valid_for: '1 hour',
      email: 'm@example.com',
    })
    expect(rendered.text).toContain('Hello <b>mallory</b>,')
    expect(rendered.html).toContain('Hello &#60;b&#62;mallory&#60;/b&#62;,')
    expect(rendered.html).not.toContain('<b>mallory')

    const { writeFileSync } = await import('node:fs')
    const dir = mkdtempSync(join(tmpdir(), 'tessera-templates-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'password_reset.subject.txt'), 'Acme: {{username}}\nignored')
    writeFileSync(join(dir, 'password_reset.txt'), 'Go to {{link}} ({{valid_for}})')
    const custom = MailTemplates.load(dir).render('password_reset', {
      username: 'ann\r\nBcc: x@evil.example',
      link: 'L',
      valid_for: '1 hour',
    })
    expect(custom.subject).toBe('Acme: ann Bcc: x@evil.example')
    expect(custom.text).toBe('Go to L (1 hour)')
    // Files not overridden keep the built-in text.
    expect(custom.html).toContain('Reset your password')

    writeFileSync(join(dir, 'email_verify.html'), '<p>{{password}}</p>')
    expect(() => MailTemplates.load(dir)).toThrow(/email_verify\.html uses \{\{password\}\}/)
    expect(() => MailTemplates.load(join(dir, 'missing'))).toThrow(/EMAIL_TEMPLATES_DIR/)
  })
})
